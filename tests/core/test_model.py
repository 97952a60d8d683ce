"""The incident model: folding changes, board order and escalation."""

from __future__ import annotations

from datetime import timedelta

from careterm.actions import incidents as actions
from careterm.actions.erase import erase
from careterm.core.model import Incident, fold
from careterm.core.triage import (
    AckLevel,
    ack_level,
    board_counts,
    board_header,
    board_order,
    format_age,
)
from careterm.store.store import Store
from tests.support import FROZEN_AT


def change(cid: str, inc: str, op: str, data: dict, hlc: str, dev: str = "d1",
           by: str = "Ada Example") -> dict:
    return {"cid": cid, "inc": inc, "op": op, "data": data, "hlc": hlc, "dev": dev, "by": by,
            "at": FROZEN_AT.isoformat()}


class TestFold:
    """Incidents are rebuilt from change records, the same way in any order."""

    def test_latest_stamp_wins_per_field_and_others_stay(self) -> None:
        changes = [
            change("d1:1", "AA0001", "set", {"what": "first", "where": "Room Zeta"}, "1.0"),
            change("d2:1", "AA0001", "set", {"where": "Hall Omega"}, "2.0", dev="d2"),
            change("d1:2", "AA0001", "set", {"what": "second"}, "3.0"),
        ]
        for order in (changes, changes[::-1], [changes[1], changes[2], changes[0]]):
            incident = fold(order)["AA0001"]
            assert (incident.what, incident.where) == ("second", "Hall Omega")

    def test_losing_value_stays_in_history(self) -> None:
        incident = fold([
            change("d1:1", "AA0001", "set", {"where": "Room Zeta"}, "5.0", dev="d1"),
            change("d2:1", "AA0001", "set", {"where": "Hall Omega"}, "5.0", dev="d2"),
        ])["AA0001"]
        # Same stamp: the device id breaks the tie, and the loser is still recorded.
        assert incident.where == "Hall Omega"
        assert [v.value for v in incident.history["where"]] == ["Room Zeta", "Hall Omega"]

    def test_history_follows_changes_that_arrive_later_and_erasures(self) -> None:
        # The history is kept between asks (the board asks at every draw): a report
        # folded further, or scrubbed by an erasure, must never show the old one.
        store = Store.in_memory()
        inc_id = actions.capture(store, "Shoved at the door", where="Room Zeta").id
        incident = store.incidents()[inc_id]
        assert [v.value for v in incident.history["where"]] == ["Room Zeta"]
        actions.update(store, inc_id, where="Hall Omega")
        assert store.incidents()[inc_id] is incident  # the same report, folded further
        assert [v.value for v in incident.history["where"]] == ["Room Zeta", "Hall Omega"]
        erase(store, inc_id, ("where",), "the reporter asked")
        shown = [v.value for v in store.incidents()[inc_id].history["where"]]
        assert "Room Zeta" not in shown and "Hall Omega" not in shown, shown

    def test_duplicates_are_ignored(self) -> None:
        note = change("d1:1", "AA0001", "note", {"text": "seen twice"}, "1.0")
        assert len(fold([note, note, dict(note)])["AA0001"].notes) == 1

    def test_earliest_acknowledgement_is_kept(self) -> None:
        incident = fold([
            change("d2:1", "AA0001", "ack", {"via": "email"}, "9.0", dev="d2", by="Bo Sample"),
            change("d1:1", "AA0001", "ack", {"via": "phone"}, "4.0", by="Ada Example"),
        ])["AA0001"]
        assert (incident.acknowledged_by, incident.acknowledged_via) == ("Ada Example", "phone")

    def test_marks_record_unknown_and_declined(self) -> None:
        incident = fold([change("d1:1", "AA0001", "set", {
            "what": "x", "who": {"mark": "declined"}, "where": {"mark": "unknown"}}, "1.0")])[
            "AA0001"]
        assert incident.who is None and incident.marks == {"who": "declined", "where": "unknown"}
        assert incident.missing()["who"] == "declined"
        assert incident.missing()["contact"] == "empty"

    def test_ongoing_not_asked_is_not_unknown(self) -> None:
        def ongoing(data: dict) -> tuple[str | None, str | None]:
            incident = fold([change("d1:1", "AA0001", "set", {"what": "x", **data}, "1.0")])[
                "AA0001"]
            return incident.ongoing, incident.missing().get("ongoing")

        assert ongoing({}) == (None, "empty")                    # nobody asked
        assert ongoing({"ongoing": None}) == (None, "empty")     # an answer cleared
        assert ongoing({"ongoing": "unknown"}) == ("unknown", "unknown")  # as recorded before
        assert ongoing({"ongoing": {"mark": "unknown"}}) == ("unknown", "unknown")
        assert ongoing({"ongoing": {"mark": "declined"}}) == (None, "declined")
        assert ongoing({"ongoing": "yes"}) == ("yes", None)
        assert ongoing({"ongoing": "no"}) == ("no", None)

    def test_a_later_answer_replaces_the_unknown_mark(self) -> None:
        incident = fold([
            change("d1:1", "AA0001", "set", {"what": "x", "ongoing": {"mark": "unknown"}}, "1.0"),
            change("d1:2", "AA0001", "set", {"ongoing": {"mark": "declined"}}, "2.0"),
        ])["AA0001"]
        assert incident.ongoing is None and incident.missing()["ongoing"] == "declined"

    def test_unknown_fields_and_ops_from_newer_versions_are_kept(self) -> None:
        incident = fold([
            change("d1:1", "AA0001", "set", {"what": "x", "category": "online"}, "1.0"),
            change("d1:2", "AA0001", "future-op", {"y": 1}, "2.0"),
        ])["AA0001"]
        assert incident.extra["category"] == "online"
        assert len(incident.changes) == 2


