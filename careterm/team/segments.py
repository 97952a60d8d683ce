"""The shared folder's files: team header, device registrations, change segments.

Layout of a shared folder (synced by Syncthing, Dropbox, Nextcloud, a network
share or a USB stick)::

    careterm-team.json            team header, in clear: format, team id, the
                                  Argon2id parameters + salt + passphrase-wrapped
                                  team key (the parameters, salt and the team's
                                  newest key epoch authenticated with it), a key
                                  check (no report data)
    devices/<device-id>/device.reg    the device's registration (member, id tag,
                                  Ed25519 verify key), signed by that key and
                                  sealed under the team key
    devices/<device-id>/<seq>.seg     a batch of that device's change records,
                                  signed by the device and sealed under the key of
                                  the epoch it was written in (see below)
    epochs/<n>-<creator>/<device-id>.key   epoch n's key for one device: a
                                  ``SealedBox`` to that device's X25519 key, signed
                                  by the laptop that made the epoch
    epochs/<n>-<creator>/epoch.rec    the epoch's record (who was removed, which of
                                  their files stay valid, who got the key, the
                                  registration of every laptop known then), signed
                                  by its creator and sealed under the epoch key
    keyrings/<fingerprint>.ring   every epoch key, sealed under a key derived from
                                  the passphrase of the header whose envelope has
                                  this fingerprint (for laptops that join later)

Key epochs (``careterm revoke``). Epoch ``0`` is the team key of the header.
Removing a laptop makes epoch ``<n>-<creator device id>`` (n one above every
epoch in the folder; the creator's id keeps two laptops that remove someone at
the same moment from writing the same file) with a fresh random key that goes
only to the remaining registered devices. Segments (and registrations of
devices that join later) name their epoch in the clear hint and bind it into
the authenticated data, so a reader picks the key by it and a changed hint
fails authentication. Epoch 0 files keep the original format byte for byte.

What in the folder is trusted, and why (anyone with the folder can write it):

* The header's Argon2id limits only ever *read* an envelope, and one below
  :func:`careterm.store.crypto.minimum_limits` is refused
  (:meth:`TeamHeader.check_stretching`); a new envelope always takes the limits
  of the laptop that writes it. The envelope (:class:`KeyEnvelope` version 2)
  binds its limits, salt and the team's newest key epoch (:func:`header_bound`)
  to the wrapped key, so none can be changed without the key failing to open,
  and a laptop joining later refuses a folder whose keyring lacks that epoch.
* A registration is signed by the key it names (format 2; unsigned format 1
  ones of older careterm are still read), and each key epoch's signed record
  pins the registration of every laptop known when it was made
  (:attr:`EpochRecord.devices`): a laptop that has the record uses those, not
  the folder's copies, so a removed member who still has an old key cannot
  swap a known laptop's registration for one of its own.

Every device only ever *creates* files in its own folder (temp name, fsync,
then link into place: :func:`careterm.store.files.create_new`, with
:data:`SHARED_FILE_MODE`) and never edits one, so sync services never see two
writers of one file. Sealed files bind ``team id | device id | sequence`` into the
authenticated data, so a file renamed or copied into another slot or another
team's folder fails to open. File names carry only random device ids and
sequence numbers: nothing about reports.

A segment's signed payload also chains it to the device's previous segment
(``prev``: its number and digest, the digest being :func:`segment_digest` of
that segment's signed, compressed payload, as removal records list it) and
names the device's own earlier segments, missing from the folder, whose
changes it holds again (``replaces``). Readers use the chain to tell that a
file of another laptop was lost, and that it came back (:mod:`careterm.team.sync`).
A laptop carrying out an erasure replaces *all* its earlier files that way with one
compacted segment, then deletes them (:mod:`careterm.team.erasure`).
Older careterm ignores both (no format change); segments without them are
read as before.

Reading: every file here comes from the folder, which anyone with write
access to it can fill. The header is read through
:func:`careterm.team.folder.read_regular` (a regular file, capped, never a
FIFO); every JSON text through :func:`~careterm.team.folder.loads_json`
(bounded nesting and size: never ``RecursionError``); a segment's payload is
decompressed by :func:`~careterm.team.folder.bounded_decompress` only after
its seal and signature hold and :func:`open_segment`'s caller accepted its
digest (a removed laptop's file is refused before it is decompressed). Which
member a change speaks for is checked against the signing laptop's
registration (:func:`borrowed_name`).

This module knows the formats; :mod:`careterm.team.sync` decides what to read and write,
:mod:`careterm.team.keyring` writes key epochs and keyrings.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.public
import nacl.signing

from careterm.errors import CaretermError
from careterm.store.crypto import (
    KeyEnvelope,
    Unsealable,
    minimum_limits,
    seal,
    subkey,
    unseal,
)
from careterm.team.folder import (
    HEADER_CAP,
    MAX_ENTRIES,
    FileMissing,
    ReadFailed,
    UnsafeContent,
    UnsafeFile,
    bounded_decompress,
    loads_json,
    read_regular,
)

HEADER_FILE = "careterm-team.json"


SHARED_FILE_MODE = 0o644
"""Files careterm creates in the shared folder are readable by the other accounts of a
network share: their contents are sealed anyway."""


DEVICES_DIR = "devices"


REGISTRATION_FILE = "device.reg"


EPOCHS_DIR = "epochs"


EPOCH_RECORD_FILE = "epoch.rec"


KEYRINGS_DIR = "keyrings"


BASE_EPOCH = "0"
"""The team key of the header: the epoch every team starts in."""


REGISTRATION_MAGIC = b"CTREG2 "
"""Clear prefix of a registration sealed under an epoch key (epoch 0 ones have none)."""


EPOCH_KEY_MAGIC = b"CTKEY1 "


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


EPOCH_NAME = re.compile(r"^([1-9]\d{0,8})-([0-9a-f]{8,64})$")
"""``<n>-<creator device id>``: the folder (and id) of a key epoch after epoch 0."""


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


class NoEpochKey(BadFile):
    """A file sealed under an epoch key this laptop does not have."""

    def __init__(self, epoch: str) -> None:
        super().__init__(f"written with a team key this laptop was not given (key epoch "
                         f"{epoch_number(epoch)}); read again if the key arrives")
        self.epoch = epoch


def b64(data: bytes) -> str:
    """Base64 text of ``data``."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    """Bytes of base64 ``text`` (``ValueError`` when malformed)."""
    return base64.b64decode(text.encode("ascii"), validate=True)


def _aad(kind: str, team_id: str, *parts: object) -> bytes:
    return "|".join([f"careterm/{kind}/v1", team_id, *map(str, parts)]).encode()


def _epoch_aad(kind: str, team_id: str, epoch: str, *parts: object) -> bytes:
    # Epoch 0 keeps the original associated data, so older files stay readable.
    if epoch == BASE_EPOCH:
        return _aad(kind, team_id, *parts)
    return _aad(kind, team_id, *parts, f"epoch={epoch}")


def parse_epoch_name(name: str) -> tuple[int, str] | None:
    """``(n, creator device id)`` of an epoch folder name; ``None`` for anything else."""
    match = EPOCH_NAME.match(name)
    return (int(match.group(1)), match.group(2)) if match else None


def is_epoch(epoch: object) -> bool:
    """True for ``"0"`` and for epoch names of :data:`EPOCH_NAME`."""
    return isinstance(epoch, str) and (epoch == BASE_EPOCH or bool(EPOCH_NAME.match(epoch)))


def epoch_order(epoch: str) -> tuple[int, str]:
    """Sort key of an epoch id: its number, then its creator (a fixed tie-break)."""
    parsed = parse_epoch_name(epoch)
    return parsed if parsed else (0, "")


def epoch_number(epoch: str) -> int:
    """The ``n`` of an epoch id (0 for the team key)."""
    return epoch_order(epoch)[0]


def _key_for(keys: bytes | dict[str, bytes], epoch: str) -> bytes:
    if isinstance(keys, bytes):
        keys = {BASE_EPOCH: keys}
    try:
        return keys[epoch]
    except KeyError:
        raise NoEpochKey(epoch) from None


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
            raw = read_regular(path, root=folder, limit=HEADER_CAP)
        except FileMissing:
            return None
        except ReadFailed as exc:
            raise SyncFolderUnavailable(folder, exc.reason) from None
        except UnsafeFile as exc:
            raise NotATeamFolder(f"{path} was not read ({exc.reason}); it was left as it is"
                                 ) from None
        except OSError as exc:
            raise SyncFolderUnavailable(folder, exc.strerror or str(exc)) from exc
        try:
            data = loads_json(raw)
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
        except UnsafeContent as exc:
            raise NotATeamFolder(f"{path} is not a readable careterm team header "
                                 f"({exc.reason}); it was left as it is") from None
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
            info = loads_json(unseal(subkey(key, "team-info"), self.team_info,
                                     _aad("team-info", self.team_id)))
            return str(info.get("team", ""))
        except (Unsealable, ValueError, AttributeError):
            return ""

    def check_stretching(self, folder: Path) -> None:
        """Refuse (:class:`NotATeamFolder`) an envelope whose Argon2id limits are below what
        this laptop accepts (:func:`careterm.store.crypto.minimum_limits`): anyone with the
        folder can edit them, and a weak one would let the passphrase be guessed fast."""
        if not self.envelope.weaker_than_allowed():
            return
        opslimit, memlimit = minimum_limits()
        raise NotATeamFolder(
            f"{folder / HEADER_FILE} asks for weaker key stretching than careterm accepts "
            f"({_stretch(self.envelope.opslimit, self.envelope.memlimit)}; at least "
            f"{_stretch(opslimit, memlimit)}): tampered with? It was not used and nothing "
            "was written; a team member can write it again with 'careterm passphrase'")

    def newest_epoch(self) -> str | None:
        """The team's newest key epoch, as bound to the wrapped key when the header was
        written (trust it only once the key opened: :meth:`KeyEnvelope.unwrap_with`);
        ``None`` for a header that binds none (made with a new team's store, or by an
        older careterm). ``ValueError`` when what is bound cannot be read."""
        if not self.envelope.bound:
            return None
        epoch = loads_json(self.envelope.bound)["epoch"]
        if not is_epoch(epoch):
            raise ValueError("bad newest epoch")
        return epoch


def _stretch(opslimit: int, memlimit: int) -> str:
    return f"{opslimit} pass{'es' if opslimit != 1 else ''} over {memlimit // 1024:,} KiB"


def header_bound(epoch: str) -> str:
    """What a header's envelope binds to its wrapped key: the team's newest key epoch
    (a joiner refuses a folder whose keyring lacks it)."""
    return json.dumps({"epoch": epoch}, separators=(",", ":"))


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


REGISTRATION_FORMAT = 2
"""A registration signed by its device (format 1 ones, unsigned, are still read)."""


def _registration_signed_part(data: dict[str, Any]) -> bytes:
    # The registration's fields in one spelling (sorted, compact), without the signature.
    return json.dumps({k: v for k, v in data.items() if k != "sig"}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False).encode("utf-8",
                                                                         "surrogatepass")


def seal_registration(key: bytes, team_id: str, reg: Registration, epoch: str = BASE_EPOCH,
                      *, signing_key: nacl.signing.SigningKey | None = None) -> bytes:
    """The sealed ``device.reg`` file of ``reg``, under the key of ``epoch``.

    Devices that join after a laptop was removed register under the newest
    epoch key, which the removed laptop never had, so it cannot forge one.
    ``signing_key`` is the device's own (``reg.verify_key`` is its half): it signs
    the team id, device id, member, tag and key together. Only tests leave it out
    (the unsigned format 1 of older careterm).
    """
    data: dict[str, Any] = {"format": FORMAT, **reg.to_dict()}
    if signing_key is not None:
        data = {"format": REGISTRATION_FORMAT, "team": team_id, **reg.to_dict()}
        data["sig"] = b64(signing_key.sign(_registration_signed_part(data)).signature)
    body = json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass")
    sealed = seal(subkey(key, "devices"), body,
                  _epoch_aad("device", team_id, epoch, reg.device_id))
    if epoch == BASE_EPOCH:
        return sealed
    return REGISTRATION_MAGIC + json.dumps({"epoch": epoch}).encode() + b"\n" + sealed


def open_registration_at(keys: bytes | dict[str, bytes], team_id: str, device_id: str,
                         blob: bytes) -> tuple[Registration, str]:
    """Unseal a ``device.reg`` found in ``devices/<device_id>/``: the registration and the
    epoch it was sealed in. ``keys`` is the team key or every epoch key by epoch id;
    raises :class:`BadFile` (:class:`NoEpochKey` without the needed key)."""
    if not blob:
        raise BadFile("empty file (probably still arriving; will retry)")
    epoch = BASE_EPOCH
    if blob.startswith(REGISTRATION_MAGIC):
        newline = blob.find(b"\n", 0, 300)
        try:
            epoch = loads_json(blob[len(REGISTRATION_MAGIC):newline])["epoch"]
        except (ValueError, KeyError, TypeError):
            raise BadFile("damaged registration header") from None
        if newline < 0 or not is_epoch(epoch) or epoch == BASE_EPOCH:
            raise BadFile("damaged registration header")
        blob = blob[newline + 1:]
    key = _key_for(keys, epoch)
    try:
        data = loads_json(unseal(subkey(key, "devices"), blob,
                                 _epoch_aad("device", team_id, epoch, device_id)))
        reg = Registration.from_dict(data)
    except Unsealable as exc:
        raise BadFile("failed authentication: from another team, moved from another "
                      "device's folder, damaged or incomplete") from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadFile("unreadable registration (written by a newer careterm?)") from exc
    if reg.device_id != device_id:
        raise BadFile("registration names another device")
    if data.get("format") != FORMAT or "sig" in data:
        try:
            if data.get("format") != REGISTRATION_FORMAT or data.get("team") != team_id:
                raise ValueError("format")
            nacl.signing.VerifyKey(reg.verify_key).verify(_registration_signed_part(data),
                                                          unb64(data["sig"]))
        except (nacl.exceptions.BadSignatureError, ValueError, KeyError, TypeError,
                AttributeError, UnicodeError) as exc:
            raise BadFile("registration not signed by the key it names (forged?)") from exc
    return reg, epoch


def open_registration(keys: bytes | dict[str, bytes], team_id: str, device_id: str,
                      blob: bytes) -> Registration:
    """Unseal a ``device.reg`` found in ``devices/<device_id>/``; :class:`BadFile` if unusable."""
    return open_registration_at(keys, team_id, device_id, blob)[0]


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


def build_segment(key: bytes, signing_key: nacl.signing.SigningKey, team_id: str,
                  device_id: str, seq: int, changes: list[dict[str, Any]],
                  written_at: str, epoch: str = BASE_EPOCH, *,
                  prev: tuple[int, str | None] | None = None,
                  replaces: list[int] | None = None) -> tuple[bytes, str]:
    """The bytes of segment ``seq`` of ``device_id`` holding ``changes``, and its digest.

    ``key`` is the key of ``epoch`` (the team key for epoch 0); the epoch is
    named in the clear hint and bound into the signed payload and the
    authenticated data. ``prev`` is the device's previous segment (its number
    and digest; the digest may be unknown, ``None``) and ``replaces`` the
    numbers of its own earlier segments, missing from the folder, whose
    changes this one holds again; both are signed and sealed with the changes
    (the chain of :class:`Segment`).
    """
    slot: dict[str, Any] = {"team": team_id, "dev": device_id, "seq": seq}
    if epoch != BASE_EPOCH:
        slot["epoch"] = epoch
    chain: dict[str, Any] = {}
    if prev is not None:
        chain["prev"] = {"seq": prev[0], "digest": prev[1]}
    if replaces:
        chain["replaces"] = sorted(replaces)
    payload = json.dumps({"format": FORMAT, **slot, **chain, "written_at": written_at,
                          "changes": changes}, ensure_ascii=False, separators=(",", ":"))
    packed = zlib.compress(payload.encode("utf-8", "surrogatepass"), 1)
    signed = bytes(signing_key.sign(packed))
    hint = json.dumps(slot).encode()
    blob = (SEGMENT_MAGIC + hint + b"\n"
            + seal(subkey(key, "segments"), signed,
                   _epoch_aad("segment", team_id, epoch, device_id, seq)))
    return blob, segment_digest(packed)


def write_segment(key: bytes, signing_key: nacl.signing.SigningKey, team_id: str,
                  device_id: str, seq: int, changes: list[dict[str, Any]],
                  written_at: str, epoch: str = BASE_EPOCH, *,
                  prev: tuple[int, str | None] | None = None,
                  replaces: list[int] | None = None) -> bytes:
    """The bytes of segment ``seq`` of ``device_id`` (:func:`build_segment` without
    the digest)."""
    return build_segment(key, signing_key, team_id, device_id, seq, changes, written_at,
                         epoch, prev=prev, replaces=replaces)[0]


def segment_digest(packed: bytes) -> str:
    """The digest of a segment: over its signed, compressed payload (what removal
    records list and the chain links to)."""
    return hashlib.blake2b(packed, digest_size=12).hexdigest()


@dataclass
class Segment:
    """A segment that opened, verified and parsed."""

    seq: int
    changes: list[dict[str, Any]]
    digest: str
    epoch: str = BASE_EPOCH
    prev: tuple[int, str | None] | None = None
    """The device's previous segment (number, digest or ``None`` when its writer did
    not know it), as signed by the device; ``None`` for the first one and for
    segments written before the chain existed."""
    replaces: tuple[int, ...] = ()
    """Numbers of the device's earlier segments, missing from the folder, whose
    changes this segment holds again (its writer republished them)."""


def _chain_of(payload: dict[str, Any], seq: int) -> tuple[tuple[int, str | None] | None,
                                                          tuple[int, ...]]:
    """The signed ``prev`` and ``replaces`` of a segment's payload (``ValueError`` if bad)."""
    prev = None
    link = payload.get("prev")
    if link is not None:
        number, digest = link["seq"], link["digest"]
        if (type(number) is not int or not 0 < number < seq
                or not (digest is None or type(digest) is str and len(digest) <= 64)):
            raise ValueError("prev")
        prev = (number, digest)
    replaces = payload.get("replaces") or []
    if (type(replaces) is not list or len(replaces) > MAX_ENTRIES
            or not all(type(n) is int and 0 < n < seq for n in replaces)):
        raise ValueError("replaces")
    return prev, tuple(replaces)


