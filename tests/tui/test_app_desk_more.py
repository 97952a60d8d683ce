"""The desk, continued (issue 11): the idle lock's countdown, notes arriving from another
laptop, the critical alert, the "when" reading, a footer that never cuts a key, privacy
mode in forms and the search box, and the help's keys."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from textual.widgets import Input
from textual.widgets._footer import FooterKey

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.actions.settings import change_settings
from careterm.store.store import Store
from careterm.team import sync
from careterm.tui.app import CaretermApp, critical_alert_on
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.capture_screen import CaptureScreen
from careterm.tui.screens.casework_modals import ReviewForm
from careterm.tui.screens.help_screen import help_text
from careterm.tui.screens.lock_screen import LockScreen
from careterm.tui.widgets.key_footer import KeyFooter
from careterm.tui.widgets.status_bar import StatusBar
from tests.support import PASSPHRASE, run_async, settle, wait_for

WHO = "Jordan Smith"
REPORTER = "Alex Kim"


def status(app: CaretermApp) -> str:
    bars = [bar for bar in app.screen.query(StatusBar) if bar.display]
    return str(bars[0].render()) if bars else ""


def shown(app: CaretermApp) -> str:
    return str(app.screen.query_one("#incident").render())


def two_laptops(root: Path) -> tuple[Store, Store]:
    """Ada's laptop (set up the shared folder) and Bo's (joined it)."""
    ada = Store.create(root / "ada", PASSPHRASE, member="Ada Example", team="Example Con CARE")
    sync.init_shared(ada, root / "shared")
    return ada, sync.join(root / "bo", root / "shared", "Bo Sample", PASSPHRASE)


class Alerts:
    """Records the app's toasts and bells."""

    def __init__(self, app: CaretermApp) -> None:
        self.toasts: list[str] = []
        self.bells = 0
        original = app.notify

        def notify(message: str, **kwargs: Any) -> None:
            self.toasts.append(message)
            original(message, **kwargs)

        def bell() -> None:
            self.bells += 1

        app.notify = notify  # type: ignore[method-assign]
        app.bell = bell  # type: ignore[method-assign]


# ------------------------------------------------------------ the idle lock's countdown


@run_async
async def test_the_idle_lock_counts_down_and_any_key_keeps_the_app_open(
        store: Store, frozen_clock) -> None:
    incidents.capture(store, "Shouting in the hallway")
    app = CaretermApp(store=store, cursor_blink=False, lock_after=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert status(app) == ""
        # 33 s idle: 27 s left, said on the status line (no sync, no privacy: shown anyway).
        app._last_input = time.monotonic() - 33.2
        app._lock_if_idle()
        await pilot.pause()
        assert "locking in 27 s — press any key to stay" in status(app)
        app._last_input -= 1
        app._lock_if_idle()
        await pilot.pause()
        assert "locking in 26 s — press any key to stay" in status(app)
        # Any key keeps it open, and does only that: n does not open a new report.
        before = app._last_input
        await pilot.press("n")
        await pilot.pause()
        assert app._last_input > before
        assert isinstance(app.screen, BoardScreen)
        assert status(app) == ""
        app._lock_if_idle()
        await pilot.pause()
        assert status(app) == ""  # the idle time started again
        await pilot.press("n")
        assert isinstance(app.screen, CaptureScreen)
        # Still idle at the end: it locks, and the countdown is gone with it.
        app._last_input = time.monotonic() - 61
        app._lock_if_idle()
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        assert app._lock_countdown is None


@run_async
async def test_the_countdown_sits_beside_privacy_on_the_status_line(
        store: Store, frozen_clock) -> None:
    incidents.capture(store, "Shouting in the hallway")
    app = CaretermApp(store=store, cursor_blink=False, lock_after=300)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, app)
        await pilot.press("p")
        app._last_input = time.monotonic() - 290.5
        app._lock_if_idle()
        await pilot.pause()
        line = status(app)
        assert line.startswith(" locking in 10 s — press any key to stay")
        assert "PRIVACY" in line


# ------------------------------------------------------------ notes arriving


