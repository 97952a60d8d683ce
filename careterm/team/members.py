"""The team's members as this laptop knows them, for both faces.

Names typed where a member is meant (the owner of a report, the members at a
review, the ones consulted) are checked against these: an unknown name is a
warning, never a refusal (:func:`careterm.core.casework.unknown_members`). The
command line's session and the app's dialogs gather them here: this laptop's
member, the members of the laptops registered in the shared folder (not removed
or refused ones) and everyone who recorded a change. A folder out of reach (or
none set up yet) leaves what this laptop saw.
"""

from __future__ import annotations

from careterm.errors import CaretermError
from careterm.store.store import Store
from careterm.team.devices import team_devices


def known_members(store: Store) -> list[str]:
    """The team's members as this laptop knows them, in name order (case ignored)."""
    names = [store.member]
    try:
        names += [d.member for d in team_devices(store) if d.removal is None and not d.refused]
    except (CaretermError, OSError):
        pass  # no shared folder (yet), or out of reach: what this laptop saw will do
    for incident in store.incidents().values():
        names += [c.get("by", "") for c in incident.changes]
    return sorted({n for n in names if n}, key=str.casefold)
