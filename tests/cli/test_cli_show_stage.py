"""``careterm show`` says the stage a report waits in and when its target passes (not only
the acknowledgement's); ``careterm update --status closed`` takes ``--reason`` like
``careterm status``."""

from __future__ import annotations

from tests.support import capture


def _line(shown: str, label: str) -> str:
    return next(line for line in shown.splitlines() if line.startswith(label + ":"))


def test_show_says_the_stage_and_when_it_is_due(cli, frozen_clock) -> None:
    inc_id = capture(cli, "--what", "Rude remark at registration")
    stage = _line(cli("show", inc_id).out, "stage")
    assert "acknowledge" in stage and "in 15m" in stage and "(target 15m)" in stage
    cli("ack", inc_id, "--via", "email")
    cli("settings", "--review", "2h")
    stage = _line(cli("show", inc_id).out, "stage")
    assert "review" in stage and "in 2h" in stage and "(target 2h)" in stage


def test_update_closes_with_a_reason_as_status_does(cli, frozen_clock) -> None:
    inc_id = capture(cli, "--what", "Rude remark at registration")
    refused = cli("update", inc_id, "--status", "closed")
    assert refused.code == 2 and "reason" in refused.err
    no_status = cli("update", inc_id, "--reason", "a duplicate")
    assert no_status.code == 2 and "--reason goes with --status" in no_status.err
    done = cli("update", inc_id, "--status", "closed", "--reason", "a duplicate of another")
    assert done.code == 0, done.err
    shown = cli("show", inc_id).out
    assert shown.splitlines()[0].startswith(f"{inc_id} · medium · closed")
    assert "a duplicate of another" in shown
    assert "stage:" not in shown  # closed: no clock
