"""The team's settings: the target of every stage's clock, the event's dates, the alert.

Team settings are shared like everything else: change records on the reserved
record :data:`~careterm.core.vocabulary.TEAM_RECORD` (``"~team"``), op ``set``,
one key per setting, folded last-writer-wins per key with the history kept
(:class:`careterm.core.model.TeamRecord`). So any member may change them, the
change syncs through the shared folder, and the record says who changed what
when (old → new).

Values are stored in plain JSON: durations as whole seconds, dates as ISO
``YYYY-MM-DD`` (or ``None``), the alert as a boolean. A value this version
cannot read (a newer careterm, a damaged record) falls back to the default
rather than stopping the board. :class:`TeamSettings` is what every face reads
(:meth:`careterm.store.store.Store.team_settings`).

Parsing is for people: ``10m``, ``12h``, ``1d``, ``90s`` (or combined:
``1h30m``); an event as ``2027-06-02..2027-06-06`` (``none`` clears it);
``on``/``off`` for the alert. A bad value raises
:class:`~careterm.errors.InvalidInput` with one sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from careterm.core.vocabulary import URGENCIES
from careterm.errors import InvalidInput

DURATION_KEYS = ("ack", "review", "needs_info", "inform")
"""Settings that are a stage's target time, in the workflow's order."""
SETTING_KEYS = (*DURATION_KEYS, "event_start", "event_end", "critical_alert", "retention",
                "evidence_limit_mb", "mail_urgency")
"""Every key of the team record's ``set`` changes, in display order."""
SETTING_LABELS = {
    "ack": "acknowledge within",
    "review": "review within (after acknowledgement)",
    "needs_info": "collect information within",
    "inform": "inform the reporter within (after the decision)",
    "event_start": "event starts",
    "event_end": "event ends",
    "critical_alert": "alert for a new critical report",
    "retention": "erase closed reports' personal fields this long after the event",
    "evidence_limit_mb": "largest evidence file",
    "mail_urgency": "urgency of a report that arrives by e-mail",
}
DEFAULTS: dict[str, Any] = {
    "ack": 15 * 60, "review": 12 * 3600, "needs_info": 6 * 3600, "inform": 24 * 3600,
    "event_start": None, "event_end": None, "critical_alert": True, "retention": None,
    "evidence_limit_mb": 20, "mail_urgency": "medium",
}
"""Stored form of every setting's default."""

MAX_DURATION = timedelta(days=60)
"""The longest target accepted (a typo such as ``100d`` is refused, not obeyed)."""

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d{1,6})\s*([smhd])")


