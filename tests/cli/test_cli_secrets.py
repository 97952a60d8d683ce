"""What the command line keeps to itself (issue 10): passphrases leave the environment once
read and never reach its output; an unexpected exception is one line, never a traceback."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
import threading
import types
from pathlib import Path

import pytest

from careterm.cli.commands import app
from careterm.cli.main import COMMANDS, main
from careterm.team import keys
from tests.support import PASSPHRASE, Result, capture, one_error_line, run_careterm

SECRET = "secret text"
"""Stands for report text or a key in an exception's message: it must never be printed."""


DISTINCT = "Quetzal-7f3e passphrase ümlaut"
"""A passphrase no output would contain by chance."""


NEW_DISTINCT = "Okapi-91c2 new passphrase"


def child_environment_has(name: str) -> bool:
    """Whether a process started now would inherit the variable ``name``."""
    done = subprocess.run([sys.executable, "-c", f"import os; print({name!r} in os.environ)"],
                          capture_output=True, text=True, check=True, timeout=60)
    return done.stdout.strip() == "True"


# --------------------------------------------------- passphrases leave the environment

def test_the_passphrase_variable_is_gone_once_read(cli) -> None:
    inc_id = capture(cli, "--what", "Report")
    assert "CARETERM_PASSPHRASE" not in os.environ
    assert not child_environment_has("CARETERM_PASSPHRASE")
    assert cli("show", inc_id).code == 0  # the fixture sets it again for each command


