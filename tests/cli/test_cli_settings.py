"""``careterm settings`` and the guardrails on the command line (status --reason, --force)."""

from __future__ import annotations

import json

from tests.support import capture, show_json


def test_settings_show_the_defaults_and_who_changed_what(cli) -> None:
    shown = cli("settings")
    assert shown.code == 0
    assert "acknowledge within: 15m  (default)" in shown.out
    assert "inform the reporter within (after the decision): 1d  (default)" in shown.out
    changed = cli("settings", "--ack", "10m", "--inform", "12h", "--event",
                  "2027-06-02..2027-06-06", "--critical-alert", "off")
    assert changed.code == 0
    assert changed.out.splitlines() == [
        "changed ack: 15m → 10m", "changed inform: 1d → 12h",
        "changed event_start: not set → 2027-06-02", "changed event_end: not set → 2027-06-06",
        "changed critical_alert: on → off"]
    shown = cli("settings", "--history")
    assert "acknowledge within: 10m  (set by Ada Example," in shown.out
    assert "review within (after acknowledgement): 12h  (default)" in shown.out
    assert "alert for a new critical report: off  (set by Ada Example" in shown.out
    assert "Ada Example  ack: 15m → 10m" in shown.out
    again = cli("settings", "--ack", "10m")
    assert again.out.strip() == "nothing changed: the settings already had these values"


def test_a_bad_value_is_one_line_exit_2_and_nothing_is_written(cli) -> None:
    for args in (("--ack", "soon"), ("--review", "12h", "--event", "2027-06-06..2027-06-02"),
                 ("--critical-alert", "maybe"), ("--needs-info", "0m")):
        bad = cli("settings", *args)
        assert bad.code == 2 and bad.out == ""
        assert len(bad.err.strip().splitlines()) == 1 and "Traceback" not in bad.err
    assert "(set by" not in cli("settings").out  # every value is still its default


def test_the_settings_are_no_report(cli) -> None:
    inc_id = capture(cli, "--what", "Joke on a slide")
    cli("settings", "--ack", "10m")
    listed = json.loads(cli("list", "--json", "--all").out)
    assert [record["id"] for record in listed] == [inc_id]
    assert cli("list").out.splitlines()[0] == "1 open · 1 unacknowledged · 0 critical"
    assert cli("show", "~team").code == 2


def test_list_and_show_json_carry_the_stage_clock(cli, frozen_clock) -> None:
    inc_id = capture(cli, "--what", "Joke on a slide")
    record = show_json(cli, inc_id)
    assert record["stage"] == "acknowledge" and record["overdue"] is False
    assert record["stage_due_at"] == "2026-11-25T14:45:00+01:00"
    cli("settings", "--ack", "10m")
    frozen_clock.advance(minutes=11)
    listed = json.loads(cli("list", "--json").out)[0]
    assert listed["stage_due_at"] == "2026-11-25T14:40:00+01:00" and listed["overdue"] is True
    table = cli("list").out
    assert table.splitlines()[0] == "1 open · 1 unacknowledged · 0 critical · 1 overdue"
    assert "STAGE" in table and "unacked 11m !" in table
    cli("ack", inc_id)
    record = show_json(cli, inc_id)
    assert record["stage"] == "review" and record["overdue"] is False
    assert record["stage_due_at"] == "2026-11-26T02:41:00+01:00"


def test_closing_unresolved_needs_a_reason_that_lands_in_the_timeline(cli) -> None:
    inc_id = capture(cli, "--what", "Joke on a slide")
    refused = cli("status", inc_id, "closed")
    assert refused.code == 2
    assert refused.err.strip() == (
        "careterm: closed: no resolution recorded; the reporter was not informed; give a "
        "reason to close it anyway (--reason TEXT)")
    assert show_json(cli, inc_id)["status"] == "new"
    closed = cli("status", inc_id, "closed", "--reason", "duplicate of another report")
    assert closed.code == 0
    record = show_json(cli, inc_id)
    assert record["status"] == "closed" and record["stage"] is None
    assert any(entry["text"] == "status: new → closed (reason: duplicate of another report)"
               for entry in record["timeline"])


def test_a_resolution_or_inform_out_of_order_needs_force(cli) -> None:
    inc_id = capture(cli, "--what", "Joke on a slide")
    early = cli("inform", inc_id, "--how", "e-mail")
    assert early.code == 2 and "inform: no resolution recorded yet" in early.err
    assert "--force" in early.err
    refused = cli("resolve", inc_id, "--resolution", "stop-behaviour")
    assert refused.code == 2
    assert "nobody acknowledged or reviewed the report yet" in refused.err
    assert show_json(cli, inc_id)["resolutions"] == []
    forced = cli("resolve", inc_id, "--resolution", "stop-behaviour", "--force")
    assert forced.code == 0
    record = show_json(cli, inc_id)
    # Decided, yet still never acknowledged: the acknowledgement's clock is the one owed.
    assert record["status"] == "decided" and record["stage"] == "acknowledge"
    assert any("(forced, out of order: nobody acknowledged or reviewed the report yet)"
               in entry["text"] for entry in record["timeline"])
    # In order now: informing needs no --force, and closing no reason.
    assert cli("inform", inc_id, "--how", "e-mail").code == 0
    assert cli("status", inc_id, "closed").code == 0


def test_notes_and_capture_are_never_refused(cli) -> None:
    inc_id = capture(cli, "--what", "Joke on a slide")
    assert cli("note", inc_id, "Spoke to the reporter").code == 0
    assert capture(cli, "--what", "Another one")
