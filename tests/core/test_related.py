"""One picture of a person: name matching, related reports, links, recusal."""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.actions.links import link_reports
from careterm.core import casework
from careterm.core.related import (
    CUT_WORDS,
    DESCRIPTION_WORDS,
    DROPPED_WORDS,
    Links,
    linked_ids,
    names_in,
    related,
    related_reports,
    repeat_people,
    same_person,
)
from careterm.errors import InvalidInput
from careterm.store.store import Store


@pytest.mark.parametrize(("a", "b"), [
    ("J. Smith", "Jordan Smith"),
    ("jordan smith", "Jordan Smith"),
    ("Jördan Smith", "Jordan Smith"),
    ("JORDAN SMITH", "jordan smith"),
    ("J.Smith", "Jordan Smith"),
    ("Jordan A. Smith", "Jordan Smith"),
    ("Dr Jordan Smith", "the speaker Jordan Smith from ACME"),
    ("Søren Østergaard", "soren ostergaard"),
])
def test_names_that_match(a: str, b: str) -> None:
    assert same_person(a, b)
    assert same_person(b, a)


@pytest.mark.parametrize(("a", "b"), [
    ("Jordan", "Jordan Smith"),           # a first name alone never links
    ("Jordan", "Jordan"),
    ("Smith", "Jordan Smith"),            # nor a surname alone
    ("Jane Smith", "Jordan Smith"),       # different first names
    ("K. Smith", "Jordan Smith"),         # a different initial
    ("Jordan Smyth", "Jordan Smith"),
    ("a tall man", "a short man"),        # descriptions are no names
    ("a man in a red hat", "a woman in a red hat"),
    ("someone", "someone"),
    # The same description in two reports is still no name (it linked the demo's reports).
    ("a tall attendee with a green lanyard", "a tall attendee with a green lanyard"),
    ("the tall one", "the tall one"),
])
def test_names_that_do_not_match(a: str, b: str) -> None:
    assert not same_person(a, b)
    assert not same_person(b, a)


def test_a_field_is_split_into_names() -> None:
    assert names_in("Jordan Smith (speaker), Alex Kim and the tall guy") == [
        "Jordan Smith", "Alex Kim"]
    assert names_in("a man in a red hat near the coffee stand") == []
    assert names_in(None) == []


RESERVED = DROPPED_WORDS | DESCRIPTION_WORDS | CUT_WORDS | {"and", "und", "et", "y"}
word = st.text(string.ascii_lowercase, min_size=2, max_size=10).filter(
    lambda w: w not in RESERVED)
ACCENTS = ["\u0301", "\u0300", "\u0308", "\u0302", "\u030a", "\u0327", "\u0303"]


@st.composite
def spelled(draw: st.DrawFn, text: str) -> str:
    """``text`` with random case and accents (composed where Unicode has a letter)."""
    out = []
    for ch in text:
        ch = ch.upper() if draw(st.booleans()) else ch
        if ch.isalpha() and draw(st.booleans()):
            ch += draw(st.sampled_from(ACCENTS))
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


@settings(max_examples=200, deadline=None)
@given(data=st.data(), first=word, surname=word)
def test_matching_ignores_case_and_accents_and_reads_initials(
        data: st.DataObject, first: str, surname: str) -> None:
    name = f"{first} {surname}"
    variant = data.draw(spelled(name))
    initial = data.draw(spelled(f"{first[0]}. {surname}"))
    for a, b in ((name, variant), (variant, initial), (name, initial)):
        assert same_person(a, b), (a, b)
        assert same_person(b, a), (b, a)
    assert not same_person(first, variant)  # the first name alone never links


@settings(max_examples=300, deadline=None)
@given(a=st.text(max_size=30), b=st.text(max_size=30))
def test_matching_is_symmetric_for_any_text(a: str, b: str) -> None:
    assert same_person(a, b) == same_person(b, a)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), first=word, other_first=word, surname=word, other_surname=word)
def test_different_people_do_not_match(data: st.DataObject, first: str, other_first: str,
                                       surname: str, other_surname: str) -> None:
    a = data.draw(spelled(f"{first} {surname}"))
    if surname != other_surname:
        assert not same_person(a, f"{first} {other_surname}")
    if first[0] != other_first[0]:
        assert not same_person(a, f"{other_first} {surname}")


@pytest.fixture
def memory(frozen_clock) -> Store:
    return Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")


