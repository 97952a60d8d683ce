"""``careterm summary`` and the published summaries of ``careterm report`` (issue 15,
part 4): written on one laptop, approved on another through the shared folder, published
only once two members approved, never with a day or time, never with a name."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from careterm.cli.main import main
from tests.support import PASSPHRASE, Result, capture, show_json

TEXT = "A participant made unwanted comments to another participant; they were asked to stop."


def _on(home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        *args: str) -> Result:
    monkeypatch.setenv("CARETERM_PASSPHRASE", PASSPHRASE)
    code = main(["--home", str(home), *args])
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def test_written_on_one_laptop_approved_on_another(team_of_two, monkeypatch, capsys) -> None:
    ada, bo = team_of_two.root / "home0", team_of_two.root / "home1"
    inc = next(iter(team_of_two.laptops[0].incidents()))

    def run(home: Path, *args: str) -> Result:
        result = _on(home, monkeypatch, capsys, *args)
        assert result.code == 0, result.err
        return result

    run(ada, "categorize", inc, "harassment")
    written = run(ada, "summary", inc, "--text", TEXT)
    assert "needs one more member" in written.out and written.err == ""
    assert TEXT not in run(ada, "report").out  # approved by its author only
    assert "waiting for one more member" in run(ada, "summary", inc).out
    run(ada, "sync")
    run(bo, "sync")
    approved = run(bo, "summary", inc, "--approve")
    assert TEXT in approved.out and "public summary approved by Ada Example, Bo Sample" \
        in approved.out
    assert "already approved" in run(bo, "summary", inc, "--approve").out
    run(bo, "sync")
    run(ada, "sync")
    report = run(ada, "report").out
    assert TEXT.replace("_", "") in report
    assert "## Summaries of reports, in the team's words" in report
    assert "### other" in report.split("## Summaries")[1]  # under three: merged
    # No day or time of the report anywhere in the published text.
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}", report)
    figures = json.loads(run(ada, "report", "--format", "json").out)
    assert figures["summaries"] == {"other": [TEXT]}  # one harassment report: merged
    record = show_json(lambda *a: run(ada, *a), inc)
    assert record["summary"]["approved_by"] == ["Ada Example", "Bo Sample"]
    shown = run(ada, "show", inc).out
    assert "public summary approved by Bo Sample" in shown
    # An edit on Bo's laptop takes it out of the report until approved again.
    run(bo, "summary", inc, "--text", "A participant was asked to stop.")
    run(bo, "sync")
    run(ada, "sync")
    assert "A participant was asked to stop" not in run(ada, "report").out
    assert TEXT not in run(ada, "report").out
    run(ada, "summary", inc, "--approve")
    assert "A participant was asked to stop" in run(ada, "report").out


def test_a_member_may_name_themselves(cli) -> None:
    inc = capture(cli, "--what", "x")
    assert cli("summary", inc, "--approve").code == 2  # nothing to approve yet
    assert cli("summary", inc, "--text", TEXT).code == 0
    named = cli("summary", inc, "--approve", "--member", "Bo Sample")
    assert named.code == 0 and "approved by Ada Example, Bo Sample" in named.out
    assert "'Bo Sample' is not a member" in named.err  # a warning, not a refusal
    assert TEXT in cli("report").out
    assert cli("summary", inc, "--member", "Bo Sample").code == 2
    assert cli("summary", inc, "--text", "  ").code == 2


def test_a_summary_naming_someone_is_warned_about_and_never_published(cli) -> None:
    inc = capture(cli, "--what", "Comments at the party", "--who", "Jordan Smith",
                  "--reporter", "Kim Placeholder")
    written = cli("summary", inc, "--text", "Jordan was asked to stop.")
    assert written.code == 0 and "holds a name or contact known in this report" in written.err
    cli("summary", inc, "--approve", "--member", "Bo Sample")
    report = cli("report")
    assert report.code == 0
    assert "Jordan" not in report.out and "Summaries of reports" not in report.out
    assert f"not published: the approved public summary of {inc}" in report.err
    assert "Jordan" not in report.err
    cli("summary", inc, "--text", "A participant was asked to stop.")
    cli("summary", inc, "--approve", "--member", "Bo Sample")
    report = cli("report")
    assert "A participant was asked to stop" in report.out and report.err == ""


def test_markup_in_a_summary_is_printed_never_read(cli) -> None:
    inc = capture(cli, "--what", "x")
    cli("summary", inc, "--text", "# Stop\n[click](http://example.invalid) <b>*")
    cli("summary", inc, "--approve", "--member", "Bo Sample")
    report = cli("report").out
    assert r"- \# Stop \[click\](http://example.invalid) \<b\>\*" in report
