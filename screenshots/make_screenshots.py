"""Make the SVG screenshots in this folder, from the same scenes as the snapshot tests.

    python screenshots/make_screenshots.py

Every scene uses a frozen clock (Wednesday 25 November 2026, 14:30 at the
venue) and the fictional demo reports, so the pictures are the same each run.
The ``privacy-*`` scenes add one report whose text names its people and switch
privacy mode on: the board, incident view, handover and report preview show
masks (initials, ``●●●``), never those names.

Three sizes: 120x36, 80x24 (the info desk's laptop with a large font) and 60x20
(two apps side by side), where the board drops its least useful columns.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from dateutil import tz
from rich.text import Text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from careterm.actions import aliases, demo, erase, incidents
from careterm.actions import casework as casework_actions
from careterm.actions import settings as settings_actions
from careterm.core import clock
from careterm.store.store import Store
from careterm.tui.app import CaretermApp

FROZEN_AT = datetime(2026, 11, 25, 14, 30, tzinfo=tz.gettz("Europe/Amsterdam"))
SCENE_PASSPHRASE = "correct horse battery staple"
HERE = Path(__file__).resolve().parent


def demo_store() -> Store:
    """The fictional dozen, on a fixed device tag."""
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="7K")
    demo.seed_demo(store, 12, seed=2026, members=demo.DEMO_MEMBERS)
    # Owners for the board's owner column and the handover's groups (fixed: the same each run).
    for inc_id, member in OWNERS.items():
        casework_actions.assign(store, inc_id, member)
    return store


OWNERS = {"7K000C": "Ada Example", "7K0005": "Bo Sample", "7K0004": "Ada Example",
          "7K0003": "Cy Placeholder"}
"""Who owns which demo report in the pictures (the others: nobody)."""


CASEWORK_ID = "7K0006"
"""A demo report in review (Gus Mock at a lunch table): the casework scenes fill in its
record."""


def casework_store() -> Store:
    """The fictional dozen, with one report's casework recorded (a warning included)."""
    store = demo_store()
    casework_actions.categorize(store, CASEWORK_ID, "offensive-remark")
    casework_actions.declare_conflict(store, CASEWORK_ID, "Cy Placeholder",
                              "shares an office with the reported person")
    casework_actions.record_conversation(store, CASEWORK_ID, "Gus Mock", ["Bo Sample"],
                                 notes="Asked him to keep away from the reporter tonight.",
                                 kind="reported-person", at="20 min ago")
    casework_actions.record_support(store, CASEWORK_ID, "escort", "arranged", who="Bo Sample",
                            at="14:00")
    casework_actions.record_review(store, CASEWORK_ID,
                           finding="Repeated remarks about pronouns after being asked to stop",
                           violation="yes", actors=["Gus Mock"],
                           reason="Two witnesses confirm it")
    return store


NAMED_WHAT = ("Jordan Fakename grabbed Alex Placeholder's arm at the party; "
              "jose nunez saw it")
"""A report that names its people in what happened (the privacy scenes mask them)."""


def named_store() -> Store:
    """The fictional dozen and one critical report whose text names everyone in it."""
    store = demo_store()
    inc_id = incidents.capture(store, NAMED_WHAT, who="Jordan Fakename, Alex Placeholder",
                               where="Jordan's hotel room, 4th floor", reporter="José Ñúñez",
                               contact="jose.nunez@example.test, +00 0000 0042",
                               when="10 min ago", ongoing="no", source="in-person",
                               urgency="critical").id
    incidents.add_note(store, inc_id, "Alex Placeholder asked for an escort tonight; "
                                      "José wants a call on +00 0000 0042 first")
    return store


PSEUDONYM = "Person A"
"""The team's pseudonym for Jordan Fakename in the named report (``careterm alias``)."""


def aliased_store() -> Store:
    """The named report, with a pseudonym for the person it is about."""
    store = named_store()
    [inc_id] = [i.id for i in store.incidents().values() if i.what == NAMED_WHAT]
    aliases.give_alias(store, inc_id, "Jordan Fakename", PSEUDONYM)
    return store


