"""Related reports: ``careterm related ID`` and ``careterm link ID OTHER``.

``related`` lists the other reports naming a person this report names (who was
involved, the review's "who acted badly", conversations with the reported
person), matched by :mod:`careterm.core.related` (case and accents ignored,
initials + surname; a first name alone never links), with the id, the date,
the status and the name that matched; then the reports a member linked.
``link`` records that two reports concern the same person
(:mod:`careterm.actions.links`: add-only, synced, read both ways).

Both read the reports as this laptop's member may see them
(:func:`careterm.core.casework.screen_recused`): a report they are recused
from is a stub with no names, so it is never listed and nothing of it shows.
"""

from __future__ import annotations

import argparse

from careterm.actions.links import link_reports
from careterm.cli.commands import command
from careterm.cli.output import fit, notice, out, table
from careterm.cli.session import Session
from careterm.core import casework
from careterm.core.related import linked_ids, related_reports
from careterm.core.textsafe import safe_json
from careterm.errors import InvalidInput, UnknownIncident


def _related_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--json", action="store_true", help="print a JSON object")


@command("related", "other reports naming the same person, and linked reports",
         _related_arguments)
def cmd_related(args: argparse.Namespace, session: Session) -> int:
    """List related and linked reports (ids, dates, statuses, the names that matched)."""
    store = session.store()
    seen = casework.screen_recused(store.incidents(), store.member)
    incident = seen.get(store.get(args.id).id)
    if incident is None:
        raise UnknownIncident(args.id)
    if incident.recused:
        notice(f"{incident.id}: you are recused from this report; nothing of it is "
               "compared or shown")
        return 0
    found = related_reports(incident, seen)
    linked = linked_ids(incident, seen)
    if args.json:
        out(safe_json({"id": incident.id, "related": [
            {"id": r.id, "created_at": r.created_at.isoformat() if r.created_at else None,
             "status": r.status, "name": r.name, "matched": r.matched} for r in found],
            "links": linked}, indent=2))
        return 0
    if not found:
        out(f"{incident.id}: no other report names the same people")
    else:
        rows = [[r.id, r.created_at.strftime("%Y-%m-%d %H:%M") if r.created_at else "?",
                 fit(r.status, 12), fit(r.name, 30), fit(r.matched, 30)] for r in found]
        for line in table(["ID", "CAPTURED", "STATUS", "NAMED THERE", "NAMED HERE"], rows):
            out(line)
    if linked:
        out(f"linked to {incident.id} by a member: {', '.join(linked)}")
    return 0


def _link_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("other", metavar="OTHER", help="the report about the same person")


@command("link", "record that two reports concern the same person", _link_arguments)
def cmd_link(args: argparse.Namespace, session: Session) -> int:
    """Link two reports (add-only; both show the link)."""
    store = session.store()
    incident, other = store.get(args.id), store.get(args.other)
    seen = casework.screen_recused({incident.id: incident, other.id: other}, store.member)
    for report in seen.values():
        if report.recused:
            raise InvalidInput(f"link: you are recused from {report.id}; ask another member "
                               "to link it")
    if link_reports(store, incident.id, other.id):
        out(f"{incident.id} linked to {other.id}")
    else:
        notice(f"{incident.id} and {other.id} were already linked; nothing changed")
    return 0
