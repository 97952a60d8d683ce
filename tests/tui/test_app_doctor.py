"""The folder doctor in the app: the same plain words as ``careterm doctor``, on one screen.

Findings are made for real in a team's shared folder (a conflict copy, a file a
sync service is still writing, a name that looks like markup) and the screen is
checked for them; the diagnosis runs in the gateway's worker, never on the UI
thread; ``D`` and the command palette open it, escape and ``q`` close it.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from careterm.actions import incidents
from careterm.store.store import Store
from careterm.team import doctor
from careterm.team.doctor import Diagnosis
from careterm.tui.app import CaretermApp
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.doctor_screen import DoctorScreen
from careterm.tui.screens.help_screen import help_text
from tests.support import Team, plain, run_async, settle, wait_for


@pytest.fixture
def team(team_of_two: Team) -> Team:
    """Ada (who set the folder up) and Bo, with one report Ada captured, both synced."""
    return team_of_two


def bo_writes(team: Team, text: str = "Bo's follow-up") -> Path:
    """Bo adds a note and syncs (Ada's app has not read it yet); the file Bo wrote."""
    bo = team.laptops[1]
    incidents.add_note(bo, next(iter(bo.incidents())), text)
    report = team.sync(1)
    assert report.published_file is not None
    return team.shared / report.published_file


def app_for(store: Store) -> CaretermApp:
    # The periodic sync is far away; the watcher still syncs when the folder changes.
    return CaretermApp(store=store, cursor_blink=False, sync_seconds=3600)


def shown(app: CaretermApp) -> tuple[str, str]:
    """The doctor screen's summary and its lines, as plain text."""
    screen = app.screen
    assert isinstance(screen, DoctorScreen)
    return (plain(screen.query_one("#doctor-summary", Static).content),
            plain(screen.query_one("#doctor-lines", Static).content))


async def open_doctor(pilot: Any, app: CaretermApp) -> tuple[str, str]:
    await settle(pilot, app)
    await pilot.press("D")
    await wait_for(pilot, lambda: isinstance(app.screen, DoctorScreen)
                   and app.screen.diagnosis is not None)
    await settle(pilot, app)
    return shown(app)


@run_async
async def test_the_screen_lists_a_conflict_copy_and_a_file_still_arriving(team: Team) -> None:
    first = bo_writes(team, "first")
    conflict = first.with_name(f"{first.stem}.sync-conflict-20261125-143012-ABCDEF7.seg")
    shutil.copy(first, conflict)
    second = bo_writes(team, "second")
    temp = second.with_name(f".syncthing.{second.name}.tmp")
    second.rename(temp)
    app = app_for(team.laptops[0])
    async with app.run_test(size=(120, 40)) as pilot:
        summary, lines = await open_doctor(pilot, app)
        assert summary == "all is well: 1 other laptop, 1 file still arriving"
        bo = team.laptops[1]
        rel = f"devices/{bo.device_id}"
        assert f"  {rel}/{temp.name}: still being written by the sync service" in lines
        assert f"conflict copies:\n  {rel}/{conflict.name}\n" in lines
        assert "1 conflict copy: harmless to the reports" in lines
        assert f"shared folder: {team.shared}" in lines
        assert "Ada Example (tag " in lines and "Bo Sample (tag " in lines
        assert "clocks: no laptop's clock seen more than a minute ahead" in lines
        # The transfer finishes; r looks again.
        temp.rename(second)
        await pilot.press("r")
        await wait_for(pilot, lambda: "files skipped: none" in shown(app)[1])
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)


@run_async
async def test_a_problem_is_the_one_line_on_top(team: Team) -> None:
    first = bo_writes(team, "first")
    bo_writes(team, "second")
    first.unlink()  # gone before Ada read it
    app = app_for(team.laptops[0])
    async with app.run_test(size=(120, 40)) as pilot:
        summary, lines = await open_doctor(pilot, app)
        expected = team.on(0, doctor.diagnose)
        assert not expected.ok
        assert summary == expected.summary() and summary.startswith("1 problem: ")
        assert "problem: " in lines and "missing from the shared folder" in lines


@run_async
async def test_a_name_that_looks_like_markup_is_shown_literally(team: Team) -> None:
    path = bo_writes(team)
    # Rich markup without a closing tag (a file name cannot hold "/"): still markup.
    name = f"{path.stem} (conflicted copy [bold red]Bo [link=x.invalid]here [@click=quit]).seg"
    shutil.copy(path, path.with_name(name))
    app = app_for(team.laptops[0])
    async with app.run_test(size=(160, 40)) as pilot:
        _, lines = await open_doctor(pilot, app)
        assert f"devices/{team.laptops[1].device_id}/{name}" in lines


@run_async
async def test_privacy_mode_keeps_the_members_names(team: Team) -> None:
    # Members are the team, not a report's parties: privacy mode hides none of them.
    # The report names someone who shares a word with Bo: still Bo's whole name here.
    ada = team.laptops[0]
    incidents.capture(ada, "Sample badge taken", who="Kim Sample", reporter="Bo Sample")
    app = app_for(ada)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("p")
        assert app.privacy
        summary, lines = await open_doctor(pilot, app)
        assert summary.startswith("all is well")
        assert "  Ada Example (tag " in lines and "  Bo Sample (tag " in lines
        assert "Kim" not in lines and "badge" not in lines  # never a report's content


@run_async
async def test_the_diagnosis_runs_in_a_worker_not_on_the_ui_thread(team: Team) -> None:
    threads: list[threading.Thread] = []

    def spy(store: Store) -> Diagnosis:
        threads.append(threading.current_thread())
        return doctor.diagnose(store)

    app = app_for(team.laptops[0])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        app.push_screen(DoctorScreen(examine=spy))
        await wait_for(pilot, lambda: threads and isinstance(app.screen, DoctorScreen)
                       and app.screen.diagnosis is not None)
        assert threads[0] is not threading.main_thread()
        await pilot.press("q")  # q closes the doctor (it does not quit)
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen) and app.is_running


@run_async
async def test_the_command_palette_opens_it_and_help_names_the_key(team: Team) -> None:
    app = app_for(team.laptops[0])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        await settle(pilot, app)
        await pilot.press(*"Folder doctor")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DoctorScreen)
                       and app.screen.diagnosis is not None)
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
    assert "folder doctor" in help_text().plain


@run_async
async def test_without_a_shared_folder_the_doctor_says_so(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        summary, lines = await open_doctor(pilot, app)
        assert summary == "1 problem: no shared folder set up"
        assert "shared folder: none set up" in lines
