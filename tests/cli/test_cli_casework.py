"""Casework, backups and passphrase changes through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from careterm.store.store import Store
from tests.support import PASSPHRASE, capture, one_error_line, run_careterm, show_json


class TestCaseworkCommands:
    """A report carried from capture to closed entirely through the CLI."""

    def test_capture_to_closed(self, cli) -> None:
        inc = capture(cli, "--what", "Repeated comments about a speaker's looks",
                      "--who", "Eve Placeholder", "--reporter", "Bo Sample")
        assert cli("ack", inc, "--via", "in-person").code == 0
        assert cli("categorize", inc, "harassment").code == 0
        assert cli("status", inc, "in-review").code == 0
        result = cli("conversation", inc, "--with", "Eve Placeholder (reported person)",
                     "--members", "Ada Example", "--notes", "Listened to her side")
        assert result.code == 0
        assert "two" in result.err.lower()  # one member with the reported person: warned
        assert cli("review", inc, "--finding", "Comments happened twice", "--violation", "yes",
                   "--actor", "Eve Placeholder", "--reason", "Intentional").code == 0
        assert cli("resolve", inc, "--resolution", "stop-behaviour").code == 0
        record = show_json(cli, inc)
        assert record["status"] == "decided" and record["needs_informing"] is True
        assert record["category"] == "harassment"
        assert [r["name"] for r in record["resolutions"]] == ["stop-behaviour"]
        assert record["warnings"], "the two-member warning stays on the report"
        closing = cli("status", inc, "closed")
        assert closing.code == 2 and "informed" in closing.err
        assert cli("inform", inc, "--how", "in person", "--told", "Asked to stop").code == 0
        assert cli("statement", inc, "none").code == 0
        assert cli("status", inc, "closed").code == 0
        assert inc not in [r["id"] for r in json.loads(cli("list", "--json").out)]
        assert inc in [r["id"] for r in json.loads(cli("list", "--json", "--all").out)]
        shown = cli("show", inc).out
        assert "WARNING" in shown and "harassment" in shown.lower()

    def test_going_back_is_only_to_in_review(self, cli) -> None:
        inc = capture(cli, "--what", "x")
        assert cli("status", inc, "needs-info").code == 0
        back = cli("status", inc, "acknowledged")
        assert back.code == 2
        one_error_line(back.err)
        assert cli("status", inc, "in-review").code == 0

    def test_conflict_warns_the_member_who_opens_it(self, cli) -> None:
        inc = capture(cli, "--what", "x", "--who", "Fay Fictional")
        assert cli("conflict", inc, "--reason", "Fay is my flatmate").code == 0
        shown = cli("show", inc)
        assert "conflict" in shown.err.lower()
        assert show_json(cli, inc)["conflicts"][0]["member"] == "Ada Example"

    def test_export_and_report(self, cli) -> None:
        inc = capture(cli, "--what", "Slides with an offensive joke", "--where", "Room Zeta",
                      "--reporter", "Gus Invented")
        cli("categorize", inc, "offensive-talk")
        exported = cli("export", inc).out
        assert exported.startswith("#") and "Room Zeta" in exported
        for fmt in ("md", "json"):
            report = cli("report", "--format", fmt)
            assert report.code == 0
            for secret in ("Room Zeta", "Gus Invented", "offensive joke", inc):
                assert secret not in report.out
        assert json.loads(cli("report", "--format", "json").out)

    @pytest.mark.parametrize("args", [
        ["categorize", "{id}", "rudeness"],
        ["resolve", "{id}", "--resolution", "banish"],
        ["resolve", "{id}"],
        ["review", "{id}", "--violation", "perhaps"],
        ["status", "{id}", "finished"],
        ["conversation", "{id}", "--with", "x"],
    ])
    def test_bad_input_is_one_line_exit_2(self, cli, args: list[str]) -> None:
        inc = capture(cli, "--what", "x")
        result = cli(*[a.format(id=inc) for a in args])
        assert result.code == 2
        one_error_line(result.err)


class TestBackupRestorePassphrase:
    """Safety commands end to end in separate processes."""

    def test_backup_and_restore_on_another_laptop(self, home: Path, tmp_path: Path) -> None:
        inc = run_careterm(home, "capture", "--what", "Backed up").stdout.decode().strip()
        backup = tmp_path / "team.backup"
        assert run_careterm(home, "backup", str(backup)).returncode == 0
        other = tmp_path / "other-laptop"
        restored = run_careterm(other, "restore", str(backup))
        assert restored.returncode == 0, restored.stderr
        listed = json.loads(run_careterm(other, "list", "--json").stdout)
        assert [r["id"] for r in listed] == [inc]

    def test_restore_with_wrong_passphrase_changes_nothing(self, home: Path,
                                                           tmp_path: Path) -> None:
        run_careterm(home, "capture", "--what", "Backed up")
        backup = tmp_path / "team.backup"
        run_careterm(home, "backup", str(backup))
        other = tmp_path / "other-laptop"
        result = run_careterm(other, "restore", str(backup), passphrase="wrong")
        assert result.returncode == 1
        one_error_line(result.stderr)
        assert not other.exists() or not any(other.iterdir())

    def test_passphrase_change(self, home: Path) -> None:
        import os
        import subprocess
        import sys

        env = {**os.environ, "CARETERM_KDF_LIMITS": "test-only-min",
               "CARETERM_PASSPHRASE": PASSPHRASE, "CARETERM_NEW_PASSPHRASE": "new words here"}
        changed = subprocess.run([sys.executable, "-m", "careterm", "--home", str(home),
                                  "passphrase"], env=env, capture_output=True)
        assert changed.returncode == 0, changed.stderr
        assert run_careterm(home, "list").returncode == 1
        assert run_careterm(home, "list", passphrase="new words here").returncode == 0
        assert Store.open(home, "new words here").member == "Ada Example"
