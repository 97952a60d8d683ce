"""Casework: category, review, resolution, conflicts, conversations, informing the
reporter, support, unilateral actions and the public statement decision.

Each records through :mod:`careterm.actions.casework`, which checks the input
and the workflow; the handler prints one line saying what was recorded.
Warnings (a conversation held by one member alone with the reported person…)
go to stderr and do not change the exit code.

Decided as a team: ``review --members --at``, ``resolve --members``, ``statement
--members``, ``conflict --decision --decided-by``; ``inform --consulted`` (``ack
--consulted`` is in :mod:`careterm.cli.commands.reports`). Every name typed there is
checked against the members this laptop knows of (:meth:`Session.known_members`) by
:func:`warn_unknown_members`: an unknown name is a warning line, never a refusal.
"""

from __future__ import annotations

import argparse

from careterm.actions import casework as casework_actions
from careterm.cli.commands import choices, command
from careterm.cli.output import notice, out
from careterm.cli.session import Session
from careterm.core import casework, vocabulary
from careterm.core.textsafe import visible
from careterm.core.validate import name_list
from careterm.core.vocabulary import SUPPORT_KINDS, SUPPORT_LABELS
from careterm.errors import InvalidInput


def warn_unknown_members(session: Session, names: list[str] | str | None, what: str) -> None:
    """A warning line on stderr for each name that is no member this laptop knows of."""
    typed = name_list(names, what)
    if not typed:
        return
    for name in casework.unknown_members(typed, session.known_members()):
        notice(f"warning: {what}: {visible(name, one_line=True)!r} is not a member of the "
               "team this laptop knows of (the team's laptops in the shared folder and "
               "everyone who recorded a change); check the spelling")


def warn_too_few(what: str, members: list[str] | str | None) -> None:
    """The standing warning for a team decision with fewer than two members, on stderr."""
    warning = casework.too_few_members(what, name_list(members, "members"))
    if warning:
        notice("warning: " + warning)


def _categorize_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("category", metavar=choices(vocabulary.CATEGORIES))


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
    parser.add_argument("--violation", metavar=choices(vocabulary.VIOLATIONS),
                        help="whether it is a Code of Conduct violation")
    parser.add_argument("--actor", metavar="TEXT", action="append", dest="actors",
                        help="who acted badly (repeatable)")
    parser.add_argument("--reason", metavar="TEXT", help="the team's reasoning")
    parser.add_argument("--members", metavar="NAME[,NAME]",
                        help="the members who took part in the review (two or more)")
    parser.add_argument("--at", metavar="TEXT",
                        help="when the review meeting was held, e.g. 'yesterday 20:00'")


@command("review", "fill in the review record from the team's meeting", _review_arguments)
def cmd_review(args: argparse.Namespace, session: Session) -> int:
    """Record the review; only the answers given change."""
    if all(getattr(args, k) is None
           for k in ("finding", "violation", "actors", "reason", "members", "at")):
        raise InvalidInput("nothing to record: give --finding, --violation, --actor, --reason, "
                           "--members or --at")
    store = session.store()
    incident = store.get(args.id)
    changed = casework_actions.record_review(store, incident.id, finding=args.finding,
                                             violation=args.violation, actors=args.actors,
                                             reason=args.reason, members=args.members,
                                             at=args.at)
    warn_unknown_members(session, args.members, "members")
    warn_too_few("the review", casework.review_meeting(store.get(incident.id))["members"])
    out(f"{incident.id} review: " + (", ".join(changed) + " recorded" if changed
                                     else "nothing changed"))
    return 0


def _resolve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--resolution", metavar=choices(vocabulary.RESOLUTIONS), action="append",
                        dest="resolutions", help="a resolution (repeatable)")
    parser.add_argument("--other", metavar="TEXT", help="text of an 'other' resolution")
    parser.add_argument("--members", metavar="NAME[,NAME]",
                        help="the members who decided it together (two or more)")
    parser.add_argument("--force", action="store_true",
                        help="record it although it goes against the reporter's wishes, or "
                             "before anyone acknowledged or reviewed the report (the record "
                             "marks it)")


@command("resolve", "record the resolution the team decided", _resolve_arguments)
def cmd_resolve(args: argparse.Namespace, session: Session) -> int:
    """Record the resolution(s); the report moves to decided."""
    if not args.resolutions and not args.other:
        raise InvalidInput("give at least one --resolution (or --other TEXT)")
    store = session.store()
    incident = store.get(args.id)
    names = casework_actions.record_resolution(store, incident.id, args.resolutions or [],
                                               args.other, force_wishes=args.force,
                                               members=args.members, force_order=args.force)
    warn_unknown_members(session, args.members, "members")
    warn_too_few("the resolution", args.members)
    labels = [vocabulary.RESOLUTION_LABELS.get(n, n) for n in names]
    out(f"{incident.id} resolution: {visible('; '.join(labels), one_line=True)}")
    return 0


