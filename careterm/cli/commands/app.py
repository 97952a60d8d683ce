"""Starting the app: ``careterm`` without a command (the board on this laptop's
store) and ``careterm demo`` (the board on made-up reports).

The CLI never imports the TUI except here, through one function,
:func:`careterm.tui.app.run`, and only when the app is started: Textual is
heavy, and every other command runs without loading it. The app asks for the
passphrase on its own screen, so both passphrase variables are dropped from the
environment, unread, before it starts: it runs for hours, and nothing it might
start should inherit them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from careterm.actions.demo import MAX_DEMO_INCIDENTS
from careterm.cli.commands import command
from careterm.cli.session import Session, drop_passphrases_from_environment
from careterm.store import station
from careterm.store.store import has_store

DEMO_INCIDENTS = 12
"""How many made-up reports ``careterm demo`` shows without ``--incidents``."""


def _start(home: Path | None, lock_after: float | None, demo_incidents: int | None) -> int:
    drop_passphrases_from_environment()
    # Deferred to keep Textual out of the CLI's start-up: only starting the app needs it.
    from careterm.tui.app import run

    return int(run(home, lock_after=lock_after, demo_incidents=demo_incidents) or 0)


def start_station(home: Path) -> int:
    """The intake station's capture screen (write-only: it shows no report)."""
    drop_passphrases_from_environment()
    # Deferred like the board: only starting the screen needs Textual.
    from careterm.tui.station import run_station

    return int(run_station(home) or 0)


def _incident_count(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= MAX_DEMO_INCIDENTS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number from 1 to {MAX_DEMO_INCIDENTS:,}")
    return int(text)


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--incidents", metavar="N", type=_incident_count,
                        default=DEMO_INCIDENTS,
                        help=f"how many made-up reports (1 to {MAX_DEMO_INCIDENTS:,})")


@command("demo", "try the board on made-up reports", _demo_arguments)
def cmd_demo(args: argparse.Namespace, session: Session) -> int:
    """The TUI on fictional data."""
    return _start(None, args.lock_after, args.incidents)


def run_board(args: argparse.Namespace, session: Session) -> int:
    """``careterm`` without a command: the TUI on this laptop's store (the capture screen
    on an intake station)."""
    if station.is_station(session.home) and not has_store(session.home):
        return start_station(session.home)
    return _start(session.home, args.lock_after, None)
