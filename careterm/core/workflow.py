"""The casework workflow: which status moves the guide allows, and what each needs first.

:func:`check_status_move` is the rule every status change goes through (the
command line and the app alike). :func:`status_moves` lays the same rule out
for a dialog: every status, whether the workflow allows moving there from
here and, when not, why in a few words (from the same checks). Moves that take
a report off the board (:data:`OFF_BOARD`: closing) are asked for again
before they happen; :func:`closing_gaps` says what the record is missing, so
the question can say it plainly.

Guardrails, not walls (issue 13): closing needs a resolution *and* the
reporter informed of it, or an explicit reason (a duplicate, a withdrawn
report, a reporter who cannot be reached): ``careterm status ID closed
--reason TEXT``, a reason field in the app's question. The reason is
recorded with the status change (``close_reason``) and read in the timeline.
Recording a resolution on a report nobody acknowledged or reviewed, or
informing the reporter before any resolution, is out of order
(:func:`resolution_out_of_order`, :func:`inform_out_of_order`): the command
line refuses it without ``--force``, the app asks, and the record says it was
forced. Capture and notes are never checked here.
"""

from __future__ import annotations

from dataclasses import dataclass

from careterm.core.casework import informed_records, needs_informing, resolutions, review
from careterm.core.model import Incident
from careterm.core.validate import choice_name, clean_text
from careterm.core.vocabulary import OPEN_STATUSES, STATUS_LABELS, STATUSES
from careterm.errors import InvalidInput

OFF_BOARD = tuple(s for s in STATUSES if s not in OPEN_STATUSES)
"""Statuses that take a report off the board (asked for again before moving there)."""

BACK_ONLY_TO = "a report can only go back to in-review"
"""Why a backward move other than to in-review is refused."""


CLOSE_REASON_HINT = "give a reason to close it anyway (--reason TEXT)"


def check_status_move(incident: Incident, status: str, reason: str | None = None) -> None:
    """Raise :class:`InvalidInput` unless the workflow and the record allow ``status`` now
    (``reason``: why a report is closed without its resolution told to the reporter)."""
    check_transition(incident.status, status)
    blocker = status_blocker(incident, status)
    if blocker:
        raise InvalidInput(blocker)
    if status == "closed" and not clean_text(reason, "reason"):
        missing = closing_needs_reason(incident)
        if missing:
            raise InvalidInput(f"closed: {'; '.join(missing)}; {CLOSE_REASON_HINT}")


def closing_needs_reason(incident: Incident) -> tuple[str, ...]:
    """What keeps ``incident`` from closing without a reason (empty: it may close): no
    resolution recorded, the reporter not informed of it."""
    gaps = []
    if not resolutions(incident):
        gaps.append("no resolution recorded")
    if not informed_records(incident) or needs_informing(incident):
        gaps.append("the reporter was not informed" if not informed_records(incident)
                    else "the reporter was not informed of the current resolution")
    return tuple(gaps)


def resolution_out_of_order(incident: Incident) -> str | None:
    """Why recording a resolution now is out of order (``None``: it is not): nobody
    acknowledged the report and nobody reviewed it (no review recorded, never
    in-review or needs-info): a resolution on a report still at the start."""
    if incident.acknowledged or _reviewed(incident):
        return None
    return "nobody acknowledged or reviewed the report yet"


def _reviewed(incident: Incident) -> bool:
    if any(value for value in review(incident).values()):
        return True
    return any(value.value in ("in-review", "needs-info", "decided", "informed")
               for value in incident.history.get("status", ()))


def inform_out_of_order(incident: Incident) -> str | None:
    """Why recording that the reporter was informed is out of order now: no resolution
    recorded yet (``None``: it is in order)."""
    return None if resolutions(incident) else "no resolution recorded yet"


def check_transition(old: str, new: str) -> None:
    """Raise :class:`InvalidInput` unless the workflow allows moving ``old`` → ``new``.

    Forward moves are allowed (steps may be skipped); the only way back is to
    ``in-review``. Staying at the same status is allowed (it changes nothing).
    """
    new = choice_name(new, STATUSES, "status")
    if _goes_back(old, new):
        raise InvalidInput(f"status: cannot go back from {old} to {new}; {BACK_ONLY_TO}")


def _goes_back(old: str, new: str) -> bool:
    """True when ``old`` → ``new`` is a backward move the workflow refuses."""
    if old not in STATUSES:  # a status from a newer version: let people move on
        return False
    return not (new == old or STATUSES.index(new) > STATUSES.index(old) or new == "in-review")


def status_blocker(incident: Incident, new: str) -> str | None:
    """Why the record does not yet allow ``new`` (one line), or ``None``."""
    reason = _record_blocker(incident, new)
    return f"{new}: {reason}" if reason else None


def _record_blocker(incident: Incident, new: str) -> str | None:
    """:func:`status_blocker` without the status's name in front."""
    if new == "decided" and not resolutions(incident):
        return "record the resolution first"
    if new == "informed":
        if not resolutions(incident):
            return "record the resolution first"
        if needs_informing(incident):
            return "record how the reporter was informed first"
    return None


@dataclass(frozen=True)
class StatusMove:
    """One status as the status dialog offers it for a report."""

    status: str
    """The status's name (as typed on the command line)."""
    label: str
    """What people read (:data:`careterm.core.vocabulary.STATUS_LABELS`)."""
    refused: str | None
    """Why the workflow refuses this move now, in a few words (``None``: allowed)."""
    current: bool
    """The report's status now (choosing it changes nothing)."""
    off_board: bool
    """Moving there takes the report off the board: ask again first."""
    gaps: tuple[str, ...] = ()
    """For an allowed move off the board: what the record is missing (said when asking)."""
    needs_reason: bool = False
    """Allowed only with a reason (closing with no resolution, or the reporter not told
    of it): the question asks for one."""

    @property
    def allowed(self) -> bool:
        """True when the workflow allows this move now."""
        return self.refused is None


def status_moves(incident: Incident) -> list[StatusMove]:
    """Every status in workflow order, allowed or refused (with why) for ``incident`` now.

    The same rules as :func:`check_status_move`: a move it lets through is
    allowed here, and one it refuses is refused here, for the same reason.
    """
    moves = []
    for status in STATUSES:
        current = status == incident.status
        refused = None
        if not current:
            refused = BACK_ONLY_TO if _goes_back(incident.status, status) else (
                _record_blocker(incident, status))
        off_board = status in OFF_BOARD and not current
        gaps = closing_gaps(incident) if off_board and refused is None else ()
        needs_reason = (status == "closed" and not current and refused is None
                        and bool(closing_needs_reason(incident)))
        moves.append(StatusMove(status, STATUS_LABELS[status], refused, current, off_board,
                                gaps, needs_reason))
    return moves


def closing_gaps(incident: Incident) -> tuple[str, ...]:
    """What the record of ``incident`` is missing for a report that is done with, in
    words (empty when nothing is): no resolution, the reporter never told of one, receipt
    never acknowledged. Each is said before it happens; the first two need a reason
    (:func:`closing_needs_reason`)."""
    gaps = list(closing_needs_reason(incident))
    if not incident.acknowledged:
        gaps.append("receipt was never acknowledged to the reporter")
    return tuple(gaps)
