"""The actions every face calls: capture, update, acknowledge, note, status."""

from __future__ import annotations

import pytest

from careterm.actions import incidents as actions
from careterm.core.timeline import timeline_entries
from careterm.errors import InvalidInput, UnknownIncident
from careterm.store.store import Store


class TestCapture:
    """Only "what happened" is required; nothing else is ever forced."""

    def test_minimal_report(self, store: Store) -> None:
        captured = actions.capture(store, "Someone was followed to the lift")
        incident = store.get(captured.id)
        assert incident.what == "Someone was followed to the lift"
        assert incident.status == "new" and incident.urgency == "medium"
        assert incident.created_by == "Ada Example" and not incident.acknowledged
        assert set(incident.missing()) == {"who", "when_text", "where", "ongoing", "contact",
                                           "reporter", "source"}

    @pytest.mark.parametrize("what", ["", "   ", None])
    def test_what_is_required(self, store: Store, what) -> None:
        with pytest.raises(InvalidInput, match="what"):
            actions.capture(store, what)
        assert store.incidents() == {}

    def test_full_report(self, store: Store) -> None:
        captured = actions.capture(
            store, "Unwanted touching at the party", who="Person in a green hoodie",
            when="10 min ago", where="Rooftop bar", ongoing="no", contact="signal: +00 0000",
            reporter="Bo Sample", source="in-person", urgency="high",
            support={"escort": "requested"})
        incident = store.get(captured.id)
        assert incident.when_text == "10 min ago" and incident.when is not None
        assert incident.support == {"escort": "requested"}
        assert incident.missing() == {}

    def test_unparseable_when_is_kept_as_text(self, store: Store) -> None:
        incident = store.get(actions.capture(store, "x", when="during the keynote").id)
        assert incident.when_text == "during the keynote" and incident.when is None

    def test_ongoing_raises_urgency_unless_set_explicitly(self, store: Store) -> None:
        raised = actions.capture(store, "ongoing", ongoing="yes")
        assert raised.urgency == "high" and raised.urgency_raised
        explicit = actions.capture(store, "ongoing", ongoing="yes", urgency="low")
        assert explicit.urgency == "low" and not explicit.urgency_raised
        critical = actions.capture(store, "ongoing", ongoing="yes", urgency="critical")
        assert critical.urgency == "critical"

    def test_a_question_not_asked_is_not_recorded_as_unknown(self, store: Store) -> None:
        incident = store.get(actions.capture(store, "Nobody asked if it goes on").id)
        assert incident.ongoing is None and incident.missing()["ongoing"] == "empty"
        assert "ongoing" not in incident.history
        said = store.get(actions.capture(store, "Reporter does not know", ongoing="unknown").id)
        assert said.ongoing == "unknown" and said.missing()["ongoing"] == "unknown"
        marked = store.get(actions.capture(store, "Marked", marks={"ongoing": "unknown"}).id)
        assert marked.ongoing == "unknown" and marked.missing()["ongoing"] == "unknown"
        assert [v.value for v in marked.history["ongoing"]] == [{"mark": "unknown"}]

    @pytest.mark.parametrize(("ongoing", "urgency", "raised"), [
        ("yes", "high", True), ("no", "medium", False), ("unknown", "medium", False),
        (None, "medium", False)])
    def test_only_yes_raises_the_urgency(self, store: Store, ongoing: str | None,
                                         urgency: str, raised: bool) -> None:
        captured = actions.capture(store, "x", ongoing=ongoing)
        assert (captured.urgency, captured.urgency_raised) == (urgency, raised)
        assert store.get(captured.id).urgency == urgency
        marked = actions.capture(store, "x", marks={"ongoing": "unknown"})
        assert (marked.urgency, marked.urgency_raised) == ("medium", False)

    def test_clearing_ongoing_leaves_no_answer(self, store: Store) -> None:
        inc_id = actions.capture(store, "x", ongoing="yes").id
        assert actions.update(store, inc_id, ongoing=None) == ["ongoing"]
        incident = store.get(inc_id)
        assert incident.ongoing is None and incident.missing()["ongoing"] == "empty"
        assert incident.urgency == "high"  # raised once, it stays until someone lowers it

    def test_marks_unknown_and_declined(self, store: Store) -> None:
        incident = store.get(actions.capture(
            store, "x", marks={"who": "unknown", "contact": "declined"}).id)
        assert incident.missing()["who"] == "unknown"
        assert incident.missing()["contact"] == "declined"

    @pytest.mark.parametrize(("field", "value"), [
        ("urgency", "extreme"), ("ongoing", "maybe"), ("source", "pigeon")])
    def test_bad_choices_are_refused(self, store: Store, field: str, value: str) -> None:
        with pytest.raises(InvalidInput, match=field):
            actions.capture(store, "x", **{field: value})

    def test_ids_are_short_unique_and_not_sequential_doc_ids(self, store: Store) -> None:
        made = {actions.capture(store, f"report {n}").id for n in range(50)}
        assert len(made) == 50
        assert all(len(i) == 6 and i.startswith("AA") for i in made)

    def test_invalid_utf8_is_refused(self, store: Store) -> None:
        with pytest.raises(InvalidInput, match="UTF-8"):
            actions.capture(store, "bad \udcff bytes")


