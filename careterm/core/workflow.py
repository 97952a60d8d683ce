"""The casework workflow: which status moves the guide allows, and what each needs first."""

from __future__ import annotations

from careterm.core.casework import needs_informing, resolutions
from careterm.core.model import Incident
from careterm.core.validate import choice_name
from careterm.core.vocabulary import STATUSES
from careterm.errors import InvalidInput


def check_status_move(incident: Incident, status: str) -> None:
    """Raise :class:`InvalidInput` unless the workflow and the record allow ``status`` now."""
    check_transition(incident.status, status)
    blocker = status_blocker(incident, status)
    if blocker:
        raise InvalidInput(blocker)


def check_transition(old: str, new: str) -> None:
    """Raise :class:`InvalidInput` unless the workflow allows moving ``old`` → ``new``.

    Forward moves are allowed (steps may be skipped); the only way back is to
    ``in-review``. Staying at the same status is allowed (it changes nothing).
    """
    new = choice_name(new, STATUSES, "status")
    if old not in STATUSES:  # a status from a newer version: let people move on
        return
    if new == old or STATUSES.index(new) > STATUSES.index(old) or new == "in-review":
        return
    raise InvalidInput(f"status: cannot go back from {old} to {new}; "
                       "a report can only go back to in-review")


def status_blocker(incident: Incident, new: str) -> str | None:
    """Why the record does not yet allow ``new`` (one line), or ``None``."""
    if new == "decided" and not resolutions(incident):
        return "decided: record the resolution first"
    if new == "informed":
        if not resolutions(incident):
            return "informed: record the resolution first"
        if needs_informing(incident):
            return "informed: record how the reporter was informed first"
    if new == "closed" and needs_informing(incident):
        return ("closed: the reporter has not been recorded as informed of the resolution; "
                "record that first (if they cannot be reached, record that as how)")
    return None
