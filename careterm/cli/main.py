"""The ``careterm`` command line: parse the arguments, call the core, format the result.

No rule lives here: capture, update, acknowledgement and notes are the
functions of :mod:`careterm.actions.incidents` that every screen calls too. Each
subcommand is one small handler registered with :func:`command`, together
with a function that adds its arguments; later issues add subcommands the
same way (the order of registration is the order in ``--help``).

Everything a user typed is printed through :func:`careterm.core.textsafe.visible`
(tables, details) or :func:`careterm.core.textsafe.safe_json` (``--json``), so
markup and escape sequences in a report are shown, never acted on. Every
:class:`~careterm.errors.CaretermError` becomes one line on stderr and its
exit code; usage errors exit 2; Ctrl-C exits 130; none shows a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import importlib
import os
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn, TextIO

from careterm import __version__
from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.actions.importer import parse_marks, parse_support, read_import
from careterm.actions.incidents import CAPTURE_OPTIONS
from careterm.core import casework, clock, vocabulary
from careterm.core.model import Incident
from careterm.core.textsafe import has_invalid_utf8, safe_json, visible
from careterm.core.timeline import describe_value, timeline_entries
from careterm.core.triage import (
    AckLevel,
    ack_level,
    board_header,
    board_order,
    format_age,
    waiting_for,
)
from careterm.core.validate import clean_text
from careterm.core.vocabulary import (
    ACK_VIA,
    FIELD_LABELS,
    ONGOING,
    SOURCE_LABELS,
    SOURCES,
    STATUSES,
    SUPPORT_KINDS,
    SUPPORT_LABELS,
    SUPPORT_STATES,
    URGENCIES,
)
from careterm.core.whentext import describe_when
from careterm.errors import CaretermError, InvalidInput, NoStore, StoreExists
from careterm.store.backup import restore_backup, write_backup
from careterm.store.store import Store, default_home, has_store
from careterm.team import keys
from careterm.views.export import export_markdown
from careterm.views.records import incident_to_dict
from careterm.views.report import render_json, render_markdown, transparency_report

PASSPHRASE_ENV = "CARETERM_PASSPHRASE"
"""Environment variable the passphrase is read from (else a prompt without echo)."""


DEMO_MAX_INCIDENTS = 10_000


PATH_DESTS = frozenset({"home", "shared", "file"})
"""Arguments that are file names: any bytes the file system allows are fine there."""


class UsageError(InvalidInput):
    """The command line itself is wrong (unknown option, missing argument…)."""


def _write(stream: TextIO, text: str) -> None:
    try:
        stream.write(text + "\n")
    except UnicodeEncodeError:
        # A terminal that is not UTF-8: show escapes rather than fail.
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write((text + "\n").encode(encoding, "backslashreplace").decode(encoding))


def out(text: str) -> None:
    """A line of results on stdout (callers pass text already made visible)."""
    _write(sys.stdout, text)


def notice(text: str) -> None:
    """A one-line message for the person at the terminal, on stderr."""
    _write(sys.stderr, f"careterm: {visible(text, one_line=True)}")


def read_passphrase(*, new: bool = False, prompt: str = "careterm passphrase") -> str:
    """The team passphrase from ``$CARETERM_PASSPHRASE`` or a prompt without echo.

    ``new`` (creating a store) asks twice and refuses an empty passphrase.
    """
    passphrase = None if prompt != "careterm passphrase" else os.environ.get(PASSPHRASE_ENV)
    if passphrase is None:
        try:
            passphrase = getpass.getpass(f"{prompt}: ")
            if new and getpass.getpass("the same passphrase again: ") != passphrase:
                raise InvalidInput("the two passphrases differ; nothing was created")
        except EOFError:
            raise InvalidInput(f"no passphrase given (type it at the prompt or set "
                               f"{PASSPHRASE_ENV})") from None
    if has_invalid_utf8(passphrase):
        raise InvalidInput("the passphrase is not valid UTF-8 text")
    if new and not passphrase:
        raise InvalidInput("the passphrase is empty; choose a passphrase for the team")
    return passphrase


class Session:
    """What one command run needs: the parsed arguments, the home, the store once opened."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.home = Path(args.home).expanduser() if args.home else default_home()
        self._store: Store | None = None

    def store(self) -> Store:
        """The unlocked store (asks for the passphrase the first time)."""
        if self._store is None:
            if not has_store(self.home):
                raise NoStore(self.home)
            self._store = keys.unlock(self.home, read_passphrase())
        return self._store

    def adopt(self, store: Store) -> None:
        """Use a store this command created (closed at the end like an opened one)."""
        self._store = store

    def close(self) -> None:
        """Close the store, dropping decrypted data and keys."""
        if self._store is not None:
            self._store.close()
            self._store = None


