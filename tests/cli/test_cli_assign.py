"""Owner: ``careterm assign ID MEMBER`` (and ``--clear``), ``list --mine``, ``owner`` in
``list --json`` / ``show --json`` and in ``show``."""

from __future__ import annotations

import json

from tests.support import capture, one_error_line, show_json


def test_assign_sets_and_clears_the_owner(cli) -> None:
    inc = capture(cli, "--what", "x")
    assert show_json(cli, inc)["owner"] is None
    assert "owner:            (nobody)" in cli("show", inc).out
    result = cli("assign", inc, "Ada Example")
    assert result.code == 0 and result.out.strip() == f"{inc}: owner Ada Example"
    assert result.err == ""
    assert show_json(cli, inc)["owner"] == "Ada Example"
    assert "owner:            Ada Example" in cli("show", inc).out
    again = cli("assign", inc, "Ada Example")
    assert again.code == 0 and "nothing changed" in again.err
    cleared = cli("assign", inc, "--clear")
    assert cleared.code == 0 and "nobody owns it" in cleared.out
    assert show_json(cli, inc)["owner"] is None
    timeline = [e["text"] for e in show_json(cli, inc)["timeline"]]
    assert "owner: (empty) → Ada Example" in timeline


def test_assign_to_an_unknown_name_warns(cli) -> None:
    inc = capture(cli, "--what", "x")
    result = cli("assign", inc, "Zed Nobody")
    assert result.code == 0 and "'Zed Nobody' is not a member" in result.err
    assert show_json(cli, inc)["owner"] == "Zed Nobody"


def test_assign_needs_a_member_or_clear(cli) -> None:
    inc = capture(cli, "--what", "x")
    for args in ((inc,), (inc, "Ada Example", "--clear")):
        result = cli("assign", *args)
        assert result.code == 2
        one_error_line(result.err)


def test_list_mine(cli) -> None:
    mine = capture(cli, "--what", "Mine to follow up")
    theirs = capture(cli, "--what", "Bo follows this one")
    nobody = capture(cli, "--what", "Nobody owns this yet")
    assert cli("assign", mine, "ada example").code == 0  # case does not matter
    assert cli("assign", theirs, "Bo Sample").code == 0
    listed = cli("list", "--mine")
    assert listed.code == 0
    assert mine in listed.out and theirs not in listed.out and nobody not in listed.out
    records = json.loads(cli("list", "--json", "--mine").out)
    assert [r["id"] for r in records] == [mine]
    everything = {r["id"]: r["owner"] for r in json.loads(cli("list", "--json").out)}
    assert everything == {mine: "ada example", theirs: "Bo Sample", nobody: None}
    assert cli("assign", mine, "--clear").code == 0
    assert "no open reports of yours" in cli("list", "--mine").out
