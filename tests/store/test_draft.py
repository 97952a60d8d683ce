"""The encrypted capture draft, and turning the capture form into core calls."""

from __future__ import annotations

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
