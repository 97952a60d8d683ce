"""Setting up, listing and removing intake stations (the CARE member's side).

The formats and the pick-up on every sync are :mod:`careterm.team.stations`;
the station's own side is :mod:`careterm.store.station`. This module needs
the team's keys from the folder's header (:func:`careterm.team.sync.open_team`),
so it sits above :mod:`careterm.team.sync`, which calls the pick-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from careterm.core import clock, ids
from careterm.core.vocabulary import TEAM_RECORD
from careterm.errors import InvalidInput
from careterm.store import station
from careterm.store.crypto import b64
from careterm.store.files import create_new
from careterm.store.store import Store
from careterm.team.segments import epoch_order
from careterm.team.stations import (
    REGISTRATION_NAME,
    REMOVED_KEY,
    StationInfo,
    intake_public_key,
    removed_stations,
    seal_registration,
    stations_in,
)
from careterm.team.sync import epochs_of, open_team, registered_tags, shared_folder


def set_up_station(home: Path, shared_dir: Path, passphrase: str, name: str,
                   set_up_by: str) -> station.StationConfig:
    """Make ``home`` an intake station of the team whose folder is ``shared_dir``."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("station: give the station a name (--name \"Registration desk\")")
    if station.is_station(home):
        raise InvalidInput(f"{home} is already an intake station; nothing was changed")
    folder = Path(shared_dir).expanduser().absolute()
    team_id, team_name, epochs = open_team(folder, passphrase)
    skipped: list[tuple[str, str]] = []
    taken = registered_tags(folder, epochs, team_id) | {
        s.tag for s in stations_in(folder, epochs, team_id, skipped)}
    epoch = max(epochs.keys, key=epoch_order)
    key = epochs.keys[epoch]
    signing, verify = station.new_signing_key()
    info = StationInfo(ids.new_device_id(), name, ids.new_station_tag(taken), verify,
                       " ".join((set_up_by or "a CARE member").split()),
                       clock.now().isoformat(), epoch)
    config = station.StationConfig(
        team_id=team_id, team_name=team_name, station_id=info.station_id, name=name,
        tag=info.tag, epoch=epoch, intake_public=b64(intake_public_key(key)),
        signing_key=signing, shared=str(folder))
    where = folder / station.STATIONS_DIR / info.station_id
    try:
        where.mkdir(parents=True, exist_ok=False)
        create_new(where / REGISTRATION_NAME, seal_registration(info, key, team_id),
                   mode=0o644)
    except OSError as exc:
        raise InvalidInput(f"could not register the station in {folder}: "
                           f"{exc.strerror or exc}; nothing was set up") from None
    station.save(home, config, new=True)
    return config


def list_stations(store: Store, folder: Path) -> tuple[list[StationInfo], dict[str, Any]]:
    """The team's stations in the folder, and the removed ones' records."""
    epochs = epochs_of(store)
    stations = stations_in(folder, epochs, store.meta["team_id"], [])
    return stations, removed_stations(store)


def remove_station(store: Store, info: StationInfo) -> None:
    """Record that ``info`` no longer belongs to the team (synced; cannot be undone
    by deleting a file of the folder)."""
    record = {"name": info.name, "tag": info.tag, "at": clock.now().isoformat(),
              "by": store.member}

    def build(maker: Any) -> None:
        maker.add(TEAM_RECORD, "set", {REMOVED_KEY + info.station_id: record})

    store.transact(build)


def find_station(store: Store, text: str) -> StationInfo | None:
    """The station ``text`` names (its name, its tag or its id, 4+ characters of it), or
    ``None`` when it names none (then it may name a laptop)."""
    folder = shared_folder(store)
    if folder is None:
        return None
    stations, _ = list_stations(store, folder)
    wanted = text.strip()
    for test in (lambda s: s.station_id == wanted.lower(),
                 lambda s: len(wanted) >= 4 and s.station_id.startswith(wanted.lower()),
                 lambda s: s.tag == wanted.upper(),
                 lambda s: s.name.casefold() == wanted.casefold()):
        found = [s for s in stations if test(s)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise InvalidInput(f"{wanted!r} names {len(found)} stations: give one tag "
                               f"({', '.join(s.tag for s in found)})")
    return None
