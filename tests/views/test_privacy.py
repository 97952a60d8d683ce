"""Privacy mode hides names, contacts and the reporter: in their own fields, and wherever
else a report's text names them (one mask for every screen)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from careterm.actions import casework as casework_actions
from careterm.actions import incidents as actions
from careterm.core.model import Incident
from careterm.store.store import Store
from careterm.views.board import board_row, private_row
from careterm.views.privacy import (
    BULLET,
    CONTACT_MASK,
    MaskCache,
    NameMask,
    fold,
    initials,
    mask_names,
    name_parts,
    shown_value,
)
from tests.support import FROZEN_AT

TARGET = timedelta(minutes=15)


def words_of(text: str) -> set[str]:
    """The words of ``text`` as names are compared (no accents, no case)."""
    return set(re.findall(r"\w+", fold(text)))


def assert_hidden(masked: str, *names: str) -> None:
    """No name, and no part of one of three letters or more, is left in ``masked``."""
    left = words_of(masked)
    for name in names:
        assert fold(name) not in fold(masked), (name, masked)
        for part in re.findall(r"\w+", fold(name)):
            if len(part) >= 3:
                assert part not in left, (part, masked)


def capture(store: Store, what: str, **fields: str) -> Incident:
    return store.get(actions.capture(store, what, **fields).id)


class TestPrivacyMode:
    """Sensitive fields become initials or bullets; the rest stays readable."""

    def test_initials(self) -> None:
        assert initials("Ada Example") == "A.E."
        assert initials("bo") == "B."
        assert initials("+31 000 000") == "●"
        assert initials(None) == ""

    def test_shown_values(self, store: Store) -> None:
        inc = store.get(actions.capture(store, "Shouting in the hallway", who="Cy Placeholder",
                                        contact="cy@example.org", reporter="Di Fictional",
                                        where="Room Zeta").id)
        private = {name: shown_value(inc, name, True)
                   for name in ("what", "who", "contact", "reporter", "where")}
        assert private == {"what": "Shouting in the hallway", "who": "C.P.", "contact": "●●●",
                           "reporter": "D.F.", "where": "Room Zeta"}
        assert shown_value(inc, "contact", False) == "cy@example.org"


class TestNamesInText:
    """The issue's case and the tricky ones: every known name is masked wherever it is
    written, and nothing else is."""

    def test_the_issue_example(self, store: Store) -> None:
        inc = capture(store, "Jordan Example grabbed Alex Placeholder's arm at the party",
                      who="Jordan Example, Alex Placeholder")
        masked = mask_names(inc.what, inc)
        assert masked == "J.E. grabbed A.P.'s arm at the party"
        assert_hidden(masked, "Jordan Example", "Alex Placeholder")

    @pytest.mark.parametrize("who", [
        "Jordan Example, Alex Placeholder", "Jordan Example and Alex Placeholder",
        "Jordan Example & Alex Placeholder", "Jordan Example; Alex Placeholder (staff)",
        "Jordan Example / Alex Placeholder", "Jordan Example with Alex Placeholder",
        "Jordan Example\nAlex Placeholder", "jordan example and alex placeholder",
    ])
    def test_several_people_in_who_each_part_alone(self, store: Store, who: str) -> None:
        inc = capture(store, "Jordan shouted; later Placeholder said Alex and Example left. "
                      "JORDAN EXAMPLE came back with alex placeholder.", who=who)
        masked = mask_names(inc.what, inc)
        assert_hidden(masked, "Jordan Example", "Alex Placeholder")
        assert masked.startswith("J. shouted; later P. said A. and E. left. J.E. came back")

    @pytest.mark.parametrize(("text", "expected"), [
        ("Alex Placeholder's arm", "A.P.'s arm"),
        ("Alex Placeholder’s arm", "A.P.’s arm"),
        ("Placeholder's friend", "P.'s friend"),
        ("ALEX PLACEHOLDER'S arm", "A.P.'S arm"),
    ])
    def test_possessives_keep_their_s(self, store: Store, text: str, expected: str) -> None:
        inc = capture(store, text, who="Alex Placeholder")
        assert mask_names(text, inc) == expected

    def test_accents_and_case_do_not_matter(self, store: Store) -> None:
        inc = capture(store, "x", who="José Ñúñez")
        text = ("jose nunez was there; JOSÉ left, Nuñez stayed; "
                "Jose\u0301 N\u0303u\u0301n\u0303ez (combining marks)")
        masked = mask_names(text, inc)
        assert masked == "J.N. was there; J. left, N. stayed; J.N. (combining marks)"
        assert_hidden(masked, "José Ñúñez")

    def test_a_name_written_without_accents_hides_the_accented_text(self, store: Store) -> None:
        inc = capture(store, "x", who="jose nunez")
        masked = mask_names("José Ñúñez and Ñúñez's bag", inc)
        assert masked == "J.Ñ. and Ñ.'s bag"
        assert_hidden(masked, "jose nunez")

    def test_names_inside_other_words_stay(self, store: Store) -> None:
        inc = capture(store, "x", who="Al Kimble")
        text = "Alex met Al and Kimberly; Kimbles? Al Kimble left, Kimble too. Tal Al."
        masked = mask_names(text, inc)
        # "Al" alone is too short to hide (it would eat "Alex"); the whole name is hidden.
        assert masked == "Alex met Al and Kimberly; Kimbles? A.K. left, K. too. Tal Al."

    def test_sentence_start_end_and_punctuation(self, store: Store) -> None:
        inc = capture(store, "x", who="Jordan Example", reporter="Alex Placeholder")
        text = ('Jordan: "Example!" (Alex) said, [Placeholder]. Ask alex?\n'
                "Jordan\nExample…Jordan-Example. —Alex")
        masked = mask_names(text, inc)
        assert masked == ('J.: "E.!" (A.) said, [P.]. Ask A.?\n'
                          "J.E.…J.-E.. —A.")
        assert_hidden(masked, "Jordan Example", "Alex Placeholder")

    def test_contacts_as_written_and_the_addresses_inside_them(self, store: Store) -> None:
        inc = capture(store, "x", who="Jordan Example",
                      contact="phone +00 0000 0001, or jordan.example@example.org")
        text = ("Wrote to Jordan.Example@Example.org, called +00 0000 0001; "
                "bo@elsewhere.test is someone else; phone +00 0000 0001, or "
                "jordan.example@example.org")
        masked = mask_names(text, inc)
        assert masked == (f"Wrote to {CONTACT_MASK}, called {CONTACT_MASK}; "
                          f"bo@elsewhere.test is someone else; {CONTACT_MASK}")
        assert "0001" not in masked and "jordan.example" not in masked.casefold()

    def test_handles_inside_a_contact(self, store: Store) -> None:
        inc = capture(store, "x", contact="Signal: @jo.sample (fictional)")
        assert mask_names("ask @jo.sample tonight", inc) == f"ask {CONTACT_MASK} tonight"

    def test_descriptions_are_not_names(self, store: Store) -> None:
        inc = capture(store, "x", who="Someone in a grey blazer, badge hidden",
                      reporter="Ivy Reporter")
        text = "Someone shouted at the reporter near a speaker; the attendee left"
        assert mask_names(text, inc) == text
        who = "Dee Fictional (attendee, red hoodie)"
        assert name_parts(who) == ["Dee Fictional", "Dee", "Fictional"]
        assert name_parts("a tall attendee with a green lanyard (name unknown)") == []

    def test_spaces_line_breaks_and_zero_width_characters_inside_a_name(
            self, store: Store) -> None:
        inc = capture(store, "x", who="Jordan Example")
        masked = mask_names("Jordan   Example and Jor\u200bdan\nExample", inc)
        assert masked == "J.E. and J.E."

    def test_earlier_values_actors_and_conversation_partners(self, store: Store) -> None:
        inc_id = actions.capture(store, "x", who="Hana Specimen").id
        actions.update(store, inc_id, who="Dee Fictional")
        casework_actions.record_review(store, inc_id, finding="f", violation="yes",
                                       actors=["Gus Mock"])
        casework_actions.record_conversation(store, inc_id, "Eli Demo", ["Ada Example"],
                                             kind="witness")
        casework_actions.record_conversation(store, inc_id, "the reporter", ["Ada Example"],
                                             kind="reporter")
        inc = store.get(inc_id)
        text = "Hana, Dee, Mock and Eli Demo talked to the reporter"
        masked = mask_names(text, inc)
        assert masked == "H., D., M. and E.D. talked to the reporter"

    def test_pseudonyms_are_hidden_too(self, store: Store) -> None:
        inc = capture(store, "x", who="Jordan Example")
        masked = mask_names("Person Kestrel met Jordan", inc, pseudonyms=["Person Kestrel"])
        assert masked == "P.K. met J."

    def test_members_keep_their_names(self, frozen_clock) -> None:
        # Members are not parties to the report: "Cy Placeholder" stays whole next to a
        # reporter "Kim Placeholder", whose surname alone is still hidden.
        store = Store.in_memory(member="Cy Placeholder", team="Example Con CARE", tag="CC")
        inc = capture(store, "x", reporter="Kim Placeholder")
        masked = mask_names("Cy Placeholder called Placeholder and Kim Placeholder", inc)
        assert masked == "Cy Placeholder called P. and K.P."

    def test_a_member_who_is_also_named_in_the_report_is_hidden(self, store: Store) -> None:
        inc = capture(store, "x", who="Ada Example")  # the store's member
        assert mask_names("Ada Example shouted", inc) == "A.E. shouted"

    def test_nothing_known_changes_nothing(self, store: Store) -> None:
        inc = capture(store, "Jordan Example shouted")
        assert mask_names(inc.what, inc) == inc.what
        assert NameMask.none()("Jordan Example") == "Jordan Example"
        assert not NameMask.none()

    def test_a_pasted_statement_as_who_is_hidden_whole(self, store: Store) -> None:
        who = "Jordan Example" + " said many things" * 40
        inc = capture(store, "x", who=who)
        assert mask_names(f"before {who} after", inc) == "before J.E.S. after"


class TestEveryListUsesTheMask:
    """The board's cells and the handover's lines go through the same mask."""

    def test_board_row_where_and_what(self, store: Store, frozen_clock) -> None:
        inc = capture(store, "Jordan Example grabbed Alex Placeholder's arm",
                      who="Jordan Example and Alex Placeholder", where="Jordan's room 12",
                      reporter="Ivy Reporter")
        row = board_row(inc, FROZEN_AT, TARGET)
        hidden = private_row(row, inc, MaskCache())
        assert hidden.what == "J.E. grabbed A.P.'s arm"
        assert hidden.where == "J.'s room 12"
        assert hidden.id == row.id and hidden.ack == row.ack and hidden.member == row.member
        assert private_row(row, None, MaskCache()).what == BULLET

    def test_the_mask_cache_follows_changes(self, store: Store) -> None:
        inc = capture(store, "Jordan Example shouted")
        masks = MaskCache()
        assert masks(inc)(inc.what) == "Jordan Example shouted"
        actions.update(store, inc.id, who="Jordan Example")
        assert masks(store.get(inc.id))(inc.what) == "J.E. shouted"