def test_it_is_read_once_per_process(home: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CARETERM_PASSPHRASE", PASSPHRASE)

    def no_terminal(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr("getpass.getpass", no_terminal)
    assert main(["--home", str(home), "list"]) == 0
    capsys.readouterr()
    assert main(["--home", str(home), "list"]) == 2  # nothing left to read: it asks
    assert "no passphrase given" in one_error_line(capsys.readouterr().err)


def test_init_takes_the_variable(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CARETERM_PASSPHRASE", PASSPHRASE)
    home = tmp_path / "home"
    assert main(["--home", str(home), "init", "--member", "Ada Example"]) == 0
    assert "CARETERM_PASSPHRASE" not in os.environ
    keys.unlock(home, PASSPHRASE).close()


def test_a_refused_passphrase_is_gone_too(home: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CARETERM_PASSPHRASE", "not valid \udcff UTF-8")
    assert main(["--home", str(home), "list"]) == 2
    assert "not valid UTF-8" in one_error_line(capsys.readouterr().err)
    assert "CARETERM_PASSPHRASE" not in os.environ


def test_changing_the_passphrase_takes_both_variables(home: Path, monkeypatch,
                                                      capsys) -> None:
    monkeypatch.setenv("CARETERM_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CARETERM_NEW_PASSPHRASE", NEW_DISTINCT)
    assert main(["--home", str(home), "passphrase"]) == 0, capsys.readouterr().err
    assert "CARETERM_PASSPHRASE" not in os.environ
    assert "CARETERM_NEW_PASSPHRASE" not in os.environ
    assert not child_environment_has("CARETERM_NEW_PASSPHRASE")
    keys.unlock(home, NEW_DISTINCT).close()


def test_the_app_starts_without_them(tmp_path: Path, monkeypatch) -> None:
    # The app asks on its own screen and runs for hours: nothing it starts inherits them.
    seen: list[tuple[bool, bool]] = []

    def fake_start(home: Path | None, lock_after: float | None,
                   demo_incidents: int | None) -> int:
        seen.append(("CARETERM_PASSPHRASE" in os.environ,
                     "CARETERM_NEW_PASSPHRASE" in os.environ))
        return 0

    monkeypatch.setenv("CARETERM_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CARETERM_NEW_PASSPHRASE", NEW_DISTINCT)
    fake_app = types.ModuleType("careterm.tui.app")
    fake_app.run = lambda *args, **kwargs: fake_start(*args, **kwargs)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "careterm.tui.app", fake_app)
    assert main(["--home", str(tmp_path / "h")]) == 0
    assert seen == [(False, False)]


# ----------------------------------------------------- passphrases never printed

def test_no_output_holds_the_passphrase(tmp_path: Path, monkeypatch, capsys) -> None:
    home, shared, other = tmp_path / "home", tmp_path / "shared", tmp_path / "other"
    printed: list[str] = []

    def run(*args: str, passphrase: str = DISTINCT, new: str | None = None,
            where: Path = home) -> Result:
        monkeypatch.setenv("CARETERM_PASSPHRASE", passphrase)
        if new is not None:
            monkeypatch.setenv("CARETERM_NEW_PASSPHRASE", new)
        code = main(["--home", str(where), *args])
        captured = capsys.readouterr()
        printed.append(captured.out + captured.err)
        return Result(code, captured.out, captured.err)

    assert run("init", "--member", "Ada Example", "--team", "Example Con CARE",
               "--shared", str(shared)).code == 0
    inc = run("capture", "--what", "Report at the door", "--who", "Eve Placeholder",
              "--urgency", "high").out.strip()
    for args in (["list"], ["list", "--json"], ["show", inc], ["show", inc, "--json"],
                 ["ack", inc], ["note", inc, "Spoke with the reporter"],
                 ["update", inc, "--where", "Hall B"], ["status", inc, "in-review"],
                 ["categorize", inc, "harassment"], ["export", inc],
                 ["report", "--format", "json"], ["devices"],
                 ["backup", str(tmp_path / "backup.careterm")]):
        result = run(*args)
        assert result.code == 0, (args, result.err)
    assert run("restore", str(tmp_path / "backup.careterm"), where=other).code == 0
    assert run("list", passphrase=DISTINCT + " wrong").code != 0
    assert run("init", "--member", "Bo Sample").code == 2
    assert run("passphrase", new=NEW_DISTINCT).code == 0
    assert run("list", passphrase=NEW_DISTINCT).code == 0
    assert run("passphrase", passphrase=NEW_DISTINCT, new="").code == 2

    everything = "\n".join(printed)
    assert "Report at the door" in everything  # the check below looks at real output
    for secret in (DISTINCT, NEW_DISTINCT, "Quetzal", "Okapi"):
        assert secret not in everything


def test_no_output_holds_the_passphrase_in_a_fresh_process(home: Path) -> None:
    ok = run_careterm(home, "capture", "--what", "Report")
    wrong = run_careterm(home, "list", passphrase=DISTINCT)
    assert ok.returncode == 0 and wrong.returncode != 0
    for done in (ok, wrong):
        assert DISTINCT.encode() not in done.stdout + done.stderr
        assert PASSPHRASE.encode() not in done.stdout + done.stderr


# ------------------------------------------------ unexpected exceptions: one line

def _failing(kind: type[BaseException]):
    def handler(args, session) -> int:
        raise kind(SECRET)
    return handler


def _recursing(args, session) -> int:
    return _recursing(args, session)


@pytest.mark.parametrize("handler", [_failing(ValueError), _failing(KeyError),
                                     _failing(MemoryError), _failing(AssertionError),
                                     _recursing],
                         ids=["ValueError", "KeyError", "MemoryError", "AssertionError",
                              "RecursionError"])
def test_an_unexpected_exception_is_one_line_and_exit_1(cli, monkeypatch, handler) -> None:
    capture(cli, "--what", "A report")
    monkeypatch.setitem(COMMANDS, "list", dataclasses.replace(COMMANDS["list"], run=handler))
    result = cli("list")
    line = one_error_line(result.err)
    assert result.code == 1
    assert line.startswith("careterm: unexpected error (")
    assert "in 'careterm list'; nothing more was written. Please report it." in line
    assert SECRET not in result.err + result.out


def test_the_message_names_the_exception_type(cli, monkeypatch) -> None:
    monkeypatch.setitem(COMMANDS, "list",
                        dataclasses.replace(COMMANDS["list"], run=_recursing))
    assert "(RecursionError)" in one_error_line(cli("list").err)


def test_the_board_failing_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(app, "run_board", _failing(RuntimeError))
    assert main(["--home", str(tmp_path / "h")]) == 1
    err = capsys.readouterr().err
    assert "unexpected error (RuntimeError) in the board" in one_error_line(err)


def test_a_thread_failing_is_one_line(cli, monkeypatch) -> None:
    def handler(args, session) -> int:
        worker = threading.Thread(target=_failing(ValueError), args=(args, session))
        worker.start()
        worker.join()
        return 0

    monkeypatch.setitem(COMMANDS, "list", dataclasses.replace(COMMANDS["list"], run=handler))
    result = cli("list")
    assert result.code == 0  # the command itself finished
    line = one_error_line(result.err)
    assert "unexpected error (ValueError) in a background task of 'careterm list'" in line
    assert SECRET not in result.err


def test_a_finalizer_failing_is_one_line(cli, monkeypatch) -> None:
    class Leaky:
        def __del__(self) -> None:
            raise ValueError(SECRET)

    def handler(args, session) -> int:
        leaky = Leaky()
        del leaky
        return 0

    monkeypatch.setitem(COMMANDS, "list", dataclasses.replace(COMMANDS["list"], run=handler))
    result = cli("list")
    assert result.code == 0
    line = one_error_line(result.err)
    assert "unexpected error (ValueError) while cleaning up in 'careterm list'" in line
    assert SECRET not in result.err


def test_the_callers_hooks_are_back_after_main(cli) -> None:
    before = sys.excepthook, threading.excepthook, sys.unraisablehook
    assert cli("list").code == 0
    assert (sys.excepthook, threading.excepthook, sys.unraisablehook) == before


def _python(code: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARETERM_PASSPHRASE": PASSPHRASE,
           "CARETERM_KDF_LIMITS": "test-only-min", "HOME_FOR_TEST": str(home)}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


PATCH_LIST = """
    import dataclasses, os, threading
    import careterm.cli.main as m

    def fail(args, session):
        raise {kind}("secret text")

    def in_thread(args, session):
        worker = threading.Thread(target=fail, args=(args, session))
        worker.start()
        worker.join()
        return 0

    m.COMMANDS["list"] = dataclasses.replace(m.COMMANDS["list"], run={handler})
    raise SystemExit(m.main(["--home", os.environ["HOME_FOR_TEST"], "list"]))
"""


@pytest.mark.parametrize("kind", ["ValueError", "RecursionError"])
def test_in_a_fresh_process_an_unexpected_exception_is_one_line(home: Path,
                                                                kind: str) -> None:
    done = _python(PATCH_LIST.format(kind=kind, handler="fail"), home)
    assert done.returncode == 1
    assert f"unexpected error ({kind}) in 'careterm list'" in one_error_line(done.stderr)
    assert SECRET not in done.stderr + done.stdout


def test_in_a_fresh_process_a_thread_failing_is_one_line(home: Path) -> None:
    done = _python(PATCH_LIST.format(kind="ValueError", handler="in_thread"), home)
    assert done.returncode == 0
    assert "in a background task of 'careterm list'" in one_error_line(done.stderr)
    assert SECRET not in done.stderr


def test_as_the_process_entry_the_hooks_stay(home: Path) -> None:
    # The `careterm` script and `python -m careterm` call main() without arguments: an
    # exception after it returns (a thread still running, the interpreter's shutdown)
    # is one line too.
    done = _python("""
    import sys, threading
    import careterm.cli.main as m

    sys.argv = ["careterm", "--version"]
    assert m.main() == 0

    def fail():
        raise ValueError("secret text")

    worker = threading.Thread(target=fail)
    worker.start()
    worker.join()
    raise LookupError("secret text")
    """, home)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and SECRET not in done.stderr
    assert done.stderr.splitlines() == [
        "careterm: unexpected error (ValueError) in a background task of careterm. "
        "Please report it.",
        "careterm: unexpected error (LookupError) in careterm; nothing more was written. "
        "Please report it."]
