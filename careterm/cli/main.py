"""The ``careterm`` command line: parse the arguments, run one command, turn errors into
exit codes.

No rule lives in the CLI: capture, update, acknowledgement and notes are the
functions of :mod:`careterm.actions.incidents` that every screen calls too. Each
subcommand is a small handler in :mod:`careterm.cli.commands` (one module per
area) with a function that adds its arguments; :data:`COMMANDS` below lists
every one explicitly, in the order of ``--help``. Without a command, careterm
opens the board (:func:`careterm.cli.commands.app.run_board`).

Everything a user typed is printed through :func:`careterm.core.textsafe.visible`
(tables, details) or :func:`careterm.core.textsafe.safe_json` (``--json``), so
markup and escape sequences in a report are shown, never acted on. Every
:class:`~careterm.errors.CaretermError` becomes one line on stderr and its
exit code; usage errors exit 2; Ctrl-C exits 130; none shows a traceback.

Nothing else shows one either: a traceback can quote report text (a line of
code holding it, an exception's message) and the README promises none. Any
other exception escaping a command (a bug, ``RecursionError`` from a hostile
file, ``MemoryError``) becomes one line naming its type and the command, never
its message, and exit code 1. :func:`main` also replaces ``sys.excepthook``,
``threading.excepthook`` and ``sys.unraisablehook`` with the same one line, so
an exception in a thread or a finalizer prints no traceback. As the process's
entry point (no ``argv``: the ``careterm`` script, ``python -m careterm``) it
leaves them in place for the rest of the process; called with arguments
(tests, a script embedding careterm) it restores the caller's hooks on return.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import NoReturn

from careterm import __version__
from careterm.cli.commands import (
    Command,
    app,
    assign,
    casework,
    doctor,
    erase,
    evidence,
    records,
    related,
    reports,
    settings,
    station,
    summary,
    team,
)
from careterm.cli.output import notice
from careterm.cli.session import Session
from careterm.core.textsafe import has_invalid_utf8
from careterm.errors import CaretermError, InvalidInput

COMMANDS: dict[str, Command] = {cmd.name: cmd for cmd in (
    team.cmd_init,
    reports.cmd_capture, reports.cmd_list, reports.cmd_show, reports.cmd_ack, reports.cmd_note,
    reports.cmd_update, reports.cmd_import,
    team.cmd_join, team.cmd_sync, doctor.cmd_doctor,
    reports.cmd_status,
    casework.cmd_categorize, casework.cmd_review, casework.cmd_resolve, casework.cmd_conflict,
    casework.cmd_conversation, casework.cmd_inform, casework.cmd_support,
    casework.cmd_unilateral, casework.cmd_statement, summary.cmd_summary, assign.cmd_assign,
    related.cmd_related, related.cmd_link,
    evidence.cmd_mail, evidence.cmd_attach, evidence.cmd_evidence,
    records.cmd_export, records.cmd_alias, records.cmd_open_export, records.cmd_report,
    settings.cmd_settings,
    team.cmd_passphrase,
    records.cmd_backup, records.cmd_restore,
    erase.cmd_erase, erase.cmd_retention,
    team.cmd_devices, team.cmd_revoke,
    station.cmd_station,
    app.cmd_demo,
)}
"""Every subcommand by name, in the order they are listed in ``--help``."""


PATH_DESTS = frozenset({"home", "shared", "file", "paths", "save", "destination", "key_file",
                        "new_key"})
"""Arguments that are file names: any bytes the file system allows are fine there."""


class UsageError(InvalidInput):
    """The command line itself is wrong (unknown option, missing argument…)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are one line and exit code 2 through :func:`main`."""

    def error(self, message: str) -> NoReturn:
        where = self.prog.removeprefix("careterm").strip()
        hint = f"careterm {where} --help" if where else "careterm --help"
        prefix = f"{where}: " if where else ""
        raise UsageError(f"{prefix}{message} (see '{hint}')")


def parse_duration(text: str) -> int:
    """``30s``, ``5m``, ``1h`` or plain seconds → seconds (argparse type)."""
    match = re.fullmatch(r"\s*(\d{1,6})\s*(s|sec|secs|m|min|mins|h|hr|hrs)?\s*", text.lower())
    if not match or int(match[1]) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 30s, 5m or 1h")
    unit = (match[2] or "s")[0]
    return int(match[1]) * {"s": 1, "m": 60, "h": 3600}[unit]


def build_parser() -> argparse.ArgumentParser:
    """The full parser: global options, then one subparser per command in :data:`COMMANDS`."""
    parser = _Parser(
        prog="careterm", allow_abbrev=False,
        description="careterm: capture, triage and follow up Code of Conduct reports. "
                    "Without a command it opens the board.")
    parser.add_argument("--home", metavar="DIR",
                        help="folder of the encrypted store (default: $CARETERM_HOME, "
                             "else your user data folder)")
    parser.add_argument("--lock-after", metavar="DURATION", type=parse_duration,
                        help="lock the app after this long idle, e.g. 30s, 5m")
    parser.add_argument("--version", action="version", version=f"careterm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for cmd in COMMANDS.values():
        child = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help,
                               allow_abbrev=False)
        cmd.configure(child)
    return parser


def _check_text_arguments(args: argparse.Namespace) -> None:
    """Refuse argument text that came from bytes that are not UTF-8."""
    for dest, value in vars(args).items():
        if dest in PATH_DESTS:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and has_invalid_utf8(item):
                name = dest.upper() if dest in ("id", "text", "status_name") else (
                    "--" + dest.replace("_", "-"))
                raise InvalidInput(f"{name}: the text is not valid UTF-8; check the "
                                   "terminal's character encoding")


class _Running:
    """The command being run, for the one-line message about an unexpected exception."""

    def __init__(self) -> None:
        self.command: str | None = None

    def where(self) -> str:
        if self.command is None:
            return "careterm"
        return f"'careterm {self.command}'" if self.command else "the board"

    def unexpected(self, kind: type[BaseException], *, aside: str = "") -> str:
        """One line naming the exception's type and the command, never the message.

        ``aside`` says where it happened when that was not the command itself
        (a thread, a finalizer): the command carried on, so it may have written.
        """
        if aside:
            return (f"unexpected error ({kind.__name__}) {aside} {self.where()}. "
                    "Please report it.")
        return (f"unexpected error ({kind.__name__}) in {self.where()}; nothing more was "
                "written. Please report it.")


def _say(text: str) -> None:
    """:func:`notice`, unless stderr itself fails (a hook that raises prints a traceback)."""
    with contextlib.suppress(BaseException):
        notice(text)


@contextlib.contextmanager
def _no_tracebacks(running: _Running, *, for_good: bool) -> Iterator[None]:
    """Exceptions no handler caught (top level, threads, finalizers) print one line."""

    def on_exception(kind: type[BaseException], value: BaseException,
                     traceback: TracebackType | None) -> None:
        _say("interrupted" if issubclass(kind, KeyboardInterrupt)
             else running.unexpected(kind))

    def on_thread_exception(hook_args: threading.ExceptHookArgs) -> None:
        if not issubclass(hook_args.exc_type, SystemExit):  # as Python's own hook
            _say(running.unexpected(hook_args.exc_type, aside="in a background task of"))

    def on_unraisable(hook_args: sys.UnraisableHookArgs) -> None:
        _say(running.unexpected(hook_args.exc_type, aside="while cleaning up in"))

    saved = sys.excepthook, threading.excepthook, sys.unraisablehook
    sys.excepthook = on_exception
    threading.excepthook = on_thread_exception
    sys.unraisablehook = on_unraisable
    try:
        yield
    finally:
        if not for_good:
            sys.excepthook, threading.excepthook, sys.unraisablehook = saved


def _run(argv: list[str], running: _Running) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    running.command = args.command or ""
    _check_text_arguments(args)
    session = Session(args)
    try:
        handler = COMMANDS[args.command].run if args.command else app.run_board
        return handler(args, session)
    finally:
        session.close()


def main(argv: list[str] | None = None) -> int:
    """Run ``careterm`` with ``argv`` (default: the process's arguments); return the exit code."""
    running = _Running()
    with _no_tracebacks(running, for_good=argv is None):
        return _main(sys.argv[1:] if argv is None else list(argv), running)


def _main(argv: list[str], running: _Running) -> int:
    try:
        return _run(argv, running)
    except CaretermError as exc:
        notice(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        notice("interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (``careterm list | head``): stop quietly.
        with contextlib.suppress(Exception):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:
        # The disk or the file system refused (a home we may not write, …).
        place = f"{exc.filename}: " if exc.filename else ""
        notice(f"{place}{exc.strerror or exc}")
        return 1
    except Exception as exc:
        # A bug, or a hostile file that broke something below: the type and the
        # command only. The message and the traceback may quote report text.
        _say(running.unexpected(type(exc)))
        return 1
