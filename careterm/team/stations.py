"""Intake stations in the shared folder: setting one up, and picking up what it sent.

The station's side (what it keeps, how it seals a report) is
:mod:`careterm.store.station`. Here is the CARE side:

* :func:`set_up_station` runs once on the station's laptop, with a CARE
  member typing the team passphrase: it opens the team's keys from the
  folder's header (as joining does), derives the team's **intake key** from
  the newest key epoch, picks a free station tag (``Z0``, ``Z1``, …, never a
  laptop's), and registers the station in ``stations/<id>/station.ct``:
  its name, tag and verify key, who set it up and when, sealed and
  authenticated under that epoch's key (only someone with the team
  passphrase can register a station). The station keeps the intake key's
  *public* half and its own signing key, and forgets the team's keys.
* :func:`pick_up` runs on every sync of a CARE laptop: each
  ``stations/<id>/<ref>.rep`` whose report is not on this laptop yet is
  read as untrusted input (only regular files, a size cap), opened with the
  intake key of every epoch this laptop has, checked against the station's
  registration (signature, team, station, reference), its fields checked
  like a capture's, and becomes a new unacknowledged report, id ``ref``,
  source ``staff``, relayed by the station's name. A report whose id this
  laptop has is left unread, so picking up costs one directory listing per
  station when nothing is new. Files from a station removed from the team
  (``careterm revoke STATION``, a ``station_removed:<id>`` entry of the
  team record, which syncs and cannot be deleted from the folder unnoticed)
  are refused and named, as are forged files, another team's files and
  files that do not open.

Honest limit: the intake key belongs to a key epoch. A laptop removed from
the team still holds the key of the epoch a station was set up in; set the
stations up again after removing a laptop (the new station uses the new epoch).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import nacl.public

from careterm.core import ids
from careterm.core.validate import MAX_TEXT, check_choice
from careterm.core.vocabulary import CHOICE_FIELDS
from careterm.errors import InvalidInput
from careterm.store import station
from careterm.store.crypto import Unsealable, b64, seal, subkey, unb64, unseal
from careterm.store.store import Store
from careterm.team.folder import (
    FileMissing,
    UnsafeFile,
    list_dir,
    loads_json,
    read_regular,
)
from careterm.team.segments import DEVICE_ID, Epochs, epoch_order, is_epoch

REGISTRATION_NAME = "station.ct"
REGISTRATION_CAP = 64 * 1024
REPORT_CAP = 1024 * 1024
"""Largest station report file read (a report is text: far below this)."""
REMOVED_KEY = "station_removed:"
"""Team-record key prefix recording a station's removal (``station_removed:<id>``)."""
_REF = re.compile(r"^Z[0-9A-HJKMNP-TV-Z][0-9A-HJKMNP-TV-Z]{4}$")

_TEXT = frozenset({"what", "who", "when_text", "where", "contact", "reporter"})
_CHOICES = frozenset({"ongoing", "urgency"} | {k for k in CHOICE_FIELDS
                                                 if k.startswith("support_")})


@dataclass(frozen=True)
class StationInfo:
    """A station as registered in the folder."""

    station_id: str
    name: str
    tag: str
    verify_key: bytes
    set_up_by: str
    set_up_at: str
    epoch: str


@dataclass
class PickUp:
    """What one pick-up found."""

    new: dict[str, list[str]] = field(default_factory=dict)
    """Station name → ids of the reports picked up."""
    skipped: list[tuple[str, str]] = field(default_factory=list)


def intake_private_key(epoch_key: bytes) -> bytes:
    """The private half of the team's intake key for one key epoch."""
    return subkey(epoch_key, "intake")


def intake_public_key(epoch_key: bytes) -> bytes:
    """The public half (what a station keeps)."""
    return bytes(nacl.public.PrivateKey(intake_private_key(epoch_key)).public_key)


def _aad(team_id: str, station_id: str, epoch: str) -> bytes:
    return json.dumps(["station", team_id, station_id, epoch]).encode()


def seal_registration(info: StationInfo, key: bytes, team_id: str) -> bytes:
    body = json.dumps({"station_id": info.station_id, "name": info.name, "tag": info.tag,
                       "verify_key": b64(info.verify_key), "set_up_by": info.set_up_by,
                       "set_up_at": info.set_up_at}).encode()
    hint = json.dumps({"team": team_id, "station": info.station_id, "epoch": info.epoch})
    return (hint.encode() + b"\n"
            + seal(subkey(key, "stations"), body, _aad(team_id, info.station_id, info.epoch)))


def open_registration(blob: bytes, epochs: Epochs, team_id: str, station_id: str
                      ) -> StationInfo:
    """A station's registration; ``ValueError`` (the reason) when unusable."""
    head, newline, sealed = blob.partition(b"\n")
    if not newline:
        raise ValueError("not a station registration")
    try:
        hint = loads_json(head)
        claimed = (str(hint["team"]), str(hint["station"]))
        epoch = hint["epoch"]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ValueError("damaged registration") from None
    if claimed[0] != team_id:
        raise ValueError("belongs to another careterm team")
    if claimed[1] != station_id or not is_epoch(epoch):
        raise ValueError("renamed: it is another station's registration")
    key = epochs.keys.get(epoch)
    if key is None:
        raise ValueError("sealed under a key this laptop does not have yet")
    try:
        body = loads_json(unseal(subkey(key, "stations"), sealed,
                                 _aad(team_id, station_id, epoch)))
        info = StationInfo(station_id, str(body["name"])[:200], str(body["tag"]),
                           unb64(body["verify_key"], size=32), str(body["set_up_by"])[:200],
                           str(body["set_up_at"])[:40], epoch)
    except Unsealable:
        raise ValueError("failed authentication: forged, damaged or another team's") \
            from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ValueError("damaged registration") from None
    if not info.tag.startswith(ids.STATION_TAG_PREFIX) or len(info.tag) != ids.TAG_LENGTH:
        raise ValueError("damaged registration")
    return info


