"""Every stage on a clock: which stage a report waits in, since when, and how late it is.

The guide asks for reports to be handled *timely* at every step, not only
acknowledged. A report is in one stage at a time, each with the team's
target (:class:`~careterm.core.settings.TeamSettings`):

======================  ==========================================  ==============
status                  stage (clock starts)                         target
======================  ==========================================  ==============
not acknowledged        ``acknowledge`` (when the report was taken)  ``ack``
acknowledged, in-review ``review`` (the acknowledgement, or when     ``review``
                        the report came back to review)
needs-info              ``needs-info`` (when that status was set)    ``needs_info``
decided                 ``inform`` (when the resolution was          ``inform``
                        recorded)
informed, closed        none: no clock
======================  ==========================================  ==============

An open report that was never acknowledged stays in ``acknowledge`` whatever
its status (the reporter still does not know it arrived), unless the reporter
was already told the outcome. A ``decided`` report whose resolution was already
told (an inform recorded after it) has no clock.

Escalation (:class:`~careterm.core.triage.AckLevel`, drawn ● ⚠ ‼ with words,
never colour alone) is the time in the stage against its target: waiting up to
the target, a warning past it, an alert past twice it. A critical report still
unacknowledged is an alert from the first second (the guide's rule, unchanged).
``overdue`` is plain time: past the stage's target (``stage_due_at``).

Everything here is a pure reading of the record; the board keeps its rows
incrementally from :func:`stage_of` (start and target never move with the clock,
only with a change of the report or of the settings).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from careterm.core.casework import needs_informing, resolutions
from careterm.core.model import Incident
from careterm.core.settings import TeamSettings
from careterm.core.triage import AckLevel
from careterm.core.vocabulary import STAGE_LABELS, STAGES

STAGE_WORDS = {"acknowledge": "unacked", "review": "review", "needs-info": "info",
               "inform": "inform"}
"""The stage's word in a board cell (short: ``‼ unacked 20h`` fits 13 cells)."""
STAGE_TARGETS = {"acknowledge": "ack", "review": "review", "needs-info": "needs_info",
                 "inform": "inform"}
"""Which setting is each stage's target."""

_REVIEW_STATUSES = frozenset({"new", "acknowledged", "in-review"})


@dataclass(frozen=True)
class Stage:
    """The stage a report waits in, the moment its clock started and its target."""

    name: str
    since: datetime
    target: timedelta

    @property
    def due_at(self) -> datetime:
        """When the stage's target passes."""
        return self.since + self.target

    @property
    def label(self) -> str:
        """The stage in words."""
        return STAGE_LABELS[self.name]

    def waited(self, now: datetime) -> timedelta:
        """Time spent in the stage by ``now`` (never negative)."""
        return max(timedelta(0), now - self.since)

    def overdue(self, now: datetime) -> bool:
        """True once the stage's target has passed."""
        return now > self.due_at


def stage_of(incident: Incident, settings: TeamSettings) -> Stage | None:
    """The stage ``incident`` waits in under ``settings`` (``None``: no clock)."""
    if not incident.is_open or incident.status == "informed":
        return None
    if not incident.acknowledged:
        if incident.created_at is None:
            return None
        return Stage("acknowledge", incident.created_at, settings.ack)
    status = incident.status
    if status in ("acknowledged", "in-review", "new"):
        since = _latest(incident.acknowledged_at, _entered(incident, _REVIEW_STATUSES))
        return _stage("review", since or incident.created_at, settings.review)
    if status == "needs-info":
        return _stage("needs-info", _entered(incident, {"needs-info"}), settings.needs_info)
    if status == "decided":
        if resolutions(incident):
            if not needs_informing(incident):
                return None
            since = incident.history["resolutions"][-1].at
        else:
            since = _entered(incident, {"decided"})
        return _stage("inform", since, settings.inform)
    return None  # a status from a newer careterm: no clock guessed


def _stage(name: str, since: datetime | None, target: timedelta) -> Stage | None:
    return Stage(name, since, target) if since is not None else None


def _latest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def _entered(incident: Incident, group: set[str] | frozenset[str]) -> datetime | None:
    """When the status last came into ``group`` from outside it (``None``: never set)."""
    entered = None
    previous = None
    for value in incident.history.get("status", ()):
        if value.value in group and (previous is None or previous not in group):
            entered = value.at
        previous = value.value
    return entered


def stage_level(incident: Incident, stage: Stage | None, now: datetime) -> AckLevel:
    """How loudly the report asks for attention in its stage (``ACKNOWLEDGED``: no clock)."""
    if stage is None:
        return AckLevel.ACKNOWLEDGED
    if stage.name == "acknowledge" and incident.urgency == "critical":
        return AckLevel.ALERT
    waited = stage.waited(now)
    if waited > 2 * stage.target:
        return AckLevel.ALERT
    if waited > stage.target:
        return AckLevel.WARNING
    return AckLevel.WAITING


def is_overdue(incident: Incident, settings: TeamSettings, now: datetime) -> bool:
    """True when the report's stage target has passed."""
    stage = stage_of(incident, settings)
    return stage is not None and stage.overdue(now)


def overdue_count(incidents: list[Incident], settings: TeamSettings, now: datetime) -> int:
    """How many reports are past their stage's target."""
    return sum(1 for incident in incidents if is_overdue(incident, settings, now))


def overdue_stages(incidents: Iterable[Incident], settings: TeamSettings, now: datetime
                   ) -> dict[str, str]:
    """Report id → the stage it is overdue in, for every report past its stage's target
    (what :func:`careterm.core.casework.handover` lists by stage)."""
    found = {}
    for incident in incidents:
        stage = stage_of(incident, settings)
        if stage is not None and stage.overdue(now):
            found[incident.id] = stage.name
    return found


__all__ = ["STAGES", "STAGE_LABELS", "STAGE_TARGETS", "STAGE_WORDS", "Stage", "is_overdue",
           "overdue_count", "overdue_stages", "stage_level", "stage_of"]
