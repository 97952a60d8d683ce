"""The team: create the store, join through the shared folder, sync, the team's
laptops, revoking one, and changing the passphrase.

The work is in :mod:`careterm.team` (sync, devices, keys, revoke) and
:mod:`careterm.store.store`; these handlers read the passphrases through
:mod:`careterm.cli.session` and print the lines those modules return.
``init`` and ``join`` refuse to overwrite a store before asking anything.
``init``, ``passphrase`` and ``revoke`` take a short new passphrase, then warn
about it on stderr (exit code 0). ``join`` says a wrong passphrase in the
team's terms: the folder's passphrase did not match, and nothing was written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from careterm.cli.commands import command
from careterm.cli.output import fit, notice, out, table
from careterm.cli.session import (
    SHORT_PASSPHRASE_WARNING,
    Session,
    is_short_passphrase,
    read_new_passphrase,
    read_passphrase,
)
from careterm.core import clock
from careterm.core.textsafe import visible
from careterm.core.validate import clean_text
from careterm.core.whentext import describe_when
from careterm.errors import CaretermError, InvalidInput, NoStore, StoreExists, WrongPassphrase
from careterm.store.store import Store, has_store
from careterm.team import devices, keys, revoke, station_admin, sync

JOIN_WRONG_PASSPHRASE = "the team's passphrase did not match; nothing was written"
"""What ``join`` says when the passphrase does not open the team's shared folder."""


def _warn_if_short(passphrase: str) -> None:
    """The short-passphrase warning on stderr (never the passphrase itself)."""
    if is_short_passphrase(passphrase):
        notice(SHORT_PASSPHRASE_WARNING)


def _init_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--member", metavar="NAME", required=True,
                        help="your name, as the team knows you")
    parser.add_argument("--team", metavar="NAME", default="", help="the team's name")
    parser.add_argument("--shared", metavar="DIR",
                        help="also set up this shared folder for the team's sync")


@command("init", "create the encrypted store on this laptop", _init_arguments)
def cmd_init(args: argparse.Namespace, session: Session) -> int:
    """Create the store (asks the passphrase twice when prompting)."""
    member = clean_text(args.member, "member")
    if not member:
        raise InvalidInput("member: give your name")
    team = clean_text(args.team, "team") or ""
    if has_store(session.home):
        raise StoreExists(session.home)
    passphrase = read_passphrase(new=True)
    store = Store.create(session.home, passphrase, member=member, team=team)
    session.adopt(store)
    _warn_if_short(passphrase)
    home = visible(str(session.home), one_line=True)
    if args.shared:
        try:
            sync.init_shared(store, Path(args.shared))
        except CaretermError as exc:
            failure = CaretermError(f"{exc} (the store in {home} was created, the shared "
                                    "folder was not set up)")
            failure.exit_code = exc.exit_code
            raise failure from exc
    out(f"created the encrypted store in {home} for {visible(member, one_line=True)}")
    if args.shared:
        out(f"shared folder for the team: {visible(args.shared, one_line=True)}")
    return 0


def _join_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--member", metavar="NAME", required=True,
                        help="your name, as the team knows you")
    parser.add_argument("--shared", metavar="DIR", required=True,
                        help="the team's shared folder")


@command("join", "join a team through its shared folder", _join_arguments)
def cmd_join(args: argparse.Namespace, session: Session) -> int:
    """Create this laptop's store from the team's shared folder."""
    member = clean_text(args.member, "member")
    if not member:
        raise InvalidInput("member: give your name")
    if has_store(session.home):
        raise StoreExists(session.home)
    passphrase = read_passphrase()
    try:
        joined = sync.join(session.home, Path(args.shared), member, passphrase)
    except WrongPassphrase:
        raise CaretermError(JOIN_WRONG_PASSPHRASE) from None
    if isinstance(joined, Store):
        session.adopt(joined)
    out(f"joined the team in {visible(args.shared, one_line=True)} as "
        f"{visible(member, one_line=True)}")
    return 0


@command("sync", "exchange changes with the team's shared folder")
def cmd_sync(args: argparse.Namespace, session: Session) -> int:
    """Publish this laptop's changes and merge everyone else's."""
    report = sync.sync(session.store())
    out("\n".join(visible(line) for line in report.lines()))
    return 0


@command("passphrase", "change the team passphrase on this laptop (and the shared folder)")
def cmd_passphrase(args: argparse.Namespace, session: Session) -> int:
    """Re-wrap the data key under a new passphrase; the store is not rewritten."""
    if not has_store(session.home):
        raise NoStore(session.home)
    old = read_passphrase()
    new = read_new_passphrase("new passphrase")
    for line in keys.change_passphrase_everywhere(session.home, old, new):
        out(visible(line, one_line=True))
    _warn_if_short(new)
    return 0


@command("devices", "the team's laptops in the shared folder: tag, member, device id")
def cmd_devices(args: argparse.Namespace, session: Session) -> int:
    """List the laptops registered in the shared folder (reads only; nothing is written)."""
    now = clock.now()
    rows = [[fit(device.tag, 4), fit(device.member or "-", 24), device.device_id,
             fit(device.status, 40),
             describe_when(device.last_wrote, now) if device.last_wrote else "never"]
            for device in devices.team_devices(session.store())]
    folder = sync.shared_folder(session.store())
    if folder is not None:
        stations, removed = station_admin.list_stations(session.store(), folder)
        rows += [[fit(s.tag, 4), fit(f"station: {s.name}", 24), s.station_id,
                  "removed from the team" if s.station_id in removed else "intake station "
                  "(sends reports, reads none)", "-"] for s in stations]
    for line in table(["TAG", "MEMBER", "DEVICE", "STATUS", "LAST WROTE"], rows):
        out(line)
    return 0


def _revoke_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("device", metavar="DEVICE",
                        help="the laptop's tag, device id, or its member's name "
                             "(see 'careterm devices'); or an intake station's name or tag")


@command("revoke", "remove a member's laptop: a new key for everything written from now on",
         _revoke_arguments)
def cmd_revoke(args: argparse.Namespace, session: Session) -> int:
    """New key epoch without the laptop, new passphrase for joining; an honest note."""
    store = session.store()
    station = station_admin.find_station(store, args.device)
    if station is not None:
        # A station holds no key that opens anything: no new passphrase, its reports refused.
        station_admin.remove_station(store, station)
        out(visible(f"the intake station {station.name!r} ({station.tag}) is removed: every "
                    "laptop refuses its reports from its next sync on", one_line=True))
        return 0
    devices.resolve_device(devices.team_devices(store), args.device)  # before asking anything
    new = read_new_passphrase("new team passphrase")
    result = revoke.revoke(store, args.device, new)
    for line in result.lines:
        out(visible(line, one_line=True))
    _warn_if_short(new)
    return 0
