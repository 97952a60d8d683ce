"""The public summary's approval rules (issue 15, part 4): two different members approve
one exact text; the author counts as one; the same member twice counts once; an edit
needs approving again; an approval carries the text's hash."""

from __future__ import annotations

import pytest

from careterm.actions import incidents
from careterm.actions.summaries import approve_summary, write_summary
from careterm.core import summaries
from careterm.core.casework import casework_dict
from careterm.core.timeline import timeline_entries
from careterm.errors import InvalidInput
from careterm.store.store import Store

TEXT = "A participant made unwanted comments to another participant; they were asked to stop."


def _report(store: Store) -> str:
    return incidents.capture(store, "Comments in the hallway", who="Eve Placeholder").id


def test_author_counts_once_and_a_second_member_approves(store: Store) -> None:
    inc = _report(store)
    assert write_summary(store, inc, TEXT)
    assert summaries.approvers(store.get(inc)) == ["Ada Example"]
    assert not summaries.is_approved(store.get(inc))
    # The author approving again, in another spelling, still counts once.
    assert approve_summary(store, inc) is False
    assert approve_summary(store, inc, "  ada   EXAMPLE ") is False
    assert not summaries.is_approved(store.get(inc))
    assert approve_summary(store, inc, "Bo Sample")
    assert approve_summary(store, inc, "bo sample") is False
    # Recorded twice anyway (two laptops at once, another spelling): still one member.
    store.transact(lambda maker: maker.add(inc, summaries.APPROVAL_OP, {
        "member": "BO  sample", "hash": summaries.text_hash(TEXT)}))
    assert len(summaries.approvers(store.get(inc))) == 2
    found = summaries.summary(store.get(inc))
    assert found is not None and found["approved"] and found["needed"] == 0
    assert found["approved_by"] == ["Ada Example", "Bo Sample"]
    assert casework_dict(store.get(inc))["summary"]["approved"] is True


def test_an_edit_needs_approving_again_even_back_to_the_old_text(store: Store) -> None:
    inc = _report(store)
    write_summary(store, inc, TEXT)
    approve_summary(store, inc, "Bo Sample")
    assert summaries.is_approved(store.get(inc))
    assert write_summary(store, inc, TEXT + " ") is False  # the same text: approvals stay
    assert summaries.is_approved(store.get(inc))
    write_summary(store, inc, "A participant was asked to stop.")
    assert summaries.approvers(store.get(inc)) == ["Ada Example"]
    write_summary(store, inc, TEXT)  # back to the approved words: approve again
    assert not summaries.is_approved(store.get(inc))
    approve_summary(store, inc, "Bo Sample")
    assert summaries.is_approved(store.get(inc))


def test_the_hash_binds_the_text(store: Store) -> None:
    inc = _report(store)
    write_summary(store, inc, TEXT)
    read = summaries.text_hash(TEXT)
    write_summary(store, inc, "Something else entirely.")
    with pytest.raises(InvalidInput, match="changed since you read it"):
        approve_summary(store, inc, "Bo Sample", text_hash=read)
    assert not store.get(inc).entries.get(summaries.APPROVAL_OP)
    # An approval whose hash is another text's never counts, whenever it was recorded.
    store.transact(lambda maker: maker.add(inc, summaries.APPROVAL_OP,
                                           {"member": "Bo Sample", "hash": read}))
    assert not summaries.is_approved(store.get(inc))
    assert approve_summary(store, inc, "Bo Sample",
                           text_hash=summaries.text_hash("Something else entirely."))
    assert summaries.is_approved(store.get(inc))


def test_nothing_to_approve_and_too_long(store: Store) -> None:
    inc = _report(store)
    with pytest.raises(InvalidInput, match="no public summary"):
        approve_summary(store, inc, "Bo Sample")
    with pytest.raises(InvalidInput, match="sentence or two"):
        write_summary(store, inc, "x" * (summaries.MAX_SUMMARY + 1))
    write_summary(store, inc, TEXT)
    assert write_summary(store, inc, None)
    assert summaries.summary(store.get(inc)) is None
    assert summaries.status_line(store.get(inc)) == "no public summary"


def test_timeline_says_written_and_approved_by(store: Store) -> None:
    inc = _report(store)
    write_summary(store, inc, TEXT)
    approve_summary(store, inc, "Bo Sample")
    texts = [e["text"] for e in timeline_entries(store.get(inc))]
    assert any(t.startswith("public summary written:") for t in texts)
    assert "public summary approved by Bo Sample" in texts
