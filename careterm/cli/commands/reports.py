"""Reports: capture, list, show, acknowledge, note, update, status and import.

Each is a thin layer over :mod:`careterm.actions.incidents`; ``capture``
checks the answers before asking for the passphrase. ``capture`` prints the
new id and nothing else, so scripts can use it. ``show`` prints the text of
:func:`careterm.views.detail.detail_lines` (the incident screen shows the same
answers), or with ``--json`` the record of :mod:`careterm.views.records`.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.actions.importer import parse_marks, parse_support, read_import
from careterm.actions.incidents import CAPTURE_OPTIONS
from careterm.cli.commands import choices, command
from careterm.cli.commands.casework import warn_unknown_members
from careterm.cli.output import fit, notice, out, table
from careterm.cli.session import Session
from careterm.core import casework, clock
from careterm.core.model import Incident
from careterm.core.related import Links
from careterm.core.settings import TeamSettings
from careterm.core.stages import STAGE_WORDS, overdue_count, stage_level, stage_of
from careterm.core.textsafe import safe_json
from careterm.core.triage import AckLevel, board_header, board_order, format_age
from careterm.core.validate import same_person_key
from careterm.core.vocabulary import (
    ACK_VIA,
    FIELD_LABELS,
    ONGOING,
    SOURCES,
    STATUSES,
    SUPPORT_KINDS,
    SUPPORT_STATES,
    URGENCIES,
    WISHES,
)
from careterm.errors import InvalidInput
from careterm.views.detail import detail_lines, moment
from careterm.views.records import incident_to_dict


def _add_report_options(parser: argparse.ArgumentParser, *, update: bool = False) -> None:
    """The capture options (``update`` takes the same, all optional)."""
    parser.add_argument("--what", metavar="TEXT", required=not update,
                        help="what happened (the one required answer)")
    parser.add_argument("--who", metavar="TEXT", help="who was involved")
    parser.add_argument("--when", metavar="TEXT",
                        help="when, as said: '10 min ago', '14:30', 'yesterday 21:00'")
    parser.add_argument("--where", metavar="TEXT", help="where it happened")
    parser.add_argument("--ongoing", metavar=choices(ONGOING),
                        help="is it still going on ('unknown': the reporter does not know; "
                             "leave it out when nobody asked)")
    parser.add_argument("--contact", metavar="TEXT", help="how to reach the reporter")
    parser.add_argument("--reporter", metavar="TEXT", help="the reporter's name")
    parser.add_argument("--source", metavar=choices(SOURCES), help="how the report came in")
    parser.add_argument("--relayed-by", metavar="NAME", dest="relayed_by",
                        help="who passed the report on (until a conversation with the "
                             "reporter is recorded, the report says to meet them first)")
    parser.add_argument("--wishes", metavar=choices(WISHES),
                        help="what the reporter wants done (a conversation with the reported "
                             "person or a resolution against it needs --force)")
    parser.add_argument("--urgency", metavar=choices(URGENCIES),
                        help="default medium; an ongoing report is at least high")
    parser.add_argument("--unknown", metavar="FIELD[,FIELD]", action="append",
                        help="the reporter does not know these answers")
    parser.add_argument("--declined", metavar="FIELD[,FIELD]", action="append",
                        help="the reporter chose not to answer these")
    parser.add_argument("--anonymous", action="store_true",
                        help="the reporter declined to give a name")
    parser.add_argument("--support", metavar="KIND=STATE", action="append",
                        help=f"support for the reporter; KIND {choices(SUPPORT_KINDS)}, "
                             f"STATE {choices(SUPPORT_STATES)}; repeatable")


def _report_options(args: argparse.Namespace
                    ) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """(fields given, marks, support) from the capture options."""
    fields = {name: getattr(args, name) for name in CAPTURE_OPTIONS
              if getattr(args, name, None) is not None}
    marks = parse_marks(args.unknown, args.declined, args.anonymous)
    return fields, marks, parse_support(args.support)


def _ack_cell(incident: Incident, now: datetime, settings: TeamSettings) -> str:
    """The stage cell in plain text: ``unacked 3m``, ``review 13h05m !`` (past the
    stage's target), ``!!`` past twice it; ``acked``/``informed`` with no clock."""
    stage = stage_of(incident, settings)
    if stage is None:
        if not incident.is_open:
            return "-"
        return "informed" if incident.status == "informed" else "acked"
    cell = f"{STAGE_WORDS[stage.name]} {format_age(stage.waited(now))}"
    level = stage_level(incident, stage, now)
    return cell + {AckLevel.ALERT: " !!", AckLevel.WARNING: " !"}.get(level, "")


@command("capture", "record a new report; prints its id", _add_report_options)
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
    parser.add_argument("--mine", action="store_true",
                        help="only the reports you own ('careterm assign')")


@command("list", "open reports in board order", _list_arguments)
def cmd_list(args: argparse.Namespace, session: Session) -> int:
    """The board as a table, or as JSON."""
    store = session.store()
    now = clock.now()
    settings = store.team_settings()
    # Read through the session: reports this member is recused from are stubs.
    everything = list(session.incidents().values())
    shown = board_order([i for i in everything if args.all or i.is_open])
    if args.mine:
        mine = same_person_key(store.member)
        shown = [i for i in shown if same_person_key(casework.owner(i) or "") == mine]
    if args.json:
        seen = casework.screen_recused(store.incidents(), store.member)  # links both ways
        links = Links(seen)
        out(safe_json([incident_to_dict(i, now, others=links, settings=settings)
                       for i in shown], indent=2))
        return 0
    out(board_header(everything, overdue_count(everything, settings, now)))
    if not shown:
        out(("no reports" if args.all else "no open reports") + (" of yours" if args.mine else ""))
        return 0
    rows = [[i.id, fit(i.urgency, 10), fit(i.status, 12), _ack_cell(i, now, settings),
             format_age(now - i.created_at) if i.created_at else "",
             fit(i.where or "", 16), fit(casework.RECUSED_ROW if i.recused else i.what, 40),
             fit(i.created_by or "", 16)]
            for i in shown]
    for line in table(["ID", "URGENCY", "STATUS", "STAGE", "AGE", "WHERE", "WHAT", "BY"],
                      rows):
        out(line)
    return 0


def _show_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    parser.add_argument("--reveal", action="store_true",
                        help="show a report you are recused from in full (recorded in its "
                             "timeline)")


@command("show", "every detail of one report, its timeline and history", _show_arguments)
def cmd_show(args: argparse.Namespace, session: Session) -> int:
    """One report in full."""
    store = session.store()
    incident = session.incident(args.id)  # a stub when this member is recused
    if args.reveal and incident.recused:
        casework_actions.reveal(store, incident.id)
        incident = store.get(incident.id)
        notice(f"warning: you are recused from {incident.id}; revealing it is recorded in "
               "its timeline")
    elif args.reveal:
        notice(f"{incident.id}: you are not recused from it; nothing to reveal")
    now = clock.now()
    # The other reports as this member may see them: related reports and links.
    seen = casework.screen_recused(store.incidents(), store.member)
    if args.json:
        out(safe_json(incident_to_dict(incident, now, detail=True, others=seen,
                                       settings=store.team_settings()), indent=2))
    else:
        out("\n".join(detail_lines(incident, now, store.team_settings(), seen)))
    conflict = casework.member_conflict_warning(incident, store.member)
    if conflict:
        notice("warning: " + conflict)
    return 0


def _ack_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--via", metavar=choices(ACK_VIA),
                        help="how the acknowledgement reached the reporter")
    parser.add_argument("--consulted", metavar="NAME[,NAME]",
                        help="the members you consulted before acknowledging")


