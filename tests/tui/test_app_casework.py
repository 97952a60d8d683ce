"""Casework in the app: the incident view's forms, the board's inform flag and filter,
the handover page and the transparency report preview."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, Markdown, Select, SelectionList

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.core import casework, vocabulary
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.casework_modals import CaseworkForm
from careterm.tui.screens.choice_modal import ChoiceModal
from careterm.tui.screens.filter_modal import FilterModal
from careterm.tui.screens.handover_screen import HandoverScreen
from careterm.tui.screens.help_screen import KEYS
from careterm.tui.screens.incident_screen import IncidentScreen
from careterm.tui.screens.report_screen import ReportScreen
from careterm.tui.screens.yes_no_modal import YesNoModal
from careterm.tui.widgets.board_table import BoardTable
from careterm.views.board import INFORM_TEXT, FilterSpec, filter_incidents
from tests.support import settle, sync


def memory_store() -> Store:
    return Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")


def capture_one(store: Store) -> str:
    return incidents.capture(store, "Unwanted touching at the social", who="Dee Fictional",
                             when="10 min ago", where="Evening social, Hall Omega",
                             contact="dee.reporter@example.org", reporter="Ivy Reporter",
                             urgency="high").id


def shown(app: CaretermApp) -> str:
    return app.screen.query_one("#incident").render().plain


def flat(app: CaretermApp) -> str:
    """The incident view with wrapped lines joined (long sentences wrap at any width)."""
    return " ".join(shown(app).split())


def hint(app: CaretermApp) -> str:
    return str(app.screen.query_one("#incident-hint").render())


def form_error(app: CaretermApp) -> str:
    return str(app.screen.query_one("#form-error").render())


async def open_report(pilot, app: CaretermApp, inc_id: str) -> None:
    await settle(pilot, app)
    app.screen.query_one(BoardTable).select_id(inc_id)
    await pilot.press("enter")
    await settle(pilot, app)
    assert isinstance(app.screen, IncidentScreen)


def fill(app: CaretermApp, **values: str) -> None:
    """Set the form's text fields (``f-<name>``) and selects."""
    for name, value in values.items():
        widget = app.screen.query_one(f"#f-{name}")
        if isinstance(widget, Select):
            widget.value = value
        else:
            assert isinstance(widget, Input)
            widget.value = value


async def save(pilot, app: CaretermApp) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot, app)


# ------------------------------------------------------------------ the incident view


@sync
async def test_category_key_sets_the_category(store: Store, frozen_clock) -> None:
    inc_id = capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_report(pilot, app, inc_id)
        assert "category  —  c sets it" in shown(app)
        await pilot.press("c")
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("2")  # unwelcome sexual attention
        await settle(pilot, app)
        assert "category  unwelcome sexual attention" in shown(app)
        assert "category: (empty) → unwelcome sexual attention" in shown(app)
    assert casework.category(store.get(inc_id)) == "sexual-attention"


