"""``careterm summary``: a report's public summary for the transparency report.

``careterm summary ID`` shows the summary and where its approval stands;
``--text TEXT`` writes it (the writer's approval counts as one), ``--clear``
withdraws it, ``--approve`` approves the text as it reads now (as this laptop's
member, or ``--member NAME`` for a member naming themselves). Two different members
must approve one exact text (:mod:`careterm.core.summaries`); an edited text needs
approving again.

A text that holds a name or contact known in the report
(:func:`careterm.views.report.summary_names`) is recorded with a warning on stderr,
never refused: the transparency report leaves it out, and says so, until it is
reworded.
"""

from __future__ import annotations

import argparse

from careterm.actions import summaries as summary_actions
from careterm.cli.commands import command
from careterm.cli.commands.casework import warn_unknown_members
from careterm.cli.output import notice, out
from careterm.cli.session import Session
from careterm.core import summaries
from careterm.core.model import Incident
from careterm.core.textsafe import visible
from careterm.errors import InvalidInput
from careterm.views.report import summary_names

NAMES_WARNING = ("warning: the public summary holds a name or contact known in this "
                 "report; the transparency report will leave it out until it is reworded")


def _summary_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--text", metavar="TEXT",
                      help="write the public summary (a sentence or two, no names); "
                           "approvals of an earlier text no longer count")
    what.add_argument("--approve", action="store_true",
                      help="approve the summary as it reads now (two members needed)")
    what.add_argument("--clear", action="store_true", help="withdraw the public summary")
    parser.add_argument("--member", metavar="NAME",
                        help="with --approve: the member approving (default: you)")


def _show(incident: Incident) -> None:
    """The summary's text and where its approval stands."""
    found = summaries.summary(incident)
    if found is None:
        out(f"{incident.id}: no public summary (write one with --text TEXT)")
        return
    out(f"{incident.id} public summary: {visible(found['text'], one_line=True)}")
    out(f"written by {visible(found['author'], one_line=True)}; "
        + visible(summaries.status_line(incident), one_line=True))


@command("summary", "write or approve a report's public summary (for the transparency report)",
         _summary_arguments)
def cmd_summary(args: argparse.Namespace, session: Session) -> int:
    """Show, write, withdraw or approve the public summary."""
    if args.member is not None and not args.approve:
        raise InvalidInput("summary: --member goes with --approve")
    store = session.store()
    incident = store.get(args.id)
    if args.text is not None:
        if not args.text.strip():
            raise InvalidInput("summary: the text is empty (to withdraw it: --clear)")
        changed = summary_actions.write_summary(store, incident.id, args.text)
        incident = store.get(incident.id)
        if summary_names(incident):
            notice(NAMES_WARNING)
        out(f"{incident.id}: public summary "
            + ("written; it needs one more member to approve it (careterm summary ID "
               "--approve)" if changed else "unchanged"))
        return 0
    if args.clear:
        changed = summary_actions.write_summary(store, incident.id, None)
        out(f"{incident.id}: public summary " + ("withdrawn" if changed else "was not written"))
        return 0
    if args.approve:
        member = args.member if args.member is not None else store.member
        if summaries.summary_text(incident) is not None:
            out(f"{incident.id} approving: "
                f"{visible(summaries.summary_text(incident) or '', one_line=True)}")
        added = summary_actions.approve_summary(store, incident.id, member)
        warn_unknown_members(session, member, "member")
        incident = store.get(incident.id)
        if summary_names(incident):
            notice(NAMES_WARNING)
        said = "" if added else f"{visible(member, one_line=True)} had already approved it; "
        out(f"{incident.id}: {said}{visible(summaries.status_line(incident), one_line=True)}")
        return 0
    _show(incident)
    if summary_names(incident):
        notice(NAMES_WARNING)
    return 0
