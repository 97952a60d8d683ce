"""Removing a member's laptop from the team: ``careterm revoke DEVICE``.

A removed laptop knows the team passphrase, the team key (epoch 0) and every
epoch key it was given, and may keep its copy of the shared folder. Nothing
can take that back. What revocation does is make everything written *after*
it unreadable to that laptop, and refuse what it writes from then on:

1. This laptop syncs first, so whatever the removed laptop had shared is merged.
2. A new key epoch ``<n>-<this device id>`` gets a fresh random key. It goes to
   every remaining registered device as ``epochs/<epoch>/<device-id>.key``: a
   ``SealedBox`` to the X25519 form of the device's registered Ed25519 key,
   signed by this laptop (so nobody can inject an epoch). The epoch's record
   (``epoch.rec``, signed, sealed under the new key) names the removed laptop,
   the digests of the files it had shared (those stay valid; any other file
   of it, e.g. one numbered above the highest it had then, is refused and
   reported by every sync), the devices registered at the time and who got
   the key. All are new files, created once (the folder rules of issue 4).
3. The remaining laptops pick the epoch up at their next sync (they keep every
   epoch key in their encrypted store meta) and write with it from then on;
   readers choose the key by the epoch named in each file and bound into its
   authenticated data.
4. The passphrase for joining changes (the removed member knew the old one):
   the shared folder's header and this laptop's key file are re-wrapped under
   the new passphrase, and ``keyrings/<fingerprint>.ring`` holds every epoch
   key sealed under a key derived from the new passphrase and the header's
   salt, so a laptop joining later gets the whole history, while joining with
   the old passphrase fails and writes nothing.

A device that registers later under a key the removed laptop still has (and
that the removing laptop did not know) is refused: it could be the removed
laptop in disguise. Honest limits: what was in the folder before, and what
the removed laptop had synced, stays readable to whoever has it; a laptop
that reads the removed laptop's later files *before* the revocation reaches
it merges them; a remaining laptop writes with the old key until its next
sync brings it the new epoch; files the removed laptop wrote before but that
had not reached the removing laptop's copy of the folder are refused like
later ones (they cannot be told apart); a removed laptop that can still
write to the folder can damage it (e.g. replace the header), so it should
also be removed from the sync service's share; the keyring is trusted like
the passphrase (whoever knows it is a member); two removals made at the same
moment on two laptops are reported, and running ``careterm revoke`` once more
settles them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nacl.pwhash
import nacl.secret
import nacl.utils

from careterm.core import clock, ids
from careterm.core.textsafe import visible
from careterm.errors import InvalidInput, WrongPassphrase
from careterm.store.crypto import KeyEnvelope, derive_key, new_key
from careterm.store.store import Store, home_lock, write_envelope
from careterm.team import keys, sync
from careterm.team.segments import (
    DEVICES_DIR,
    EPOCH_RECORD_FILE,
    EPOCHS_DIR,
    KEYRINGS_DIR,
    BadFile,
    EpochRecord,
    Epochs,
    SyncFolderUnavailable,
    create_new,
    epoch_number,
    keyring_name,
    open_segment,
    parse_segment_name,
    seal_epoch_key,
    seal_epoch_record,
    seal_keyring,
)
from careterm.team.sync import DeviceInfo, team_devices

__all__ = ["RevokeResult", "resolve_device", "revoke", "write_keyring"]


@dataclass
class RevokeResult:
    """What a revocation did, for the command line."""

    removed: DeviceInfo
    record: EpochRecord
    lines: list[str]


def resolve_device(devices: list[DeviceInfo], text: str) -> DeviceInfo:
    """The device ``text`` names: its device id (or a prefix of 4+), its tag, or its member.

    Raises :class:`InvalidInput` (one line) for this laptop itself, an unknown
    device, or a member name shared by several laptops.
    """
    wanted = text.strip()
    shown = visible(wanted, one_line=True)
    lowered = wanted.lower()
    matches = [d for d in devices if d.device_id == lowered]
    if not matches and len(lowered) >= 4:
        matches = [d for d in devices if d.device_id.startswith(lowered)]
    if not matches and len(wanted) == ids.TAG_LENGTH:
        with contextlib.suppress(ValueError):
            tag = ids.normalise(wanted)
            matches = [d for d in devices if d.tag == tag]
    if not matches:
        matches = [d for d in devices if d.member.casefold() == wanted.casefold()]
    if not matches:
        raise InvalidInput(f"no laptop {shown!r} in the team's shared folder; "
                           "'careterm devices' lists them")
    if len(matches) > 1:
        tags = ", ".join(sorted(f"{d.tag} ({d.device_id[:8]})" for d in matches))
        raise InvalidInput(f"{shown!r} names {len(matches)} laptops: give one tag or "
                           f"device id: {tags}")
    device = matches[0]
    if device.this_laptop:
        raise InvalidInput("that is this laptop: a laptop cannot remove itself; ask another "
                           "member to run 'careterm revoke' on theirs")
    return device


def _wrap(passphrase: str, data_key: bytes, opslimit: int, memlimit: int
          ) -> tuple[KeyEnvelope, bytes]:
    """A new envelope of ``data_key`` under ``passphrase``, and its key-encryption key."""
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    kek = derive_key(passphrase, salt, opslimit, memlimit)
    wrapped = bytes(nacl.secret.SecretBox(kek).encrypt(data_key))
    return KeyEnvelope(salt, opslimit, memlimit, wrapped), kek


def _folder_write(folder: Path, action: str, write: Callable[[], object]) -> None:
    try:
        write()
    except FileExistsError:
        raise
    except OSError as exc:
        raise SyncFolderUnavailable(folder, f"{action}: {exc.strerror or exc}") from exc


def _shared_files_of(store: Store, device: DeviceInfo, verify_key: bytes,
                     epochs: Epochs, folder: Path) -> tuple[set[str], int]:
    """Digests of the device's readable files and the highest canonical number among them."""
    device_dir = folder / DEVICES_DIR / device.device_id
    try:
        names = sorted(os.listdir(device_dir))
    except OSError:
        return set(), 0
    earlier = epochs.removal(device.device_id)
    digests: set[str] = set()
    top = 0
    for name in names:
        parsed = parse_segment_name(name)
        if parsed is None:
            continue
        try:
            blob = (device_dir / name).read_bytes()
            segment = open_segment(epochs.keys, store.meta["team_id"], device.device_id,
                                   parsed[0], blob, verify_key)
        except (OSError, BadFile):
            continue
        if earlier is not None and segment.digest not in earlier.digests:
            continue  # written after an earlier removal: stays refused
        digests.add(segment.digest)
        if parsed[1]:
            top = max(top, parsed[0])
    return digests, top


