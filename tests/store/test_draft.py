"""The encrypted capture draft, and turning the capture form into core calls."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from careterm.actions import incidents
from careterm.errors import StoreDamaged
from careterm.store import draft
from careterm.store.store import Store
from tests.support import PASSPHRASE


def filled_form() -> dict:
    form = draft.empty_form()
    form.update(what="Slide with an offensive joke", when="10 min ago", where="Room Zeta",
                ongoing="yes", source="in-person")
    form["support"]["escort"] = "requested"
    form["marks"] = {"who": "unknown", "reporter": "declined"}
    return form


def test_draft_round_trips_in_either_store(store: Store) -> None:
    assert draft.load_draft(store) is None
    draft.save_draft(store, filled_form())
    record = draft.load_draft(store)
    assert record is not None
    assert record["form"] == filled_form()
    assert record["member"] == "Ada Example"
    draft.clear_draft(store)
    assert draft.load_draft(store) is None
    draft.clear_draft(store)  # clearing twice is fine


def test_draft_on_disk_is_encrypted_and_survives_reopening(home: Path) -> None:
    store = Store.open(home, PASSPHRASE)
    draft.save_draft(store, filled_form())
    blob = (home / draft.DRAFT_FILE).read_bytes()
    assert b"offensive" not in blob and b"Room Zeta" not in blob
    store.close()
    again = Store.open(home, PASSPHRASE)
    assert draft.load_draft(again)["form"]["where"] == "Room Zeta"


def test_damaged_draft_is_reported_and_set_aside_not_overwritten(home: Path) -> None:
    store = Store.open(home, PASSPHRASE)
    draft.save_draft(store, filled_form())
    path = home / draft.DRAFT_FILE
    damaged = bytearray(path.read_bytes())
    damaged[-3] ^= 0xFF
    path.write_bytes(bytes(damaged))
    with pytest.raises(StoreDamaged, match="draft"):
        draft.load_draft(store)
    assert path.read_bytes() == bytes(damaged)  # left exactly as it was
    moved = draft.set_aside_damaged(store)
    assert moved is not None and moved.read_bytes() == bytes(damaged)
    assert draft.load_draft(store) is None


def test_capture_arguments_give_the_core_what_the_form_holds(store: Store) -> None:
    captured = incidents.capture(store, **draft.capture_arguments(filled_form()))
    incident = store.get(captured.id)
    assert incident.what == "Slide with an offensive joke"
    assert incident.marks == {"who": "unknown", "reporter": "declined"}
    assert incident.support == {"escort": "requested"}
    assert incident.urgency == "high" and captured.urgency_raised


def test_edit_sends_only_what_changed(store: Store) -> None:
    captured = incidents.capture(store, **draft.capture_arguments(filled_form()))
    incident = store.get(captured.id)
    original = draft.form_from_incident(incident)
    assert original["marks"] == {"who": "unknown", "reporter": "declined"}
    edited = draft.normalise_form(original)
    edited["who"] = "Gus Mock"
    del edited["marks"]["who"]
    edited["marks"]["where"] = "unknown"
    edited["where"] = ""
    arguments = draft.update_arguments(edited, original)
    assert arguments == {"marks": {"where": "unknown"}, "who": "Gus Mock"}
    changed = incidents.update(store, captured.id, **arguments)
    assert set(changed) == {"who", "where"}
    incident = store.get(captured.id)
    assert incident.who == "Gus Mock" and incident.marks == {"reporter": "declined",
                                                             "where": "unknown"}


def test_previews(frozen_clock) -> None:
    assert draft.when_preview("10 min ago") == "→ 14:20 today"
    assert draft.when_preview("during the keynote") == "will be kept as text"
    assert draft.when_preview("") == ""
    form = draft.empty_form()
    assert draft.urgency_preview(form) == "medium unless chosen"
    form["ongoing"] = "yes"
    assert draft.urgency_preview(form) == "high: raised, it is ongoing"
    form["urgency"] = "low"
    assert draft.urgency_preview(form) == "low, set by hand"


def test_empty_form_and_old_drafts() -> None:
    assert draft.form_is_empty(draft.empty_form())
    assert not draft.form_is_empty({"marks": {"who": "unknown"}})
    odd = draft.normalise_form({"what": 3, "marks": {"what": "unknown", "who": "maybe"},
                                "support": {"escort": "nonsense"}, "extra": "x"})
    assert odd == draft.empty_form()


# ------------------------------------------------------------------ drafts kept for later


def a_form(what: str) -> dict:
    return {**draft.empty_form(), "what": what}


def test_a_kept_draft_stays_while_the_next_report_is_typed_and_saved(
        store: Store, frozen_clock) -> None:
    draft.save_draft(store, a_form("Half-typed report about the lanyards"))
    draft.keep_for_later(store)
    record = draft.load_draft(store)
    assert record is not None and draft.form_is_empty(record["form"])
    [kept] = record["kept"]
    assert kept["form"]["what"] == "Half-typed report about the lanyards"
    assert kept["saved_at"] == frozen_clock().isoformat() and kept["member"] == "Ada Example"
    # The next reporter's form is typed (its draft written) and saved (its draft cleared).
    frozen_clock.advance(minutes=5)
    draft.save_draft(store, a_form("Someone else"))
    record = draft.load_draft(store)
    assert record["form"]["what"] == "Someone else" and record["kept"] == [kept]
    draft.clear_draft(store)
    record = draft.load_draft(store)
    assert record is not None and record["kept"] == [kept]
    assert draft.form_is_empty(record["form"])
    # Chosen: it becomes the form being typed again, with its own time.
    assert draft.resume_kept(store, kept["id"])["what"] == kept["form"]["what"]
    record = draft.load_draft(store)
    assert record["kept"] == [] and record["saved_at"] == kept["saved_at"]
    assert record["form"]["what"] == "Half-typed report about the lanyards"
    draft.clear_draft(store)
    assert draft.load_draft(store) is None  # nothing left: no file
    assert draft.resume_kept(store, kept["id"]) is None  # no longer kept


def test_resuming_keeps_what_was_typed_in_its_place(store: Store) -> None:
    draft.save_draft(store, a_form("older"))
    draft.keep_for_later(store)
    [older] = draft.load_draft(store)["kept"]
    draft.save_draft(store, a_form("typed meanwhile"))
    assert draft.resume_kept(store, older["id"], a_form("typed meanwhile"))["what"] == "older"
    record = draft.load_draft(store)
    assert record["form"]["what"] == "older"
    assert [k["form"]["what"] for k in record["kept"]] == ["typed meanwhile"]
    draft.keep_for_later(store)  # the empty-form case and several kept, newest first
    draft.keep_for_later(store)
    assert [k["form"]["what"] for k in draft.load_draft(store)["kept"]] == [
        "older", "typed meanwhile"]


def test_kept_drafts_are_sealed_like_the_draft(home: Path) -> None:
    store = Store.open(home, PASSPHRASE)
    draft.save_draft(store, a_form("Kept words about Room Zeta"))
    draft.keep_for_later(store)
    draft.save_draft(store, a_form("Typed words"))
    blob = (home / draft.DRAFT_FILE).read_bytes()
    for clear in (b"Room Zeta", b"Typed words", b"saved_at", b"kept", b"14:30"):
        assert clear not in blob
    store.close()
    again = Store.open(home, PASSPHRASE)
    record = draft.load_draft(again)
    assert record["form"]["what"] == "Typed words"
    assert record["kept"][0]["form"]["what"] == "Kept words about Room Zeta"


def test_a_damaged_draft_is_set_aside_before_a_new_one_is_written(home: Path) -> None:
    store = Store.open(home, PASSPHRASE)
    path = home / draft.DRAFT_FILE
    path.write_bytes(b"not a sealed draft")
    draft.save_draft(store, a_form("new words"))
    assert draft.load_draft(store)["form"]["what"] == "new words"
    [aside] = [p for p in home.iterdir() if p.name.startswith(f"{draft.DRAFT_FILE}.damaged-")]
    assert aside.read_bytes() == b"not a sealed draft"


def test_the_offer_says_when_and_the_first_words(frozen_clock) -> None:
    now = frozen_clock()
    assert draft.draft_time(now.isoformat(), now) == "14:30"
    assert draft.draft_time((now - timedelta(hours=20)).isoformat(), now) == "yesterday 18:30"
    assert draft.draft_time((now - timedelta(days=3)).isoformat(), now) == "Sun 22 Nov 14:30"
    assert draft.draft_time("garbage", now) == "an earlier time"
    assert draft.first_words(a_form("Short")) == "Short"
    assert draft.first_words(a_form("Line one\nline two")) == "Line one line two"
    assert draft.first_words(a_form("x" * 60)) == "x" * 40 + "…"
    assert draft.first_words({**draft.empty_form(), "where": "Room Zeta"}) == "Room Zeta"
    assert draft.first_words(draft.empty_form()) == "(nothing typed yet)"