class TestUpdate:
    """Every change is recorded with who and when; old values stay in history."""

    def test_update_keeps_history_and_timeline(self, store: Store, frozen_clock) -> None:
        inc_id = actions.capture(store, "x", where="Room Zeta").id
        frozen_clock.advance(minutes=3)
        assert actions.update(store, inc_id, where="Hall Omega") == ["where"]
        incident = store.get(inc_id)
        assert incident.where == "Hall Omega"
        assert [v.value for v in incident.history["where"]] == ["Room Zeta", "Hall Omega"]
        texts = [e["text"] for e in timeline_entries(incident)]
        assert "where: Room Zeta → Hall Omega" in texts

    def test_no_op_update_records_nothing(self, store: Store) -> None:
        inc_id = actions.capture(store, "x", where="Room Zeta").id
        before = len(store.changes())
        assert actions.update(store, inc_id, where="Room Zeta") == []
        assert len(store.changes()) == before

    def test_ongoing_update_raises_urgency(self, store: Store) -> None:
        inc_id = actions.capture(store, "x", urgency="low").id
        actions.update(store, inc_id, ongoing="yes")
        assert store.get(inc_id).urgency == "high"

    def test_what_cannot_be_emptied(self, store: Store) -> None:
        inc_id = actions.capture(store, "x").id
        with pytest.raises(InvalidInput):
            actions.update(store, inc_id, what="  ")

    def test_unknown_id(self, store: Store) -> None:
        with pytest.raises(UnknownIncident):
            actions.update(store, "ZZ9999", where="x")

    def test_ids_forgive_case_and_lookalikes(self, store: Store) -> None:
        inc_id = actions.capture(store, "x").id
        assert store.get(inc_id.lower().replace("0", "o")).id == inc_id


class TestAcknowledgeAndNotes:
    """Acknowledgement stays given; notes are only ever added."""

    def test_acknowledge_once(self, store: Store) -> None:
        inc_id = actions.capture(store, "x").id
        assert actions.acknowledge(store, inc_id, "phone") is True
        assert actions.acknowledge(store, inc_id, "email") is False
        incident = store.get(inc_id)
        assert incident.status == "acknowledged" and incident.acknowledged_via == "phone"
        assert incident.acknowledged_by == "Ada Example"

    def test_notes_accumulate(self, store: Store, frozen_clock) -> None:
        inc_id = actions.capture(store, "x").id
        actions.add_note(store, inc_id, "Spoke with the reporter")
        frozen_clock.advance(minutes=1)
        actions.add_note(store, inc_id, "Escort arranged")
        assert [n.text for n in store.get(inc_id).notes] == ["Spoke with the reporter",
                                                             "Escort arranged"]

    def test_empty_note_refused(self, store: Store) -> None:
        inc_id = actions.capture(store, "x").id
        with pytest.raises(InvalidInput):
            actions.add_note(store, inc_id, "   ")
