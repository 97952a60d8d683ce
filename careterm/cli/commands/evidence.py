"""Evidence and e-mail intake: ``attach``, ``evidence`` and ``mail``.

The rules live in :mod:`careterm.actions.evidence` and :mod:`careterm.actions.mail`;
here are the arguments and the words. File names and mail headers are other
people's text: every one is printed through
:func:`careterm.core.textsafe.visible` (or :func:`careterm.cli.output.fit`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from careterm.actions import evidence, mail
from careterm.cli.commands import command
from careterm.cli.output import fit, notice, out
from careterm.cli.session import Session
from careterm.core.evidence import evidence_items, size_words
from careterm.core.mailtext import MAX_MESSAGE_BYTES
from careterm.core.textsafe import visible
from careterm.errors import InvalidInput
from careterm.store import evidence as evidence_files


def _attach_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("file", metavar="FILE", help="a screenshot, a photo, an exported chat")
    parser.add_argument("--note", metavar="TEXT", help="what it shows")


@command("attach", "keep a file as evidence on a report (encrypted, synced)", _attach_arguments)
def cmd_attach(args: argparse.Namespace, session: Session) -> int:
    """Seal the file into the store; the next sync carries it to the team."""
    item = evidence.attach(session.store(), args.id, Path(args.file), args.note)
    out(visible(f"evidence {item.number} on {args.id.upper()}: {item.name} "
                f"({size_words(item.size)}, {item.type}); it reaches the team with the next "
                "sync", one_line=True))
    return 0


def _evidence_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("number", metavar="N", type=int, nargs="?",
                        help="which item (as listed)")
    parser.add_argument("--save", metavar="PATH", help="write a decrypted copy there")


@command("evidence", "list a report's evidence, or save a decrypted copy of one item",
         _evidence_arguments)
def cmd_evidence(args: argparse.Namespace, session: Session) -> int:
    """``evidence ID`` lists; ``evidence ID N --save PATH`` writes a copy."""
    store = session.store()
    if args.number is not None or args.save:
        if args.number is None or not args.save:
            raise InvalidInput("evidence: give both N and --save PATH to save a copy")
        written = evidence.save_copy(store, args.id, args.number, Path(args.save))
        out(visible(f"saved evidence {args.number} to {written}", one_line=True))
        notice(f"warning: {evidence.OUTSIDE_WARNING}")
        return 0
    incident = store.get(args.id)
    items = evidence_items(incident)
    if not items:
        out(f"{incident.id}: no evidence")
        return 0
    for item in items:
        here = "" if evidence_files.has_file(store, item.id) else "  (not on this laptop yet)"
        when = item.at.strftime("%Y-%m-%d %H:%M") if item.at else "(time unknown)"
        out(f"{item.number:>3}  {fit(item.name, 40)}  {size_words(item.size)}  "
            f"{fit(item.type, 30)}  {fit(item.by, 20)}  {when}{here}")
        if item.note:
            out(f"     {fit(item.note, 100)}")
    return 0


def _mail_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", metavar="PATH", nargs="+",
                        help=".eml files, an mbox file or a Maildir folder")
    parser.add_argument("--limit-mb", type=float, default=MAX_MESSAGE_BYTES / (1024 * 1024),
                        metavar="MB", help="skip messages larger than this (default 25)")


@command("mail", "turn e-mails (.eml, mbox, Maildir) into reports", _mail_arguments)
def cmd_mail(args: argparse.Namespace, session: Session) -> int:
    """New messages become reports, replies become notes, duplicates are left out.
    Exit 2 when a message was skipped (each is named with the reason)."""
    if args.limit_mb <= 0:
        raise InvalidInput("mail: --limit-mb must be more than 0")
    result = mail.import_mail(session.store(), [Path(p) for p in args.paths],
                              limit=int(args.limit_mb * 1024 * 1024))
    for inc_id in result.new_reports:
        out(f"new report {inc_id}")
    for inc_id, where in result.notes:
        out(visible(f"note on {inc_id}: a reply ({where})", one_line=True))
    for where, why in result.skipped:
        notice(f"skipped {where}: {why}")
    summary = (f"{len(result.new_reports)} new, {len(result.notes)} replies as notes, "
               f"{result.duplicates} already imported, {len(result.skipped)} skipped")
    out(summary)
    return 2 if result.skipped else 0
