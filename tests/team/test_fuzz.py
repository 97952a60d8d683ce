"""Random corruption of the draft and of shared-folder files: a clear error, never a
traceback, never an overwrite of the damaged file, and local data untouched."""

from __future__ import annotations

import re
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


def _team(root: Path) -> tuple[Store, Path, dict[str, list[str]]]:
    """A fresh two-laptop team: Bo has captured a report with a note and synced; Ada has
    not merged anything yet. Returns Ada, the folder and what Ada should end up with."""
    shared = root / "shared"
    ada = Store.create(root / "ada", PASSPHRASE, member="Ada Example")
    sync.init_shared(ada, shared)
    bo = sync.join(root / "bo", shared, "Bo Sample", PASSPHRASE)
    inc = incidents.capture(bo, "Report from Bo's laptop").id
    incidents.add_note(bo, inc, "a note")
    sync.sync(bo)
    bo.close()
    return ada, shared, {inc: ["a note"]}


def _role(path: Path) -> tuple[str, int]:
    """An order of the folder's files that does not depend on the random device ids."""
    return (re.sub(r"[0-9a-f]{8,}", "ID", path.as_posix()), path.stat().st_size)


def _damage(original: bytes, data: st.DataObject) -> bytes:
    """Flip, cut, replace or splice bytes, drawn so that every example draws alike
    whatever the file's size (hypothesis needs that to replay an example)."""
    how = data.draw(st.sampled_from(["flip", "truncate", "garbage", "splice"]))
    where = data.draw(st.integers(0, 2**20)) % max(1, len(original))
    blob = bytearray(original)
    if how == "flip":
        blob[where] ^= data.draw(st.integers(1, 255))
    elif how == "truncate":
        del blob[where:]
    elif how == "garbage":
        blob = bytearray(data.draw(st.binary(max_size=200)))
    else:
        blob[where:where] = data.draw(st.binary(min_size=1, max_size=20))
    return bytes(blob)


def _seen(store: Store) -> dict[str, list[str]]:
    return {i.id: [n.text for n in i.notes] for i in store.incidents().values()}


class TestSharedFolderCorruption:
    """Any damaged file in the shared folder, before this laptop merged it: sync names
    it (or stops with one line), takes nothing wrong, and completes once it is repaired."""

    @FUZZ
    @given(data=st.data())
    def test_any_shared_file(self, tmp_path_factory: pytest.TempPathFactory, frozen_clock,
                             data: st.DataObject) -> None:
        # A new team per example: with one team, every file is merged after the first
        # example and a damaged one would never be read again.
        ada, shared, expected = _team(tmp_path_factory.mktemp("team"))
        files = sorted((p for p in shared.rglob("*") if p.is_file()), key=_role)
        target = files[data.draw(st.integers(0, 63)) % len(files)]
        rel = target.relative_to(shared).as_posix()
        original = target.read_bytes()
        damaged = _damage(original, data)
        target.write_bytes(damaged)
        try:
            lines = sync.sync(ada).lines()
        except CaretermError as exc:
            assert "Traceback" not in str(exc) and "\n" not in str(exc)
            assert ada.changes() == []  # a refused sync changes nothing locally
        else:
            named = any(rel in line for line in lines)
            seen = _seen(ada)
            if damaged != original and not named:
                # Only a change that means nothing (a clear hint, JSON spacing) may
                # pass unnamed, and then nothing may be lost or altered.
                assert seen == expected, (rel, lines)
            else:
                assert all(seen[i] == expected[i] for i in seen), (rel, lines)
        finally:
            assert target.read_bytes() == damaged  # never overwritten
            target.write_bytes(original)
        # With the file repaired, the next sync completes and brings everything.
        sync.sync(ada)
        assert _seen(ada) == expected
        ada.close()
