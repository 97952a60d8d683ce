"""Erasure on one laptop's home: the stored records rewritten, journal emptied,
evidence and draft gone, backups made before listed."""

from __future__ import annotations

from pathlib import Path

from careterm.actions import evidence as evidence_actions
from careterm.actions import incidents
from careterm.actions.erase import erase
from careterm.core.erasure import ERASABLE, ERASED
from careterm.store import draft
from careterm.store.backup import write_backup
from careterm.store.compact import backups_before, readable_home
from careterm.store.store import Store

NAME = "Philippa Strunzenberger"


def _hits(store: Store) -> list[str]:
    return [name for name, text in readable_home(store) if NAME.casefold() in text.casefold()]


def test_erasing_rewrites_every_stored_record_and_drops_draft_and_evidence(store: Store) -> None:
    inc = incidents.capture(store, f"{NAME} was insulted", reporter=NAME).id
    incidents.add_note(store, inc, f"{NAME} wants no action")
    incidents.update(store, inc, urgency="high")
    if store.home is not None:
        evidence_actions.attach_bytes(store, inc, NAME.encode(), "proof.txt")
        assert "store.journal" in _hits(store) or "store.ct" in _hits(store)
    draft.save_draft(store, {**draft.empty_form(), "what": f"about {NAME} again"})
    draft.keep_for_later(store)
    draft.save_draft(store, {**draft.empty_form(), "what": "an unrelated report"})

    done = erase(store, inc, ERASABLE, "the reporter asked")

    incident = store.get(inc)
    assert incident.reporter == ERASED and incident.urgency == "high"
    assert not any(NAME in repr(c) for c in store.changes())
    assert done.scrubbed.changes >= 2 and done.scrubbed.drafts == 1
    record = draft.load_draft(store)
    assert record is not None and record["form"]["what"] == "an unrelated report"
    assert record["kept"] == []
    if store.home is not None:
        assert _hits(store) == []
        assert len(done.scrubbed.evidence) == 1
        assert (store.home / "store.journal").stat().st_size == 0
        # The erasure survives reopening (it is in the snapshot, not only in memory).
        reopened = Store.open_with_key(store.home, store.store_key)
        assert reopened.get(inc).reporter == ERASED
        reopened.close()
    # A second run finds nothing more to do.
    assert erase(store, inc, ("reporter",), "again").scrubbed.changes == 0


def test_backups_made_before_an_erasure_are_remembered_by_date(store: Store,
                                                               tmp_path: Path) -> None:
    if store.home is None:
        return
    incidents.capture(store, "something happened")
    write_backup(store, tmp_path / "first.ctbak")
    listed = backups_before(store, incidents.clock.now().replace(year=2100))
    assert [path for _, path in listed] == [str(tmp_path / "first.ctbak")]
    assert backups_before(store, incidents.clock.now().replace(year=2000)) == []
