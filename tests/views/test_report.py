"""The transparency report: anonymised, small groups merged, figures right."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.core.model import fold
from careterm.store.store import Store
from careterm.views.report import render_json, render_markdown, transparency_report

# Everything identifying that goes into the seeded reports.
SECRETS = [
    "Ada Example", "Bo Sample", "Cy Example", "Di Sample", "Eve Example", "Fay Example",
    "Gus Staff", "cy@example.org", "+31 6 0000 0001", "@bo_sample", "Room Zeta",
    "Hall Omega", "Example Con", "Slide 12 joke about Cy", "hid a note in the Zeta bag",
    "asked to apologise in person", "friends since school", "Bo laughed it off",
    "told Cy about the warning", "A speaker was asked to stop.",
]

# (category, minutes to acknowledge or None, resolutions, violation)
SEEDS = [
    ("harassment", 2, ["stop-behaviour"], "yes"),
    ("harassment", 5, ["stop-behaviour", "avoid-contact"], "yes"),
    ("harassment", 9, ["stop-behaviour"], "yes"),
    ("online", 14, ["no-action"], "no"),
    ("online", 3, ["other"], "undetermined"),
    ("physical-safety", 40, ["remove-participant"], "yes"),
    (None, None, [], None),
]


def _seed(store: Store, frozen_clock) -> list[str]:
    made = []
    for number, (category, ack_after, names, violation) in enumerate(SEEDS):
        inc_id = incidents.capture(
            store, f"Slide 12 joke about Cy, report {number}", who="Bo Sample, Di Sample",
            where="Room Zeta" if number % 2 else "Hall Omega", reporter="Cy Example",
            contact="cy@example.org, +31 6 0000 0001, @bo_sample", when="14:05").id
        made.append(inc_id)
        incidents.add_note(store, inc_id, "hid a note in the Zeta bag")
        if ack_after is not None:
            frozen_clock.advance(minutes=ack_after)
            incidents.acknowledge(store, inc_id, "in-person")
        if category:
            casework_actions.categorize(store, inc_id, category)
        if violation:
            casework_actions.record_review(store, inc_id, finding="Bo laughed it off",
                                   violation=violation, actors=["Bo Sample"],
                                   reason="friends since school")
        if names:
            casework_actions.record_resolution(store, inc_id, names,
                                       other="asked to apologise in person"
                                       if "other" in names else None)
            casework_actions.record_informed(store, inc_id, "phone",
                                             told="told Cy about the warning")
        casework_actions.declare_conflict(store, inc_id, "Fay Example", "friends since school")
        casework_actions.record_conversation(store, inc_id, "Bo Sample", ["Eve Example",
                                             "Gus Staff"],
                                     notes="Bo laughed it off")
        casework_actions.record_statement(store, inc_id, "brief", "A speaker was asked to stop.")
        frozen_clock.advance(minutes=1)
    frozen_clock.advance(minutes=20)
    return made


@pytest.fixture
def seeded(store: Store, frozen_clock) -> tuple[Store, list[str]]:
    return store, _seed(store, frozen_clock)


def test_report_leaks_nothing_identifying(seeded: tuple[Store, list[str]]) -> None:
    store, ids = seeded
    report = transparency_report(store.incidents())
    outputs = [render_markdown(report), render_json(report), json.dumps(report)]
    for text in outputs:
        lowered = text.lower()
        for secret in SECRETS + ids:
            assert secret.lower() not in lowered, secret
        for word in ("zeta", "omega", "cy", "bo ", "example"):
            assert not re.search(rf"\b{re.escape(word.strip())}\b", lowered), word
        # No exact times or dates: no clock times, no years.
        assert not re.search(r"\d{1,2}:\d{2}", text)
        assert "2026" not in text
    assert "anonymised" in outputs[0].lower()
    assert "anonymised" in report["note"].lower()


def test_figures_for_a_known_set(seeded: tuple[Store, list[str]]) -> None:
    store, _ids = seeded
    report = transparency_report(store.incidents())
    assert report["reports"] == 7
    # online (2), physical-safety (1) and the uncategorised one are merged into other.
    assert report["by_category"] == {"harassment": 3, "other": 4}
    # Resolutions under three go to other too (a report may count under several).
    assert report["by_resolution"] == {"stop-behaviour": 3, "other": 4}
    assert report["without_resolution"] == 1
    assert report["by_violation"] == {"yes": 4, "no": 1, "undetermined": 1,
                                      "not-recorded": 1}
    # Acknowledged after 2, 5, 9, 14, 3, 40 minutes: median 7, worst 40.
    assert report["acknowledgement"] == {
        "acknowledged": 6, "median_minutes": 7, "worst_minutes": 40, "not_acknowledged": 1,
        "longest_waiting_minutes": 21}


def test_markdown_and_json_hold_the_same_figures(seeded: tuple[Store, list[str]]) -> None:
    store, _ids = seeded
    report = transparency_report(store.incidents())
    markdown = render_markdown(report)
    assert json.loads(render_json(report)) == report
    assert "**Reports received:** 7 (7 still open)" in markdown
    assert "| harassment | 3 |" in markdown
    assert "| other | 4 |" in markdown
    assert "| demand that the participant stops their behaviour | 3 |" in markdown
    assert "| violation found | 4 |" in markdown
    assert "| no violation found | 1 |" in markdown
    assert "| undetermined | 1 |" in markdown
    assert "| not recorded | 1 |" in markdown
    assert "**Reports without a resolution recorded:** 1" in markdown
    assert "- **Median time to acknowledge:** 7 minutes" in markdown
    assert "- **Slowest acknowledgement:** 40 minutes" in markdown
    assert "- **Not acknowledged:** 1" in markdown


def test_categories_with_three_reports_stand_on_their_own(frozen_clock) -> None:
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    for category in ["online"] * 3 + ["harassment"] * 2:
        inc_id = incidents.capture(store, "Posted insults in the chat").id
        casework_actions.categorize(store, inc_id, category)
    report = transparency_report(store.incidents())
    assert report["by_category"] == {"online": 3, "other": 2}


def test_acknowledgement_median_rounds_half_minutes_up(frozen_clock) -> None:
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    for seconds in (60, 240):  # median 2.5 minutes
        inc_id = incidents.capture(store, "Shouting at the registration desk").id
        frozen_clock.advance(seconds=seconds)
        incidents.acknowledge(store, inc_id)
    ack = transparency_report(store.incidents())["acknowledgement"]
    assert (ack["median_minutes"], ack["worst_minutes"]) == (3, 4)


def test_unknown_names_from_a_newer_version_never_leak(frozen_clock) -> None:
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    inc_id = incidents.capture(store, "Something else").id
    change = {"cid": "ZZ:1", "inc": inc_id, "op": "set", "hlc": "999999999999999.00000",
              "dev": "ZZ", "by": "Zed", "at": "2026-11-25T15:00:00+01:00",
              "data": {"category": "Bo Sample's behaviour", "resolutions": ["Bo Sample ban"]}}
    incidents_folded = fold(store.changes() + [change])
    report = transparency_report(incidents_folded)
    text = render_markdown(report) + render_json(report)
    assert "Bo Sample" not in text
    assert report["by_category"] == {"other": 1}
    assert report["by_resolution"] == {"other": 1}


def test_empty_report_reads_sensibly(frozen_clock) -> None:
    report = transparency_report([])
    assert report["reports"] == 0 and report["by_category"] == {}
    assert "- **Median time to acknowledge:** —" in render_markdown(report)


def test_reports_count_reports_and_resolutions_are_listed_apart(
        seeded: tuple[Store, list[str]]) -> None:
    store, _ids = seeded
    report = transparency_report(store.incidents())
    # Seven reports; the one with two resolutions counts once as a report.
    assert (report["reports"], report["with_resolution"], report["without_resolution"]) == (
        7, 6, 1)
    assert report["resolutions_recorded"] == 7
    markdown = render_markdown(report)
    assert "| Resolution | Resolutions |" in markdown
    assert "| Resolution | Reports |" not in markdown
    assert "**Reports with a resolution recorded:** 6" in markdown
    assert "(7 in all), not reports" in markdown


def test_people_named_in_several_reports_are_counted_never_named(
        seeded: tuple[Store, list[str]]) -> None:
    store, _ids = seeded
    report = transparency_report(store.incidents())
    # Every seeded report names "Bo Sample, Di Sample": two people, named seven times.
    assert report["people_named_more_than_once"] == 2
    markdown = render_markdown(report)
    assert "**People named in more than one report:** 2" in markdown
    for text in (markdown, render_json(report)):
        assert "sample" not in text.lower()


def test_a_period_keeps_the_reports_received_in_it(frozen_clock) -> None:
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    first_day = frozen_clock.at.date()
    for days in (0, 1, 1, 3):
        clock_day = first_day + timedelta(days=days)
        while frozen_clock.at.date() < clock_day:
            frozen_clock.advance(hours=6)
        incidents.capture(store, f"Report on day {days}", who="Jordan Smith")
    everything = store.incidents()
    assert transparency_report(everything)["reports"] == 4
    day_two = first_day + timedelta(days=1)
    scoped = transparency_report(everything, start=day_two, end=day_two)
    assert (scoped["reports"], scoped["period"]) == (2, {"from": day_two.isoformat(),
                                                         "to": day_two.isoformat()})
    assert scoped["people_named_more_than_once"] == 1
    assert transparency_report(everything, start=first_day + timedelta(days=2))["reports"] == 1
    assert transparency_report(everything, end=first_day)["reports"] == 1
    assert f"**Period:** {day_two} to {day_two}" in render_markdown(scoped)
    assert "Period" not in render_markdown(transparency_report(everything))
