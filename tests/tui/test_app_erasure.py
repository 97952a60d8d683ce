"""After the event, in the app (issue 15): pseudonyms, erased reports, erasure status.

- A person the team gave a pseudonym (``careterm alias``) shows by it in privacy mode
  on the board, in the incident view and in the handover, wherever the report names
  them.
- An erased report shows ``[erased]`` for its erased fields and the timeline line
  "erased … (why)", with no trace of the erased text anywhere on the screen, also
  when the erasure arrives from another laptop by sync (the app reads again).
- "Erasure status" in the command palette shows ``careterm erase --status``'s lines,
  worked out in a worker without the store lock.
"""

from __future__ import annotations

import contextlib
import io
import threading
from typing import Any

import pytest
from textual.widgets import Static

from careterm.actions import aliases, incidents
from careterm.actions.erase import erase
from careterm.cli.main import main as cli_main
from careterm.store.store import Store
from careterm.team import erasure as team_erasure
from careterm.tui.app import CaretermApp
from careterm.tui.screens import erasure_screen
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.erasure_screen import ErasureScreen
from careterm.tui.screens.handover_screen import HandoverScreen
from careterm.tui.screens.incident_screen import IncidentScreen
from careterm.tui.widgets.board_table import BoardTable
from careterm.views.privacy import fold
from tests.support import PASSPHRASE, Team, plain, run_async, settle, wait_for
from tests.tui.test_app_privacy_everywhere import everything_shown

WHAT = "Jordan Fakename grabbed Alex Placeholder's arm; Jordan's friend laughed"
NOTE = "Spoke to Jordan after the party; Alex wants an escort"


def app_for(store: Store) -> CaretermApp:
    return CaretermApp(store=store, cursor_blink=False, sync_seconds=3600)


def seed(store: Store) -> str:
    inc_id = incidents.capture(store, WHAT, who="Jordan Fakename", reporter="Alex Placeholder",
                               where="Jordan's hotel room", urgency="high").id
    incidents.add_note(store, inc_id, NOTE)
    return inc_id


# ------------------------------------------------------------------ pseudonyms

@run_async
async def test_a_pseudonym_shows_in_privacy_mode_on_board_incident_and_handover(
        store: Store) -> None:
    inc_id = seed(store)
    aliases.give_alias(store, inc_id, "Jordan Fakename", "Person A")
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("p")
        await settle(pilot, app)
        board = everything_shown(app)
        assert "Person A" in app.screen.query_one(BoardTable).cell_text(inc_id, "what")
        app.open_incident(inc_id)
        await settle(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        incident = everything_shown(app)
        assert "Person A grabbed" in incident and "Person A's friend" in incident
        assert "Spoke to Person A after the party" in incident
        await pilot.press("escape")
        await settle(pilot, app)
        await pilot.press("h")
        await settle(pilot, app)
        assert isinstance(app.screen, HandoverScreen)
        handover = everything_shown(app)
        assert "Person A" in handover
        for shown in (board, incident, handover):
            assert "jordan" not in fold(shown) and "fakename" not in fold(shown)
        # Privacy off: the real name, which stays in the record.
        await pilot.press("p")
        await settle(pilot, app)
        assert "Jordan" in everything_shown(app)


# ------------------------------------------------------------------ erased reports

ERASED_PARTS = ("jordan", "fakename", "alex", "placeholder", "hotel room", "grabbed",
                "escort", "party")


def traces(text: str) -> list[str]:
    return [part for part in ERASED_PARTS if part in fold(text)]


@run_async
async def test_an_erased_report_shows_erased_and_the_reason_and_nothing_of_the_text(
        store: Store) -> None:
    inc_id = seed(store)
    erase(store, inc_id, ("reporter", "who", "what", "where", "notes"),
          "the reporter asked")
    app = app_for(store)
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot, app)
        board = everything_shown(app)
        app.open_incident(inc_id)
        await settle(pilot, app)
        shown = everything_shown(app)
        assert "[erased]" in shown
        assert ("erased reporter, who, what happened, where, notes (the reporter asked)"
                in shown)
        assert traces(shown) == [] and traces(board) == []