@sync
async def test_review_form_records_every_answer(store: Store, frozen_clock) -> None:
    inc_id = capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_report(pilot, app, inc_id)
        await pilot.press("r")
        assert isinstance(app.screen, CaseworkForm)
        await pilot.press(*"Touched twice after being told no")  # the first field has focus
        fill(app, violation="yes", actors="Dee Fictional, Gus Mock",
             reason="Two witnesses confirm it", members="Ada Example, Bo Sample",
             at="yesterday 20:00")
        await save(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        text = shown(app)
        assert "what happened: Touched twice after being told no" in text
        assert "Code of Conduct violation: yes" in text
        assert "who acted badly: Dee Fictional, Gus Mock" in text
        assert "reasoning: Two witnesses confirm it" in text
        assert "review: finding, violation, actors, reason, members, at recorded" in hint(app)
        # Bo Sample has no laptop in this team and recorded nothing: a warning, stored anyway.
        assert "⚠ not a known member of the team: Bo Sample" in hint(app)
    assert casework.review(store.get(inc_id)) == {
        "finding": "Touched twice after being told no", "violation": "yes",
        "actors": ["Dee Fictional", "Gus Mock"], "reason": "Two witnesses confirm it"}
    meeting = casework.review_meeting(store.get(inc_id))
    assert meeting["members"] == ["Ada Example", "Bo Sample"]
    assert meeting["at_text"] == "yesterday 20:00"


@sync
async def test_resolution_then_informing_the_reporter(store: Store, frozen_clock) -> None:
    inc_id = capture_one(store)
    incidents.acknowledge(store, inc_id, "in-person")
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_report(pilot, app, inc_id)
        assert "reporter told  —  i records it, once a resolution is decided" in shown(app)
        await pilot.press("v")
        assert isinstance(app.screen.focused, SelectionList)
        await pilot.press("down", "space", "down", "space")  # stop-behaviour, avoid-contact
        await save(pilot, app)
        text = shown(app)
        assert "• demand that the participant stops their behaviour" in text
        assert "• demand that the participant prevents further contact" in text
        assert f"{inc_id}  high · decided · {INFORM_TEXT} 0s" in text
        assert "✉ not yet · the reporter is still to be told the resolution" in text

        await pilot.press("i")
        await pilot.press(*"in person at the info desk", "enter")
        await pilot.press(*"asked to stop; we keep an eye out", "enter")
        await pilot.press("enter")  # consulted left empty: enter in the last field saves
        await settle(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        text = shown(app)
        assert "informed · ✓ informed" in text
        assert "14:30 today by Ada Example · how: in person at the info desk · told:" in text
        assert "✉ not yet" not in text
    incident = store.get(inc_id)
    assert casework.resolutions(incident) == ["stop-behaviour", "avoid-contact"]
    assert incident.status == "informed" and not casework.needs_informing(incident)


@sync
async def test_refused_input_stays_on_the_form_with_the_reason(frozen_clock) -> None:
    store = memory_store()
    inc_id = capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_report(pilot, app, inc_id)
        await pilot.press("v")
        await save(pilot, app)  # nothing ticked
        assert isinstance(app.screen, CaseworkForm)
        assert "Not saved: resolution: choose at least one of" in form_error(app)
        await pilot.press("end", "space")  # other, without saying what
        await save(pilot, app)
        assert isinstance(app.screen, CaseworkForm)
        assert "other needs a description" in form_error(app)
        fill(app, other="a written apology to the reporter")
        await save(pilot, app)
        # Nobody acknowledged or reviewed the report: the app asks (the CLI's --force).
        assert isinstance(app.screen, YesNoModal)
        assert ("resolution: nobody acknowledged or reviewed the report yet; nothing was "
                "recorded. Record it anyway?") in str(
                    app.screen.query_one("#dialog-title").render())
        await pilot.press("n")  # not now: back on the form, saying why
        await settle(pilot, app)
        assert isinstance(app.screen, CaseworkForm)
        assert "Not saved: resolution: nobody acknowledged" in form_error(app)
        assert casework.resolutions(store.get(inc_id)) == []
        await save(pilot, app)
        await pilot.press("y")  # recorded, marked as forced
        await settle(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        assert "• other: a written apology to the reporter" in shown(app)
        assert store.get(inc_id).extra["resolution_forced"] == (
            "nobody acknowledged or reviewed the report yet")

        await pilot.press("m")
        fill(app, level="none", text="We will say nothing about it")
        await save(pilot, app)
        assert "Not saved: statement: the decision is none, so there is no text" in \
            form_error(app)
        assert app.screen.query_one("#f-text", Input).value == "We will say nothing about it"
        await pilot.press("escape")  # nothing stored
        await settle(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
    assert casework.statement(store.get(inc_id)) is None
    assert casework.resolutions(store.get(inc_id)) == ["other"]


@sync
async def test_own_conflict_warns_when_the_report_is_opened(store: Store,
                                                            frozen_clock) -> None:
    inc_id = capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_report(pilot, app, inc_id)
        assert "YOUR CONFLICT" not in shown(app)
        await pilot.press("x")
        assert app.screen.query_one("#f-member", Input).value == "Ada Example"
        await pilot.press("enter", *"Dee Fictional is my flatmate")
        await save(pilot, app)
        assert "conflict of interest declared for Ada Example" in hint(app)
        assert "Ada Example: Dee Fictional is my flatmate (declared by Ada Example" in \
            shown(app)
        await pilot.press("escape")
        await open_report(pilot, app, inc_id)
        text = shown(app)
        assert "⚠ YOUR CONFLICT OF INTEREST" in text
        assert "You declared a conflict of interest on this report (Dee Fictional is my " \
               "flatmate)" in text
        assert "you declared a conflict of interest" in hint(app)


@sync
async def test_conversation_with_one_member_keeps_a_warning(store: Store,
                                                            frozen_clock) -> None:
    inc_id = capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_report(pilot, app, inc_id)
        await pilot.press("t")
        fill(app, **{"with": "Dee Fictional", "when": "20 min ago",
                     "notes": "Asked to keep away from the reporter"})
        await save(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        assert "conversation recorded · ⚠ conversation with the reported person" in hint(app)
        text = shown(app)
        assert "⚠ WARNINGS (1)" in text
        assert ("14:10 today (20 min ago) with Dee Fictional (the reported person) · "
                "present: Ada Example") in text
        assert "had one CARE member present (Ada Example); the guide asks for two" in flat(app)

        await pilot.press("t")  # with two members: no new warning
        fill(app, **{"with": "Dee Fictional", "members": "Ada Example, Bo Sample"})
        await save(pilot, app)
        assert "⚠ WARNINGS (1)" in shown(app)
    talks = casework.conversations(store.get(inc_id))
    assert [t["members"] for t in talks] == [["Ada Example"], ["Ada Example", "Bo Sample"]]


@sync
async def test_a_casework_warning_on_the_hint_line_masks_names_in_privacy_mode(
        store: Store, frozen_clock) -> None:
    inc_id = capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_report(pilot, app, inc_id)
        await pilot.press("p")
        await pilot.press("t")
        fill(app, **{"with": "Dee Fictional", "when": "20 min ago"})
        await save(pilot, app)
        assert "conversation recorded · ⚠ conversation with the reported person" in hint(app)
        assert "Dee" not in hint(app) and "Fictional" not in hint(app)


@sync
async def test_acting_alone_and_support_with_who_and_when(frozen_clock) -> None:
    store = memory_store()
    inc_id = capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_report(pilot, app, inc_id)
        await pilot.press("l", *"Asked him to leave the social", "enter")
        await save(pilot, app)  # consulted left empty
        assert ("Ada Example, 14:30 today: Asked him to leave the social · consulted: "
                "nobody could be reached") in shown(app)

        await pilot.press("g")
        await save(pilot, app)
        assert "Not saved: support: choose one of escort, friend, police" in form_error(app)
        fill(app, kind="escort", state="arranged", who="Bo Sample", when="14:00")
        await save(pilot, app)
        assert "support: escort arranged" in hint(app)
        assert "escort: arranged by Bo Sample, 14:00 today" in shown(app)
    support = casework.support_status(store.get(inc_id))["escort"]
    assert (support["state"], support["who"]) == ("arranged", "Bo Sample")
    assert casework.unilateral_actions(store.get(inc_id))[0]["consulted"] == \
        vocabulary.NOBODY_REACHED


@sync
async def test_statement_and_status_through_the_workflow(frozen_clock) -> None:
    store = memory_store()
    inc_id = capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_report(pilot, app, inc_id)
        await pilot.press("s", "2")  # acknowledged: records the acknowledgement too
        await settle(pilot, app)
        assert "acknowledged · ● review 0s" in shown(app)
        await pilot.press("s", "4", "s", "1")  # needs-info, then back to new: greyed
        await settle(pilot, app)
        assert "1 (new) cannot be chosen now" in str(
            app.screen.query_one("#dialog-hint").render())
        await pilot.press("escape", "s", "3")  # back to in review is allowed
        await settle(pilot, app)
        assert "status  in review" in shown(app)

        await pilot.press("m")
        fill(app, level="brief", text="A participant was asked to leave.",
             members="Ada Example, Bo Sample")
        await save(pilot, app)
        assert ("brief: A participant was asked to leave. · decided by Ada Example, "
                "Bo Sample") in shown(app)
    assert store.get(inc_id).acknowledged
    assert casework.statement(store.get(inc_id))["members"] == ["Ada Example", "Bo Sample"]


# ------------------------------------------------------------------ the board


def test_inform_filter_lets_through_only_resolutions_not_yet_told(frozen_clock) -> None:
    store = memory_store()
    waiting = capture_one(store)
    told = capture_one(store)
    plain = capture_one(store)
    for inc_id in (waiting, told):
        incidents.acknowledge(store, inc_id)
        casework_actions.record_resolution(store, inc_id, "stop-behaviour")
    casework_actions.record_informed(store, told, "in person")
    everything = list(store.incidents().values())
    spec = FilterSpec(inform_only=True)
    assert [i.id for i in filter_incidents(everything, spec)] == [waiting]
    assert spec.active and spec.describe() == "reporter to be informed"
    assert len(filter_incidents(everything, FilterSpec())) == 3
    assert plain in [i.id for i in filter_incidents(everything, FilterSpec())]


@sync
async def test_board_flags_reports_to_inform_and_filters_them(frozen_clock) -> None:
    store = memory_store()
    waiting = capture_one(store)
    other = capture_one(store)
    incidents.acknowledge(store, waiting, "email")
    incidents.acknowledge(store, other, "email")
    casework_actions.record_resolution(store, waiting, "no-action")
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(BoardTable)
        assert table.cell_text(waiting, "ack") == "● inform 0s"
        assert table.cell_text(other, "ack") == "● review 0s"
        await pilot.press("i")
        assert table.shown_ids == [waiting]
        assert "reporter to be informed" in str(app.screen.query_one("#filter-line").render())
        await pilot.press("i")
        assert len(table.shown_ids) == 2

        await pilot.press("f")
        assert isinstance(app.screen, FilterModal)
        app.screen.query_one("#inform", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        assert app.screen.query_one(BoardTable).shown_ids == [waiting]

        casework_actions.record_informed(store, waiting, "by e-mail")  # e.g. another laptop
        app.refresh_now()
        await settle(pilot, app)
        assert app.screen.query_one(BoardTable).shown_ids == []


# ------------------------------------------------------------------ handover and report


@sync
async def test_handover_lists_what_waits_for_whom(frozen_clock) -> None:
    store = memory_store()
    unacked = incidents.capture(store, "Shoved near the stairs", urgency="critical").id
    deciding = incidents.capture(store, "Rude remark at lunch", urgency="medium").id
    informing = incidents.capture(store, "Joke on a slide", urgency="low").id
    closed = incidents.capture(store, "Badge with an insult", urgency="low").id
    incidents.acknowledge(store, deciding, "email")
    incidents.change_status(store, deciding, "in-review")
    incidents.acknowledge(store, informing, "email")
    casework_actions.record_resolution(store, informing, "no-video")
    incidents.change_status(store, closed, "closed", reason="a duplicate")
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("h")
        await settle(pilot, app)
        assert isinstance(app.screen, HandoverScreen)
        page = app.screen.query_one("#handover").render().plain
        sections = {}
        current = None
        for line in page.splitlines():
            if line and not line.startswith(" "):
                current = line.split(" (")[0]
                sections[current] = []
            elif current and line.strip():
                sections[current].append(line.split()[0])
        assert page.splitlines()[1] == "3 open · 1 unacknowledged · 1 critical"
        assert sections["Unacknowledged"] == [unacked]
        assert sections["Waiting for a decision"] == [deciding]
        assert sections["Waiting to inform the reporter"] == [informing]
        # Grouped by owner: nobody owns these three ("nobody owns these" heads them).
        assert sections["Everything open"] == ["nobody", unacked, deciding, informing]
        assert closed not in page
        assert "● inform 0s      ✉ inform " in page  # the stage's clock, then the flag
        assert "Overdue (0)  past the team's target for their stage" in page
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)


@sync
async def test_report_preview_is_anonymised(frozen_clock) -> None:
    store = memory_store()
    names = ("Dee Fictional", "Ivy Reporter", "dee.reporter@example.org",
             "Evening social, Hall Omega", "Room Zeta", "Unwanted touching")
    for index in range(4):
        inc_id = incidents.capture(store, "Unwanted touching at the social",
                                   who="Dee Fictional", where="Room Zeta",
                                   contact="dee.reporter@example.org",
                                   reporter="Ivy Reporter").id
        casework_actions.categorize(store, inc_id, "harassment" if index < 3 else "online")
        casework_actions.record_resolution(store, inc_id, "other",
                                           other="Evening social, Hall Omega",
                                           force_order=True)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await pilot.press("T")
        await settle(pilot, app)
        assert isinstance(app.screen, ReportScreen)
        note = app.screen.query_one("#report-note").render().plain
        assert note.startswith("ANONYMISED PREVIEW · counts only")
        source = app.screen.query_one("#report", Markdown).source
        assert "| harassment | 3 |" in source and "| other | 1 |" in source  # merged
        assert "**Reports received:** 4" in source
        for name in names:
            assert name not in source
            assert name not in note


@sync
async def test_palette_offers_handover_and_the_report(frozen_clock) -> None:
    store = memory_store()
    capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p", *"handover")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, HandoverScreen)
        await pilot.press("ctrl+p", *"transparency")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ReportScreen)


def test_help_lists_every_key_of_the_board_and_the_incident_view() -> None:
    listed = {section: {key for key, _ in keys} for section, keys in KEYS}
    spelled = {"exclamation_mark": "!", "slash": "/", "question_mark": "?", "escape": "esc"}
    for screen, section in ((BoardScreen, "Board"), (IncidentScreen, None)):
        keys = set().union(*listed.values()) if section is None else listed[section]
        for binding in screen.BINDINGS:
            if binding.show and not binding.action.startswith("app."):
                assert spelled.get(binding.key, binding.key) in keys, binding.key


@sync
async def test_handover_lists_overdue_reports_by_stage(frozen_clock) -> None:
    store = memory_store()
    unacked = incidents.capture(store, "Shoved near the stairs", urgency="high").id
    reviewing = incidents.capture(store, "Rude remark at lunch", urgency="medium").id
    incidents.acknowledge(store, reviewing, "email")
    frozen_clock.advance(hours=13)  # past the acknowledgement's 15 min and the review's 12 h
    fresh = incidents.capture(store, "Joke on a slide", urgency="low").id
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, app)
        assert str(app.screen.query_one("#counts").render()) == (
            "3 open · 2 unacknowledged · 0 critical · 2 overdue")
        await pilot.press("h")
        await settle(pilot, app)
        page = app.screen.query_one("#handover").render().plain
        lines = page.splitlines()
        assert lines[1] == "3 open · 2 unacknowledged · 0 critical · 2 overdue"
        start = lines.index("Overdue (2)  past the team's target for their stage")
        assert lines[start + 1] == "  acknowledge (1)"
        assert lines[start + 2].split()[0] == unacked and "‼ unacked 13h" in lines[start + 2]
        assert lines[start + 3] == "  review (1)"
        assert lines[start + 4].split()[0] == reviewing
        assert "⚠ review 13h" in lines[start + 4]  # 13 h of 12: a warning
        assert fresh not in "\n".join(lines[start:start + 5])


@sync
async def test_team_decisions_name_their_members_and_one_alone_keeps_a_warning(
        store: Store, frozen_clock) -> None:
    inc_id = capture_one(store)
    incidents.acknowledge(store, inc_id, "in-person")
    casework_actions.record_review(store, inc_id, finding="Confirmed by two witnesses",
                                   members="Ada Example, Cy Member")
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_report(pilot, app, inc_id)
        await pilot.press("v")
        assert isinstance(app.screen, CaseworkForm)
        app.screen.query_one("#f-resolutions", SelectionList).select("stop-behaviour")
        fill(app, members="Ada Example")  # one member alone: stored, with a standing warning
        await save(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        assert casework.resolution_members(store.get(inc_id)) == ["Ada Example"]
        assert any("member" in w for w in casework.incident_warnings(store.get(inc_id)))
        assert "WARNINGS" in shown(app)
        await pilot.press("i")
        fill(app, how="in person at the desk", consulted="Ada Example, Nobody Known")
        await save(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        assert "⚠ not a known member of the team: Nobody Known" in hint(app)
    informed = casework.informed_records(store.get(inc_id))
    assert informed[-1]["consulted"] == ["Ada Example", "Nobody Known"]


@sync
async def test_conflict_form_records_the_teams_decision(store: Store, frozen_clock) -> None:
    inc_id = capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_report(pilot, app, inc_id)
        await pilot.press("x")
        assert isinstance(app.screen, CaseworkForm)
        fill(app, member="Bo Sample", reason="shares a flat with the reporter",
             decision="may-take-part", **{"decided-by": "Ada Example"})
        await save(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        said = hint(app)
        assert "team decision: may take part" in said
        assert "⚠ not a known member of the team: Bo Sample" in said
    decided = casework.conflict_decisions(store.get(inc_id))
    assert [(d["member"], d["decision"], d["decided_by"]) for d in decided.values()] == [
        ("Bo Sample", "may-take-part", ["Ada Example"])]