@run_async
async def test_a_note_from_another_laptop_comes_first_marked_new(
        tmp_path: Path, frozen_clock) -> None:
    ada, bo = two_laptops(tmp_path)
    inc_id = incidents.capture(ada, "Followed to the lobby").id
    incidents.add_note(ada, inc_id, "First note, from Ada")
    sync.sync(ada)
    sync.sync(bo)
    app = CaretermApp(store=ada, cursor_blink=False, refresh_seconds=0.1, sync_seconds=0.2)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, app)
        app.open_incident(inc_id)
        await settle(pilot, app)
        assert "new note" not in shown(app)
        frozen_clock.advance(minutes=5)
        incidents.add_note(bo, inc_id, "Reporter called back, wants an escort")
        sync.sync(bo)
        await wait_for(pilot, lambda: "Notes (2)" in shown(app))
        text = shown(app)
        # Said near the top, without scrolling to the notes.
        head = text.split("what happened")[0]
        assert "● new  1 new note from Bo Sample since you opened this" in head
        # Newest first, the new one marked (the symbol and the word).
        notes = text.split("Notes (2)")[1]
        assert notes.index("Reporter called back") < notes.index("First note, from Ada")
        assert "● new 14:35 today · Bo Sample" in notes
        assert notes.count("● new") == 1
        # A note typed here is not "arrived": no mark.
        incidents.add_note(ada, inc_id, "Escort arranged")
        app.refresh_now()
        await wait_for(pilot, lambda: "Notes (3)" in shown(app))
        assert shown(app).split("Notes (3)")[1].count("● new") == 1
    bo.close()


# ------------------------------------------------------------ a new critical report


@run_async
async def test_a_new_critical_report_from_another_laptop_toasts_and_rings(
        tmp_path: Path, frozen_clock) -> None:
    ada, bo = two_laptops(tmp_path)
    app = CaretermApp(store=ada, cursor_blink=False, refresh_seconds=0.1, sync_seconds=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        alerts = Alerts(app)
        await settle(pilot, app)
        await pilot.press("p")  # privacy mode: the toast names nobody either way
        high = incidents.capture(bo, "Loud argument", urgency="high").id
        critical = incidents.capture(bo, f"{WHO} grabbed {REPORTER}'s arm", who=WHO,
                                     reporter=REPORTER, urgency="critical").id
        sync.sync(bo)
        await wait_for(pilot, lambda: {high, critical} <= set(app.incidents))
        await pilot.pause(0.2)
        assert alerts.toasts == [f"New critical report {critical}"]
        assert alerts.bells == 1
        # Captured on this laptop: it knows already.
        incidents.capture(ada, "Threat made at the desk", urgency="critical")
        app.refresh_now()
        await wait_for(pilot, lambda: len(app.incidents) == 3)
        await pilot.pause(0.2)
        assert alerts.bells == 1 and len(alerts.toasts) == 1
    bo.close()


@run_async
async def test_the_critical_alert_is_a_team_setting(tmp_path: Path, frozen_clock) -> None:
    ada, bo = two_laptops(tmp_path)
    change_settings(bo, {"critical_alert": False})
    sync.sync(bo)
    sync.sync(ada)
    assert critical_alert_on(ada) is False
    app = CaretermApp(store=ada, cursor_blink=False, refresh_seconds=0.1, sync_seconds=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        alerts = Alerts(app)
        await settle(pilot, app)
        critical = incidents.capture(bo, "Threat in the hallway", urgency="critical").id
        sync.sync(bo)
        await wait_for(pilot, lambda: critical in app.incidents)
        await pilot.pause(0.2)
        assert alerts.toasts == [] and alerts.bells == 0
    bo.close()


def test_the_critical_alert_setting_defaults_to_on_without_synced_settings() -> None:
    class Laptop:
        def __init__(self, settings: dict[str, Any]) -> None:
            self._settings = settings

        def settings(self) -> dict[str, Any]:
            return self._settings

    assert critical_alert_on(Laptop({})) is True  # type: ignore[arg-type]
    assert critical_alert_on(Laptop({"critical_alert": False})) is False  # type: ignore[arg-type]


# ------------------------------------------------------------ when, absolute after an hour


@run_async
async def test_when_reads_like_the_cli_absolute_first_after_an_hour(
        store: Store, frozen_clock) -> None:
    inc_id = incidents.capture(store, "Slide with an offensive joke", when="10 min ago").id
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        app.open_incident(inc_id)
        await settle(pilot, app)
        assert 'about 10 minutes ago (14:20 today) · typed as "10 min ago"' in shown(app)
        frozen_clock.advance(hours=2)
        app._tick()
        await pilot.pause()
        assert '14:20 today (about 2 hours ago) · typed as "10 min ago"' in shown(app)


# ------------------------------------------------------------ the footer


def footer_keys(app: CaretermApp) -> list[str]:
    footer = app.screen.query_one(KeyFooter)
    return [key.key for key in footer.query(FooterKey)
            if key.display and not key.has_class("-command-palette")]


def footer_fits(app: CaretermApp) -> bool:
    footer = app.screen.query_one(KeyFooter)
    return all(key.virtual_region.right <= footer.size.width
               for key in footer.query(FooterKey) if key.display)


@run_async
async def test_the_footer_drops_whole_keys_and_keeps_help(store: Store, frozen_clock) -> None:
    inc_id = incidents.capture(store, "Shouting in the hallway").id
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, app)
        await pilot.pause(0.2)
        keys = footer_keys(app)
        assert keys == ["n", "a", "question_mark", "q", "p"]  # "h handover" would be cut
        app.open_incident(inc_id)
        await settle(pilot, app)
        await pilot.pause(0.2)
        assert "question_mark" in footer_keys(app) and "u" not in footer_keys(app)
        assert footer_fits(app)
        await pilot.resize_terminal(30, 20)
        await pilot.pause(0.2)
        assert "question_mark" in footer_keys(app)
        assert footer_fits(app)
        await pilot.resize_terminal(120, 20)
        await pilot.pause(0.2)
        assert "u" in footer_keys(app)


# ------------------------------------------------------------ privacy mode in forms


@run_async
async def test_the_edit_form_hides_names_in_privacy_mode(store: Store, frozen_clock) -> None:
    inc_id = incidents.capture(store, f"{WHO} grabbed {REPORTER}'s arm", who=WHO,
                               reporter=REPORTER, contact="alex@example.org",
                               where="Hall B").id
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 36)) as pilot:
        await settle(pilot, app)
        await pilot.press("p")
        app.open_incident(inc_id)
        await settle(pilot, app)
        await pilot.press("e")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, CaptureScreen)
        drawn = "\n".join(line.text for line in screen._compositor.render_strips())
        for name in (WHO, "Jordan", REPORTER, "alex@example.org"):
            assert name not in drawn
        assert "Hall B" in drawn  # no name in it: shown
        assert "names hidden" in drawn
        # The values are all there: saving changes nothing that was not typed.
        assert screen.query_one("#f-who", Input).value == WHO
        # f2 shows them here (privacy mode stays on elsewhere).
        await pilot.press("f2")
        await pilot.pause()
        drawn = "\n".join(line.text for line in screen._compositor.render_strips())
        assert WHO in drawn
        assert app.privacy