Handler = Callable[[argparse.Namespace, Session], int]


Configure = Callable[[argparse.ArgumentParser], None]


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, one-line help, its arguments and its handler."""

    name: str
    help: str
    configure: Configure
    run: Handler


COMMANDS: dict[str, Command] = {}
"""Every subcommand by name, in the order they are listed in ``--help``."""


def command(name: str, help: str, configure: Configure | None = None
            ) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``careterm NAME``."""
    def register(run: Handler) -> Handler:
        COMMANDS[name] = Command(name, help, configure or (lambda parser: None), run)
        return run
    return register


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are one line and exit code 2 through :func:`main`."""

    def error(self, message: str) -> NoReturn:
        where = self.prog.removeprefix("careterm").strip()
        hint = f"careterm {where} --help" if where else "careterm --help"
        prefix = f"{where}: " if where else ""
        raise UsageError(f"{prefix}{message} (see '{hint}')")


def _choices(values: tuple[str, ...]) -> str:
    return "{" + ",".join(values) + "}"


def parse_duration(text: str) -> int:
    """``30s``, ``5m``, ``1h`` or plain seconds → seconds (argparse type)."""
    match = re.fullmatch(r"\s*(\d{1,6})\s*(s|sec|secs|m|min|mins|h|hr|hrs)?\s*", text.lower())
    if not match or int(match[1]) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 30s, 5m or 1h")
    unit = (match[2] or "s")[0]
    return int(match[1]) * {"s": 1, "m": 60, "h": 3600}[unit]


def _incident_count(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= DEMO_MAX_INCIDENTS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number from 1 to {DEMO_MAX_INCIDENTS:,}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """The full parser: global options, then one subparser per registered command."""
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


def _add_report_options(parser: argparse.ArgumentParser, *, update: bool = False) -> None:
    """The capture options (``update`` takes the same, all optional)."""
    parser.add_argument("--what", metavar="TEXT", required=not update,
                        help="what happened (the one required answer)")
    parser.add_argument("--who", metavar="TEXT", help="who was involved")
    parser.add_argument("--when", metavar="TEXT",
                        help="when, as said: '10 min ago', '14:30', 'yesterday 21:00'")
    parser.add_argument("--where", metavar="TEXT", help="where it happened")
    parser.add_argument("--ongoing", metavar=_choices(ONGOING), help="is it still going on")
    parser.add_argument("--contact", metavar="TEXT", help="how to reach the reporter")
    parser.add_argument("--reporter", metavar="TEXT", help="the reporter's name")
    parser.add_argument("--source", metavar=_choices(SOURCES), help="how the report came in")
    parser.add_argument("--urgency", metavar=_choices(URGENCIES),
                        help="default medium; an ongoing report is at least high")
    parser.add_argument("--unknown", metavar="FIELD[,FIELD]", action="append",
                        help="the reporter does not know these answers")
    parser.add_argument("--declined", metavar="FIELD[,FIELD]", action="append",
                        help="the reporter chose not to answer these")
    parser.add_argument("--anonymous", action="store_true",
                        help="the reporter declined to give a name")
    parser.add_argument("--support", metavar="KIND=STATE", action="append",
                        help=f"support for the reporter; KIND {_choices(SUPPORT_KINDS)}, "
                             f"STATE {_choices(SUPPORT_STATES)}; repeatable")


def _report_options(args: argparse.Namespace
                    ) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """(fields given, marks, support) from the capture options."""
    fields = {name: getattr(args, name) for name in CAPTURE_OPTIONS
              if getattr(args, name, None) is not None}
    marks = parse_marks(args.unknown, args.declined, args.anonymous)
    return fields, marks, parse_support(args.support)


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


def _optional_module(name: str, feature: str) -> ModuleType:
    """Import a part of careterm that may not be installed in this version."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise CaretermError(f"{feature} is not available in this version of careterm") from None


