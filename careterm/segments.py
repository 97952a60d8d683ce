"""The shared folder's files: team header, device registrations, change segments.

Layout of a shared folder (synced by Syncthing, Dropbox, Nextcloud, a network
share or a USB stick)::

    careterm-team.json            team header, in clear: format, team id, the
                                  Argon2id parameters + salt + passphrase-wrapped
                                  team key, a key check (no report data)
    devices/<device-id>/device.reg    the device's registration (member, id tag,
                                  Ed25519 verify key), sealed under the team key
    devices/<device-id>/<seq>.seg     a batch of that device's change records,
                                  signed by the device and sealed under the team key

Every device only ever *creates* files in its own folder (temp name, then
rename) and never edits one, so sync services never see two writers of one
file. Sealed files bind ``team id | device id | sequence`` into the
authenticated data, so a file renamed or copied into another slot or another
team's folder fails to open. File names carry only random device ids and
sequence numbers: nothing about reports.

This module knows the formats; :mod:`careterm.sync` decides what to read and write.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import os
import re
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing

from careterm.crypto import KeyEnvelope, Unsealable, seal, subkey, unseal
from careterm.errors import CaretermError

HEADER_FILE = "careterm-team.json"
DEVICES_DIR = "devices"
REGISTRATION_FILE = "device.reg"
FORMAT = 1
HEADER_KIND = "careterm team folder"
SEGMENT_MAGIC = b"CTSEG1 "
"""Clear prefix of a segment, followed by a JSON line naming its slot (a hint for
messages only: the authenticated data is always derived from the file's path)."""
KEY_CHECK = b"careterm key check v1"

DEVICE_ID = re.compile(r"^[0-9a-f]{8,64}$")
SEGMENT_NAME = re.compile(r"^(\d{1,12})(?:\.seg|[ .(_~-].*\.seg)$")
"""``<seq>.seg`` and its conflict copies: Syncthing ``5.sync-conflict-…-ID.seg``,
Dropbox ``5 (Bo's conflicted copy 2026-11-25).seg``, Nextcloud
``5 (conflicted copy 2026-11-25 133143).seg``, ``5 (1).seg``."""
_STAMP = re.compile(r"^\d{15}\.\d{5}$")


class SyncProblem(CaretermError):
    """Something about the shared folder careterm can explain in one line."""


class SyncFolderUnavailable(SyncProblem):
    """The shared folder is missing, unreadable or unwritable. Local data is untouched."""

    def __init__(self, folder: object, reason: str) -> None:
        super().__init__(f"shared folder {folder} is not reachable ({reason}); "
                         "nothing was synced and nothing on this laptop was changed")


class NotATeamFolder(SyncProblem):
    """The folder holds no team header, a damaged one, or another team's."""


class BadFile(Exception):
    """A file in the shared folder that cannot be used (the message says why)."""


# ------------------------------------------------------------------ helpers

def b64(data: bytes) -> str:
    """Base64 text of ``data``."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    """Bytes of base64 ``text`` (``ValueError`` when malformed)."""
    return base64.b64decode(text.encode("ascii"), validate=True)


def create_new(path: Path, data: bytes) -> None:
    """Create ``path`` holding ``data``, never overwriting an existing file.

    Written under a hidden temp name (which readers ignore), fsynced, then
    linked into place so the final name only ever shows a complete file.
    Raises ``FileExistsError`` when ``path`` already exists, ``OSError`` when
    the disk refuses.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # Readable by the other accounts of a network share: the contents are sealed anyway.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:
            # FAT USB sticks and some network shares have no hard links.
            if path.exists():
                raise FileExistsError(path) from None
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _aad(kind: str, team_id: str, *parts: object) -> bytes:
    return "|".join([f"careterm/{kind}/v1", team_id, *map(str, parts)]).encode()


# ------------------------------------------------------------------- header

@dataclass
class TeamHeader:
    """The clear header of a team's shared folder."""

    team_id: str
    envelope: KeyEnvelope
    key_check: bytes
    team_info: bytes

    @classmethod
    def build(cls, team_id: str, envelope: KeyEnvelope, key: bytes, team: str) -> TeamHeader:
        """A header for the team whose key is ``key``."""
        check = seal(subkey(key, "key-check"), KEY_CHECK, _aad("key-check", team_id))
        info = seal(subkey(key, "team-info"), json.dumps({"team": team}).encode(),
                    _aad("team-info", team_id))
        return cls(team_id, envelope, check, info)

    def to_bytes(self) -> bytes:
        """The header file's contents."""
        return json.dumps({
            "format": FORMAT, "kind": HEADER_KIND, "team_id": self.team_id,
            "key": self.envelope.to_dict(), "key_check": b64(self.key_check),
            "team_info": b64(self.team_info),
        }, indent=1).encode()

    @classmethod
    def read(cls, folder: Path) -> TeamHeader | None:
        """The header of ``folder``; ``None`` when it has none.

        Raises :class:`SyncFolderUnavailable` when the folder cannot be read and
        :class:`NotATeamFolder` when the header is damaged.
        """
        path = folder / HEADER_FILE
        try:
            if not folder.is_dir():
                raise SyncFolderUnavailable(folder, "no such folder")
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SyncFolderUnavailable(folder, exc.strerror or str(exc)) from exc
        try:
            data = json.loads(raw)
            if data.get("kind") != HEADER_KIND:
                raise ValueError("not a careterm header")
            if data.get("format") != FORMAT:
                raise NotATeamFolder(f"{path} was written by another careterm version "
                                     f"(format {data.get('format')!r}); update careterm")
            team_id = data["team_id"]
            if not isinstance(team_id, str) or not DEVICE_ID.match(team_id):
                raise ValueError("bad team id")
            return cls(team_id, KeyEnvelope.from_dict(data["key"]),
                       unb64(data["key_check"]), unb64(data["team_info"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise NotATeamFolder(f"{path} is not a readable careterm team header "
                                 "(damaged, or not written by careterm); it was left as it is"
                                 ) from exc

    def check_key(self, key: bytes) -> bool:
        """True when ``key`` is this team's key."""
        try:
            return unseal(subkey(key, "key-check"), self.key_check,
                          _aad("key-check", self.team_id)) == KEY_CHECK
        except Unsealable:
            return False

    def team_name(self, key: bytes) -> str:
        """The team's name (sealed in the header)."""
        try:
            info = json.loads(unseal(subkey(key, "team-info"), self.team_info,
                                     _aad("team-info", self.team_id)))
            return str(info.get("team", ""))
        except (Unsealable, ValueError, AttributeError):
            return ""


# ------------------------------------------------------------ registrations

@dataclass(frozen=True)
class Registration:
    """A device registered in the team folder."""

    device_id: str
    member: str
    tag: str
    verify_key: bytes

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (also kept in the local sync state)."""
        return {"device_id": self.device_id, "member": self.member, "tag": self.tag,
                "verify_key": b64(self.verify_key)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Registration:
        """Parse :meth:`to_dict` output (``ValueError``/``KeyError``/``TypeError`` if bad)."""
        verify_key = unb64(data["verify_key"])
        if len(verify_key) != 32:
            raise ValueError("bad verify key")
        return cls(str(data["device_id"]), str(data["member"]), str(data["tag"]), verify_key)


def seal_registration(key: bytes, team_id: str, reg: Registration) -> bytes:
    """The sealed ``device.reg`` file of ``reg``."""
    body = json.dumps({"format": FORMAT, **reg.to_dict()}, ensure_ascii=False).encode()
    return seal(subkey(key, "devices"), body, _aad("device", team_id, reg.device_id))


def open_registration(key: bytes, team_id: str, device_id: str, blob: bytes) -> Registration:
    """Unseal a ``device.reg`` found in ``devices/<device_id>/``; :class:`BadFile` if unusable."""
    if not blob:
        raise BadFile("empty file (probably still arriving; will retry)")
    try:
        data = json.loads(unseal(subkey(key, "devices"), blob, _aad("device", team_id, device_id)))
        reg = Registration.from_dict(data)
    except Unsealable as exc:
        raise BadFile("failed authentication: from another team, moved from another "
                      "device's folder, damaged or incomplete") from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadFile("unreadable registration (written by a newer careterm?)") from exc
    if reg.device_id != device_id:
        raise BadFile("registration names another device")
    return reg


# ----------------------------------------------------------------- segments

def segment_name(seq: int) -> str:
    """The canonical file name of a device's ``seq``-th segment."""
    return f"{seq}.seg"


def parse_segment_name(name: str) -> tuple[int, bool] | None:
    """``(seq, canonical)`` for a segment file name or conflict copy; ``None`` otherwise.

    Temp files of sync services (``.syncthing.5.seg.tmp``, ``~syncthing~5.seg.tmp``)
    and of careterm (``.5.seg.123.tmp``) are not segments.
    """
    stem = name[:-4]
    if name.endswith(".seg") and stem.isdigit() and stem.isascii() and stem[:1] != "0":
        return int(stem), True  # the usual case, without a regular expression
    match = SEGMENT_NAME.match(name)
    if not match:
        return None
    seq = int(match.group(1))
    return seq, name == segment_name(seq)


def is_temp_name(name: str) -> bool:
    """True for a file a sync service or careterm is still writing."""
    return (name.startswith((".syncthing.", "~syncthing~", ".~", "~$"))
            or name.endswith((".tmp", ".part", ".partial", ".!sync")))


def write_segment(key: bytes, signing_key: nacl.signing.SigningKey, team_id: str,
                  device_id: str, seq: int, changes: list[dict[str, Any]],
                  written_at: str) -> bytes:
    """The bytes of segment ``seq`` of ``device_id`` holding ``changes``."""
    payload = json.dumps({"format": FORMAT, "team": team_id, "dev": device_id, "seq": seq,
                          "written_at": written_at, "changes": changes},
                         ensure_ascii=False, separators=(",", ":"))
    packed = zlib.compress(payload.encode("utf-8", "surrogatepass"), 1)
    signed = bytes(signing_key.sign(packed))
    hint = json.dumps({"team": team_id, "dev": device_id, "seq": seq}).encode()
    return (SEGMENT_MAGIC + hint + b"\n"
            + seal(subkey(key, "segments"), signed, _aad("segment", team_id, device_id, seq)))


@dataclass
class Segment:
    """A segment that opened, verified and parsed."""

    seq: int
    changes: list[dict[str, Any]]
    digest: str


def open_segment(key: bytes, team_id: str, device_id: str, seq: int, blob: bytes,
                 verify_key: bytes) -> Segment:
    """Open segment ``seq`` found in ``devices/<device_id>/``; :class:`BadFile` if unusable."""
    if not blob:
        raise BadFile("empty file (probably still arriving; will retry)")
    newline = blob.find(b"\n", 0, 400)
    if not blob.startswith(SEGMENT_MAGIC) or newline < 0:
        if SEGMENT_MAGIC.startswith(blob[:len(SEGMENT_MAGIC)]) and len(blob) < 400:
            raise BadFile("incomplete file (probably still arriving; will retry)")
        raise BadFile("not a careterm segment")
    try:
        hint = json.loads(blob[len(SEGMENT_MAGIC):newline])
        claimed = (str(hint["team"]), str(hint["dev"]), int(hint["seq"]))
    except (ValueError, KeyError, TypeError):
        raise BadFile("damaged file header") from None
    if claimed[0] != team_id:
        raise BadFile("belongs to another careterm team")
    if claimed[1:] != (device_id, seq):
        raise BadFile(f"renamed or replayed: it is file {claimed[2]} of device "
                      f"{claimed[1][:8]}, not file {seq} of device {device_id[:8]}")
    try:
        signed = unseal(subkey(key, "segments"), blob[newline + 1:],
                        _aad("segment", team_id, device_id, seq))
    except Unsealable as exc:
        raise BadFile("failed authentication: damaged, tampered with or incomplete "
                      "(will retry if it changes)") from exc
    try:
        packed = nacl.signing.VerifyKey(verify_key).verify(signed[64:], signed[:64])
    except (nacl.exceptions.BadSignatureError, ValueError) as exc:
        raise BadFile("signature does not match the device's registered key "
                      "(forged by another laptop?)") from exc
    try:
        payload = json.loads(zlib.decompress(packed))
        if payload.get("format") != FORMAT:
            raise BadFile("written by a newer careterm; update careterm to read it")
        if (payload.get("team"), payload.get("dev"), payload.get("seq")) != (
                team_id, device_id, seq):
            raise BadFile("contents name another slot (renamed or replayed)")
        changes = payload["changes"]
        if not isinstance(changes, list):
            raise ValueError("changes")
    except (ValueError, KeyError, TypeError, AttributeError, zlib.error) as exc:
        raise BadFile("unreadable contents") from exc
    for change in changes:
        problem = change_problem(change, device_id)
        if problem:
            raise BadFile(f"holds a change careterm cannot use ({problem})")
    return Segment(seq, changes, hashlib.blake2b(packed, digest_size=12).hexdigest())


@functools.lru_cache(maxsize=4096)
def _aware_time(value: str) -> bool:
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


_REQUIRED = ("cid", "inc", "op", "hlc", "dev", "by")
_TEXT_VALUED = frozenset({"what", "who", "when_text", "where", "ongoing", "contact",
                          "reporter", "source", "urgency", "status", "created_by"})
"""Fields every face shows as text: a value must be text, empty, or a mark."""
_TIME_VALUED = frozenset({"when", "created_at"})


def _field_problem(name: str, value: Any) -> str | None:
    kind = type(value)
    if value is None or kind is str and (name not in _TIME_VALUED or not value
                                         or _aware_time(value)):
        return None
    if kind is dict and type(value.get("mark")) is str and len(value) == 1:
        return None
    return f"bad {name}"


def change_problem(change: Any, device_id: str) -> str | None:
    """Why ``change`` (claimed by ``device_id``) cannot be merged, or ``None`` when it can.

    A device may only publish its own changes: a change id of another device
    would shadow that device's real change (ids are deduplicated). Values the
    fold and the faces rely on must have the right shape (text fields hold
    text or a mark; times are ISO 8601 with an offset), so that one bad file
    can never make a store unreadable.
    """
    if type(change) is not dict:
        return "not a record"
    for name in _REQUIRED:
        if type(change.get(name)) is not str:
            return f"no {name}"
    if change["dev"] != device_id:
        return "made by another device"
    prefix, _, number = change["cid"].rpartition(":")
    if prefix != device_id or not number.isdigit():
        return "change id of another device"
    if not change["inc"] or len(change["inc"]) > 64:
        return "bad incident id"
    if not _STAMP.match(change["hlc"]):
        return "bad clock stamp"
    at = change.get("at")
    if at and not (type(at) is str and _aware_time(at)):
        return "bad time"
    data = change.get("data") or {}
    if type(data) is not dict:
        return "bad data"
    op = change["op"]
    if op == "set":
        for name, value in data.items():
            if type(value) is str and name not in _TIME_VALUED:
                continue  # the usual case, checked first for speed
            if name in _TEXT_VALUED or name in _TIME_VALUED or name.startswith("support_"):
                problem = _field_problem(name, value)
                if problem:
                    return problem
    elif op == "note" and type(data.get("text", "")) is not str:
        return "bad note"
    elif op == "ack" and data.get("via") is not None and type(data["via"]) is not str:
        return "bad acknowledgement"
    return None
