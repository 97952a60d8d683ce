"""The intake station's screen: write, send, see only a reference, never a report."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static, TextArea

from careterm.actions.incidents import prepare_capture
from careterm.store import station
from careterm.team import station_admin
from careterm.tui.app import CaretermApp
from careterm.tui.station import StationApp
from tests.support import PASSPHRASE, Team, run_async, settle, wait_for

WHAT = "A volunteer heard someone from Exampleville being shouted at near Hall Omega"


@pytest.fixture
def station_home(team_of_two: Team, tmp_path: Path) -> Path:
    home = tmp_path / "station"
    station_admin.set_up_station(home, team_of_two.shared, PASSPHRASE, "Registration desk",
                                 "Ada Example")
    return home


def _result(app: StationApp) -> str:
    return str(app.query_one("#station-result", Static).render())


@run_async
async def test_sending_shows_only_the_reference_and_empties_the_form(
        station_home: Path, team_of_two: Team) -> None:
    app = StationApp(station_home)
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one("#f-what", TextArea).text = WHAT
        app.query_one("#f-where", Input).value = "Hall Omega"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "sent as ref" in _result(app))
        await settle(pilot, app)
        assert "sent as ref Z00001" in _result(app)
        assert app.query_one("#f-what", TextArea).text == ""
        assert app.query_one("#f-where", Input).value == ""
        screen_text = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "Exampleville" not in screen_text
    assert b"Exampleville" not in b"".join(
        p.read_bytes() for p in station_home.rglob("*") if p.is_file())
    report = team_of_two.sync(0)
    assert report.new_reports == {"Registration desk (intake station)": ["Z00001"]}
    assert team_of_two.laptops[0].get("Z00001").what == WHAT


@run_async
async def test_an_empty_report_is_not_sent_and_says_why(station_home: Path) -> None:
    app = StationApp(station_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert "not sent: what: describe what happened" in _result(app)
    folder = Path(station.load(station_home).shared) / station.STATIONS_DIR
    assert not list(folder.rglob("*.rep"))


@run_async
async def test_an_unreachable_folder_keeps_what_was_typed(station_home: Path,
                                                         team_of_two: Team) -> None:
    config = station.load(station_home)
    folder = Path(config.shared) / station.STATIONS_DIR / config.station_id
    folder.rename(folder.with_name("moved-away"))
    app = StationApp(station_home)
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one("#f-what", TextArea).text = WHAT
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "not sent" in _result(app))
        assert "not reachable" in _result(app) and "still here" in _result(app)
        assert app.query_one("#f-what", TextArea).text == WHAT


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_station_snapshot(snap_compare, frozen_clock, station_home: Path,
                          size: tuple[int, int]) -> None:
    async def typed(pilot) -> None:
        pilot.app.query_one("#f-what", TextArea).text = "Someone was followed to the lifts"
        pilot.app.query_one("#f-where", Input).value = "Hall Omega"
        await pilot.pause()

    assert snap_compare(StationApp(station_home), run_before=typed, terminal_size=size)


@run_async
async def test_a_station_report_arrives_live_on_the_care_board(station_home: Path,
                                                              team_of_two: Team) -> None:
    ada = team_of_two.laptops[0]
    app = CaretermApp(store=ada, cursor_blink=False, sync_seconds=3600)  # the watcher only
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        ref = station.send(station_home, prepare_capture(WHAT, where="Hall Omega").data)
        await wait_for(pilot, lambda: ref in app.incidents, timeout=15)
        await settle(pilot, app)
        row = app.incidents[ref]
        assert not row.acknowledged and row.extra["relayed_by"].startswith("Registration")