ERASED_ID = "7K0006"
"""The demo report erased in the ``erased`` scenes (the one the casework scenes use)."""


def erased_store() -> Store:
    """The fictional dozen and the casework report, then most of its personal fields
    erased on request (the erasure also listed by the erasure status scene)."""
    store = casework_store()
    erase.erase(store, ERASED_ID, ("reporter", "contact", "who", "what", "notes",
                                   "conversations", "review"), "the reporter asked")
    return store


def settings_store() -> Store:
    """The fictional dozen, with the team's settings changed by two members."""
    store = demo_store()
    settings_actions.change_settings(store, {"ack": 10 * 60, "event_start": "2026-11-23",
                                             "event_end": "2026-11-27"})
    bo = Store.in_memory(member="Bo Sample", team="Example Con CARE", tag="8B")
    settings_actions.change_settings(bo, {"inform": 12 * 3600})
    store.add_foreign(list(bo.team_record().changes))
    return store


def scene_app(scene: str, home: Path | None = None) -> CaretermApp:
    """The app for ``scene`` (``home`` is needed for the unlock scene)."""
    if scene == "privacy-alias":
        return CaretermApp(store=aliased_store(), cursor_blink=False)
    if scene in ("erased", "erasure-status"):
        return CaretermApp(store=erased_store(), cursor_blink=False)
    if scene.startswith("settings"):
        return CaretermApp(store=settings_store(), cursor_blink=False)
    if scene in ("casework", "privacy"):
        return CaretermApp(store=casework_store(), cursor_blink=False)
    if scene.startswith("privacy-"):
        return CaretermApp(store=named_store(), cursor_blink=False)
    if scene == "unlock":
        assert home is not None
        os.environ.setdefault("CARETERM_KDF_LIMITS", "test-only-min")
        if not (home / "careterm.key").exists():
            Store.create(home, SCENE_PASSPHRASE, member="Ada Example",
                         team="Example Con CARE").close()
        return CaretermApp(home, cursor_blink=False)
    return CaretermApp(store=demo_store(), cursor_blink=False)


async def _settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _board(pilot: Any) -> None:
    await _settle(pilot)


async def _capture(pilot: Any) -> None:
    await _settle(pilot)
    await pilot.press("n", *"Followed a speaker to the hotel lobby", "tab", "ctrl+u", "tab",
                      *"10 min ago", "tab", *"Lobby of the Example Hotel")
    pilot.app.screen.query_one("#f-ongoing").value = "yes"
    await _settle(pilot)


async def _incident(pilot: Any) -> None:
    await _settle(pilot)
    await pilot.press("down", "down", "enter")
    await _settle(pilot)


async def _help(pilot: Any) -> None:
    await _settle(pilot)
    await pilot.press("question_mark")
    await _settle(pilot)


async def _unlock(pilot: Any) -> None:
    await _settle(pilot)


async def _open_casework_report(pilot: Any) -> None:
    await _settle(pilot)
    pilot.app.open_incident(CASEWORK_ID)
    await _settle(pilot)


async def _casework(pilot: Any) -> None:
    # Scrolled to the casework sections.
    await _open_casework_report(pilot)
    screen = pilot.app.screen
    detail = screen.query_one("#incident")
    text = Text(detail.render().plain)
    lines = text.wrap(pilot.app.console, detail.size.width)  # as the view wraps them
    start = next(n for n, line in enumerate(lines) if line.plain.startswith("Casework"))
    screen.query_one("#incident-scroll").scroll_to(y=start, animate=False)
    await _settle(pilot)


async def _privacy(pilot: Any) -> None:
    # The top of the same report, names as initials and contacts as bullets.
    pilot.app.privacy = True
    await _open_casework_report(pilot)


async def _privacy_on(pilot: Any) -> None:
    # Privacy mode switched on from the board, with the p key.
    await _settle(pilot)
    await pilot.press("p")
    await _settle(pilot)


