"""Records: the written record of one report, pseudonyms, handing every record over,
the transparency report, backup and restore.

The text comes from :mod:`careterm.views` (the export, the anonymised report)
and the files from :mod:`careterm.store.backup`; a backup is encrypted under the
same passphrase and a restore is verified before anything changes.

Issue 15: ``alias ID NAME PSEUDONYM`` gives a person in a report a pseudonym
(:mod:`careterm.actions.aliases`); ``export --pseudonymise`` shows it (and initials
for other names, bullets for contacts: :func:`careterm.views.privacy.pseudonymised`).
``export --all --to DIR`` writes every report as files to hand over
(:func:`careterm.views.export.export_bundle`, :func:`careterm.store.export_seal.write_folder`:
a new or empty folder only); with ``--encrypt-to PUBKEY`` one file sealed to the
recipient instead. ``open-export`` is the recipient's side: ``--new-key KEYFILE``
makes their key pair, ``FILE --key KEYFILE --to DIR`` opens an export. It needs no
careterm store.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from careterm import __version__
from careterm.actions.aliases import give_alias
from careterm.cli.commands import command
from careterm.cli.output import notice, out
from careterm.cli.session import Session, read_passphrase
from careterm.core import clock
from careterm.core.textsafe import safe_json, visible
from careterm.errors import InvalidInput
from careterm.store import export_seal
from careterm.store.backup import restore_backup, write_backup
from careterm.views.export import export_bundle, export_markdown
from careterm.views.privacy import pseudonymised
from careterm.views.records import incident_to_dict
from careterm.views.report import (
    render_json,
    render_markdown,
    transparency_report,
    withheld_notice,
    withheld_summaries,
)


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID", nargs="?",
                        help="the report (or --all for every report)")
    parser.add_argument("--all", action="store_true", dest="every",
                        help="every report, as files in a new folder (--to DIR)")
    parser.add_argument("--to", metavar="DIR", dest="destination",
                        help="with --all: a new or empty folder (with --encrypt-to: the "
                             "one file to write)")
    parser.add_argument("--format", choices=["md", "json"], default="md")
    parser.add_argument("--pseudonymise", "--pseudonymize", action="store_true",
                        help="pseudonyms the team gave (careterm alias) in place of names; "
                             "initials for other names, bullets for contacts")
    parser.add_argument("--encrypt-to", metavar="PUBKEY", dest="encrypt_to",
                        help="with --all: one file sealed to this public key (from "
                             "'careterm open-export --new-key') instead of clear files")


@command("export", "the written record of one report, or --all of them to hand over",
         _export_arguments)
def cmd_export(args: argparse.Namespace, session: Session) -> int:
    """The written record for the review meeting, or every record for a committee."""
    if args.every:
        return _export_all(args, session)
    if args.id is None:
        raise InvalidInput("export: give a report ID, or --all --to DIR")
    if args.destination or args.encrypt_to:
        raise InvalidInput("export: --to and --encrypt-to go with --all")
    incident = session.incident(args.id)  # a stub when this member is recused
    if args.pseudonymise:
        incident = pseudonymised(incident)
    if args.format == "json":
        record = incident_to_dict(incident, clock.now(), detail=True,
                                  settings=session.store().team_settings())
        out(safe_json(record, indent=2))
    else:
        out(export_markdown(incident, clock.now()).rstrip("\n"))
    return 0


def _export_all(args: argparse.Namespace, session: Session) -> int:
    """``export --all --to DIR``: the folder of files, or one sealed file."""
    if args.id is not None:
        raise InvalidInput("export: give a report ID or --all, not both")
    if not args.destination:
        raise InvalidInput("export --all: name where to write with --to DIR")
    target = Path(args.destination)
    recipient = export_seal.public_key(args.encrypt_to) if args.encrypt_to else None
    if recipient is None:
        export_seal.check_empty_folder(target)  # refused before the passphrase is asked
    elif target.exists():
        raise InvalidInput(f"{args.destination} exists; give a new file name (nothing was "
                           "written)")
    store = session.store()
    reports = list(session.incidents().values())
    files = export_bundle(reports, fmt=args.format, pseudonymise=args.pseudonymise,
                          team=str(store.meta.get("team") or ""), member=store.member,
                          tool=f"careterm {__version__}", now=clock.now(),
                          settings=store.team_settings())
    shown = visible(args.destination, one_line=True)
    plural = "s" if len(reports) != 1 else ""
    if recipient is not None:
        export_seal.write_sealed(target, files, recipient)
        out(f"{len(reports)} report{plural} sealed to that key in {shown} "
            "(open it with 'careterm open-export')")
    else:
        export_seal.write_folder(target, files)
        out(f"{len(reports)} report{plural} written to {shown} "
            f"({'pseudonymised, ' if args.pseudonymise else ''}NOT encrypted: see its README.md)")
    return 0


def _alias_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("name", metavar="NAME", help="the person's name, as in the report")
    parser.add_argument("pseudonym", metavar="PSEUDONYM",
                        help="what to show instead, e.g. 'Person A'")


@command("alias", "show a person in one report by a pseudonym (privacy mode, handover, "
         "export --pseudonymise)", _alias_arguments)
def cmd_alias(args: argparse.Namespace, session: Session) -> int:
    """Record a pseudonym; the real name stays in the record."""
    store = session.store()
    incident = store.get(args.id)
    changed = give_alias(store, incident.id, args.name, args.pseudonym)
    shown = visible(args.pseudonym.strip(), one_line=True)
    out(f"{incident.id}: that person is shown as {shown}" + ("" if changed else
                                                              " (already so)"))
    return 0


def _open_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", nargs="?", help="the sealed export")
    parser.add_argument("--key", metavar="KEYFILE", dest="key_file",
                        help="your private key file")
    parser.add_argument("--to", metavar="DIR", dest="destination",
                        help="a new or empty folder for the files")
    parser.add_argument("--new-key", metavar="KEYFILE", dest="new_key",
                        help="make a key pair: the private key into this new file, the "
                             "public key printed to give the team")


@command("open-export", "open a sealed export (or make the key pair to receive one)",
         _open_export_arguments)
def cmd_open_export(args: argparse.Namespace, session: Session) -> int:
    """The recipient's side; needs no careterm store."""
    if args.new_key:
        if args.file or args.key_file or args.destination:
            raise InvalidInput("open-export: --new-key goes alone")
        public = export_seal.new_key_file(Path(args.new_key))
        out(f"private key written to {visible(args.new_key, one_line=True)}: keep it to "
            "yourself; it opens what is sealed to it")
        out(f"public key (give it to the team for 'careterm export --all --encrypt-to'): "
            f"{public}")
        return 0
    if not (args.file and args.key_file and args.destination):
        raise InvalidInput("open-export: give FILE --key KEYFILE --to DIR "
                           "(or --new-key KEYFILE)")
    target = Path(args.destination)
    export_seal.check_empty_folder(target)
    key = export_seal.read_key_file(Path(args.key_file))
    try:
        blob = Path(args.file).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{args.file}: {exc.strerror or 'cannot read it'}") from None
    files = export_seal.open_bundle(blob, key)
    export_seal.write_folder(target, files)
    reports = sum(1 for name in files if name.startswith("reports/"))
    out(f"{reports} report{'s' if reports != 1 else ''} written to "
        f"{visible(args.destination, one_line=True)} (NOT encrypted: see its README.md)")
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
    # Public summaries left out because they name someone (issue 15): said on stderr only.
    withheld = withheld_notice(withheld_summaries(store.incidents(), start=start, end=end))
    if withheld:
        notice("warning: " + withheld)
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
