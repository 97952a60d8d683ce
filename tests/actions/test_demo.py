"""The demo data: fictional, in every urgency and state, reproducible, fast in bulk."""

from __future__ import annotations

from datetime import timedelta

import pytest

from careterm.actions import demo
from careterm.core import clock
from careterm.core.triage import AckLevel, ack_level
from careterm.core.vocabulary import STATUSES, URGENCIES
from careterm.store.store import Store


def fresh() -> Store:
    return Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")


def test_default_demo_covers_every_urgency_status_and_escalation(frozen_clock) -> None:
    store = fresh()
    ids = demo.seed_demo(store, members=demo.DEMO_MEMBERS)
    reports = store.incidents()
    assert len(ids) == len(reports) == 12
    assert {i.urgency for i in reports.values()} == set(URGENCIES)
    assert {i.status for i in reports.values()} == set(STATUSES)
    levels = {ack_level(i, clock.now(), timedelta(minutes=15)) for i in reports.values()}
    assert levels == set(AckLevel)
    assert any(i.notes for i in reports.values())
    assert any(i.marks for i in reports.values())
    assert {i.created_by for i in reports.values()} == set(demo.DEMO_MEMBERS)
    assert all(i.created_at <= clock.now() for i in reports.values())
    assert store.member == "Ada Example"  # the store's own member again afterwards


def test_same_seed_same_demo(frozen_clock) -> None:
    first, second = fresh(), fresh()
    demo.seed_demo(first, 20, seed=7)
    demo.seed_demo(second, 20, seed=7)

    def summary(store: Store) -> list[tuple]:
        return sorted((i.id, i.what, i.where, i.urgency, i.status, i.created_at)
                      for i in store.incidents().values())

    assert summary(first) == summary(second)


def test_bulk_demo_seeds_thousands(frozen_clock) -> None:
    store = fresh()
    demo.seed_demo(store, 2000, members=demo.DEMO_MEMBERS)
    reports = store.incidents()
    assert len(reports) == 2000
    assert sum(1 for i in reports.values() if not i.acknowledged) > 50


def test_count_is_checked() -> None:
    with pytest.raises(ValueError):
        demo.seed_demo(fresh(), demo.MAX_DEMO_INCIDENTS + 1)
