"""The rules of erasure: which fields, which changes, and that the fold never brings an
erased value back (in any order the changes arrive)."""

from __future__ import annotations

import itertools

import pytest

from careterm.core.erasure import ERASABLE, ERASED, Erasures, occurs, parse_fields, scrub_change
from careterm.core.model import Fold
from careterm.core.timeline import timeline_entries
from careterm.errors import InvalidInput

NAME = "Quentin Okonkwo-Lind"


def change(dev: str, seq: int, op: str, data: dict, hlc: int) -> dict:
    return {"cid": f"{dev}:{seq}", "inc": "AA0001", "op": op, "data": data,
            "hlc": f"{hlc:013d}-0000", "dev": dev, "by": dev, "at": "2026-11-25T14:30:00+01:00"}


CAPTURE = change("a", 1, "set", {"what": f"{NAME} was shouted at", "reporter": NAME,
                                 "where": "Room B", "created_at": "2026-11-25T14:30:00+01:00"}, 1)
NOTE = change("b", 1, "note", {"text": f"called {NAME}"}, 2)
ERASE = change("a", 2, "erase", {"fields": ["reporter", "what", "notes"], "reason": "asked"}, 3)
LATE = change("b", 2, "note", {"text": f"{NAME} again"}, 4)  # b had not heard of it
ACK = change("b", 3, "erased", {"erasure": "a:2"}, 5)
AFTER = change("b", 4, "note", {"text": "follow-up, knowingly"}, 6)


def test_fields_are_named_or_all_and_anything_else_is_one_sentence() -> None:
    assert parse_fields(None, True) == ERASABLE
    assert parse_fields("who, Reporter,when-text", False) == ("reporter", "who", "when_text")
    for text, everything in (("shoe_size", False), (None, False), ("who", True), (" ", False)):
        with pytest.raises(InvalidInput):
            parse_fields(text, everything)


def test_scrubbing_replaces_values_and_keeps_the_rest() -> None:
    scrubbed = scrub_change(CAPTURE, ["reporter", "what"])
    assert scrubbed["data"]["reporter"] == ERASED and scrubbed["data"]["what"] == ERASED
    assert scrubbed["data"]["where"] == "Room B"
    assert CAPTURE["data"]["reporter"] == NAME  # the original is not edited in place
    review = change("a", 5, "set", {"review_actors": [NAME, "someone"], "review_reason": "x"}, 9)
    assert scrub_change(review, ["review"])["data"] == {"review_actors": [ERASED],
                                                       "review_reason": ERASED}
    evidence = change("a", 6, "evidence", {"id": "ab" * 16, "name": f"{NAME}.png"}, 9)
    gone = scrub_change(evidence, ["evidence"])["data"]
    assert gone["id"] is None and gone["name"] == ERASED
    assert scrub_change(CAPTURE, ["notes"]) is CAPTURE


def test_an_erasure_covers_what_was_made_without_knowing_of_it_only() -> None:
    known = Erasures()
    known.learn_all([ERASE, ACK])
    assert known.scrub(NOTE)["data"]["text"] == ERASED
    assert known.scrub(LATE)["data"]["text"] == ERASED
    assert known.scrub(AFTER) is AFTER
    after_on_a = change("a", 3, "note", {"text": "kept"}, 7)
    assert known.scrub(after_on_a) is after_on_a


@pytest.mark.parametrize("order", list(itertools.permutations(range(6)))[::37])
def test_the_fold_never_shows_an_erased_value_in_any_order(order: tuple[int, ...]) -> None:
    changes = [CAPTURE, NOTE, ERASE, LATE, ACK, AFTER]
    fold = Fold()
    for index in order:
        fold.apply([changes[index]])
    incident = fold.incidents["AA0001"]
    assert incident.reporter == ERASED and incident.what == ERASED
    texts = [n.text for n in incident.notes]
    assert texts.count(ERASED) >= 2 and not any(NAME in t for t in texts)
    if order.index(4) < order.index(5):  # the acknowledgement came first: kept
        assert "follow-up, knowingly" in texts
    assert NAME not in repr(incident.changes) and NAME not in repr(incident.history)
    timeline = [entry["text"] for entry in timeline_entries(incident)]
    assert "erased reporter, what happened, notes (asked)" in timeline
    assert not any(NAME in text for text in timeline)


def test_occurs_is_case_insensitive_and_finds_json_escapes() -> None:
    assert occurs("zoë", '{"who":"ZOË"}')
    assert occurs("zoë", '{"who":"zo\\u00eb"}')
    assert not occurs("zoë", "zoe")
