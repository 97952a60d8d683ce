"""Sync end to end through the command line: two homes, one shared folder, subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import PASSPHRASE


def careterm(home: Path, *args: str, passphrase: str = PASSPHRASE
             ) -> subprocess.CompletedProcess[str]:
    """Run ``careterm --home HOME ARGS…`` the way a person would, passphrase from the env."""
    env = {**os.environ, "CARETERM_PASSPHRASE": passphrase,
           "CARETERM_KDF_LIMITS": "test-only-min"}
    return subprocess.run([sys.executable, "-m", "careterm", "--home", str(home), *args],
                          env=env, capture_output=True, text=True, timeout=120, check=False)


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


@pytest.fixture
def laptops(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Ada's home (which set up the shared folder) and Bo's (which joined it)."""
    ada, bo, shared = tmp_path / "ada", tmp_path / "bo", tmp_path / "shared"
    ok(careterm(ada, "init", "--member", "Ada Example", "--team", "Example Con CARE",
                "--shared", str(shared)))
    ok(careterm(bo, "join", "--member", "Bo Sample", "--shared", str(shared)))
    return ada, bo, shared


def test_notes_written_on_two_laptops_show_on_both(laptops: tuple[Path, Path, Path]) -> None:
    ada, bo, _shared = laptops
    inc_id = ok(careterm(ada, "capture", "--what", "Someone was followed to Room Zeta",
                         "--where", "Room Zeta")).strip()
    ok(careterm(ada, "sync"))
    assert inc_id in ok(careterm(bo, "sync"))
    ok(careterm(ada, "note", inc_id, "Ada spoke with the reporter"))
    ok(careterm(bo, "note", inc_id, "Bo found a witness"))
    for _ in range(2):
        ok(careterm(ada, "sync"))
        ok(careterm(bo, "sync"))
    for home in (ada, bo):
        shown = json.loads(ok(careterm(home, "show", inc_id, "--json")))
        texts = sorted(note["text"] for note in shown["notes"])
        assert texts == ["Ada spoke with the reporter", "Bo found a witness"]
        assert {note["author"] for note in shown["notes"]} == {"Ada Example", "Bo Sample"}
        assert shown["where"] == "Room Zeta"
    assert "up to date" in ok(careterm(bo, "sync"))


def test_sync_with_a_missing_folder_is_one_clear_line(laptops: tuple[Path, Path, Path]
                                                      ) -> None:
    ada, _bo, shared = laptops
    inc_id = ok(careterm(ada, "capture", "--what", "Captured before the folder went away"))
    shared.rename(shared.with_name("unplugged"))
    done = careterm(ada, "sync")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "shared folder" in lines[0] and "not reachable" in lines[0]
    assert json.loads(ok(careterm(ada, "show", inc_id.strip(), "--json")))["what"] == \
        "Captured before the folder went away"


def test_join_with_a_wrong_passphrase_is_refused_and_writes_nothing(
        laptops: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _ada, _bo, shared = laptops
    cy = tmp_path / "cy"
    done = careterm(cy, "join", "--member", "Cy Person", "--shared", str(shared),
                    passphrase="not the team passphrase")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "passphrase" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not cy.exists()


def test_a_damaged_file_is_named_and_the_sync_still_succeeds(laptops: tuple[Path, Path, Path]
                                                             ) -> None:
    ada, bo, shared = laptops
    ok(careterm(ada, "capture", "--what", "A report whose file gets damaged"))
    ok(careterm(ada, "sync"))
    (damaged,) = shared.glob("devices/*/1.seg")
    blob = bytearray(damaged.read_bytes())
    blob[-10] ^= 0xFF
    damaged.write_bytes(bytes(blob))
    out = ok(careterm(bo, "sync"))
    assert f"skipped devices/{damaged.parent.name}/1.seg: failed authentication" in out
    assert json.loads(ok(careterm(bo, "list", "--json"))) == []
