"""Write-only intake stations: ``careterm station init``, ``station send`` and ``station``.

A CARE member sets the station up once on the registration desk's laptop
(``station init``, typing the team passphrase, which the station then
forgets); a volunteer then writes reports there (``careterm station``: the
capture screen, or ``station send`` from a script) and is shown only a
reference. The rules and the formats are :mod:`careterm.team.station_admin`,
:mod:`careterm.team.stations` and :mod:`careterm.store.station`. On a station
every command that would read reports is refused
(:meth:`careterm.cli.session.Session.store`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from careterm.actions.incidents import prepare_capture
from careterm.cli.commands import app, command
from careterm.cli.commands.reports import _add_report_options, _report_options
from careterm.cli.output import notice, out
from careterm.cli.session import Session, read_passphrase
from careterm.core.textsafe import visible
from careterm.errors import InvalidInput
from careterm.store import station
from careterm.team.station_admin import set_up_station


def _station_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="station_action", metavar="ACTION")
    init = actions.add_parser("init", help="set this laptop up as an intake station "
                                           "(a CARE member does this once)")
    init.add_argument("--shared", metavar="DIR", required=True,
                      help="the team's shared folder, as synced to this laptop")
    init.add_argument("--name", metavar="NAME", required=True,
                      help="what the CARE board calls it, e.g. \"Registration desk\"")
    init.add_argument("--member", metavar="NAME", help="the CARE member setting it up")
    send = actions.add_parser("send", help="send one report and print only its reference")
    _add_report_options(send)


@command("station", "a write-only intake station: write reports for the CARE team, read none",
         _station_arguments)
def cmd_station(args: argparse.Namespace, session: Session) -> int:
    """``station`` opens the capture screen; ``init`` sets up; ``send`` sends."""
    action = getattr(args, "station_action", None)
    if action == "init":
        passphrase = read_passphrase()  # the CARE member types the team passphrase
        config = set_up_station(session.home, Path(args.shared), passphrase, args.name,
                                args.member or "")
        out(visible(f"this laptop is now the intake station {config.name!r} of "
                    f"{config.team_name}: reports written here go to the CARE board, and "
                    "nothing written here can be read back on it", one_line=True))
        out("start it with: careterm station")
        return 0
    if action == "send":
        fields, marks, support = _report_options(args)
        fields.pop("source", None)
        fields.pop("relayed_by", None)
        prepared = prepare_capture(fields.pop("what", None), marks=marks, support=support,
                                   **fields)
        out(station.send(session.home, prepared.data))
        return 0
    if not station.is_station(session.home):
        raise InvalidInput(f"{session.home} is not set up as an intake station (a CARE member "
                           "runs 'careterm station init --shared DIR --name NAME' there once)")
    station.load(session.home)  # a damaged file is named before the screen starts
    notice("intake station: what you write is sent to the CARE team and cannot be read "
           "back here")
    return app.start_station(session.home)
