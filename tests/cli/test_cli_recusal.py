"""Conflicts that matter: the team's decision on a conflicted member, and what a recused
member's laptop shows of the report (a stub: id, status, urgency, "recused") in
``list``, ``list --json``, ``show``, ``show --json`` and ``export``; ``show --reveal``
shows it all and says so in the timeline. Also across laptops: a recusal decided on
Ada's laptop hides the report on Bo's once they have synced."""

from __future__ import annotations

import json

from careterm.actions import casework as casework_actions
from careterm.core import casework
from careterm.views.records import RECUSED_KEYS
from tests.support import capture, show_json

SECRET = "Eve Placeholder cornered Fay"
"""Text of the report that must not show on the recused member's laptop."""


def _recused_report(cli) -> str:
    inc = capture(cli, "--what", SECRET, "--who", "Eve Placeholder", "--where", "Room Zeta",
                  "--contact", "fay@example.org", "--reporter", "Fay Fictional")
    assert cli("note", inc, "Fay asked for an escort").code == 0
    result = cli("conflict", inc, "--member", "Ada Example", "--reason", "Eve is my sister",
                 "--decision", "recused", "--decided-by", "Ada Example")
    assert result.code == 0 and "(recused)" in result.out
    return inc


def _leaks(text: str) -> list[str]:
    return [word for word in ("Eve ", "Placeholder", "Fay", "Room Zeta", "escort", "sister")
            if word in text]


def test_list_shows_a_recused_row(cli) -> None:
    inc = _recused_report(cli)
    other = capture(cli, "--what", "Loud remark at the bar")
    listed = cli("list")
    assert listed.code == 0
    row = next(line for line in listed.out.splitlines() if line.startswith(inc))
    assert "recused" in row and _leaks(listed.out) == []
    assert "Loud remark" in listed.out and other in listed.out
    records = json.loads(cli("list", "--json").out)
    stub = next(r for r in records if r["id"] == inc)
    assert stub == {"id": inc, "status": "new", "urgency": "medium", "recused": True}
    assert tuple(stub) == RECUSED_KEYS
    assert next(r for r in records if r["id"] == other)["recused"] is False


def test_show_is_one_paragraph_and_json_a_stub(cli) -> None:
    inc = _recused_report(cli)
    shown = cli("show", inc)
    assert shown.code == 0
    assert "You are recused from this report" in shown.out
    assert f"careterm show {inc} --reveal" in shown.out
    assert _leaks(shown.out + shown.err) == []
    assert show_json(cli, inc) == {"id": inc, "status": "new", "urgency": "medium",
                                   "recused": True}


def test_export_is_a_stub(cli) -> None:
    inc = _recused_report(cli)
    exported = cli("export", inc)
    assert exported.code == 0 and "recused" in exported.out
    assert _leaks(exported.out) == []


def test_reveal_shows_all_and_is_recorded(cli) -> None:
    inc = _recused_report(cli)
    revealed = cli("show", inc, "--reveal")
    assert revealed.code == 0
    assert SECRET in revealed.out and "revealed by Ada Example despite recusal" in revealed.out
    assert "recorded in its timeline" in revealed.err
    # Still recused afterwards: the reveal is for one look.
    assert SECRET not in cli("show", inc).out
    record = cli("show", inc, "--json", "--reveal")
    assert SECRET in record.out
    assert json.loads(record.out)["timeline"][-1]["text"] == (
        "revealed by Ada Example despite recusal")


def test_a_later_decision_lets_the_member_take_part(cli) -> None:
    inc = _recused_report(cli)
    assert cli("conflict", inc, "--member", "Ada Example", "--reason", "Eve is my sister",
               "--decision", "may-take-part", "--decided-by", "Ada Example").code == 0
    assert SECRET in cli("show", inc).out
    record = show_json(cli, inc)
    assert record["recused"] is False
    assert [c.get("decision") for c in record["conflicts"]] == ["recused", "may-take-part"]
    assert "decided by Ada Example" in cli("show", inc).out


def test_conflict_for_an_unknown_name_warns(cli) -> None:
    inc = capture(cli, "--what", "x")
    result = cli("conflict", inc, "--member", "Zed Nobody", "--reason", "r")
    assert result.code == 0 and "'Zed Nobody' is not a member" in result.err
    bad = cli("conflict", inc, "--reason", "r", "--decision", "perhaps")
    assert bad.code == 2


def test_recusal_decided_on_one_laptop_hides_the_report_on_the_other(team_of_two) -> None:
    ada, bo = team_of_two.laptops
    inc_id = next(iter(ada.incidents()))
    assert not casework.screen_recused(bo.incidents(), bo.member)[inc_id].recused
    team_of_two.on(0, lambda store: casework_actions.declare_conflict(
        store, inc_id, "Bo Sample", "knows the reported person", decision="recused",
        decided_by=["Ada Example", "Cy Person"]))
    team_of_two.sync_all()
    seen_by_bo = casework.screen_recused(bo.incidents(), bo.member)[inc_id]
    assert seen_by_bo.recused and seen_by_bo.what == ""
    seen_by_ada = casework.screen_recused(ada.incidents(), ada.member)[inc_id]
    assert not seen_by_ada.recused and "Room Zeta" in seen_by_ada.what
