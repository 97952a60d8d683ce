"""An incident's timeline, told from its change records.

The timeline and the history of old values come from the same records the
sync merges, so what every view shows is exactly what was recorded. The
board's incident view, ``careterm show`` and the written-record export all
read their timeline from :func:`timeline_entries`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from careterm.core import casework, vocabulary
from careterm.core.erasure import ERASE_OP, ERASED_OP, describe, read_erasure
from careterm.core.model import Incident
from careterm.core.vocabulary import FIELD_LABELS, SOURCE_LABELS

_MARK_WORDS = {"unknown": "(unknown)", "declined": "(declined to say)"}

_TOLD_WITH_FIELDS = {
    "status_reason": ("status", "reason"),
    "resolution_forced": ("resolutions", "forced, out of order"),
}
"""Fields recorded alongside another in the same change, told as part of its line:
``status: informed → closed (reason: duplicate of 7K0002)``."""
_TOLD_WITH = {name: owner for name, (owner, _) in _TOLD_WITH_FIELDS.items()}


def describe_value(name: str, value: Any) -> str:
    """A field value as a person reads it: labels for known names, marks spelled out."""
    if isinstance(value, dict) and "mark" in value:
        return _MARK_WORDS.get(value["mark"], f"({value['mark']})")
    if value in (None, "", []):
        return "(empty)"
    if name == "source":
        return SOURCE_LABELS.get(value, str(value))
    if name == "status":
        return vocabulary.STATUS_LABELS.get(value, str(value))
    if name == "category":
        return vocabulary.CATEGORY_LABELS.get(value, str(value))
    if name == "resolutions" and isinstance(value, list):
        return ", ".join(vocabulary.RESOLUTION_LABELS.get(v, str(v)) for v in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def field_label(name: str) -> str:
    """The words for a field name (``when_text`` → ``when``)."""
    return vocabulary.CASEWORK_FIELD_LABELS.get(name, FIELD_LABELS.get(name, name))


def timeline_entries(incident: Incident) -> list[dict[str, Any]]:
    """Entries ``{at, by, kind, text}`` in the order the changes happened.

    ``at`` is the author's local time (a datetime, or ``None`` if unknown);
    ``text`` holds user text raw: the caller makes it visible.
    """
    entries: list[dict[str, Any]] = []
    previous: dict[str, Any] = {}
    for change in incident.changes:
        at = datetime.fromisoformat(change["at"]) if change.get("at") else None
        by = change.get("by", "")
        data = change.get("data") or {}
        op = change["op"]

        made: list[dict[str, Any]] = []
        if op == "set" and "created_at" in data:
            made.append({"kind": "captured", "text": "report captured"})
            previous.update(data)
        elif op == "set":
            for name, value in data.items():
                if name == "when" or name in _TOLD_WITH:
                    continue
                before, after = describe_value(name, previous.get(name)), describe_value(
                    name, value)
                previous[name] = value
                if before == after:
                    continue  # recorded alongside another change, but nothing to tell
                text = f"{field_label(name)}: {before} → {after}"
                for extra, (owner, words) in _TOLD_WITH_FIELDS.items():
                    if owner == name and data.get(extra):
                        text += f" ({words}: {data[extra]})"
                made.append({"kind": "changed", "field": name, "text": text})
        elif op == "ack":
            via = f" ({data['via']})" if data.get("via") else ""
            made.append({"kind": "acknowledged", "text": "acknowledged" + via})
        elif op == "note":
            made.append({"kind": "note", "text": str(data.get("text", ""))})
        elif op in vocabulary.ENTRY_OPS:
            made.append({"kind": op, "text": casework.describe_entry(op, data)})
        elif op == ERASE_OP:
            erasure = read_erasure(change)
            made.append({"kind": op, "text": describe(erasure) if erasure else "erased"})
        elif op == ERASED_OP:
            made.append({"kind": op, "text": "carried out the erasure on their laptop"})
        else:
            made.append({"kind": op, "text": op})
        entries.extend({"at": at, "by": by, **entry} for entry in made)
    return entries
