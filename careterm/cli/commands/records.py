"""Records: the written record of one report, the transparency report, backup and restore.

The text comes from :mod:`careterm.views` (the export, the anonymised report)
and the files from :mod:`careterm.store.backup`; a backup is encrypted under the
same passphrase and a restore is verified before anything changes.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from careterm.cli.commands import command
from careterm.cli.output import out
from careterm.cli.session import Session, read_passphrase
from careterm.core import clock
from careterm.core.textsafe import visible
from careterm.errors import InvalidInput
from careterm.store.backup import restore_backup, write_backup
from careterm.views.export import export_markdown
from careterm.views.report import render_json, render_markdown, transparency_report


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--format", choices=["md"], default="md")


@command("export", "the full written record of one report (Markdown)", _export_arguments)
def cmd_export(args: argparse.Namespace, session: Session) -> int:
    """The written record for the review meeting."""
    incident = session.incident(args.id)  # a stub when this member is recused
    out(export_markdown(incident, clock.now()).rstrip("\n"))
    return 0


def _report_date(text: str) -> date:
    """A day as ``YYYY-MM-DD`` (argparse type)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2027-06-02") from None


def _report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=["md", "json"], default="md")
    parser.add_argument("--from", metavar="DATE", dest="start", type=_report_date,
                        help="first day (YYYY-MM-DD; default: the event's first day from "
                             "'careterm settings', else every report)")
    parser.add_argument("--to", metavar="DATE", dest="end", type=_report_date,
                        help="last day, included (default: the event's last day)")


@command("report", "the anonymised transparency report", _report_arguments)
def cmd_report(args: argparse.Namespace, session: Session) -> int:
    """Counts only: no names, contacts, free text, places or exact times. Scoped to the
    event's dates (team settings) unless --from/--to say otherwise."""
    store = session.store()
    start, end = args.start, args.end
    if start is None and end is None:
        settings = store.team_settings()
        start, end = settings.event_start, settings.event_end
    if start and end and start > end:
        raise InvalidInput(f"report: --from {start} is after --to {end}")
    figures = transparency_report(store.incidents(), clock.now(), start=start, end=end)
    rendered = render_json(figures) if args.format == "json" else render_markdown(figures)
    out(rendered.rstrip("\n"))
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
