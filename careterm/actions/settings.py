"""Changing the team's settings: one ``set`` change on the team record, synced like a report.

Any member may change a setting (the guide's team decides together; careterm
records who changed what, it does not gate it). Only the settings that really
change are written, in one change record on
:data:`~careterm.core.vocabulary.TEAM_RECORD`, so the record's history is the
settings' timeline: who, when, old → new (:func:`settings_timeline`).
Every value is checked before anything is written (:func:`careterm.core.settings.parse_changes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from careterm.core.settings import DEFAULTS, SETTING_KEYS, describe_setting
from careterm.core.vocabulary import TEAM_RECORD
from careterm.store.store import ChangeMaker, Store


@dataclass(frozen=True)
class SettingChange:
    """One setting as a change moved it: ``old`` → ``new`` (stored values)."""

    key: str
    old: Any
    new: Any

    def describe(self) -> str:
        """``ack: 15m → 10m``."""
        return (f"{self.key}: {describe_setting(self.key, self.old)} → "
                f"{describe_setting(self.key, self.new)}")


def change_settings(store: Store, values: dict[str, Any]) -> list[SettingChange]:
    """Record the settings in ``values`` (stored form, already checked) that differ from
    the team's current ones; return what changed (empty: nothing was written)."""
    made: list[SettingChange] = []

    def build(maker: ChangeMaker) -> None:
        current = {**DEFAULTS, **store.team_record().values}
        data = {key: value for key, value in values.items()
                if key in SETTING_KEYS and current.get(key) != value}
        if data:
            maker.add(TEAM_RECORD, "set", data)
            made.extend(SettingChange(key, current.get(key), value)
                        for key, value in data.items())

    store.transact(build)
    return made


@dataclass(frozen=True)
class SettingNow:
    """A setting's current value and who last changed it (``by``/``at`` ``None``: the
    default, never changed)."""

    key: str
    value: Any
    by: str | None
    at: datetime | None


def current_settings(store: Store) -> list[SettingNow]:
    """Every setting in display order, with who last changed it and when."""
    history = store.team_record().history
    result = []
    for key in SETTING_KEYS:
        values = history.get(key)
        if values:
            last = values[-1]
            result.append(SettingNow(key, store.team_record().values.get(key, last.value),
                                     last.by, last.at))
        else:
            result.append(SettingNow(key, DEFAULTS[key], None, None))
    return result


def settings_timeline(store: Store) -> list[tuple[datetime | None, str, str]]:
    """Every settings change, oldest first: (when, who, ``key: old → new``)."""
    entries = []
    previous: dict[str, Any] = dict(DEFAULTS)
    for key_values in _by_change(store):
        at, by, data = key_values
        for key, value in data.items():
            entries.append((at, by, SettingChange(key, previous.get(key), value).describe()))
            previous[key] = value
    return entries


def _by_change(store: Store) -> list[tuple[datetime | None, str, dict[str, Any]]]:
    record = store.team_record()
    out = []
    for change in sorted(record.changes, key=lambda c: (c["hlc"], c["dev"], c["cid"])):
        if change["op"] != "set":
            continue
        at = datetime.fromisoformat(change["at"]) if change.get("at") else None
        out.append((at, change.get("by", ""), dict(change.get("data") or {})))
    return out
