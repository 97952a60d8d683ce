"""Intake details: source phone, who relayed the report, the reporter's wishes."""

from __future__ import annotations

import json

import pytest

from tests.support import capture, one_error_line, show_json


def test_phone_is_a_source(cli) -> None:
    inc_id = capture(cli, "--what", "Called the CARE line", "--source", "phone")
    assert show_json(cli, inc_id)["source"] == "phone"
    assert "came in:          by phone" in cli("show", inc_id).out


def test_relayed_report_says_meet_the_reporter_until_a_conversation(cli) -> None:
    inc_id = capture(cli, "--what", "A volunteer passed this on", "--relayed-by", "Gus Staff")
    record = show_json(cli, inc_id)
    assert record["relayed_by"] == "Gus Staff"
    assert any("meet the original reporter first" in w for w in record["warnings"])
    shown = cli("show", inc_id).out
    assert "relayed by:       Gus Staff" in shown
    assert "meet the original reporter first" in shown
    result = cli("conversation", inc_id, "--with", "the reporter", "--members",
                 "Ada Example,Bo Sample")
    assert result.code == 0, result.err
    assert not any("meet the original reporter" in w for w in show_json(cli, inc_id)["warnings"])
    assert "meet the original reporter" not in cli("show", inc_id).out


def test_relayed_by_and_wishes_change_with_update(cli) -> None:
    inc_id = capture(cli, "--what", "Heard at the desk")
    assert (show_json(cli, inc_id)["wishes"], show_json(cli, inc_id)["relayed_by"]) == (
        None, None)
    result = cli("update", inc_id, "--wishes", "record-only", "--relayed-by", "Gus Staff")
    assert result.code == 0 and result.out.strip() == f"{inc_id} updated: relayed by, wishes"
    again = cli("update", inc_id, "--wishes", "record-only")
    assert "nothing changed" in again.err
    record = json.loads(cli("list", "--json").out)[0]
    assert (record["wishes"], record["relayed_by"]) == ("record-only", "Gus Staff")


def test_wishes_are_shown_at_the_top(cli) -> None:
    inc_id = capture(cli, "--what", "Comments at lunch", "--wishes", "no-confrontation")
    lines = cli("show", inc_id).out.splitlines()
    assert lines[2] == "wishes:           does not want the person confronted"


def test_unknown_wishes_are_refused_with_one_line(cli) -> None:
    result = cli("capture", "--what", "x", "--wishes", "revenge")
    assert result.code == 2
    assert "wishes" in one_error_line(result.err)
    assert json.loads(cli("list", "--json").out) == []


@pytest.mark.parametrize("wishes", ["no-confrontation", "record-only"])
def test_talking_to_the_reported_person_against_the_wishes_needs_force(cli, wishes) -> None:
    inc_id = capture(cli, "--what", "Comments at lunch", "--who", "Jordan Smith",
                     "--wishes", wishes)
    args = ("conversation", inc_id, "--with", "Jordan Smith", "--members",
            "Ada Example,Bo Sample", "--kind", "reported-person")
    refused = cli(*args)
    assert refused.code == 2
    line = one_error_line(refused.err)
    assert "against the reporter's wishes" in line and "--force" in line
    assert show_json(cli, inc_id)["conversations"] == []
    forced = cli(*args, "--force")
    assert forced.code == 0, forced.err
    record = show_json(cli, inc_id)
    assert len(record["conversations"]) == 1
    assert any("went against the reporter's wishes" in w for w in record["warnings"])
    assert any("against the reporter's wishes" in e["text"] for e in record["timeline"])
    # A conversation with the reporter or a witness is never held back.
    assert cli("conversation", inc_id, "--with", "the reporter", "--members",
               "Ada Example,Bo Sample").code == 0


@pytest.mark.parametrize("wishes", ["no-action", "record-only"])
def test_a_resolution_against_the_wishes_needs_force(cli, wishes) -> None:
    inc_id = capture(cli, "--what", "Comments at lunch", "--wishes", wishes)
    assert cli("ack", inc_id).code == 0
    assert cli("review", inc_id, "--violation", "yes", "--members",
               "Ada Example,Bo Sample").code == 0
    args = ("resolve", inc_id, "--resolution", "stop-behaviour", "--members",
            "Ada Example,Bo Sample")
    refused = cli(*args)
    assert refused.code == 2
    assert "against the reporter's wishes" in one_error_line(refused.err)
    assert show_json(cli, inc_id)["resolutions"] == []
    assert cli(*args, "--force").code == 0
    record = show_json(cli, inc_id)
    assert [r["name"] for r in record["resolutions"]] == ["stop-behaviour"]
    assert any("goes against the reporter's wishes" in w for w in record["warnings"])
    assert any("resolution against the reporter's wishes" in e["text"]
               for e in record["timeline"])


def test_no_action_fits_every_wish(cli) -> None:
    inc_id = capture(cli, "--what", "Comments at lunch", "--wishes", "record-only")
    assert cli("ack", inc_id).code == 0
    assert cli("review", inc_id, "--violation", "no", "--members",
               "Ada Example,Bo Sample").code == 0
    result = cli("resolve", inc_id, "--resolution", "no-action", "--members",
                 "Ada Example,Bo Sample")
    assert result.code == 0, result.err
    assert not any("wishes" in w for w in show_json(cli, inc_id)["warnings"])
