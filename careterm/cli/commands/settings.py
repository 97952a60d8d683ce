"""``careterm settings``: show and change the team's settings (synced to every laptop).

Without options it prints every setting, its value and who last changed it
(``--history`` adds every change, oldest first). With options it checks every
value first (one line and exit 2 for a bad one, nothing written), then records
the ones that change as one change of the team record and says ``old → new``
for each. The rules are :mod:`careterm.core.settings` and
:mod:`careterm.actions.settings`.
"""

from __future__ import annotations

import argparse

from careterm.actions.settings import change_settings, current_settings, settings_timeline
from careterm.cli.commands import choices, command
from careterm.cli.output import out
from careterm.cli.session import Session
from careterm.core import clock
from careterm.core.settings import SETTING_LABELS, describe_setting, parse_changes
from careterm.core.textsafe import visible
from careterm.core.vocabulary import URGENCIES
from careterm.views.detail import moment


def _settings_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ack", metavar="DURATION",
                        help="acknowledge a new report within this, e.g. 10m (default 15m)")
    parser.add_argument("--review", metavar="DURATION",
                        help="review within this after the acknowledgement (default 12h)")
    parser.add_argument("--needs-info", metavar="DURATION", dest="needs_info",
                        help="collect the information asked for within this (default 6h)")
    parser.add_argument("--inform", metavar="DURATION",
                        help="tell the reporter the outcome within this after the decision "
                             "(default 24h)")
    parser.add_argument("--event", metavar="FIRST..LAST",
                        help="the event's dates, e.g. 2027-06-02..2027-06-06 ('none' clears)")
    parser.add_argument("--critical-alert", metavar="{on,off}", dest="critical_alert",
                        help="a toast and the bell in the app for a new critical report")
    parser.add_argument("--retention", metavar="DAYS",
                        help="erase closed reports' personal fields this long after the "
                             "event's last day, e.g. 90d ('careterm retention'; 'none' clears)")
    parser.add_argument("--evidence-limit", metavar="MB", dest="evidence_limit",
                        help="the largest file kept as evidence, e.g. 20MB (default 20)")
    parser.add_argument("--mail-urgency", metavar=choices(URGENCIES), dest="mail_urgency",
                        help="the urgency of a report made from an e-mail (default medium)")
    parser.add_argument("--history", action="store_true",
                        help="also list every change of the settings, oldest first")


@command("settings", "show or change the team's targets and event dates (synced)",
         _settings_arguments)
def cmd_settings(args: argparse.Namespace, session: Session) -> int:
    """Change the settings given (all checked first), then show them."""
    values = parse_changes(ack=args.ack, review=args.review, needs_info=args.needs_info,
                           inform=args.inform, event=args.event,
                           critical_alert=args.critical_alert, retention=args.retention,
                           evidence_limit=args.evidence_limit, mail_urgency=args.mail_urgency)
    store = session.store()
    if values:
        changed = change_settings(store, values)
        for change in changed:
            out(f"changed {change.describe()}")
        if not changed:
            out("nothing changed: the settings already had these values")
        return 0
    now = clock.now()
    for setting in current_settings(store):
        who = (f"  (set by {visible(setting.by, one_line=True)}, {moment(setting.at, now)})"
               if setting.by is not None else "  (default)")
        out(f"{SETTING_LABELS[setting.key]}: {describe_setting(setting.key, setting.value)}"
            + who)
    if args.history:
        out("")
        entries = settings_timeline(store)
        if not entries:
            out("history: no change yet (every setting is its default)")
        for at, by, text in entries:
            out(f"{moment(at, now)}  {visible(by, one_line=True)}  {text}")
    return 0