def stations_in(folder: Path, epochs: Epochs, team_id: str, skipped: list[tuple[str, str]]
              ) -> list[StationInfo]:
    try:
        entries = list_dir(folder / station.STATIONS_DIR, root=folder)
    except FileMissing:
        return []
    except UnsafeFile as exc:
        skipped.append((station.STATIONS_DIR, exc.reason))
        return []
    found = []
    for entry in sorted(entries, key=lambda e: e.name):
        if not entry.is_dir or not DEVICE_ID.match(entry.name):
            continue
        rel = f"{station.STATIONS_DIR}/{entry.name}/{REGISTRATION_NAME}"
        try:
            blob = read_regular(folder / rel, root=folder, limit=REGISTRATION_CAP)
            found.append(open_registration(blob, epochs, team_id, entry.name))
        except FileMissing:
            continue
        except UnsafeFile as exc:
            skipped.append((rel, exc.reason))
        except ValueError as exc:
            skipped.append((rel, str(exc)))
    return found


def removed_stations(store: Store) -> dict[str, Any]:
    """Station id → the removal record, from the team record."""
    values = store.team_record().values
    return {key[len(REMOVED_KEY):]: value for key, value in values.items()
            if key.startswith(REMOVED_KEY) and value}


def _fields(raw: dict[str, Any]) -> dict[str, Any]:
    """The capture fields of a station report, checked as strictly as a capture's."""
    data: dict[str, Any] = {}
    for name, value in raw.items():
        if name == "when":
            if value is not None and not (isinstance(value, str) and _aware(value)):
                raise ValueError("bad when")
        elif name in _TEXT:
            if isinstance(value, dict):
                if set(value) != {"mark"} or value["mark"] not in ("unknown", "declined"):
                    raise ValueError(f"bad {name}")
            elif value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT):
                raise ValueError(f"bad {name}")
        elif name in _CHOICES:
            if value is not None and not isinstance(value, dict):
                try:
                    check_choice(name, value)
                except InvalidInput:
                    raise ValueError(f"bad {name}") from None
        else:
            continue  # status, source and anything else are decided here, not by a station
        data[name] = value
    if not isinstance(data.get("what"), str) or not data["what"].strip():
        raise ValueError("no 'what happened'")
    return data


def _aware(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def pick_up(store: Store, folder: Path, *, team_id: str, epochs: Epochs) -> PickUp:
    """Turn station reports not on this laptop yet into reports (see the module notes)."""
    result = PickUp()
    stations = stations_in(folder, epochs, team_id, result.skipped)
    if not stations:
        return result
    removed = removed_stations(store)
    have = store.incidents()
    keys = [intake_private_key(key) for _, key in sorted(
        epochs.keys.items(), key=lambda item: epoch_order(item[0]), reverse=True)]
    for info in stations:
        base = f"{station.STATIONS_DIR}/{info.station_id}"
        try:
            entries = list_dir(folder / base, root=folder)
        except UnsafeFile as exc:
            result.skipped.append((base, exc.reason))
            continue
        for entry in sorted(entries, key=lambda e: e.name):
            ref, dot, suffix = entry.name.partition(".")
            if "." + suffix != station.REPORT_SUFFIX or not _REF.match(ref) \
                    or not ref.startswith(info.tag) or ref in have:
                continue
            rel = f"{base}/{entry.name}"
            if info.station_id in removed:
                result.skipped.append((rel, f"from the station {info.name!r}, removed from "
                                             "the team"))
                continue
            try:
                blob = read_regular(folder / rel, root=folder, limit=REPORT_CAP)
                payload = station.open_report(blob, keys, info.verify_key, team_id=team_id,
                                              station_id=info.station_id, ref=ref)
                data = _fields(payload["fields"])
                sent_at = payload.get("sent_at")
                if not (isinstance(sent_at, str) and _aware(sent_at)):
                    raise ValueError("bad time")
            except UnsafeFile as exc:
                result.skipped.append((rel, exc.reason))
                continue
            except ValueError as exc:
                result.skipped.append((rel, str(exc)))
                continue
            _store_report(store, ref, data, sent_at, info)
            result.new.setdefault(info.name, []).append(ref)
    return result


def _store_report(store: Store, ref: str, data: dict[str, Any], sent_at: str,
                  info: StationInfo) -> None:
    record = {**data, "source": "staff", "relayed_by": f"{info.name} (intake station)",
              "status": "new", "urgency": data.get("urgency") or "medium",
              "created_at": sent_at, "created_by": store.member, "station_ref": ref}

    def build(maker: Any) -> None:
        maker.add(ref, "set", record)

    store.transact(build)
