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
   reported by every sync), the devices registered at the time with their
   registrations (member, tag, verify key: laptops that join later trust these,
   not the folder's copies, which the removed laptop could replace), and who got
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
   the old passphrase fails and writes nothing. The new wrapping takes this
   laptop's Argon2id limits (never the old header's, which anyone with the
   folder can lower) and binds the new epoch, so a joiner refuses a folder
   whose keyring was deleted instead of falling back to the old key.

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

This module decides; the laptops are listed and named by
:mod:`careterm.team.devices`, the epoch and keyring files are written by
:mod:`careterm.team.keyring`, the header and key file re-wrapped by
:mod:`careterm.team.keys`, and the shared folder is read through the public
names of :mod:`careterm.team.sync` (under its sync lock).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from careterm.core import clock
from careterm.core.textsafe import visible
from careterm.errors import InvalidInput
from careterm.store.keyfile import Kek
from careterm.store.store import Store
from careterm.team import keyring, sync
from careterm.team.devices import DeviceInfo, resolve_device, team_devices
from careterm.team.folder import SEGMENT_CAP, UnsafeFile, list_dir, read_regular
from careterm.team.segments import (
    DEVICES_DIR,
    BadFile,
    EpochRecord,
    Epochs,
    Registration,
    epoch_number,
    open_segment,
    parse_segment_name,
)

__all__ = ["RevokeResult", "revoke"]


@dataclass
class RevokeResult:
    """What a revocation did, for the command line."""

    removed: DeviceInfo
    record: EpochRecord
    lines: list[str]


def _shared_files_of(store: Store, device: DeviceInfo, epochs: Epochs,
                     folder: Path) -> tuple[set[str], int]:
    """Digests of the device's readable files and the highest canonical number among them."""
    device_dir = folder / DEVICES_DIR / device.device_id
    try:
        names = [entry.name for entry in list_dir(device_dir, root=folder) if entry.is_file]
    except UnsafeFile:
        return set(), 0
    earlier = epochs.removal(device.device_id)
    digests: set[str] = set()
    top = 0
    for name in names:
        parsed = parse_segment_name(name)
        if parsed is None:
            continue
        try:
            blob = read_regular(device_dir / name, root=folder, limit=SEGMENT_CAP)
            segment = open_segment(epochs.keys, store.meta["team_id"], device.device_id,
                                   parsed[0], blob, device.verify_key)
        except (UnsafeFile, BadFile):
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
    signing_key = sync.signing_key_of(store)
    with sync.sync_lock(store.home):
        sync.team_header(folder, team_id)  # still this team's folder
        epochs = sync.epochs_of(store)
        registered = {d.device_id: d for d in team_devices(store) if not d.refused}
        if target.device_id not in registered:
            raise InvalidInput(f"the registration of {visible(target.member, one_line=True)}'s "
                               "laptop cannot be read any more; nothing was changed")
        digests, top = _shared_files_of(store, registered[target.device_id], epochs, folder)
        recipients = sorted(d for d in registered
                            if d != target.device_id and epochs.removal(d) is None)
        number = 1 + max([epoch_number(n) for n in sync.epoch_names(folder)]
                         + [epoch_number(e) for e in epochs.keys])
        epoch = f"{number}-{store.device_id}"
        record = EpochRecord(epoch, store.device_id, store.member, clock.now().isoformat(),
                             target.device_id, target.member, target.tag, top,
                             sorted(digests), sorted(registered), recipients,
                             {d: Registration(d, info.member, info.tag, info.verify_key)
                              for d, info in sorted(registered.items())})
        epoch_key = keyring.write_epoch(folder, signing_key, team_id, record,
                                        {d: registered[d].verify_key for d in recipients})
        epochs.add(record, epoch_key)
        sync.remember_epochs(store, epochs)
    # The passphrase for joining: keyring first, then the header (both at this laptop's
    # limits, never the old header's), then this laptop.
    kek = Kek.new(new_passphrase)
    keyring.write_header(store, folder, kek)
    store.rekey(record.epoch, epochs.keys, kek=kek)
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