async def _privacy_board(pilot: Any) -> None:
    await _privacy_on(pilot)


async def _privacy_incident(pilot: Any) -> None:
    await _privacy_on(pilot)
    [named] = [i.id for i in pilot.app.incidents.values() if i.what == NAMED_WHAT]
    pilot.app.open_incident(named)
    await _settle(pilot)


async def _privacy_handover(pilot: Any) -> None:
    await _privacy_on(pilot)
    await pilot.press("h")
    await _settle(pilot)


async def _privacy_report(pilot: Any) -> None:
    await _privacy_on(pilot)
    await pilot.press("T")
    await _settle(pilot)


async def _privacy_alias(pilot: Any) -> None:
    # The named report in privacy mode: the person with a pseudonym shows by it.
    await _privacy_on(pilot)
    [named] = [i.id for i in pilot.app.incidents.values() if i.what == NAMED_WHAT]
    pilot.app.open_incident(named)
    await _settle(pilot)


async def _erased(pilot: Any) -> None:
    # An erased report: [erased] in place of each erased field, the timeline says why.
    await _settle(pilot)
    pilot.app.open_incident(ERASED_ID)
    await _settle(pilot)


async def _erasure_status(pilot: Any) -> None:
    # "Erasure status" from the command palette (the same as careterm erase --status).
    await _settle(pilot)
    pilot.app.action_erasure_status()
    await _settle(pilot)


async def _settings(pilot: Any) -> None:
    # S: the team's settings, who changed each last.
    await _settle(pilot)
    await pilot.press("S")
    await _settle(pilot)


async def _settings_refused(pilot: Any) -> None:
    # A value careterm settings would refuse: one line in the dialog, nothing written.
    await _settings(pilot)
    await pilot.press("enter")
    await _settle(pilot)
    pilot.app.screen.query_one("#text").value = "5x"
    await pilot.press("enter")
    await _settle(pilot)


async def _lock(pilot: Any) -> None:
    # Locked from the board (ctrl+l): the dialog sits centred, nothing of a report shows.
    await _settle(pilot)
    await pilot.press("ctrl+l")
    await _settle(pilot)


async def _handover(pilot: Any) -> None:
    await _settle(pilot)
    await pilot.press("h")
    await _settle(pilot)


async def _report(pilot: Any) -> None:
    await _settle(pilot)
    await pilot.press("T")
    await _settle(pilot)


SCENES: dict[str, Callable[[Any], Awaitable[None]]] = {
    "board": _board, "capture": _capture, "incident": _incident, "help": _help,
    "unlock": _unlock, "casework": _casework, "privacy": _privacy, "handover": _handover,
    "report": _report, "privacy-board": _privacy_board, "privacy-incident": _privacy_incident,
    "privacy-handover": _privacy_handover, "privacy-report": _privacy_report, "lock": _lock,
    "privacy-alias": _privacy_alias, "erased": _erased, "erasure-status": _erasure_status,
    "settings": _settings, "settings-refused": _settings_refused,
}
"""Scene name → what to do before the picture is taken."""
SIZES = ((80, 24), (120, 36), (60, 20))


async def shoot(scene: str, size: tuple[int, int], target: Path) -> None:
    """Write the SVG of ``scene`` at ``size`` to ``target``."""
    with tempfile.TemporaryDirectory() as folder:
        app = scene_app(scene, Path(folder) / "home")
        async with app.run_test(size=size) as pilot:
            await SCENES[scene](pilot)
            svg = app.export_screenshot(title=f"careterm {scene}")
        target.write_text(svg, encoding="utf-8")


def main() -> int:
    """Write every scene at every size."""
    clock.freeze(FROZEN_AT)
    try:
        for scene in SCENES:
            for width, height in SIZES:
                target = HERE / f"{scene}-{width}x{height}.svg"
                asyncio.run(shoot(scene, (width, height), target))
                print(target.relative_to(HERE.parent))
    finally:
        clock.set_clock(None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
