"""Random corruption of the draft and of shared-folder files: a clear error, never a
traceback, never an overwrite of the damaged file, and local data untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careterm.actions import incidents
from careterm.errors import CaretermError
from careterm.store import draft
from careterm.store.store import Store
from careterm.team import sync
from tests.support import PASSPHRASE, corrupt

FUZZ = settings(max_examples=50, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


class TestDraftCorruption:
    """A damaged draft is reported by name and left as it is."""

    @FUZZ
    @given(data=st.data())
    def test_draft(self, home: Path, data: st.DataObject) -> None:
        store = Store.open(home, PASSPHRASE)
        draft.save_draft(store, {**draft.empty_form(), "what": "half-typed report"})
        path = draft.draft_path(store)
        assert path is not None
        damaged = corrupt(path.read_bytes(), data)
        path.write_bytes(damaged)
        try:
            draft.load_draft(store)
        except CaretermError as exc:
            assert str(path) in str(exc)
        assert path.read_bytes() == damaged
        path.unlink()


@pytest.fixture
def shared_team(tmp_path: Path, frozen_clock) -> tuple[Store, Store, Path]:
    shared = tmp_path / "shared"
    ada = Store.create(tmp_path / "ada", PASSPHRASE, member="Ada Example")
    sync.init_shared(ada, shared)
    bo = sync.join(tmp_path / "bo", shared, "Bo Sample", PASSPHRASE)
    inc = incidents.capture(bo, "Report from Bo's laptop").id
    incidents.add_note(bo, inc, "a note")
    sync.sync(bo)
    return ada, bo, shared


class TestSharedFolderCorruption:
    """Any damaged file in the shared folder: sync reports it or stops cleanly."""

    @FUZZ
    @given(data=st.data())
    def test_any_shared_file(self, shared_team, data: st.DataObject) -> None:
        ada, _, shared = shared_team
        files = sorted(p for p in shared.rglob("*") if p.is_file())
        target = data.draw(st.sampled_from(files))
        original = target.read_bytes()
        damaged = corrupt(original, data)
        target.write_bytes(damaged)
        before = ada.changes()
        try:
            report = sync.sync(ada)
            assert isinstance(report.lines(), list)
        except CaretermError:
            assert ada.changes() == before  # a refused sync changes nothing locally
        finally:
            assert target.read_bytes() == damaged  # never overwritten
            target.write_bytes(original)
        # With the file repaired, the next sync completes and brings everything.
        sync.sync(ada)
        assert [i.what for i in ada.incidents().values()] == ["Report from Bo's laptop"]