def _conflict_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--member", metavar="NAME", help="who has the conflict (default: you)")
    parser.add_argument("--reason", metavar="TEXT", required=True, help="a short reason")
    parser.add_argument("--decision", metavar=choices(vocabulary.CONFLICT_DECISIONS),
                        help="the team's decision: the member may take part, or is recused "
                             "(the latest decision counts)")
    parser.add_argument("--decided-by", metavar="NAME[,NAME]",
                        help="the members who took the decision")


@command("conflict", "declare a conflict of interest on a report", _conflict_arguments)
def cmd_conflict(args: argparse.Namespace, session: Session) -> int:
    """Declare a conflict of interest."""
    store = session.store()
    incident = store.get(args.id)
    member = args.member or store.member
    casework_actions.declare_conflict(store, incident.id, member, args.reason,
                                      decision=args.decision, decided_by=args.decided_by)
    warn_unknown_members(session, member, "member")
    warn_unknown_members(session, args.decided_by, "decided-by")
    decided = args.decision.strip().lower() if args.decision else None
    said = (f" ({vocabulary.CONFLICT_DECISION_LABELS.get(decided, decided)})"
            if decided else "")
    out(f"{incident.id}: conflict of interest recorded for "
        f"{visible(member, one_line=True)}{said}")
    return 0


def _conversation_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--with", metavar="TEXT", dest="with_whom", required=True,
                        help="with whom (the reporter, a witness, the reported person)")
    parser.add_argument("--members", metavar="NAME[,NAME]", required=True,
                        help="the CARE members present")
    parser.add_argument("--notes", metavar="TEXT", help="notes of the conversation")
    parser.add_argument("--kind", metavar=choices(vocabulary.CONVERSATION_KINDS),
                        help="who they are (guessed from --with when not given)")
    parser.add_argument("--at", metavar="TEXT", help="when, e.g. '20 min ago' (default: now)")
    parser.add_argument("--force", action="store_true",
                        help="record it although it goes against the reporter's wishes "
                             "(the record marks it)")


@command("conversation", "record a conversation held for the case", _conversation_arguments)
def cmd_conversation(args: argparse.Namespace, session: Session) -> int:
    """Record a conversation; warnings (one member with the reported person…) go to stderr."""
    store = session.store()
    incident = store.get(args.id)
    warnings = casework_actions.record_conversation(store, incident.id, args.with_whom,
                                                    args.members, notes=args.notes,
                                                    kind=args.kind, at=args.at,
                                                    force_wishes=args.force)
    for warning in warnings:
        notice("warning: " + warning)
    warn_unknown_members(session, args.members, "members")
    out(f"{incident.id}: conversation recorded")
    return 0


def _inform_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("--how", metavar="TEXT", required=True,
                        help="how the reporter was informed (in person, e-mail…)")
    parser.add_argument("--told", metavar="TEXT", help="what they were told")
    parser.add_argument("--consulted", metavar="NAME[,NAME]",
                        help="the members you consulted before informing the reporter")
    parser.add_argument("--force", action="store_true",
                        help="record it although no resolution is recorded yet (the record "
                             "marks it)")


@command("inform", "record that the reporter was informed of the resolution",
         _inform_arguments)
def cmd_inform(args: argparse.Namespace, session: Session) -> int:
    """Record informing the reporter."""
    store = session.store()
    incident = store.get(args.id)
    casework_actions.record_informed(store, incident.id, args.how, args.told,
                                     consulted=args.consulted, force_order=args.force)
    warn_unknown_members(session, args.consulted, "consulted")
    out(f"{incident.id}: reporter informed ({store.get(incident.id).status})")
    return 0


def _support_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID")
    parser.add_argument("kind", metavar=choices(SUPPORT_KINDS))
    parser.add_argument("state", metavar=choices(vocabulary.SUPPORT_STATES))
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
    parser.add_argument("level", metavar=choices(vocabulary.STATEMENT_LEVELS))
    parser.add_argument("--text", metavar="TEXT", help="the statement")
    parser.add_argument("--members", metavar="NAME[,NAME]", help="who decided it together")


@command("statement", "record the team's decision on a public statement",
         _statement_arguments)
def cmd_statement(args: argparse.Namespace, session: Session) -> int:
    """Record the public statement decision."""
    store = session.store()
    incident = store.get(args.id)
    casework_actions.record_statement(store, incident.id, args.level, args.text, args.members)
    warn_unknown_members(session, args.members, "members")
    warn_too_few("the public statement decision", args.members)
    out(f"{incident.id}: public statement decision recorded ({args.level})")
    return 0
