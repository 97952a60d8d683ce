"""Linking two reports about the same person, as a member confirmed it.

:mod:`careterm.core.related` finds reports that name the same person; a member
who has read both confirms it with a link. A link is an add-only ``link`` list
entry ``{"other": ID}`` on the first report: it syncs and merges like a note,
two laptops linking at once never overwrite each other, and it is never
removed. It is read both ways (:func:`careterm.core.related.linked_ids`), so
linking A to B and B to A say the same, and the second is not written.
"""

from __future__ import annotations

from typing import Any

from careterm.core.related import linked_ids
from careterm.errors import InvalidInput
from careterm.store.store import Store


def link_reports(store: Store, incident_id: str, other_id: str) -> bool:
    """Record that two reports concern the same person; False when they already were
    linked (either way). Refuses a report linked to itself and an unknown id."""
    done: list[bool] = []

    def build(maker: Any) -> None:
        incident = store.get(incident_id)
        other = store.get(other_id)
        if other.id == incident.id:
            raise InvalidInput(f"link: {incident.id} cannot be linked to itself")
        if other.id in linked_ids(incident, store.incidents()):
            done.append(False)
            return
        maker.add(incident.id, "link", {"other": other.id})
        done.append(True)

    store.transact(build)
    return done[0]