def made(store: Store, what: str, **fields) -> Incident:
    return store.get(actions.capture(store, what, **fields).id)


class TestBoardOrder:
    """Urgency first, then unacknowledged, then oldest."""

    def test_order(self, store: Store, frozen_clock) -> None:
        low = made(store, "low one", urgency="low")
        frozen_clock.advance(minutes=1)
        high_old = made(store, "high old", urgency="high")
        frozen_clock.advance(minutes=1)
        high_new = made(store, "high new", urgency="high")
        frozen_clock.advance(minutes=1)
        critical = made(store, "critical", urgency="critical")
        actions.acknowledge(store, high_old.id)
        order = [i.what for i in board_order(store.incidents().values())]
        assert order == [critical.what, high_new.what, high_old.what, low.what]

    def test_header_counts(self, store: Store) -> None:
        made(store, "a", urgency="critical")
        b = made(store, "b")
        c = made(store, "c")
        actions.acknowledge(store, b.id)
        actions.change_status(store, c.id, "closed", reason="a duplicate")
        incidents = list(store.incidents().values())
        assert board_counts(incidents) == (2, 1, 1)
        assert board_header(incidents) == "2 open · 1 unacknowledged · 1 critical"
        assert board_header(incidents, overdue=2) == (
            "2 open · 1 unacknowledged · 1 critical · 2 overdue")


class TestEscalation:
    """Unacknowledged reports escalate against the team's target."""

    def test_levels(self, store: Store, frozen_clock) -> None:
        target = timedelta(minutes=15)
        medium = made(store, "medium")
        critical = made(store, "critical", urgency="critical")
        now = frozen_clock()
        assert ack_level(medium, now, target) is AckLevel.WAITING
        assert ack_level(critical, now, target) is AckLevel.ALERT
        assert ack_level(medium, now + timedelta(minutes=16), target) is AckLevel.WARNING
        assert ack_level(medium, now + timedelta(minutes=31), target) is AckLevel.ALERT
        actions.acknowledge(store, medium.id)
        assert ack_level(store.get(medium.id), now + timedelta(hours=2),
                         target) is AckLevel.ACKNOWLEDGED

    def test_format_age(self) -> None:
        assert [format_age(timedelta(seconds=s)) for s in (5, 720, 3900, 180000)] == [
            "5s", "12m", "1h05m", "2d2h"]
