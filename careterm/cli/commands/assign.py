"""Owner: ``careterm assign ID MEMBER`` makes one member the owner of a report.

The owner is a ``set`` field (``owner``, last writer wins, history kept) written by
:func:`careterm.actions.casework.assign`; ``--clear`` leaves the report with nobody.
The name is checked against the members this laptop knows of: an unknown name is a
warning line, never a refusal (a new member's laptop may not have synced yet).
``list --mine`` shows the reports this laptop's member owns; the handover groups open
reports by owner.
"""

from __future__ import annotations

import argparse

from careterm.actions import casework as casework_actions
from careterm.cli.commands import command
from careterm.cli.commands.casework import warn_unknown_members
from careterm.cli.output import notice, out
from careterm.cli.session import Session
from careterm.core.textsafe import visible
from careterm.errors import InvalidInput


def _assign_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("member", metavar="MEMBER", nargs="?",
                        help="the member who owns the report from now on")
    parser.add_argument("--clear", action="store_true", help="nobody owns the report")


@command("assign", "make a member the owner of a report (--clear: nobody)", _assign_arguments)
def cmd_assign(args: argparse.Namespace, session: Session) -> int:
    """Set or clear the owner."""
    if args.clear == bool(args.member):
        raise InvalidInput("give a MEMBER to assign, or --clear (not both)")
    store = session.store()
    incident = store.get(args.id)
    member = None if args.clear else args.member
    changed = casework_actions.assign(store, incident.id, member)
    if member is None:
        out(f"{incident.id}: nobody owns it" if changed
            else f"{incident.id}: nobody owned it; nothing changed")
        return 0
    warn_unknown_members(session, member, "member")
    shown = visible(member.strip(), one_line=True)
    if changed:
        out(f"{incident.id}: owner {shown}")
    else:
        notice(f"{incident.id}: {shown} already owns it; nothing changed")
    return 0
