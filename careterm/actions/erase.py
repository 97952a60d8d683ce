"""Erasing fields of a report on this laptop (``careterm erase``, ``careterm retention``).

:func:`erase` records the erasure as a change (it syncs like any other, and says who,
when, why and which fields: :mod:`careterm.core.erasure`) and carries it out on this
laptop's home at once (:func:`careterm.store.compact.scrub_home`: store history,
snapshot and journal, evidence files, draft). The shared folder follows at the next
sync (:mod:`careterm.team.erasure`): this laptop rewrites its own files there, every
other laptop its own when the erasure reaches it.

Retention (:func:`due_for_retention`): the team setting ``retention`` (days after the
event's last day, :class:`careterm.core.settings.TeamSettings`) makes every *closed*
report's personal fields due for erasure once that time has passed; a report already
erased entirely is not listed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from careterm.core.erasure import ERASABLE, ERASE_OP, check_reason, erase_data, read_erasure
from careterm.core.model import Incident
from careterm.errors import InvalidInput
from careterm.store.compact import Scrubbed, scrub_home
from careterm.store.store import Store


@dataclass
class Erased:
    """What :func:`erase` did."""

    incident_id: str
    fields: tuple[str, ...]
    cid: str
    scrubbed: Scrubbed


def erased_fields(incident: Incident) -> set[str]:
    """Every field some erasure of the report erased."""
    found: set[str] = set()
    for entry in incident.entries.get(ERASE_OP, ()):
        erasure = read_erasure({"op": ERASE_OP, "cid": entry.cid, "inc": incident.id,
                                "dev": entry.key[1], "hlc": entry.key[0], "data": entry.data})
        if erasure is not None:
            found.update(erasure.fields)
    return found


def erase(store: Store, incident_id: str, fields: tuple[str, ...], reason: str) -> Erased:
    """Record the erasure of ``fields`` of the report and carry it out on this laptop."""
    reason = check_reason(reason)
    if not fields:
        raise InvalidInput("erase: name at least one field")
    incident = store.get(incident_id)
    made: list[dict[str, Any]] = []

    def build(maker: Any) -> None:
        made.append(maker.add(incident.id, ERASE_OP, erase_data(fields, reason)))

    store.transact(build)
    scrubbed = scrub_home(store)
    return Erased(incident.id, fields, made[0]["cid"], scrubbed)


def due_for_retention(store: Store, now: datetime) -> list[tuple[Incident, tuple[str, ...]]]:
    """Closed reports past the team's retention time, with the fields still to erase
    (none when no retention or no event end is set)."""
    settings = store.team_settings()
    retention = settings.retention
    if retention is None or settings.event_end is None:
        return []
    ends = datetime.combine(settings.event_end, datetime.max.time(), tzinfo=now.tzinfo)
    if now < ends + retention:
        return []
    due = []
    for incident in sorted(store.incidents().values(), key=lambda i: i.id):
        if incident.is_open or incident.recused:
            continue
        left = tuple(name for name in ERASABLE if name not in erased_fields(incident))
        if left:
            due.append((incident, left))
    return due
