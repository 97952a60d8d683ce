"""An incident's timeline, told from its change records.

The timeline and the history of old values come from the same records the
sync merges, so what the board shows is exactly what was recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from careterm.model import FIELD_LABELS, SOURCE_LABELS, SUPPORT_LABELS

if TYPE_CHECKING:
    from careterm.model import Incident


def describe_value(name: str, value: Any) -> str:
    """A field value as a person reads it (marks and empties spelled out)."""
    if isinstance(value, dict) and "mark" in value:
        return f"({value['mark']})"
    if value in (None, ""):
        return "(empty)"
    if name == "source":
        return SOURCE_LABELS.get(value, str(value))
    return str(value)


def timeline_entries(incident: Incident) -> list[dict[str, Any]]:
    """Entries ``{at, by, kind, text}`` in the order the changes happened."""
    entries: list[dict[str, Any]] = []
    previous: dict[str, Any] = {}
    for change in incident.changes:
        at = datetime.fromisoformat(change["at"]) if change.get("at") else None
        by = change.get("by", "")
        data = change.get("data") or {}
        op = change["op"]
        if op == "set" and "created_at" in data:
            entries.append({"at": at, "by": by, "kind": "captured", "text": "report captured"})
            previous.update(data)
            continue
        if op == "set":
            for name, value in data.items():
                if name == "when":
                    continue
                old = previous.get(name)
                previous[name] = value
                label = FIELD_LABELS.get(name, name)
                if name.startswith("support_"):
                    label = "support: " + SUPPORT_LABELS.get(name.removeprefix("support_"), name)
                entries.append({
                    "at": at, "by": by, "kind": "changed", "field": name,
                    "text": f"{label}: {describe_value(name, old)} → {describe_value(name, value)}",
                })
        elif op == "ack":
            via = data.get("via")
            entries.append({"at": at, "by": by, "kind": "acknowledged",
                            "text": "acknowledged" + (f" ({via})" if via else "")})
        elif op == "note":
            entries.append({"at": at, "by": by, "kind": "note", "text": data.get("text", "")})
        else:
            entries.append({"at": at, "by": by, "kind": op, "text": op})
    return entries
