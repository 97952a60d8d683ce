"""A write-only intake station: what it keeps, and how it sends a report it cannot read back.

A volunteer at the registration desk can pass a report to the CARE team
without the team passphrase, and without ever being able to read a report,
not even the one they just wrote. A CARE member sets the station up once
(``careterm station init``, :mod:`careterm.team.stations` registers it in the
shared folder); from then on the station keeps only what it needs to *send*:

* the team's public **intake key** (an X25519 key whose private half every
  CARE laptop derives from the team key of the key epoch it was made in);
* the station's own **signing key**, registered in the folder, so a report
  speaks for the station that signed it;
* its name, its id, its incident-id tag and the number of its next report,
  and the shared folder.

That is ``<home>/station.json`` (mode 0600). It holds no key that opens
anything: what a station sends is sealed to the intake key with
:class:`nacl.public.SealedBox` (an anonymous sender's box: once sealed,
only a holder of the private half opens it), after being signed by the
station. Each report is its own file, ``stations/<station>/<ref>.rep`` in the
shared folder, created once and never rewritten; nothing else is written on
the station's disk, so a lost or borrowed station laptop gives nothing away.

The *reference* a volunteer is shown ("sent as ref Z30007") is the report's
id on the CARE board: the station's two-character tag (tags beginning with
``Z`` are kept for stations) and its own counter. The id is the same on
every CARE laptop that picks the file up, so two laptops picking it up at
once make one report, not two.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.public
import nacl.signing

from careterm.core import clock, ids
from careterm.errors import InvalidInput
from careterm.store.crypto import b64, unb64
from careterm.store.files import atomic_write, create_new

STATION_FILE = "station.json"
STATIONS_DIR = "stations"
"""Folder of the shared folder holding one folder per station."""
REPORT_MAGIC = b"CTSTATION1\n"
REPORT_SUFFIX = ".rep"
FORMAT = 1
STATION_TAG_PREFIX = ids.STATION_TAG_PREFIX

NOT_FOR_STATIONS = ("this laptop is an intake station: it sends reports to the CARE team "
                    "and cannot read any (use 'careterm station' to write one)")


@dataclass
class StationConfig:
    """What a station keeps (see the module notes)."""

    team_id: str
    team_name: str
    station_id: str
    name: str
    tag: str
    epoch: str
    intake_public: str
    """The team's intake key (base64 of the X25519 public key)."""
    signing_key: str
    """This station's signing key (base64)."""
    shared: str
    next_seq: int = 1
    format: int = FORMAT

    def to_bytes(self) -> bytes:
        """The file's contents."""
        return json.dumps(asdict(self), indent=1).encode()


def is_station(home: Path) -> bool:
    """True when ``home`` is set up as an intake station."""
    return (home / STATION_FILE).is_file()


def load(home: Path) -> StationConfig:
    """The station's settings; :class:`InvalidInput` (one line) when missing or damaged."""
    path = home / STATION_FILE
    try:
        raw = json.loads(path.read_bytes())
        config = StationConfig(**{k: raw[k] for k in StationConfig.__dataclass_fields__
                                  if k in raw})
        unb64(config.intake_public, size=32)
        unb64(config.signing_key, size=32)
    except FileNotFoundError:
        raise InvalidInput(f"{home} is not set up as an intake station (a CARE member "
                           "runs 'careterm station init' there once)") from None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise InvalidInput(f"{path} is damaged ({type(exc).__name__}); ask a CARE member "
                           "to set the station up again") from None
    if config.format != FORMAT:
        raise InvalidInput(f"{path} was written by a newer careterm; update careterm")
    return config


def save(home: Path, config: StationConfig, *, new: bool = False) -> None:
    """Write the station's settings (a new station never replaces an existing one)."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    if new:
        try:
            create_new(home / STATION_FILE, config.to_bytes())
        except FileExistsError:
            raise InvalidInput(f"{home} is already an intake station; nothing was changed"
                               ) from None
    else:
        atomic_write(home / STATION_FILE, config.to_bytes())


def report_purpose(team_id: str, station_id: str, ref: str) -> dict[str, Any]:
    """The fields a report's signed payload binds it to."""
    return {"format": FORMAT, "team": team_id, "station": station_id, "ref": ref}


def seal_report(config: StationConfig, fields: dict[str, Any], ref: str) -> bytes:
    """The file for one report: signed by the station, sealed to the team's intake key."""
    payload = {**report_purpose(config.team_id, config.station_id, ref),
               "sent_at": clock.now().isoformat(), "fields": fields}
    signing_key = nacl.signing.SigningKey(unb64(config.signing_key, size=32))
    signed = signing_key.sign(json.dumps(payload, ensure_ascii=False).encode())
    box = nacl.public.SealedBox(nacl.public.PublicKey(unb64(config.intake_public, size=32)))
    return REPORT_MAGIC + bytes(box.encrypt(bytes(signed)))


def send(home: Path, fields: dict[str, Any]) -> str:
    """Seal ``fields`` (a validated capture) and drop it in the shared folder; return the
    reference. Nothing readable stays on this laptop."""
    config = load(home)
    folder = Path(config.shared) / STATIONS_DIR / config.station_id
    if not folder.is_dir():
        raise InvalidInput(f"the shared folder {config.shared} is not reachable from this "
                           "station (is the sync running?); nothing was sent")
    while True:
        ref = ids.incident_id(config.tag, config.next_seq)
        config.next_seq += 1
        blob = seal_report(config, fields, ref)
        try:
            create_new(folder / f"{ref}{REPORT_SUFFIX}", blob, mode=0o644)
        except FileExistsError:
            continue  # a number used by an older copy of this station's settings
        except OSError as exc:
            raise InvalidInput(f"could not write to the shared folder: "
                               f"{exc.strerror or exc}; nothing was sent") from None
        save(home, config)
        return ref


def open_report(blob: bytes, intake_keys: list[bytes], verify_key: bytes, *,
                team_id: str, station_id: str, ref: str) -> dict[str, Any]:
    """The payload of a station's report file; ``ValueError`` (the reason) when unusable."""
    if not blob.startswith(REPORT_MAGIC):
        raise ValueError("not a careterm station report")
    sealed = blob[len(REPORT_MAGIC):]
    signed = None
    for private in intake_keys:
        try:
            signed = nacl.public.SealedBox(nacl.public.PrivateKey(private)).decrypt(sealed)
            break
        except (nacl.exceptions.CryptoError, ValueError):
            continue
    if signed is None:
        raise ValueError("does not open with this team's intake key (another team's "
                         "station, or damaged)")
    try:
        body = nacl.signing.VerifyKey(verify_key).verify(signed)
    except (nacl.exceptions.BadSignatureError, ValueError):
        raise ValueError("signature does not match the station's registered key "
                         "(forged?)") from None
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        raise ValueError("unreadable contents") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("fields"), dict):
        raise ValueError("unreadable contents")
    if {k: payload.get(k) for k in ("format", "team", "station", "ref")} != report_purpose(
            team_id, station_id, ref):
        raise ValueError("renamed or replayed: it is not the report its name says")
    return payload


def new_signing_key() -> tuple[str, bytes]:
    """A fresh station signing key (base64) and its verify key."""
    key = nacl.signing.SigningKey.generate()
    return b64(bytes(key)), bytes(key.verify_key)


def forget(home: Path) -> None:
    """Remove the station's settings (it can no longer send)."""
    os.unlink(home / STATION_FILE)
