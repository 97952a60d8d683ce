"""Every stage on a clock: the stage, its start, its target, escalation and overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.core import clock
from careterm.core.settings import TeamSettings
from careterm.core.stages import (
    is_overdue,
    overdue_count,
    overdue_stages,
    stage_level,
    stage_of,
)
from careterm.core.triage import AckLevel
from careterm.store.store import Store

SETTINGS = TeamSettings(ack=timedelta(minutes=10), review=timedelta(hours=2),
                        needs_info=timedelta(hours=1), inform=timedelta(hours=3))


def test_a_new_report_waits_for_acknowledgement_from_when_it_was_taken(
        store: Store, frozen_clock) -> None:
    inc_id = incidents.capture(store, "Joke on a slide").id
    start = clock.now()
    stage = stage_of(store.get(inc_id), SETTINGS)
    assert stage is not None and stage.name == "acknowledge" and stage.since == start
    assert stage.due_at == start + timedelta(minutes=10)
    incident = store.get(inc_id)
    assert stage_level(incident, stage, start + timedelta(minutes=10)) is AckLevel.WAITING
    assert stage_level(incident, stage, start + timedelta(minutes=11)) is AckLevel.WARNING
    assert stage_level(incident, stage, start + timedelta(minutes=21)) is AckLevel.ALERT
    assert not is_overdue(incident, SETTINGS, start + timedelta(minutes=10))
    assert is_overdue(incident, SETTINGS, start + timedelta(minutes=10, seconds=1))


def test_a_critical_report_is_an_alert_from_the_first_second(store: Store,
                                                              frozen_clock) -> None:
    incident = store.get(incidents.capture(store, "Shoved", urgency="critical").id)
    stage = stage_of(incident, SETTINGS)
    assert stage_level(incident, stage, clock.now()) is AckLevel.ALERT
    assert not is_overdue(incident, SETTINGS, clock.now())  # overdue is plain time
    incidents.acknowledge(store, incident.id)
    acked = store.get(incident.id)
    assert stage_level(acked, stage_of(acked, SETTINGS), clock.now()) is AckLevel.WAITING


def test_each_stage_starts_its_own_clock(store: Store, frozen_clock) -> None:
    inc_id = incidents.capture(store, "Joke on a slide").id
    frozen_clock.advance(minutes=5)
    incidents.acknowledge(store, inc_id)
    review = stage_of(store.get(inc_id), SETTINGS)
    assert review is not None and review.name == "review" and review.since == clock.now()
    assert review.target == timedelta(hours=2)
    frozen_clock.advance(hours=1)
    incidents.change_status(store, inc_id, "in-review")  # still the review: same clock
    assert stage_of(store.get(inc_id), SETTINGS).since == review.since
    frozen_clock.advance(hours=1)
    incidents.change_status(store, inc_id, "needs-info")
    asked = stage_of(store.get(inc_id), SETTINGS)
    assert asked.name == "needs-info" and asked.since == clock.now()
    assert asked.target == timedelta(hours=1)
    frozen_clock.advance(minutes=30)
    incidents.change_status(store, inc_id, "in-review")  # information arrived: review again
    again = stage_of(store.get(inc_id), SETTINGS)
    assert again.name == "review" and again.since == clock.now()
    frozen_clock.advance(minutes=30)
    casework_actions.record_resolution(store, inc_id, ["stop-behaviour"])
    inform = stage_of(store.get(inc_id), SETTINGS)
    assert inform.name == "inform" and inform.since == clock.now()
    assert inform.due_at == clock.now() + timedelta(hours=3)
    casework_actions.record_informed(store, inc_id, "e-mail")
    assert stage_of(store.get(inc_id), SETTINGS) is None  # informed: no clock
    incidents.change_status(store, inc_id, "closed")
    assert stage_of(store.get(inc_id), SETTINGS) is None


def test_overdue_reports_by_stage(store: Store, frozen_clock) -> None:
    waiting = incidents.capture(store, "Nobody acknowledged this").id
    reviewing = incidents.capture(store, "Acknowledged, never reviewed").id
    incidents.acknowledge(store, reviewing)
    fresh_at = clock.now() + timedelta(hours=2, minutes=30)
    frozen_clock.advance(hours=2, minutes=30)
    fresh = incidents.capture(store, "Just arrived").id
    everything = list(store.incidents().values())
    assert overdue_stages(everything, SETTINGS, fresh_at) == {
        waiting: "acknowledge", reviewing: "review"}
    assert overdue_count(everything, SETTINGS, fresh_at) == 2
    assert fresh not in overdue_stages(everything, SETTINGS, fresh_at)


@pytest.mark.parametrize("status", ["closed", "informed"])
def test_no_clock_once_informed_or_closed(store: Store, frozen_clock, status: str) -> None:
    inc_id = incidents.capture(store, "Joke on a slide").id
    incidents.acknowledge(store, inc_id)
    incidents.change_status(store, inc_id, "in-review")
    casework_actions.record_resolution(store, inc_id, ["no-action"])
    casework_actions.record_informed(store, inc_id, "e-mail")
    if status == "closed":
        incidents.change_status(store, inc_id, "closed")
    assert store.get(inc_id).status == status
    assert stage_of(store.get(inc_id), SETTINGS) is None
