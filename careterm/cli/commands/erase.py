"""``careterm erase`` and ``careterm retention``: erasing fields of reports, everywhere.

``careterm erase ID --fields reporter,who --reason TEXT`` (or ``--all``) shows what
it will erase and asks (``--yes`` for scripts); a bad field, a missing reason or an
unknown report is one line and exit 2, and nothing is changed when the answer is not
yes (exit 1). It records the erasure (a change that syncs), carries it out on this
laptop at once (:func:`careterm.actions.erase.erase`), then syncs when a shared
folder is set up, so this laptop's own files there are rewritten too
(:mod:`careterm.team.erasure`). Backups made before are listed with a warning.

``careterm erase --status`` lists every erasure and, per laptop, whether it has
carried it out, naming laptops that have not synced since. ``careterm erase
--verify TEXT`` decrypts everything this laptop can read (store snapshot and
journal, draft, sync record, evidence, every file of the shared folder it has a key
for) and says where TEXT occurs (case-insensitive, also JSON-escaped): exit 0 when
nowhere, 1 when found (naming the files).

``careterm retention --apply`` lists the closed reports past the team's retention
time (``careterm settings --retention 90d``: days after the event's last day) and
the fields it will erase, asks, then erases them.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from careterm.actions.erase import due_for_retention, erase
from careterm.cli.commands import command
from careterm.cli.output import notice, out
from careterm.cli.session import Session
from careterm.core import clock
from careterm.core.erasure import ERASABLE_LABELS, check_reason, occurs, parse_fields
from careterm.core.textsafe import visible
from careterm.errors import CaretermError, InvalidInput
from careterm.store.compact import backups_before, readable_home
from careterm.store.store import Store
from careterm.team import erasure as team_erasure
from careterm.team import sync as team_sync
from careterm.team.devices import team_devices


def _erase_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", nargs="?", help="the report whose fields to erase")
    parser.add_argument("--fields", metavar="A,B",
                        help="fields to erase: " + ",".join(ERASABLE_LABELS))
    parser.add_argument("--all", action="store_true", dest="everything",
                        help="erase every personal field (all of the above)")
    parser.add_argument("--reason", metavar="TEXT", help="why (kept with the erasure)")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--status", action="store_true",
                        help="show, per laptop, whether each erasure was carried out")
    parser.add_argument("--verify", metavar="TEXT",
                        help="look for TEXT in everything this laptop can decrypt")


def _confirm(question: str) -> bool:
    out(question + " Type yes to go on:")
    try:
        answer = sys.stdin.readline()
    except (OSError, ValueError):
        answer = ""
    return answer.strip().lower() in ("yes", "y")


def _names(fields: tuple[str, ...]) -> str:
    return ", ".join(ERASABLE_LABELS[name] for name in fields)


@command("erase", "erase fields of a report on every laptop and in the shared folder",
         _erase_arguments)
def cmd_erase(args: argparse.Namespace, session: Session) -> int:
    """Erase, show the status of erasures, or verify that a text is gone."""
    modes = sum(bool(x) for x in (args.id, args.status, args.verify is not None))
    if modes != 1:
        raise InvalidInput("erase: give a report id, --status or --verify TEXT (one of them)")
    if args.status:
        return _status(session.store())
    if args.verify is not None:
        return _verify(session.store(), args.verify)
    fields = parse_fields(args.fields, args.everything)
    reason = check_reason(args.reason)
    store = session.store()
    incident = session.incident(args.id)
    if incident.recused:
        raise InvalidInput(f"{incident.id}: you are recused from this report; another member "
                           "erases it")
    if not args.yes and not _confirm(
            f"Erase {_names(fields)} of report {incident.id} on this laptop, in the shared "
            "folder and on every laptop of the team? This cannot be undone."):
        notice("nothing was erased")
        return 1
    done = erase(store, incident.id, fields, reason)
    out(f"erased {_names(fields)} of report {done.incident_id} on this laptop "
        f"({done.scrubbed.changes} stored changes rewritten, "
        f"{len(done.scrubbed.evidence)} evidence files deleted)")
    _sync_and_warn(store)
    return 0


def _sync_and_warn(store: Store) -> None:
    try:
        report = team_sync.sync(store)
    except team_sync.SyncNotConfigured:
        out("no shared folder: the other laptops never had these reports")
    except CaretermError as exc:
        out(f"the shared folder could not be used now ({exc}); this laptop's files there "
            "are rewritten at its next sync")
    else:
        if report.erasures:
            out("this laptop's files in the shared folder were rewritten without the "
                "erased values; every other laptop does the same at its next sync "
                "('careterm erase --status' shows which have)")
    for at, path in backups_before(store, clock.now()):
        out(visible(f"warning: the backup made {at:%Y-%m-%d %H:%M} ({path}) still holds what "
                    "was erased: delete it, or it brings the values back if restored",
                    one_line=True))


def _laptops(store: Store) -> dict[str, tuple[str, datetime | None]]:
    try:
        return {d.device_id: (d.member, d.last_wrote) for d in team_devices(store)
                if d.removal is None and not d.refused}
    except CaretermError:
        return {store.device_id: (store.member, None)}


def _status(store: Store) -> int:
    for line in team_erasure.status_lines(store, _laptops(store), clock.now()):
        out(line)
    return 0


def _verify(store: Store, text: str) -> int:
    if len(text.strip()) < 2:
        raise InvalidInput("erase --verify: give the text to look for (at least 2 characters)")
    files = readable_home(store)
    state = dict(team_erasure.readable_sync_state(store))
    files = [(name, state.get(name, body)) for name, body in files]
    folder = team_sync.shared_folder(store)
    if folder is not None and folder.is_dir():
        keys = team_sync.epochs_of(store).keys
        files += [(f"{folder}/{name}", body) for name, body in
                  team_erasure.readable_folder(folder, keys, store.meta["team_id"])]
    # A file read in parts (each journal record) is one file: named once, counted once.
    names = list(dict.fromkeys(name for name, _ in files))
    hits = list(dict.fromkeys(name for name, body in files if occurs(text, body)))
    if not hits:
        out(f"not found in any of the {len(names)} files this laptop can read")
        return 0
    out(f"found in {len(hits)} of {len(names)} files:")
    for name in hits:
        out(visible(f"  {name}", one_line=True))
    return 1


def _retention_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--apply", action="store_true",
                        help="erase the personal fields of closed reports past the team's "
                             "retention time (lists them and asks first)")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")


@command("retention", "list (or erase, with --apply) closed reports past the retention time",
         _retention_arguments)
def cmd_retention(args: argparse.Namespace, session: Session) -> int:
    """List the reports due for erasure; with --apply, erase them."""
    store = session.store()
    settings = store.team_settings()
    if settings.retention is None or settings.event_end is None:
        out("no retention time set: 'careterm settings --retention 90d' (days after the "
            "event's last day, set with --event) sets one")
        return 0
    due = due_for_retention(store, clock.now())
    if not due:
        out("no closed report is past the retention time")
        return 0
    for incident, fields in due:
        out(f"{incident.id}: will erase {_names(fields)}")
    if not args.apply:
        out("erase them with 'careterm retention --apply'")
        return 0
    if not args.yes and not _confirm(
            f"Erase these fields of {len(due)} reports everywhere? This cannot be undone."):
        notice("nothing was erased")
        return 1
    for incident, fields in due:
        erase(store, incident.id, fields, "retention time passed")
        out(f"erased {incident.id}")
    _sync_and_warn(store)
    return 0