@run_async
async def test_casework_forms_hide_names_in_privacy_mode(store: Store, frozen_clock) -> None:
    inc_id = incidents.capture(store, f"{WHO} grabbed {REPORTER}'s arm", who=WHO,
                               reporter=REPORTER).id
    casework_actions.record_review(store, inc_id, finding=f"{WHO} did grab the arm",
                                   reason=f"{REPORTER} and a witness agree")
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 36)) as pilot:
        await settle(pilot, app)
        await pilot.press("p")
        app.open_incident(inc_id)
        await settle(pilot, app)
        await pilot.press("r")
        await settle(pilot, app)
        assert isinstance(app.screen, ReviewForm)
        drawn = "\n".join(line.text for line in app.screen._compositor.render_strips())
        for name in (WHO, "Jordan", REPORTER):
            assert name not in drawn
        assert "names hidden" in drawn
        assert app.screen.query_one("#f-finding", Input).value == f"{WHO} did grab the arm"


@run_async
async def test_the_search_box_is_masked_in_privacy_mode(store: Store, frozen_clock) -> None:
    incidents.capture(store, f"{WHO} grabbed {REPORTER}'s arm", who=WHO)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("p", "slash", *"Jordan")
        await pilot.pause()
        search = app.screen.query_one("#search", Input)
        assert search.value == "Jordan" and search.password
        drawn = "\n".join(line.text for line in app.screen._compositor.render_strips())
        assert "Jordan" not in drawn
        await pilot.press("enter")
        await pilot.pause()
        drawn = "\n".join(line.text for line in app.screen._compositor.render_strips())
        assert "Jordan" not in drawn and "1 shown" in drawn
        await pilot.press("p")  # privacy off: shown as typed again
        await pilot.pause()
        assert not search.password


# ------------------------------------------------------------ help


def test_help_lists_the_closed_filter_resuming_a_draft_and_one_letter_answers() -> None:
    text = help_text().plain
    assert "only closed reports" in text
    assert "ctrl+r" in text and "resume" in text
    assert "one-letter answer" in text
