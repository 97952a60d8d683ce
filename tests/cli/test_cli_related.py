"""``careterm related`` and ``careterm link``; the related row of ``show``; links in JSON."""

from __future__ import annotations

import json

from tests.support import capture, one_error_line, show_json


def test_related_lists_other_reports_naming_the_same_person(cli, frozen_clock) -> None:
    first = capture(cli, "--what", "Remarks at the party", "--who", "Jordan Smith (speaker)")
    frozen_clock.advance(minutes=30)
    second = capture(cli, "--what", "Followed a volunteer", "--who", "J. Smith")
    third = capture(cli, "--what", "Shouted in the hall", "--who", "Jordan")  # first name only
    fourth = capture(cli, "--what", "Blocked a doorway")
    assert cli("review", fourth, "--actor", "jördan SMITH").code == 0
    result = cli("related", first)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["ID", "CAPTURED", "STATUS", "NAMED", "THERE", "NAMED", "HERE"]
    assert [line.split()[0] for line in lines[1:]] == [second, fourth]
    assert "J. Smith" in lines[1] and "Jordan Smith" in lines[1] and "new" in lines[1]
    assert third not in result.out
    data = json.loads(cli("related", second, "--json").out)
    assert [r["id"] for r in data["related"]] == [first, fourth]
    assert data["related"][0]["name"] == "Jordan Smith"
    nothing = cli("related", third)
    assert nothing.out.strip() == f"{third}: no other report names the same people"


def test_link_is_recorded_once_and_read_both_ways(cli) -> None:
    a = capture(cli, "--what", "Comments at lunch")
    b = capture(cli, "--what", "Comments at dinner")
    result = cli("link", a, b)
    assert (result.code, result.out.strip()) == (0, f"{a} linked to {b}")
    again = cli("link", b, a.lower())
    assert again.code == 0 and "already linked" in again.err
    assert show_json(cli, a)["links"] == [b]
    assert show_json(cli, b)["links"] == [a]
    listed = json.loads(cli("list", "--json").out)
    assert {r["id"]: r["links"] for r in listed} == {a: [b], b: [a]}
    assert f"linked to {b} by a member: {a}" in cli("related", b).out
    timeline = [e["text"] for e in show_json(cli, a)["timeline"]]
    assert f"linked to report {b} (the same person)" in timeline


def test_link_refuses_itself_and_an_unknown_id_with_one_line(cli) -> None:
    a = capture(cli, "--what", "Comments at lunch")
    for args, words in (((a, a), "cannot be linked to itself"),
                        ((a, "ZZ9999"), "no incident with id 'ZZ9999'"),
                        (("ZZ9999", a), "no incident with id 'ZZ9999'")):
        result = cli("link", *args)
        assert result.code == 2
        assert words in one_error_line(result.err)
        assert result.out == ""
    assert show_json(cli, a)["links"] == []
    assert cli("related", "ZZ9999").code == 2


def test_show_says_where_else_the_person_is_named(cli) -> None:
    first = capture(cli, "--what", "Remarks at the party", "--who", "Jordan Smith")
    second = capture(cli, "--what", "Followed a volunteer", "--who", "J. Smith")
    third = capture(cli, "--what", "Unrelated", "--who", "Robin Lee")
    cli("link", first, third)
    shown = cli("show", first).out
    assert (f"related reports:  also named in 1 other report: {second} · linked: {third}"
            in shown)
    assert "related reports" not in cli("show", capture(cli, "--what", "Alone")).out


def test_a_report_the_member_is_recused_from_is_never_named(cli) -> None:
    mine = capture(cli, "--what", "Remarks at the party", "--who", "Jordan Smith")
    hidden = capture(cli, "--what", "Comments in the hall", "--who", "Jordan Smith")
    assert cli("link", mine, hidden).code == 0
    result = cli("conflict", hidden, "--member", "Ada Example", "--reason", "friend",
                 "--decision", "recused", "--decided-by", "Bo Sample,Cy Person")
    assert result.code == 0, result.err
    shown = cli("show", mine).out
    assert "related reports" not in shown  # neither named-in nor linked
    # (The link recorded on this report stays in its own timeline, as recorded.)
    assert cli("related", mine).out.strip() == f"{mine}: no other report names the same people"
    assert show_json(cli, mine)["links"] == []
    assert "recused" in cli("related", hidden).err
    refused = cli("link", mine, hidden)
    assert refused.code == 2 and "recused" in one_error_line(refused.err)


def test_report_counts_repeat_people_and_takes_a_period(cli, frozen_clock) -> None:
    capture(cli, "--what", "Remarks", "--who", "Jordan Smith")
    frozen_clock.advance(days=2)
    capture(cli, "--what", "Again", "--who", "J. Smith")
    today = frozen_clock.at.date().isoformat()
    whole = json.loads(cli("report", "--format", "json").out)
    assert (whole["reports"], whole["people_named_more_than_once"]) == (2, 1)
    scoped = json.loads(cli("report", "--format", "json", "--from", today, "--to", today).out)
    assert (scoped["reports"], scoped["period"]["from"]) == (1, today)
    assert "Smith" not in cli("report").out
    bad = cli("report", "--from", "June")
    assert bad.code == 2 and "not a date" in one_error_line(bad.err)


def test_report_defaults_to_the_events_dates(cli, frozen_clock) -> None:
    capture(cli, "--what", "Before the event")
    frozen_clock.advance(days=3)
    capture(cli, "--what", "During the event")
    day = frozen_clock.at.date().isoformat()
    assert cli("settings", "--event", f"{day}..{day}").code == 0
    figures = json.loads(cli("report", "--format", "json").out)
    assert (figures["reports"], figures["period"]) == (1, {"from": day, "to": day})
