"""``careterm doctor`` at the command line: the report on stdout, exit 0 when all is well,
else exit 1 with a one-line summary on stderr; ``--json`` for scripts."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from careterm.cli.main import main
from careterm.team import segments
from tests.support import PASSPHRASE, Result, one_error_line, run_careterm

Run = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        frozen_clock) -> Run:
    """``careterm --home HOME ARGS`` in this process (passphrase from the environment)."""
    monkeypatch.delenv("CARETERM_HOME", raising=False)

    def run_one(home: Path, *args: str) -> Result:
        monkeypatch.setenv("CARETERM_PASSPHRASE", PASSPHRASE)
        code = main(["--home", str(home), *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run_one


@pytest.fixture
def laptops(tmp_path: Path, run: Run) -> tuple[Path, Path, Path]:
    """Ada's home (which set up the shared folder), Bo's (which joined it), the folder;
    Ada captured a report and both synced."""
    ada, bo, shared = tmp_path / "ada", tmp_path / "bo", tmp_path / "shared"
    assert run(ada, "init", "--member", "Ada Example", "--shared", str(shared)).code == 0
    assert run(bo, "join", "--member", "Bo Sample", "--shared", str(shared)).code == 0
    assert run(ada, "capture", "--what", "Someone was cornered near Room Zeta").code == 0
    for home in (ada, bo, ada):
        assert run(home, "sync").code == 0
    return ada, bo, shared


def bo_file_ahead(run: Run, laptops: tuple[Path, Path, Path], seconds: float) -> Path:
    """Bo writes a note and its file is dated ``seconds`` ahead (Bo's clock is ahead)."""
    ada, bo, shared = laptops
    inc_id = run(bo, "list", "--json")
    assert inc_id.code == 0
    note = run(bo, "note", json.loads(inc_id.out)[0]["id"], "Bo's follow-up")
    assert note.code == 0
    before = set((shared / segments.DEVICES_DIR).glob("*/*.seg"))
    assert run(bo, "sync").code == 0
    [path] = set((shared / segments.DEVICES_DIR).glob("*/*.seg")) - before
    now = time.time()
    os.utime(path, (now, now + seconds))
    return path


def test_all_is_well_exits_0(run: Run, laptops: tuple[Path, Path, Path]) -> None:
    ada, _, shared = laptops
    result = run(ada, "doctor")
    assert (result.code, result.err) == (0, "")
    lines = result.out.splitlines()
    assert lines[0] == f"shared folder: {shared}"
    assert "laptops:" in lines
    assert any(line.startswith("  Bo Sample (tag ") for line in lines)
    assert lines[-1] == "all is well: 1 other laptop, nothing skipped"


def test_a_problem_exits_1_with_one_line_on_stderr(run: Run,
                                                   laptops: tuple[Path, Path, Path]) -> None:
    bo_file_ahead(run, laptops, 400)
    result = run(laptops[0], "doctor")
    assert result.code == 1
    assert one_error_line(result.err) == ("careterm: 1 problem: a clock 6 minutes ahead on "
                                          "Bo Sample's laptop\n")
    assert "  problem: the clock of Bo Sample's laptop" in result.out
    assert "all is well" not in result.out


def test_json_for_scripts(run: Run, laptops: tuple[Path, Path, Path]) -> None:
    ada, _, shared = laptops
    well = run(ada, "doctor", "--json")
    assert (well.code, well.err) == (0, "")
    data = json.loads(well.out)
    assert data["ok"] is True and data["folder"] == str(shared)
    assert [lap["member"] for lap in data["laptops"]] == ["Ada Example", "Bo Sample"]
    bo_file_ahead(run, laptops, 400)
    ill = run(ada, "doctor", "--json")
    assert ill.code == 1
    data = json.loads(ill.out)
    assert data["ok"] is False
    assert ill.err == f"careterm: {data['summary']}\n"


def test_a_laptop_without_a_shared_folder(run: Run, tmp_path: Path) -> None:
    home = tmp_path / "solo"
    assert run(home, "init", "--member", "Ada Example").code == 0
    result = run(home, "doctor")
    assert result.code == 1
    assert result.err == "careterm: 1 problem: no shared folder set up\n"
    assert result.out.splitlines()[0] == "shared folder: none set up"


def test_without_a_store_it_says_so_in_one_line(tmp_path: Path) -> None:
    result = run_careterm(tmp_path / "nothing", "doctor")
    assert result.returncode == 1
    assert "no careterm store in" in one_error_line(result.stderr)


def test_escape_sequences_in_file_names_are_never_sent_to_the_terminal(
        run: Run, laptops: tuple[Path, Path, Path]) -> None:
    path = bo_file_ahead(run, laptops, 0)
    hostile = path.with_name("1 (conflicted copy \x1b[2J\x1b]0;owned\x07).seg")
    hostile.write_bytes(path.read_bytes())
    for args in (["doctor"], ["doctor", "--json"]):
        result = run(laptops[0], *args)
        assert "\x1b" not in result.out + result.err and "\x07" not in result.out
    assert json.loads(result.out)["conflicts"] == [
        f"devices/{path.parent.name}/{hostile.name}"]


def test_doctor_is_listed_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "doctor" in capsys.readouterr().out
    assert main(["doctor", "--help"]) == 0
    assert "--json" in capsys.readouterr().out
