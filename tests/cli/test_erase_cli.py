"""``careterm erase`` (verify, backups) and ``careterm retention`` on one laptop."""

from __future__ import annotations

from pathlib import Path

from tests.support import capture

NAME = "Octavia Brightwater-Nguyen"


def test_verify_finds_the_name_until_it_is_erased_and_warns_of_older_backups(
        cli, tmp_path: Path) -> None:
    inc = capture(cli, "--what", f"{NAME} was followed", "--reporter", NAME)
    assert cli("note", inc, f"{NAME} asked for an escort").code == 0
    found = cli("erase", "--verify", NAME.upper())
    assert found.code == 1 and "store" in found.out
    # The journal holds both saves as records of its own: still one file, named once.
    listed = [line.strip() for line in found.out.splitlines()[1:]]
    assert len(listed) == len(set(listed)), found.out
    assert found.out.startswith(f"found in {len(listed)} of ")
    assert cli("backup", str(tmp_path / "before.ctbak")).code == 0
    erased = cli("erase", inc, "--all", "--reason", "the reporter asked", "--yes")
    assert erased.code == 0, erased.err
    assert "warning: the backup made" in erased.out and "before.ctbak" in erased.out
    assert "no shared folder" in erased.out
    gone = cli("erase", "--verify", NAME)
    assert gone.code == 0 and "not found" in gone.out
    shown = cli("show", inc)
    assert NAME not in shown.out and "erased reporter" in shown.out
    status = cli("erase", "--status")
    assert "Ada Example's laptop (this laptop): not yet" in status.out


def test_erase_needs_exactly_one_thing_to_do(cli) -> None:
    for args in (["erase"], ["erase", "--status", "--verify", "x"],
                 ["erase", "--verify", " "]):
        result = cli(*args)
        assert result.code == 2 and result.err.count("\n") == 1, (args, result.err)


def test_retention_lists_closed_reports_past_it_and_erases_them(cli) -> None:
    assert cli("retention").out.startswith("no retention time set")
    assert cli("settings", "--retention", "90 days").code == 2
    assert cli("settings", "--event", "2026-11-01..2026-11-03", "--retention", "10d").code == 0
    assert "this long after the event: 10d" in cli("settings").out
    closed = capture(cli, "--what", "handled", "--reporter", NAME)
    assert cli("status", closed, "closed", "--reason", "a duplicate").code == 0
    still_open = capture(cli, "--what", "ongoing", "--reporter", "Someone Else")
    listed = cli("retention")
    assert f"{closed}: will erase reporter" in listed.out and still_open not in listed.out
    applied = cli("retention", "--apply", "--yes")
    assert applied.code == 0 and f"erased {closed}" in applied.out
    assert cli("erase", "--verify", NAME).code == 0
    assert cli("erase", "--verify", "Someone Else").code == 1
    assert "no closed report is past" in cli("retention").out