def open_segment(keys: bytes | dict[str, bytes], team_id: str, device_id: str, seq: int,
                 blob: bytes, verify_key: bytes, *,
                 check_digest: Callable[[str], None] | None = None) -> Segment:
    """Open segment ``seq`` found in ``devices/<device_id>/``; :class:`BadFile` if unusable.

    ``keys`` is the team key, or every epoch key this laptop has by epoch id;
    a segment of an epoch missing from it raises :class:`NoEpochKey`.
    ``check_digest`` (given the segment's digest, once its signature holds and
    before anything is decompressed or parsed) may refuse it by raising
    :class:`BadFile`. Decompression and parsing are bounded
    (:func:`careterm.team.folder.bounded_decompress`, :func:`~careterm.team.folder.loads_json`).
    """
    if not blob:
        raise BadFile("empty file (probably still arriving; will retry)")
    newline = blob.find(b"\n", 0, 400)
    if not blob.startswith(SEGMENT_MAGIC) or newline < 0:
        if SEGMENT_MAGIC.startswith(blob[:len(SEGMENT_MAGIC)]) and len(blob) < 400:
            raise BadFile("incomplete file (probably still arriving; will retry)")
        raise BadFile("not a careterm segment")
    try:
        hint = loads_json(blob[len(SEGMENT_MAGIC):newline])
        claimed = (str(hint["team"]), str(hint["dev"]), int(hint["seq"]))
        epoch = hint.get("epoch", BASE_EPOCH)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BadFile("damaged file header") from None
    if not is_epoch(epoch):
        raise BadFile("damaged file header")
    if claimed[0] != team_id:
        raise BadFile("belongs to another careterm team")
    if claimed[1:] != (device_id, seq):
        raise BadFile(f"renamed or replayed: it is file {claimed[2]} of device "
                      f"{claimed[1][:8]}, not file {seq} of device {device_id[:8]}")
    key = _key_for(keys, epoch)
    try:
        signed = unseal(subkey(key, "segments"), blob[newline + 1:],
                        _epoch_aad("segment", team_id, epoch, device_id, seq))
    except Unsealable as exc:
        raise BadFile("failed authentication: damaged, tampered with or incomplete "
                      "(will retry if it changes)") from exc
    try:
        packed = nacl.signing.VerifyKey(verify_key).verify(signed[64:], signed[:64])
    except (nacl.exceptions.BadSignatureError, ValueError) as exc:
        raise BadFile("signature does not match the device's registered key "
                      "(forged by another laptop?)") from exc
    digest = segment_digest(packed)
    if check_digest is not None:
        check_digest(digest)
    try:
        text = bounded_decompress(packed)
    except UnsafeContent as exc:
        raise BadFile(f"unreadable contents: {exc.reason}") from exc
    try:
        payload = loads_json(text)
        if payload.get("format") != FORMAT:
            raise BadFile("written by a newer careterm; update careterm to read it")
        if (payload.get("team"), payload.get("dev"), payload.get("seq"),
                payload.get("epoch", BASE_EPOCH)) != (team_id, device_id, seq, epoch):
            raise BadFile("contents name another slot (renamed or replayed)")
        changes = payload["changes"]
        if not isinstance(changes, list):
            raise ValueError("changes")
        prev, replaces = _chain_of(payload, seq)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadFile("unreadable contents") from exc
    for change in changes:
        problem = change_problem(change, device_id)
        if problem:
            raise BadFile(f"holds a change careterm cannot use ({problem})")
    return Segment(seq, changes, digest, epoch, prev, replaces)