def _cell_width(text: str) -> int:
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _fit(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` terminal cells with an ellipsis."""
    text = visible(text, one_line=True)
    if _cell_width(text) <= width:
        return text
    kept, used = [], 0
    for ch in text:
        size = _cell_width(ch)
        if used + size > width - 1:
            break
        kept.append(ch)
        used += size
    return "".join(kept) + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _cell_width(text))


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max([_cell_width(h)] + [_cell_width(r[i]) for r in rows])
              for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in rows]
    return lines


def _ack_cell(incident: Incident, now: datetime, target: timedelta) -> str:
    if incident.acknowledged:
        return "acked"
    if not incident.is_open:
        return "-"
    cell = f"unacked {format_age(waiting_for(incident, now))}"
    level = ack_level(incident, now, target)
    return cell + {AckLevel.ALERT: " !!", AckLevel.WARNING: " !"}.get(level, "")


def _moment(at: datetime | None, now: datetime) -> str:
    return describe_when(at, now) if at else "(time unknown)"


def _field_text(incident: Incident, name: str) -> str:
    if name in incident.marks:
        return visible(f"({incident.marks[name]})")
    value = getattr(incident, name)
    if value in (None, ""):
        return "(empty)"
    if name == "source":
        value = SOURCE_LABELS.get(value, value)
    return visible(str(value))


def _labelled(label: str, text: str, width: int = 18) -> list[str]:
    first, *rest = text.split("\n")
    return [f"{label + ':':<{width}}{first}"] + [" " * width + line for line in rest]


def describe_incident(incident: Incident, now: datetime, target: timedelta) -> list[str]:
    """``careterm show``: every field, what is missing, the timeline and the history."""
    if incident.acknowledged:
        ack = "acknowledged"
    elif incident.is_open:
        ack = f"unacknowledged for {format_age(waiting_for(incident, now))}"
        ack += f" (target {format_age(target)})"
    else:
        ack = "never acknowledged"
    # Urgency and status may come from another laptop's newer careterm: show them safely too.
    head = f"{incident.id} · {incident.urgency} · {incident.status} · {ack}"
    lines = [visible(head, one_line=True), ""]
    lines += _labelled(FIELD_LABELS["what"], visible(incident.what))
    lines += _labelled(FIELD_LABELS["who"], _field_text(incident, "who"))
    when = _field_text(incident, "when_text")
    if incident.when:
        when += f"  ({describe_when(incident.when, now)})"
    elif incident.when_text:
        when += "  (time not understood; kept as typed)"
    lines += _labelled("when", when)
    for name in ("where", "ongoing", "contact", "reporter", "source"):
        lines += _labelled(FIELD_LABELS[name], _field_text(incident, name))
    if incident.support:
        support = ", ".join(f"{SUPPORT_LABELS.get(kind, kind)}: {state}"
                            for kind, state in incident.support.items())
        lines += _labelled("support", visible(support))
    lines += _labelled("captured", f"{_moment(incident.created_at, now)} by "
                       f"{visible(incident.created_by or '(unknown)', one_line=True)}")
    if incident.acknowledged:
        via = (f" ({visible(incident.acknowledged_via, one_line=True)})"
               if incident.acknowledged_via else "")
        lines += _labelled("acknowledged", f"{_moment(incident.acknowledged_at, now)} by "
                           f"{visible(incident.acknowledged_by or '', one_line=True)}{via}")
    missing = incident.missing()
    lines += _labelled("missing", ", ".join(
        f"{'when' if name == 'when_text' else name} ({why})" for name, why in missing.items()
    ) if missing else "nothing")
    lines += _casework_lines(incident)
    lines += ["", "timeline"]
    for entry in timeline_entries(incident):
        text = entry["text"]
        if entry["kind"] == "note":
            text = "note: " + text
        head = f"  {_moment(entry.get('at'), now)}  {visible(entry['by'], one_line=True)}  "
        body = visible(text).split("\n")
        lines.append(head + body[0])
        lines += ["      " + line for line in body[1:]]
    changed = {name: values for name, values in incident.history.items()
               if len(values) > 1 and name not in ("when", "created_at", "created_by")}
    if changed:
        lines += ["", "history of changed answers (oldest first, the last is current)"]
        for name, values in changed.items():
            lines.append(f"  {visible(FIELD_LABELS.get(name, name), one_line=True)}")
            for value in values:
                shown = visible(describe_value(name, value.value), one_line=True)
                lines.append(f"    {_moment(value.at, now)}  "
                             f"{visible(value.by, one_line=True)}  {shown}")
    return lines


def _casework_lines(incident: Incident) -> list[str]:
    """The casework part of ``careterm show``: only what has been recorded, warnings first."""
    lines: list[str] = []
    for warning in casework.incident_warnings(incident):
        lines += _labelled("WARNING", visible(warning, one_line=True))
    category = casework.category(incident)
    if category:
        lines += _labelled("category", vocabulary.CATEGORY_LABELS.get(category, category))
    review = casework.review(incident)
    if any(review.get(k) for k in vocabulary.REVIEW_FIELDS):
        violation = review.get("violation")
        parts = [vocabulary.VIOLATION_LABELS.get(violation, "violation not decided")
                 if violation else "violation not decided"]
        if review.get("actors"):
            parts.append("acted badly: " + ", ".join(review["actors"]))
        lines += _labelled("review", visible("; ".join(parts), one_line=True))
        for key in ("finding", "reason"):
            if review.get(key):
                lines += _labelled(f"  {key}", visible(str(review[key])))
    resolutions = casework.resolution_list(incident)
    if resolutions:
        lines += _labelled("resolution", visible("; ".join(
            r["label"] + (f": {r['text']}" if r.get("text") else "") for r in resolutions),
            one_line=True))
    for conversation in casework.conversations(incident):
        lines += _labelled("conversation", visible(
            f"with {conversation.get('with')} ({conversation.get('kind')}); members: "
            f"{', '.join(conversation.get('members') or [])}", one_line=True))
    for conflict in casework.conflicts_for(incident):
        lines += _labelled("conflict", visible(
            f"{conflict.get('member')}: {conflict.get('reason')}", one_line=True))
    if casework.needs_informing(incident):
        lines += _labelled("reporter", "NOT YET INFORMED of the resolution")
    for informed in casework.informed_records(incident):
        lines += _labelled("informed", visible(
            f"{informed.get('how')} by {informed.get('by')}", one_line=True))
    statement = casework.statement(incident)
    if statement:
        lines += _labelled("statement", visible(str(statement.get("level")), one_line=True))
    return lines


def _init_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--member", metavar="NAME", required=True,
                        help="your name, as the team knows you")
    parser.add_argument("--team", metavar="NAME", default="", help="the team's name")
    parser.add_argument("--shared", metavar="DIR",
                        help="also set up this shared folder for the team's sync")


@command("init", "create the encrypted store on this laptop", _init_arguments)
def cmd_init(args: argparse.Namespace, session: Session) -> int:
    """Create the store (asks the passphrase twice when prompting)."""
    member = clean_text(args.member, "member")
    if not member:
        raise InvalidInput("member: give your name")
    team = clean_text(args.team, "team") or ""
    if has_store(session.home):
        raise StoreExists(session.home)
    store = Store.create(session.home, read_passphrase(new=True), member=member, team=team)
    session.adopt(store)
    home = visible(str(session.home), one_line=True)
    if args.shared:
        sync = _optional_module("careterm.team.sync", "sync")
        try:
            sync.init_shared(store, Path(args.shared))
        except CaretermError as exc:
            failure = CaretermError(f"{exc} (the store in {home} was created, the shared "
                                    "folder was not set up)")
            failure.exit_code = exc.exit_code
            raise failure from exc
    out(f"created the encrypted store in {home} for {visible(member, one_line=True)}")
    if args.shared:
        out(f"shared folder for the team: {visible(args.shared, one_line=True)}")
    return 0


def _capture_arguments(parser: argparse.ArgumentParser) -> None:
    _add_report_options(parser)


@command("capture", "record a new report; prints its id", _capture_arguments)
def cmd_capture(args: argparse.Namespace, session: Session) -> int:
    """Capture one report: its id on stdout and nothing else."""
    fields, marks, support = _report_options(args)
    what = fields.pop("what")
    # Check the answers before asking for the passphrase.
    incidents.prepare_capture(what, marks=marks or None, support=support or None, **fields)
    captured = incidents.capture(session.store(), what, marks=marks or None,
                                 support=support or None, **fields)
    for text in captured.notices:
        notice(text)
    out(captured.id)
    return 0


def _list_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.add_argument("--all", action="store_true", help="include closed reports")


@command("list", "open reports in board order", _list_arguments)
def cmd_list(args: argparse.Namespace, session: Session) -> int:
    """The board as a table, or as JSON."""
    store = session.store()
    now = clock.now()
    everything = list(store.incidents().values())
    shown = board_order([i for i in everything if args.all or i.is_open])
    if args.json:
        out(safe_json([incident_to_dict(i, now) for i in shown], indent=2))
        return 0
    out(board_header(everything))
    if not shown:
        out("no reports" if args.all else "no open reports")
        return 0
    target = store.ack_target()
    rows = [[i.id, _fit(i.urgency, 10), _fit(i.status, 12), _ack_cell(i, now, target),
             format_age(now - i.created_at) if i.created_at else "",
             _fit(i.where or "", 16), _fit(i.what, 40), _fit(i.created_by or "", 16)]
            for i in shown]
    for line in _table(["ID", "URGENCY", "STATUS", "ACK", "AGE", "WHERE", "WHAT", "BY"],
                       rows):
        out(line)
    return 0


def _show_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--json", action="store_true", help="print a JSON object")


@command("show", "every detail of one report, its timeline and history", _show_arguments)
def cmd_show(args: argparse.Namespace, session: Session) -> int:
    """One report in full."""
    store = session.store()
    incident = store.get(args.id)
    now = clock.now()
    if args.json:
        out(safe_json(incident_to_dict(incident, now, detail=True), indent=2))
    else:
        out("\n".join(describe_incident(incident, now, store.ack_target())))
    conflict = casework.member_conflict_warning(incident, store.member)
    if conflict:
        notice("warning: " + conflict)
    return 0


def _ack_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--via", metavar=_choices(ACK_VIA),
                        help="how the acknowledgement reached the reporter")


@command("ack", "record that the reporter was told their report arrived", _ack_arguments)
def cmd_ack(args: argparse.Namespace, session: Session) -> int:
    """Acknowledge; an earlier acknowledgement stands and is only reported."""
    store = session.store()
    incident = store.get(args.id)
    via = args.via.strip().lower() if args.via else None
    if incidents.acknowledge(store, incident.id, via):
        out(f"{incident.id} acknowledged")
        return 0
    incident = store.get(incident.id)
    notice(f"{incident.id} was already acknowledged by {incident.acknowledged_by or '?'} "
           f"({_moment(incident.acknowledged_at, clock.now())}); nothing changed")
    return 0


def _note_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("text", metavar="TEXT", nargs="+",
                        help="the note (several words are joined with spaces)")


@command("note", "add a note to a report's timeline", _note_arguments)
def cmd_note(args: argparse.Namespace, session: Session) -> int:
    """Add a note."""
    store = session.store()
    incident = store.get(args.id)
    incidents.add_note(store, incident.id, " ".join(args.text))
    out(f"note added to {incident.id}")
    return 0


def _update_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    _add_report_options(parser, update=True)
    parser.add_argument("--status", metavar=_choices(STATUSES), help="move it on in the workflow")


@command("update", "change answers of a report (old values stay in its history)",
         _update_arguments)
def cmd_update(args: argparse.Namespace, session: Session) -> int:
    """Change fields; an empty value (``--who ''``) clears an answer."""
    fields, marks, support = _report_options(args)
    for kind, state in support.items():
        fields[f"support_{kind}"] = state
    if args.status is not None:
        fields["status"] = args.status
    if not fields and not marks:
        raise InvalidInput("nothing to change: give an option such as --where or --status")
    store = session.store()
    incident = store.get(args.id)
    changed = incidents.update(store, incident.id, marks=marks or None, **fields)
    if not changed:
        notice(f"{incident.id}: nothing changed (it already had those answers)")
        return 0
    ongoing_now = str(fields.get("ongoing") or "").strip().lower() == "yes"
    if ongoing_now and "urgency" not in fields and "urgency" in changed:
        notice("urgency raised to high because it is ongoing")
    labels = [FIELD_LABELS.get(name, name) for name in changed]
    out(f"{incident.id} updated: {', '.join(labels)}")
    return 0


def _import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a CSV file with a header row, or JSON Lines")
    parser.add_argument("--dry-run", action="store_true",
                        help="check every row and say how many would be imported; save nothing")


@command("import", "many reports at once from CSV or JSON Lines (all or nothing)",
         _import_arguments)
def cmd_import(args: argparse.Namespace, session: Session) -> int:
    """Validate every row first, then store them all in one write."""
    rows = read_import(Path(args.file), name=args.file)
    raised = sum(1 for row in rows if row.capture.raised)
    count = f"{len(rows)} report{'' if len(rows) == 1 else 's'}"
    if args.dry_run:
        out(f"{count} would be imported (dry run: nothing was saved)")
        return 0
    if rows:
        incidents.capture_many(session.store(), [row.capture for row in rows])
    if raised:
        notice(f"urgency raised to high for {raised} ongoing report"
               f"{'' if raised == 1 else 's'}")
    out(f"imported {count}")
    return 0


def _join_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--member", metavar="NAME", required=True,
                        help="your name, as the team knows you")
    parser.add_argument("--shared", metavar="DIR", required=True,
                        help="the team's shared folder")


@command("join", "join a team through its shared folder", _join_arguments)
def cmd_join(args: argparse.Namespace, session: Session) -> int:
    """Create this laptop's store from the team's shared folder."""
    member = clean_text(args.member, "member")
    if not member:
        raise InvalidInput("member: give your name")
    if has_store(session.home):
        raise StoreExists(session.home)
    sync = _optional_module("careterm.team.sync", "sync")
    joined = sync.join(session.home, Path(args.shared), member, read_passphrase())
    if isinstance(joined, Store):
        session.adopt(joined)
    out(f"joined the team in {visible(args.shared, one_line=True)} as "
        f"{visible(member, one_line=True)}")
    return 0


@command("sync", "exchange changes with the team's shared folder")
def cmd_sync(args: argparse.Namespace, session: Session) -> int:
    """Publish this laptop's changes and merge everyone else's."""
    sync = _optional_module("careterm.team.sync", "sync")
    report = sync.sync(session.store())
    out("\n".join(visible(line) for line in report.lines()))
    return 0


def _id_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")


def _status_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("status_name", metavar=_choices(STATUSES))


@command("status", "move a report on in the workflow (or back to in-review)",
         _status_arguments)
def cmd_status(args: argparse.Namespace, session: Session) -> int:
    """Change the status under the workflow rules."""
    store = session.store()
    incident = store.get(args.id)
    if incidents.change_status(store, incident.id, args.status_name):
        out(f"{incident.id} is now {store.get(incident.id).status}")
    else:
        notice(f"{incident.id} already is {incident.status}; nothing changed")
    return 0


def _categorize_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("category", metavar=_choices(vocabulary.CATEGORIES))


@command("categorize", "set the report's category (for the transparency report)",
         _categorize_arguments)
def cmd_categorize(args: argparse.Namespace, session: Session) -> int:
    """Set the category."""
    store = session.store()
    incident = store.get(args.id)
    casework_actions.categorize(store, incident.id, args.category)
    out(f"{incident.id} category: {vocabulary.CATEGORY_LABELS[args.category.strip().lower()]}")
    return 0


def _review_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--finding", metavar="TEXT", help="what happened, as the team found")
    parser.add_argument("--violation", metavar=_choices(vocabulary.VIOLATIONS),
                        help="whether it is a Code of Conduct violation")
    parser.add_argument("--actor", metavar="TEXT", action="append", dest="actors",
                        help="who acted badly (repeatable)")
    parser.add_argument("--reason", metavar="TEXT", help="the team's reasoning")


@command("review", "fill in the review record from the team's meeting", _review_arguments)
def cmd_review(args: argparse.Namespace, session: Session) -> int:
    """Record the review; only the answers given change."""
    if all(getattr(args, k) is None for k in ("finding", "violation", "actors", "reason")):
        raise InvalidInput("nothing to record: give --finding, --violation, --actor or --reason")
    store = session.store()
    incident = store.get(args.id)
    changed = casework_actions.record_review(store, incident.id, finding=args.finding,
                                     violation=args.violation, actors=args.actors,
                                     reason=args.reason)
    out(f"{incident.id} review: " + (", ".join(changed) + " recorded" if changed
                                     else "nothing changed"))
    return 0


def _resolve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--resolution", metavar=_choices(vocabulary.RESOLUTIONS), action="append",
                        dest="resolutions", help="a resolution (repeatable)")
    parser.add_argument("--other", metavar="TEXT", help="text of an 'other' resolution")


@command("resolve", "record the resolution the team decided", _resolve_arguments)
def cmd_resolve(args: argparse.Namespace, session: Session) -> int:
    """Record the resolution(s); the report moves to decided."""
    if not args.resolutions and not args.other:
        raise InvalidInput("give at least one --resolution (or --other TEXT)")
    store = session.store()
    incident = store.get(args.id)
    names = casework_actions.record_resolution(store, incident.id, args.resolutions or [],
                                               args.other)
    labels = [vocabulary.RESOLUTION_LABELS.get(n, n) for n in names]
    out(f"{incident.id} resolution: {visible('; '.join(labels), one_line=True)}")
    return 0


def _conflict_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--member", metavar="NAME", help="who has the conflict (default: you)")
    parser.add_argument("--reason", metavar="TEXT", required=True, help="a short reason")


@command("conflict", "declare a conflict of interest on a report", _conflict_arguments)
def cmd_conflict(args: argparse.Namespace, session: Session) -> int:
    """Declare a conflict of interest."""
    store = session.store()
    incident = store.get(args.id)
    member = args.member or store.member
    casework_actions.declare_conflict(store, incident.id, member, args.reason)
    out(f"{incident.id}: conflict of interest recorded for {visible(member, one_line=True)}")
    return 0


def _conversation_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--with", metavar="TEXT", dest="with_whom", required=True,
                        help="with whom (the reporter, a witness, the reported person)")
    parser.add_argument("--members", metavar="NAME[,NAME]", required=True,
                        help="the CARE members present")
    parser.add_argument("--notes", metavar="TEXT", help="notes of the conversation")
    parser.add_argument("--kind", metavar=_choices(vocabulary.CONVERSATION_KINDS),
                        help="who they are (guessed from --with when not given)")
    parser.add_argument("--at", metavar="TEXT", help="when, e.g. '20 min ago' (default: now)")


@command("conversation", "record a conversation held for the case", _conversation_arguments)
def cmd_conversation(args: argparse.Namespace, session: Session) -> int:
    """Record a conversation; warnings (one member with the reported person…) go to stderr."""
    store = session.store()
    incident = store.get(args.id)
    warnings = casework_actions.record_conversation(store, incident.id, args.with_whom,
                                                    args.members,
                                            notes=args.notes, kind=args.kind, at=args.at)
    for warning in warnings:
        notice("warning: " + warning)
    out(f"{incident.id}: conversation recorded")
    return 0


def _inform_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--how", metavar="TEXT", required=True,
                        help="how the reporter was informed (in person, e-mail…)")
    parser.add_argument("--told", metavar="TEXT", help="what they were told")


@command("inform", "record that the reporter was informed of the resolution",
         _inform_arguments)
def cmd_inform(args: argparse.Namespace, session: Session) -> int:
    """Record informing the reporter."""
    store = session.store()
    incident = store.get(args.id)
    casework_actions.record_informed(store, incident.id, args.how, args.told)
    out(f"{incident.id}: reporter informed ({store.get(incident.id).status})")
    return 0


def _support_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("kind", metavar=_choices(SUPPORT_KINDS))
    parser.add_argument("state", metavar=_choices(vocabulary.SUPPORT_STATES))
    parser.add_argument("--notes", metavar="TEXT")


@command("support", "record support for the reporter (escort, friend, police)",
         _support_arguments)
def cmd_support(args: argparse.Namespace, session: Session) -> int:
    """Record a support step; never required."""
    store = session.store()
    incident = store.get(args.id)
    casework_actions.record_support(store, incident.id, args.kind, args.state, notes=args.notes)
    out(f"{incident.id}: {SUPPORT_LABELS.get(args.kind, args.kind)} {args.state}")
    return 0


def _unilateral_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--action", metavar="TEXT", required=True, help="what was done")
    parser.add_argument("--consulted", metavar="NAME",
                        help="whom you consulted (leave out if nobody could be reached)")


@command("unilateral", "record an urgent action one member took alone",
         _unilateral_arguments)
def cmd_unilateral(args: argparse.Namespace, session: Session) -> int:
    """Record a unilateral action."""
    store = session.store()
    incident = store.get(args.id)
    casework_actions.record_unilateral(store, incident.id, args.action, args.consulted)
    out(f"{incident.id}: unilateral action recorded")
    return 0


def _statement_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("level", metavar=_choices(vocabulary.STATEMENT_LEVELS))
    parser.add_argument("--text", metavar="TEXT", help="the statement")
    parser.add_argument("--members", metavar="NAME[,NAME]", help="who decided it together")


@command("statement", "record the team's decision on a public statement",
         _statement_arguments)
def cmd_statement(args: argparse.Namespace, session: Session) -> int:
    """Record the public statement decision."""
    store = session.store()
    incident = store.get(args.id)
    casework_actions.record_statement(store, incident.id, args.level, args.text, args.members)
    out(f"{incident.id}: public statement decision recorded ({args.level})")
    return 0


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--format", choices=["md"], default="md")


@command("export", "the full written record of one report (Markdown)", _export_arguments)
def cmd_export(args: argparse.Namespace, session: Session) -> int:
    """The written record for the review meeting."""
    incident = session.store().get(args.id)
    out(export_markdown(incident, clock.now()).rstrip("\n"))
    return 0


def _report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=["md", "json"], default="md")


@command("report", "the anonymised transparency report", _report_arguments)
def cmd_report(args: argparse.Namespace, session: Session) -> int:
    """Counts only: no names, contacts, free text, places or exact times."""
    figures = transparency_report(session.store().incidents(), clock.now())
    rendered = render_json(figures) if args.format == "json" else render_markdown(figures)
    out(rendered.rstrip("\n"))
    return 0


@command("passphrase", "change the team passphrase on this laptop (and the shared folder)")
def cmd_passphrase(args: argparse.Namespace, session: Session) -> int:
    """Re-wrap the data key under a new passphrase; the store is not rewritten."""
    if not has_store(session.home):
        raise NoStore(session.home)
    old = read_passphrase()
    new = os.environ.get("CARETERM_NEW_PASSPHRASE")
    if new is None:
        new = read_passphrase(new=True, prompt="new passphrase")
    elif not new:
        raise InvalidInput("the new passphrase is empty")
    lines = keys.change_passphrase_everywhere(session.home, old, new)
    for line in lines:
        out(visible(line, one_line=True))
    return 0


def _backup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE")


@command("backup", "write an encrypted backup of this laptop's store to one file",
         _backup_arguments)
def cmd_backup(args: argparse.Namespace, session: Session) -> int:
    """One encrypted file, the same passphrase."""
    path = Path(args.file)
    if path.exists() and path.is_dir():
        raise InvalidInput(f"{args.file} is a folder; give a file name")
    count = write_backup(session.store(), path)
    out(f"backup of {count} changes written to {visible(args.file, one_line=True)}")
    return 0


def _restore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--replace", action="store_true",
                        help="move another team's store aside (never deleted) and restore")


@command("restore", "restore an encrypted backup (verified before anything changes)",
         _restore_arguments)
def cmd_restore(args: argparse.Namespace, session: Session) -> int:
    """Restore: recreate, merge into the same store, or (with --replace) move aside."""
    result = restore_backup(session.home, Path(args.file), read_passphrase(),
                            replace=args.replace)
    if result.moved_aside is not None:
        out(f"the previous store was moved to {visible(str(result.moved_aside), one_line=True)}")
    verb = "restored" if result.created else "merged"
    out(f"{verb} {result.added} changes from {visible(args.file, one_line=True)}")
    return 0


@command("devices", "the team's laptops in the shared folder: tag, member, device id")
def cmd_devices(args: argparse.Namespace, session: Session) -> int:
    """List the laptops registered in the shared folder (reads only; nothing is written)."""
    sync = _optional_module("careterm.team.sync", "sync")
    now = clock.now()
    rows = [[_fit(device.tag, 4), _fit(device.member or "-", 24), device.device_id,
             _fit(device.status, 40),
             describe_when(device.last_wrote, now) if device.last_wrote else "never"]
            for device in sync.team_devices(session.store())]
    for line in _table(["TAG", "MEMBER", "DEVICE", "STATUS", "LAST WROTE"], rows):
        out(line)
    return 0


def _revoke_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("device", metavar="DEVICE",
                        help="the laptop's tag, device id, or its member's name "
                             "(see 'careterm devices')")


@command("revoke", "remove a member's laptop: a new key for everything written from now on",
         _revoke_arguments)
def cmd_revoke(args: argparse.Namespace, session: Session) -> int:
    """New key epoch without the laptop, new passphrase for joining; an honest note."""
    revoke = _optional_module("careterm.team.revoke", "revoke")
    sync = _optional_module("careterm.team.sync", "sync")
    store = session.store()
    revoke.resolve_device(sync.team_devices(store), args.device)  # before asking anything
    new = os.environ.get("CARETERM_NEW_PASSPHRASE")
    if new is None:
        new = read_passphrase(new=True, prompt="new team passphrase")
    elif not new:
        raise InvalidInput("the new passphrase is empty")
    result = revoke.revoke(store, args.device, new)
    for line in result.lines:
        out(visible(line, one_line=True))
    return 0


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--incidents", metavar="N", type=_incident_count, default=None,
                        help=f"how many made-up reports (1 to {DEMO_MAX_INCIDENTS:,})")


@command("demo", "try the board on made-up reports", _demo_arguments)
def cmd_demo(args: argparse.Namespace, session: Session) -> int:
    """The TUI on fictional data."""
    app = _optional_module("careterm.tui.app", "the board")
    kwargs: dict[str, Any] = {"lock_after": args.lock_after}
    if args.incidents is not None:
        kwargs["incidents"] = args.incidents
    return int(app.run_demo(**kwargs) or 0)


def run_board(args: argparse.Namespace, session: Session) -> int:
    """``careterm`` without a command: the TUI on this laptop's store."""
    app = _optional_module("careterm.tui.app", "the board")
    return int(app.run_app(session.home, lock_after=args.lock_after) or 0)


def _run(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    _check_text_arguments(args)
    session = Session(args)
    try:
        handler = COMMANDS[args.command].run if args.command else run_board
        return handler(args, session)
    finally:
        session.close()


def main(argv: list[str] | None = None) -> int:
    """Run ``careterm`` with ``argv`` (default: the process's arguments); return the exit code."""
    try:
        return _run(sys.argv[1:] if argv is None else list(argv))
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