def test_related_reports_through_who_actors_and_conversations(memory: Store,
                                                               frozen_clock) -> None:
    first = incidents.capture(memory, "Comments at the party", who="Jordan Smith").id
    frozen_clock.advance(minutes=5)
    by_actor = incidents.capture(memory, "Followed someone").id
    casework_actions.record_review(memory, by_actor, actors=["J. Smith"])
    frozen_clock.advance(minutes=5)
    by_talk = incidents.capture(memory, "Shouting at a volunteer").id
    casework_actions.record_conversation(memory, by_talk, "jördan smith", ["Ada", "Bo"],
                                         kind="reported-person")
    first_name_only = incidents.capture(memory, "Pushed in line", who="Jordan").id
    as_witness = incidents.capture(memory, "Saw it", reporter="Jordan Smith").id
    everything = memory.incidents()
    found = related_reports(everything[first], everything)
    assert [r.id for r in found] == [by_actor, by_talk]
    assert [(r.name, r.matched) for r in found] == [("J. Smith", "Jordan Smith"),
                                                    ("jördan smith", "Jordan Smith")]
    assert found[0].status == "new"
    assert related(everything[by_talk], everything) == [first, by_actor]
    assert related(everything[first_name_only], everything) == []
    assert first_name_only not in related(everything[first], everything)
    assert as_witness not in related(everything[first], everything)  # reporters: no


def test_a_recused_report_never_matches_nor_shows(memory: Store) -> None:
    mine = incidents.capture(memory, "Comments at the party", who="Jordan Smith").id
    hidden = incidents.capture(memory, "Comments in the hallway", who="Jordan Smith").id
    link_reports(memory, mine, hidden)
    casework_actions.declare_conflict(memory, hidden, "Ada Example", "friend of the reporter",
                                      decision="recused", decided_by=["Bo Sample", "Cy"])
    everything = memory.incidents()
    assert related(everything[mine], everything) == [hidden]  # unscreened: it matches
    seen = casework.screen_recused(everything, "Ada Example")
    assert seen[hidden].recused
    assert related(seen[mine], seen) == []
    assert linked_ids(seen[mine], seen) == []
    assert related(seen[hidden], seen) == []
    assert repeat_people(seen.values()) == 0


def test_links_are_read_both_ways_and_refuse_self_and_unknown(memory: Store) -> None:
    a = incidents.capture(memory, "First").id
    b = incidents.capture(memory, "Second").id
    assert link_reports(memory, a, b)
    assert not link_reports(memory, b, a)  # already linked, the other way round
    everything = memory.incidents()
    assert linked_ids(everything[a], everything) == [b]
    assert linked_ids(everything[b], everything) == [a]
    with pytest.raises(InvalidInput, match="itself"):
        link_reports(memory, a, a)
    with pytest.raises(InvalidInput, match="no incident"):
        link_reports(memory, a, "ZZ9999")
    assert len(memory.get(a).entries["link"]) == 1


@settings(max_examples=30, deadline=None)
@given(pairs=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=12))
def test_one_index_of_links_answers_every_report_as_asking_each_alone(
        pairs: list[tuple[int, int]]) -> None:
    store = Store.in_memory()  # fresh for each example
    ids = [incidents.capture(store, f"Report {n}").id for n in range(6)]
    expected: dict[str, set[str]] = {inc_id: set() for inc_id in ids}
    for a, b in pairs:
        if a != b:
            link_reports(store, ids[a], ids[b])
            expected[ids[a]].add(ids[b])
            expected[ids[b]].add(ids[a])
    everything = store.incidents()
    links = Links(everything)
    for inc_id in ids:
        assert links.of(everything[inc_id]) == sorted(expected[inc_id])
        assert linked_ids(everything[inc_id], everything) == sorted(expected[inc_id])


def test_people_named_more_than_once_are_counted(memory: Store) -> None:
    incidents.capture(memory, "One", who="Jordan Smith, Alex Kim")
    incidents.capture(memory, "Two", who="J. Smith")
    incidents.capture(memory, "Three", who="alex kim")
    incidents.capture(memory, "Four", who="Jordan Smith")
    incidents.capture(memory, "Five", who="Robin Lee")
    assert repeat_people(memory.incidents().values()) == 2
    six = incidents.capture(memory, "Six", who="the man with the lanyard").id
    seven = incidents.capture(memory, "Seven", who="R. L.").id
    link_reports(memory, six, seven)
    assert repeat_people(memory.incidents().values()) == 3  # a confirmed link counts