def parse_duration(text: str, name: str = "duration") -> timedelta:
    """``90s``, ``10m``, ``12h``, ``1d``, ``1h30m`` → a timedelta (at least a minute)."""
    cleaned = (text or "").strip().lower().replace(" ", "")
    if not cleaned or not re.fullmatch(r"(\d{1,6}[smhd])+", cleaned):
        raise InvalidInput(f"{name}: {text!r} is not a duration like 90s, 10m, 12h or 1d")
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _DURATION.findall(cleaned))
    if seconds < 60:
        raise InvalidInput(f"{name}: a target shorter than a minute cannot be met")
    if seconds > MAX_DURATION.total_seconds():
        raise InvalidInput(f"{name}: {text!r} is longer than the 60 days accepted")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """A target in the form people type it: ``15m``, ``12h``, ``1d``, ``1h30m``."""
    seconds = int(delta.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def parse_event(text: str) -> tuple[date | None, date | None]:
    """``2027-06-02..2027-06-06`` → (start, end); ``none`` → (None, None)."""
    cleaned = (text or "").strip()
    if cleaned.lower() in ("none", "off", "-"):
        return None, None
    start_text, sep, end_text = cleaned.partition("..")
    try:
        start = date.fromisoformat(start_text.strip())
        end = date.fromisoformat(end_text.strip()) if sep else start
    except ValueError:
        raise InvalidInput(f"event: {text!r} is not dates like 2027-06-02..2027-06-06"
                           ) from None
    if end < start:
        raise InvalidInput("event: the last day is before the first")
    return start, end


def parse_switch(text: str, name: str) -> bool:
    """``on``/``off`` (also yes/no, true/false) → bool."""
    word = (text or "").strip().lower()
    if word in ("on", "yes", "true", "1"):
        return True
    if word in ("off", "no", "false", "0"):
        return False
    raise InvalidInput(f"{name}: {text!r} is not on or off")


@dataclass(frozen=True)
class TeamSettings:
    """The team's settings as every face reads them (defaults for anything unset)."""

    ack: timedelta = timedelta(minutes=15)
    """Acknowledge a new report within this (since it was taken)."""
    review: timedelta = timedelta(hours=12)
    """Review an acknowledged report within this (since the acknowledgement)."""
    needs_info: timedelta = timedelta(hours=6)
    """Collect the information a ``needs-info`` report waits for within this."""
    inform: timedelta = timedelta(hours=24)
    """Tell the reporter the outcome within this (since the resolution)."""
    event_start: date | None = None
    event_end: date | None = None
    critical_alert: bool = True
    """A new critical report raises a toast and the terminal's bell in the app."""
    retention: timedelta | None = None
    """Closed reports' personal fields are due for erasure this long after the event's
    last day (``careterm retention --apply``, :mod:`careterm.actions.erase`)."""
    evidence_limit_mb: int = 20
    """The largest file kept as evidence, in MB (:mod:`careterm.actions.evidence`)."""
    mail_urgency: str = "medium"
    """The urgency of a report made from an e-mail (:mod:`careterm.actions.mail`)."""

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> TeamSettings:
        """From stored values (the team record's winners); unreadable ones are defaults."""
        kwargs: dict[str, Any] = {}
        for key in DURATION_KEYS:
            value = values.get(key)
            if type(value) in (int, float) and 0 < value <= MAX_DURATION.total_seconds():
                kwargs[key] = timedelta(seconds=value)
        for key in ("event_start", "event_end"):
            value = values.get(key)
            if isinstance(value, str):
                try:
                    kwargs[key] = date.fromisoformat(value)
                except ValueError:
                    pass
        if type(values.get("critical_alert")) is bool:
            kwargs["critical_alert"] = values["critical_alert"]
        retention = values.get("retention")
        if type(retention) is int and 0 < retention <= MAX_RETENTION.total_seconds():
            kwargs["retention"] = timedelta(seconds=retention)
        limit = values.get("evidence_limit_mb")
        if type(limit) is int and 0 < limit <= MAX_EVIDENCE_MB:
            kwargs["evidence_limit_mb"] = limit
        if values.get("mail_urgency") in URGENCIES:
            kwargs["mail_urgency"] = values["mail_urgency"]
        return cls(**kwargs)

    def values(self) -> dict[str, Any]:
        """The stored form of every setting."""
        return {
            **{key: int(getattr(self, key).total_seconds()) for key in DURATION_KEYS},
            "event_start": self.event_start.isoformat() if self.event_start else None,
            "event_end": self.event_end.isoformat() if self.event_end else None,
            "critical_alert": self.critical_alert,
            "retention": int(self.retention.total_seconds()) if self.retention else None,
            "evidence_limit_mb": self.evidence_limit_mb,
            "mail_urgency": self.mail_urgency,
        }

    def target(self, key: str) -> timedelta:
        """The target of a duration key (``ack``, ``review``, ``needs_info``, ``inform``)."""
        value: timedelta = getattr(self, key)
        return value


def describe_setting(key: str, value: Any) -> str:
    """A stored value as people read it (``15m``, ``2027-06-02``, ``on``, ``not set``)."""
    if key in DURATION_KEYS:
        if type(value) in (int, float):
            return format_duration(timedelta(seconds=value))
        return format_duration(TeamSettings().target(key))
    if key == "critical_alert":
        return "off" if value is False else "on"
    if key == "retention":
        return format_duration(timedelta(seconds=value)) if type(value) is int else "not set"
    if key == "evidence_limit_mb":
        return f"{value if type(value) is int else TeamSettings().evidence_limit_mb} MB"
    if key == "mail_urgency":
        return str(value or TeamSettings().mail_urgency)
    return str(value) if value else "not set"


def parse_changes(*, ack: str | None = None, review: str | None = None,
                  needs_info: str | None = None, inform: str | None = None,
                  event: str | None = None, critical_alert: str | None = None,
                  retention: str | None = None, evidence_limit: str | None = None,
                  mail_urgency: str | None = None) -> dict[str, Any]:
    """The stored values for what was typed (only the settings given); raises on the
    first bad value, so nothing is written when any is wrong."""
    changes: dict[str, Any] = {}
    typed = {"ack": ack, "review": review, "needs_info": needs_info, "inform": inform}
    for key, text in typed.items():
        if text is not None:
            name = "--" + key.replace("_", "-")
            changes[key] = int(parse_duration(text, name).total_seconds())
    if event is not None:
        start, end = parse_event(event)
        changes["event_start"] = start.isoformat() if start else None
        changes["event_end"] = end.isoformat() if end else None
    if critical_alert is not None:
        changes["critical_alert"] = parse_switch(critical_alert, "--critical-alert")
    if retention is not None:
        changes["retention"] = parse_retention(retention)
    if evidence_limit is not None:
        changes["evidence_limit_mb"] = parse_megabytes(evidence_limit)
    if mail_urgency is not None:
        word = mail_urgency.strip().lower()
        if word not in URGENCIES:
            raise InvalidInput(f"--mail-urgency: {mail_urgency!r} is not one of "
                               f"{', '.join(URGENCIES)}")
        changes["mail_urgency"] = word
    return changes


MAX_EVIDENCE_MB = 200
"""The largest evidence limit accepted (the shared folder carries every file)."""


def parse_megabytes(text: str) -> int:
    """``20`` or ``20MB`` → 20 (whole megabytes, 1 to :data:`MAX_EVIDENCE_MB`)."""
    match = re.fullmatch(r"(\d{1,4})\s*(mb|m)?", (text or "").strip().lower())
    if not match or not 0 < int(match.group(1)) <= MAX_EVIDENCE_MB:
        raise InvalidInput(f"--evidence-limit: {text!r} is not a size like 20MB (1 to "
                           f"{MAX_EVIDENCE_MB} MB)")
    return int(match.group(1))


MAX_RETENTION = timedelta(days=3650)


def parse_retention(text: str) -> int | None:
    """``90d`` (days; ``none`` clears) → seconds, or ``None``."""
    cleaned = (text or "").strip().lower()
    if cleaned in ("none", "off", "-"):
        return None
    match = re.fullmatch(r"(\d{1,4})d", cleaned)
    if not match or not 0 < int(match.group(1)) <= MAX_RETENTION.days:
        raise InvalidInput(f"--retention: {text!r} is not a number of days like 90d "
                           "(at most 3650d; 'none' clears it)")
    return int(match.group(1)) * 86400
