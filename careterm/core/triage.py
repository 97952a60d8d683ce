"""Triage: the order of the board and how loudly a waiting report asks for attention."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from careterm.core.model import Incident
from careterm.core.vocabulary import URGENCIES

_URGENCY_RANK = {u: i for i, u in enumerate(URGENCIES)}


def urgency_rank(urgency: str) -> int:
    """0 for critical … 3 for low."""
    return _URGENCY_RANK.get(urgency, len(URGENCIES))


def board_order(incidents: list[Incident] | Any) -> list[Incident]:
    """The one order every view uses: urgency (critical first), then
    unacknowledged before acknowledged, then the oldest report first."""
    return sorted(
        incidents,
        key=lambda i: (
            urgency_rank(i.urgency),
            i.acknowledged,
            i.created_at.timestamp() if i.created_at else float("inf"),
            i.id,
        ),
    )


class AckLevel(Enum):
    """How loudly an incident asks to be acknowledged."""

    ACKNOWLEDGED = "acknowledged"
    WAITING = "waiting"
    WARNING = "warning"
    ALERT = "alert"


def waiting_for(incident: Incident, now: datetime) -> timedelta:
    """How long the report has waited for acknowledgement (zero once acknowledged)."""
    if incident.acknowledged or incident.created_at is None:
        return timedelta(0)
    return max(timedelta(0), now - incident.created_at)


def ack_level(incident: Incident, now: datetime, target: timedelta) -> AckLevel:
    """Escalation of an unacknowledged report against the team's target.

    Critical reports are alerts from the first second; others warn past the
    target and alert past twice the target.
    """
    if incident.acknowledged or not incident.is_open:
        return AckLevel.ACKNOWLEDGED
    if incident.urgency == "critical":
        return AckLevel.ALERT
    waited = waiting_for(incident, now)
    if waited > 2 * target:
        return AckLevel.ALERT
    if waited > target:
        return AckLevel.WARNING
    return AckLevel.WAITING


def format_age(delta: timedelta) -> str:
    """Compact age for a table cell: ``45s``, ``12m``, ``3h05m``, ``2d4h``."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h"


def board_counts(incidents: list[Incident]) -> tuple[int, int, int]:
    """(open, unacknowledged, critical) among open incidents."""
    open_ = [i for i in incidents if i.is_open]
    return (
        len(open_),
        sum(1 for i in open_ if not i.acknowledged),
        sum(1 for i in open_ if i.urgency == "critical"),
    )


def board_header(incidents: list[Incident], overdue: int = 0) -> str:
    """The board's header line: ``N open · M unacknowledged · K critical``, then
    ``· N overdue`` when reports are past their stage's target (counted by
    :func:`careterm.core.stages.overdue_count`, which needs the team's settings)."""
    return header_line(*board_counts(incidents), overdue=overdue)


def header_line(open_: int, unacknowledged: int, critical: int, overdue: int = 0) -> str:
    """The header's words for these counts (also kept up to date incrementally by
    :class:`careterm.views.board.BoardView`); the overdue part only when there are any
    (a zero says nothing the rest does not)."""
    line = f"{open_} open · {unacknowledged} unacknowledged · {critical} critical"
    return f"{line} · {overdue} overdue" if overdue else line