@command("ack", "record that the reporter was told their report arrived", _ack_arguments)
def cmd_ack(args: argparse.Namespace, session: Session) -> int:
    """Acknowledge; an earlier acknowledgement stands and is only reported."""
    store = session.store()
    incident = store.get(args.id)
    via = args.via.strip().lower() if args.via else None
    if incidents.acknowledge(store, incident.id, via, consulted=args.consulted):
        warn_unknown_members(session, args.consulted, "consulted")
        out(f"{incident.id} acknowledged")
        return 0
    incident = store.get(incident.id)
    notice(f"{incident.id} was already acknowledged by {incident.acknowledged_by or '?'} "
           f"({moment(incident.acknowledged_at, clock.now())}); nothing changed")
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
    parser.add_argument("--status", metavar=choices(STATUSES), help="move it on in the workflow")
    parser.add_argument("--reason", metavar="TEXT",
                        help="with --status closed: why it closes without a resolution told "
                             "to the reporter (recorded in the timeline)")


@command("update", "change answers of a report (old values stay in its history)",
         _update_arguments)
def cmd_update(args: argparse.Namespace, session: Session) -> int:
    """Change fields; an empty value (``--who ''``) clears an answer."""
    fields, marks, support = _report_options(args)
    for kind, state in support.items():
        fields[f"support_{kind}"] = state
    if args.status is not None:
        fields["status"] = args.status
    if args.reason is not None and args.status is None:
        raise InvalidInput("--reason goes with --status (why the report closes without a "
                           "resolution told to the reporter)")
    if not fields and not marks:
        raise InvalidInput("nothing to change: give an option such as --where or --status")
    store = session.store()
    incident = store.get(args.id)
    changed = incidents.update(store, incident.id, marks=marks or None, reason=args.reason,
                               **fields)
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


def _status_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("status_name", metavar=choices(STATUSES))
    parser.add_argument("--reason", metavar="TEXT",
                        help="why it closes without a resolution told to the reporter "
                             "(recorded in the timeline)")


@command("status", "move a report on in the workflow (or back to in-review)",
         _status_arguments)
def cmd_status(args: argparse.Namespace, session: Session) -> int:
    """Change the status under the workflow rules."""
    store = session.store()
    incident = store.get(args.id)
    if incidents.change_status(store, incident.id, args.status_name, reason=args.reason):
        out(f"{incident.id} is now {store.get(incident.id).status}")
    else:
        notice(f"{incident.id} already is {incident.status}; nothing changed")
    return 0