@run_async
async def test_an_erasure_that_arrives_by_sync_is_shown_at_once(team_of_two: Team) -> None:
    ada, bo = team_of_two.laptops
    [inc_id] = ada.incidents()
    incidents.add_note(ada, inc_id, NOTE)
    team_of_two.sync_all()
    app = app_for(ada)
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot, app)
        app.open_incident(inc_id)
        await settle(pilot, app)
        assert "Room Zeta" in everything_shown(app) and "escort" in everything_shown(app)
        # Bo erases on his laptop and syncs; Ada's app sees the folder change and syncs.
        team_of_two.on(1, lambda s: erase(s, inc_id, ("what", "notes"), "asked by Alex"))
        team_of_two.sync(1)
        await wait_for(pilot, lambda: "erased what happened, notes (asked by Alex)"
                       in everything_shown(app))
        shown = everything_shown(app)
        assert "Room Zeta" not in shown and "escort" not in shown
        assert "[erased]" in shown
        await pilot.press("escape")
        await settle(pilot, app)
        assert "Room Zeta" not in everything_shown(app)  # the board too


# ------------------------------------------------------------------ erasure status

def cli_status(home: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What ``careterm erase --status`` prints for the store in ``home``."""
    monkeypatch.setenv("CARETERM_PASSPHRASE", PASSPHRASE)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli_main(["--home", str(home), "erase", "--status"]) == 0
    return out.getvalue().splitlines()


def status_shown(app: CaretermApp) -> str:
    """The status on screen as plain text (wide enough that nothing wraps)."""
    return plain(app.screen.query_one("#erasure-lines", Static).content)


async def open_status(pilot: Any, app: CaretermApp) -> None:
    await settle(pilot, app)
    await pilot.press("ctrl+p")
    await settle(pilot, app)
    await pilot.press(*"Erasure status")
    await pilot.pause(0.3)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ErasureScreen)
                   and app.screen.lines is not None)
    await settle(pilot, app)


@run_async
async def test_erasure_status_shows_the_lines_of_erase_status(
        team_of_two: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    ada, bo = team_of_two.laptops
    [inc_id] = ada.incidents()
    team_of_two.on(0, lambda s: erase(s, inc_id, ("what",), "the reporter asked"))
    team_of_two.sync(0)  # Ada's laptop has erased in the folder; Bo has not synced since
    app = app_for(ada)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_status(pilot, app)
        lines = app.screen.lines
        assert lines is not None
        assert lines[0].startswith(f"{inc_id}: erased what happened (the reporter asked), "
                                   "by Ada Example, ")
        assert "  Ada Example's laptop (this laptop): erased" in lines
        assert any(line.startswith("  Bo Sample's laptop: not yet") for line in lines)
        assert status_shown(app) == "\n".join(lines)
        # Bo syncs: his laptop erases and says so; r looks again.
        team_of_two.sync(1)
        team_of_two.sync(0)
        await pilot.press("r")
        await wait_for(pilot, lambda: "  Bo Sample's laptop: erased" in (app.screen.lines or []))
        shown = list(app.screen.lines or [])
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
    ada.close()
    bo.close()
    assert cli_status(ada.home, monkeypatch) == shown


@run_async
async def test_erasure_status_runs_in_a_worker_without_the_store_lock(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[threading.Thread, bool]] = []
    real = team_erasure.status_lines
    app = app_for(store)

    def lock_free() -> bool:
        """Whether another thread could take the store lock now."""
        free: list[bool] = []

        def take() -> None:
            got = app.gateway.lock.acquire(timeout=0.5)
            if got:
                app.gateway.lock.release()
            free.append(got)

        other = threading.Thread(target=take)
        other.start()
        other.join()
        return free[0]

    def spy(*args: Any) -> list[str]:
        seen.append((threading.current_thread(), lock_free()))
        return real(*args)

    monkeypatch.setattr(erasure_screen.team_erasure, "status_lines", spy)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_status(pilot, app)
        assert app.screen.lines == ["no erasure recorded"]
        [(thread, free)] = seen
        assert thread is not threading.main_thread() and free
        await pilot.press("q")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen) and app.is_running


@run_async
async def test_erasure_status_masks_the_reason_in_privacy_mode(store: Store) -> None:
    # Only the description is erased: the report still knows Jordan and Alex, and the
    # reason a member typed names Jordan.
    inc_id = seed(store)
    erase(store, inc_id, ("what",), "Jordan Fakename's lawyer asked")
    app = app_for(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_status(pilot, app)
        assert "Jordan Fakename's lawyer asked" in status_shown(app)
        await pilot.press("p")
        await settle(pilot, app)
        shown = status_shown(app)
        assert "Jordan" not in shown and "Fakename" not in shown
        assert f"{inc_id}: erased what happened (J.F.'s lawyer asked)" in shown, shown
        await pilot.press("p")
        await settle(pilot, app)
        assert "Jordan Fakename's lawyer asked" in status_shown(app)