@dataclass
class EpochRecord:
    """What a key epoch records: who made it, which laptop it removed, who got its key."""

    epoch: str
    by: str
    """Device id of the laptop that made the epoch (and signed its files)."""
    by_member: str
    at: str
    removed: str
    """Device id of the laptop removed from the team."""
    removed_member: str
    removed_tag: str
    max_seq: int
    """The highest file number of the removed laptop when it was removed."""
    digests: list[str]
    """Digests of the removed laptop's files that stay valid (all it had shared)."""
    known: list[str]
    """Devices registered at the time; later registrations under older keys are refused."""
    recipients: list[str]
    """Devices given the epoch key."""
    devices: dict[str, Registration] = field(default_factory=dict)
    """The registration (member, tag, verify key) of every device in :attr:`known`, as
    the creator trusted it: laptops that join later use these, not the folder's copies
    (empty in records of older careterm)."""

    @property
    def day(self) -> str:
        """When the epoch was made, as a short date and time for messages (the making
        laptop's time)."""
        try:
            return datetime.fromisoformat(self.at).strftime("%Y-%m-%d %H:%M")
        except (ValueError, TypeError):
            return "at an unknown time"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (kept in the store's meta and in keyrings)."""
        return {"epoch": self.epoch, "by": self.by, "by_member": self.by_member, "at": self.at,
                "removed": self.removed, "removed_member": self.removed_member,
                "removed_tag": self.removed_tag, "max_seq": self.max_seq,
                "digests": list(self.digests), "known": list(self.known),
                "recipients": list(self.recipients),
                "devices": {d: reg.to_dict() for d, reg in self.devices.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EpochRecord:
        """Parse :meth:`to_dict` output (``ValueError``/``KeyError``/``TypeError`` if bad)."""
        record = cls(str(data["epoch"]), str(data["by"]), str(data["by_member"]),
                     str(data["at"]), str(data["removed"]), str(data["removed_member"]),
                     str(data["removed_tag"]), int(data["max_seq"]),
                     [str(d) for d in data["digests"]], [str(d) for d in data["known"]],
                     [str(d) for d in data["recipients"]],
                     {str(d): Registration.from_dict(reg)
                      for d, reg in (data.get("devices") or {}).items()})
        if parse_epoch_name(record.epoch) is None or not DEVICE_ID.match(record.removed):
            raise ValueError("bad epoch record")
        if any(reg.device_id != d or not DEVICE_ID.match(d) for d, reg in record.devices.items()):
            raise ValueError("bad pinned registration")
        return record


def seal_epoch_key(signing_key: nacl.signing.SigningKey, team_id: str, epoch: str,
                   device_id: str, device_verify_key: bytes, epoch_key: bytes) -> bytes:
    """``epochs/<epoch>/<device_id>.key``: ``epoch_key`` for that device alone.

    Signed by the epoch's creator, then sealed (``SealedBox``) to the X25519
    form of the device's registered Ed25519 key: only that device can open it,
    and only the creator can have made it.
    """
    body = json.dumps({"format": FORMAT, "team": team_id, "epoch": epoch,
                       "device": device_id, "key": b64(epoch_key)}).encode()
    public = nacl.signing.VerifyKey(device_verify_key).to_curve25519_public_key()
    return EPOCH_KEY_MAGIC + nacl.public.SealedBox(public).encrypt(signing_key.sign(body))


def open_epoch_key(signing_key: nacl.signing.SigningKey, team_id: str, epoch: str,
                   device_id: str, blob: bytes, creator_verify_key: bytes) -> bytes:
    """The epoch key in this device's key file; :class:`BadFile` if unusable."""
    if not blob:
        raise BadFile("empty file (probably still arriving; will retry)")
    if not blob.startswith(EPOCH_KEY_MAGIC):
        raise BadFile("not a careterm key file")
    try:
        box = nacl.public.SealedBox(signing_key.to_curve25519_private_key())
        signed = box.decrypt(blob[len(EPOCH_KEY_MAGIC):])
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
        raise BadFile("cannot be opened by this laptop (damaged, or for another "
                      "device)") from exc
    try:
        body = nacl.signing.VerifyKey(creator_verify_key).verify(signed)
    except (nacl.exceptions.BadSignatureError, ValueError) as exc:
        raise BadFile("not signed by the laptop that made this key epoch (forged?)") from exc
    try:
        data = loads_json(body)
        if (data["team"], data["epoch"], data["device"]) != (team_id, epoch, device_id):
            raise BadFile("made for another team, epoch or device (moved?)")
        key = unb64(data["key"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BadFile("unreadable key file") from exc
    if len(key) != 32:
        raise BadFile("unreadable key file")
    return key


def seal_epoch_record(epoch_key: bytes, signing_key: nacl.signing.SigningKey, team_id: str,
                      record: EpochRecord) -> bytes:
    """``epochs/<epoch>/epoch.rec``: the record, signed by its creator, sealed by the epoch."""
    body = json.dumps({"format": FORMAT, "team": team_id, **record.to_dict()},
                      ensure_ascii=False).encode()
    return seal(subkey(epoch_key, "epoch-record"), bytes(signing_key.sign(body)),
                _aad("epoch-record", team_id, record.epoch))


def open_epoch_record(epoch_key: bytes, team_id: str, epoch: str, blob: bytes,
                      creator_verify_key: bytes) -> EpochRecord:
    """Open an epoch's record; :class:`BadFile` if unusable."""
    if not blob:
        raise BadFile("empty file (probably still arriving; will retry)")
    try:
        signed = unseal(subkey(epoch_key, "epoch-record"), blob,
                        _aad("epoch-record", team_id, epoch))
    except Unsealable as exc:
        raise BadFile("failed authentication: damaged, incomplete or moved") from exc
    try:
        body = nacl.signing.VerifyKey(creator_verify_key).verify(signed)
    except (nacl.exceptions.BadSignatureError, ValueError) as exc:
        raise BadFile("not signed by the laptop that made this key epoch (forged?)") from exc
    try:
        data = loads_json(body)
        if data.get("team") != team_id:
            raise ValueError("team")
        record = EpochRecord.from_dict(data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadFile("unreadable epoch record") from exc
    if record.epoch != epoch or parse_epoch_name(epoch) != (epoch_number(epoch), record.by):
        raise BadFile("record of another epoch (moved?)")
    return record


def envelope_fingerprint(envelope: KeyEnvelope) -> str:
    """A short name for one passphrase wrapping of the team key (its keyring's file name)."""
    return hashlib.blake2b(envelope.salt + envelope.wrapped, digest_size=10).hexdigest()


def keyring_name(envelope: KeyEnvelope) -> str:
    """File name, in ``keyrings/``, of the keyring for the header holding ``envelope``."""
    return f"{envelope_fingerprint(envelope)}.ring"


def seal_keyring(kek: bytes, team_id: str, envelope: KeyEnvelope,
                 entries: dict[str, dict[str, Any]]) -> bytes:
    """Every epoch key and record, for laptops joining with the header's passphrase.

    ``kek`` is the key derived from that passphrase and the header envelope's
    salt: a removed laptop that only knew an older passphrase cannot open it.
    """
    body = json.dumps({"format": FORMAT, "epochs": entries}, ensure_ascii=False).encode()
    return seal(subkey(kek, "keyring"), body,
                _aad("keyring", team_id, envelope_fingerprint(envelope)))


def open_keyring(kek: bytes, team_id: str, envelope: KeyEnvelope,
                 blob: bytes) -> dict[str, dict[str, Any]]:
    """The epoch entries of a keyring; :class:`BadFile` if unusable."""
    try:
        data = loads_json(unseal(subkey(kek, "keyring"), blob,
                                 _aad("keyring", team_id, envelope_fingerprint(envelope))))
        entries = data["epochs"]
        Epochs(b"\0" * 32, entries)  # validates every entry
    except Unsealable as exc:
        raise BadFile("keyring failed authentication (damaged or incomplete)") from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadFile("unreadable keyring") from exc
    return entries


class Epochs:
    """The key epochs one laptop knows: their keys, and what each removal recorded.

    Built from the store's meta (``entries``: epoch id → ``{"key", "record"}``)
    plus the team key as epoch 0. New files are written in :attr:`current`,
    the greatest epoch by :func:`epoch_order`.
    """

    def __init__(self, team_key: bytes, entries: dict[str, dict[str, Any]] | None) -> None:
        self.keys: dict[str, bytes] = {BASE_EPOCH: team_key}
        self.records: dict[str, EpochRecord] = {}
        self.removals: dict[str, EpochRecord] = {}
        self.pins: dict[str, EpochRecord] = {}
        """Device id → the newest record pinning its registration."""
        for epoch, entry in (entries or {}).items():
            key = unb64(entry["key"])
            record = EpochRecord.from_dict(entry["record"])
            if len(key) != 32 or record.epoch != epoch:
                raise ValueError("bad epoch entry")
            self.add(record, key)

    def add(self, record: EpochRecord, key: bytes) -> None:
        """Know one more epoch."""
        self.keys[record.epoch] = key
        self.records[record.epoch] = record
        earlier = self.removals.get(record.removed)
        if earlier is None or epoch_order(record.epoch) < epoch_order(earlier.epoch):
            self.removals[record.removed] = record
        order = epoch_order(record.epoch)
        for device_id in record.devices:
            held = self.pins.get(device_id)
            if held is None or epoch_order(held.epoch) < order:
                self.pins[device_id] = record

    def pinned(self, device_id: str) -> tuple[Registration, EpochRecord] | None:
        """The registration of ``device_id`` the newest key epoch recorded, with that
        epoch's record; ``None`` when no epoch names the device."""
        record = self.pins.get(device_id)
        return (record.devices[device_id], record) if record is not None else None

    def entries(self) -> dict[str, dict[str, Any]]:
        """The form kept in the store's meta and in keyrings."""
        return {epoch: {"key": b64(self.keys[epoch]), "record": record.to_dict()}
                for epoch, record in self.records.items()}

    @property
    def current(self) -> str:
        """The epoch new files are written in."""
        return max(self.keys, key=epoch_order)

    @property
    def mark(self) -> int:
        """Changes whenever an epoch is learnt (files refused before are read again)."""
        return len(self.keys)

    def removal(self, device_id: str) -> EpochRecord | None:
        """The (earliest) record removing ``device_id``, or ``None``."""
        return self.removals.get(device_id)

    def could_know(self, device_id: str, epoch: str) -> bool:
        """Whether ``device_id`` may hold the key of ``epoch``."""
        removal = self.removals.get(device_id)
        record = self.records.get(epoch)
        if removal is None or epoch == BASE_EPOCH or record is None:
            return True
        return (device_id in record.recipients
                or epoch_order(epoch) < epoch_order(removal.epoch))

    def forgeable(self, device_id: str, reg_epoch: str) -> EpochRecord | None:
        """The removal that makes a registration of ``device_id`` sealed in ``reg_epoch``
        untrustworthy (the removed laptop has that key and the device was not known
        when it was removed), or ``None``."""
        for record in sorted(self.removals.values(), key=lambda r: epoch_order(r.epoch)):
            if device_id == record.removed or device_id in record.known:
                continue
            if self.could_know(record.removed, reg_epoch):
                return record
        return None

    def removed_with_current_key(self) -> list[EpochRecord]:
        """Removals whose laptop was given the current key (two removals at once)."""
        current = self.records.get(self.current)
        if current is None:
            return []
        return [r for r in self.removals.values() if r.removed in current.recipients]


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


def borrowed_name(changes: list[dict[str, Any]], member: str) -> str | None:
    """The member name a change of ``changes`` claims (its ``by``, or the ``created_by``
    of its data) other than ``member``, the registered member of the laptop that
    signed them; ``None`` when every change speaks for that laptop's member.

    A signature proves which laptop wrote a change, not whose name it carries:
    without this, a member could write notes "by" the team lead on every laptop.
    """
    for change in changes:
        if change["by"] != member:
            return change["by"]
        data = change.get("data")
        if data and "created_by" in data and data["created_by"] not in (None, member):
            created_by = data["created_by"]
            return created_by if type(created_by) is str else repr(created_by)
    return None
