"""Decided as a team through the command line: ``review --members --at``, ``resolve
--members``, ``statement --members``, ``ack --consulted``, ``inform --consulted``; fewer
than two members is a standing warning, an unknown name a warning line (never a refusal)."""

from __future__ import annotations

from pathlib import Path

import pytest

from careterm.cli.main import main
from tests.support import PASSPHRASE, Result, capture, show_json


def _on(home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        *args: str) -> Result:
    """``careterm --home HOME ARGS`` in this process, for a laptop of a team."""
    monkeypatch.setenv("CARETERM_PASSPHRASE", PASSPHRASE)
    code = main(["--home", str(home), *args])
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def test_review_with_members_and_meeting(cli) -> None:
    inc = capture(cli, "--what", "Comments about a speaker's looks", "--who", "Eve Placeholder")
    assert cli("ack", inc).code == 0
    result = cli("review", inc, "--finding", "It happened", "--members", "Ada Example",
                 "--at", "yesterday 20:00")
    assert result.code == 0
    assert "one member named (Ada Example)" in result.err  # said at once…
    record = show_json(cli, inc)
    assert record["review_meeting"]["members"] == ["Ada Example"]
    assert record["review_meeting"]["at_text"] == "yesterday 20:00"
    assert record["review_meeting"]["at"].startswith("2026-11-24T20:00")
    assert any("the review" in w for w in record["warnings"])  # …and it stays
    shown = cli("show", inc).out
    assert "WARNING" in shown and "review by" in shown
    # Only --members: the review record's other answers stay.
    again = cli("review", inc, "--members", "Ada Example, Bo Sample")
    assert again.code == 0 and "members recorded" in again.out
    record = show_json(cli, inc)
    assert record["review"]["finding"] == "It happened"
    assert not any("the review" in w for w in record["warnings"])


def test_unknown_member_is_a_warning_not_a_refusal(cli) -> None:
    inc = capture(cli, "--what", "x")
    result = cli("review", inc, "--finding", "f", "--members", "Ada Example,Zed Nobody")
    assert result.code == 0
    assert "'Zed Nobody' is not a member of the team" in result.err
    assert "Ada Example'" not in result.err  # this laptop's member is known
    assert show_json(cli, inc)["review_meeting"]["members"] == ["Ada Example", "Zed Nobody"]


def test_members_seen_in_the_record_are_known(cli) -> None:
    inc = capture(cli, "--what", "x")
    # Nobody named Bo has recorded anything here: unknown.
    assert "'Bo Sample'" in cli("ack", inc, "--consulted", "Bo Sample").err
    assert show_json(cli, inc)["acknowledged_consulted"] == ["Bo Sample"]


def test_registered_members_of_the_shared_folder_are_known(
        team_of_two, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    ada_home = team_of_two.root / "home0"
    inc = next(iter(team_of_two.laptops[0].incidents()))
    result = _on(ada_home, monkeypatch, capsys, "resolve", inc, "--resolution", "no-action",
                 "--members", "Ada Example,bo sample", "--force")
    assert result.code == 0, result.err
    assert "not a member" not in result.err  # Bo's laptop is registered in the folder
    result = _on(ada_home, monkeypatch, capsys, "statement", inc, "none", "--members",
                 "Ada Example,Cy Person")
    assert result.code == 0 and "'Cy Person' is not a member" in result.err


def test_resolve_and_statement_record_the_members(cli) -> None:
    inc = capture(cli, "--what", "x")
    assert cli("ack", inc).code == 0
    assert cli("review", inc, "--finding", "f", "--members", "Ada Example,Bo Sample").code == 0
    one = cli("resolve", inc, "--resolution", "stop-behaviour", "--members", "Ada Example")
    assert one.code == 0 and "the resolution was recorded with one member" in one.err
    record = show_json(cli, inc)
    assert record["resolution_members"] == ["Ada Example"]
    assert any("the resolution" in w for w in record["warnings"])
    assert "decided by" in cli("show", inc).out
    two = cli("resolve", inc, "--resolution", "stop-behaviour", "--members",
              "Ada Example,Bo Sample")
    assert two.code == 0 and "recorded with" not in two.err
    statement = cli("statement", inc, "brief", "--text", "We acted.")
    assert statement.code == 0 and "no members named" in statement.err
    record = show_json(cli, inc)
    assert [w for w in record["warnings"] if "public statement" in w]
    assert not [w for w in record["warnings"] if "the resolution" in w]


def test_inform_with_consulted(cli) -> None:
    inc = capture(cli, "--what", "x")
    assert cli("ack", inc, "--consulted", "Ada Example").code == 0
    assert cli("review", inc, "--finding", "f", "--members", "Ada Example,Bo Sample").code == 0
    assert cli("resolve", inc, "--resolution", "no-action", "--members",
               "Ada Example,Bo Sample").code == 0
    result = cli("inform", inc, "--how", "in person", "--consulted", "Bo Sample")
    assert result.code == 0, result.err
    record = show_json(cli, inc)
    assert record["informed"][0]["consulted"] == ["Bo Sample"]
    assert record["acknowledged_consulted"] == ["Ada Example"]
    assert "consulted: Bo Sample" in cli("show", inc).out


def test_conversation_with_the_reporter_alone_warns(cli) -> None:
    inc = capture(cli, "--what", "x", "--reporter", "Cy Example")
    result = cli("conversation", inc, "--with", "Cy Example", "--members", "Ada Example")
    assert result.code == 0 and "two where possible" in result.err
    assert any("the reporter" in w for w in show_json(cli, inc)["warnings"])
