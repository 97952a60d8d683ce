"""Records: the written record of one report, the transparency report, backup and restore.

The text comes from :mod:`careterm.views` (the export, the anonymised report)
and the files from :mod:`careterm.store.backup`; a backup is encrypted under the
same passphrase and a restore is verified before anything changes.
"""

from __future__ import annotations

import argparse
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