def revoke(store: Store, device: str, new_passphrase: str) -> RevokeResult:
    """Remove ``device`` from the team: a new key epoch and a new passphrase for joining.

    Raises :class:`InvalidInput` for this laptop, an unknown device or an empty
    passphrase (nothing written then), and the errors of :func:`sync.sync`
    when the shared folder is unreachable.
    """
    if not new_passphrase:
        raise InvalidInput("the new passphrase is empty; nothing was changed")
    target = resolve_device(team_devices(store), device)
    sync.sync(store)  # merge whatever it had shared; those files stay valid
    assert store.home is not None and store.key is not None
    folder = sync.shared_folder(store)
    assert folder is not None
    team_id = store.meta["team_id"]
    signing_key = sync._signing_key(store)
    with sync._sync_lock(store.home):
        header = sync.team_header(folder, team_id)
        epochs = sync.epochs_of(store)
        state, _ = sync._load_state(store.home, store.key, team_id, store.device_id)
        run = sync._Sync(store, folder, store.key, team_id, signing_key, state, epochs)
        registered = {d.device_id: d for d in team_devices(store) if not d.refused}
        verify_keys = {}
        for device_id in registered:
            reg = run.registration(device_id, False)
            if reg is not None:
                verify_keys[device_id] = reg.verify_key
        if target.device_id not in verify_keys:
            raise InvalidInput(f"the registration of {visible(target.member, one_line=True)}'s "
                               "laptop cannot be read any more; nothing was changed")
        digests, top = _shared_files_of(store, target, verify_keys[target.device_id], epochs,
                                        folder)
        recipients = sorted(d for d in verify_keys
                            if d != target.device_id and epochs.removal(d) is None)
        number = 1 + max([epoch_number(n) for n in sync._epoch_names(folder)]
                         + [epoch_number(e) for e in epochs.keys])
        epoch = f"{number}-{store.device_id}"
        record = EpochRecord(epoch, store.device_id, store.member, clock.now().isoformat(),
                             target.device_id, target.member, target.tag, top,
                             sorted(digests), sorted(verify_keys), recipients)
        epoch_key = new_key()
        epoch_dir = folder / EPOCHS_DIR / epoch
        _folder_write(folder, "making the new key epoch",
                      lambda: epoch_dir.mkdir(parents=True, exist_ok=True))
        # Key files first, the record last: an epoch counts once its record is there.
        for device_id in recipients:
            blob = seal_epoch_key(signing_key, team_id, epoch, device_id,
                                  verify_keys[device_id], epoch_key)
            _folder_write(folder, "writing a key file", lambda path=epoch_dir / f"{device_id}.key",
                          blob=blob: create_new(path, blob))
        sealed = seal_epoch_record(epoch_key, signing_key, team_id, record)
        _folder_write(folder, "writing the epoch record",
                      lambda: create_new(epoch_dir / EPOCH_RECORD_FILE, sealed))
        epochs.add(record, epoch_key)
        store.update_meta(**{sync.META_EPOCHS: epochs.entries()})
    # The passphrase for joining: keyring first, then the header, then this laptop.
    envelope, kek = _wrap(new_passphrase, store.key, header.envelope.opslimit,
                          header.envelope.memlimit)
    ring = seal_keyring(kek, team_id, envelope, epochs.entries())
    ring_dir = folder / KEYRINGS_DIR
    _folder_write(folder, "writing the keyring", lambda: ring_dir.mkdir(exist_ok=True))
    _folder_write(folder, "writing the keyring",
                  lambda: create_new(ring_dir / keyring_name(envelope), ring))
    keys.rewrap_shared_header(store, folder, envelope)
    with home_lock(store.home):
        write_envelope(store.home, envelope)
    others = [registered[d].member or d[:8] for d in recipients if d != store.device_id]
    name = visible(target.member, one_line=True) or "an unnamed member"
    lines = [
        f"removed {name}'s laptop (tag {target.tag}, device {target.device_id[:8]}) from the "
        f"team: new key epoch {number}",
        (f"{len(others)} other laptop{'s' if len(others) != 1 else ''} "
         f"({visible(', '.join(others), one_line=True)}) "
         f"{'get' if len(others) != 1 else 'gets'} the new key at the next sync"
         if others else "no other laptop is left in the team besides this one"),
        "the team passphrase changed, here and in the shared folder: tell the remaining "
        "members; their laptops take it from their next unlock, and laptops joining later "
        "need it (the old one no longer joins)",
        f"the {len(digests)} file{'s' if len(digests) != 1 else ''} {name}'s laptop had "
        "shared stay with the team; anything it writes from now on is refused by the "
        "team's laptops",
        "note: this protects only what is written from now on. Everything already in the "
        f"shared folder, and everything {name}'s laptop already synced, stays readable to "
        "whoever has that laptop or a copy of the folder. Also remove that laptop from the "
        "sync service's share, so it can no longer write to the folder",
    ]
    return RevokeResult(target, record, lines)


def write_keyring(store: Store, passphrase: str) -> bool:
    """Write the keyring for the shared folder's current header, if it lacks one.

    For a passphrase change after a removal (``careterm passphrase``): laptops
    joining with the new passphrase need every epoch key. Returns True when a
    keyring was written; raises :class:`WrongPassphrase` when ``passphrase``
    does not open the header.
    """
    folder = sync.shared_folder(store)
    epochs = sync.epochs_of(store)
    if folder is None or len(epochs.keys) == 1:
        return False
    header = sync.team_header(folder, store.meta["team_id"])
    kek = header.envelope.derive(passphrase)
    if header.envelope.unwrap_with(kek) != store.key:
        raise WrongPassphrase()
    path = folder / KEYRINGS_DIR / keyring_name(header.envelope)
    if path.exists():
        return False
    ring = seal_keyring(kek, header.team_id, header.envelope, epochs.entries())
    _folder_write(folder, "writing the keyring", lambda: path.parent.mkdir(exist_ok=True))
    with contextlib.suppress(FileExistsError):
        _folder_write(folder, "writing the keyring", lambda: create_new(path, ring))
    return True
