"""Passphrase changes and unlocking, here and through the team's shared folder.

Each laptop's store key is its own (:mod:`careterm.store.store`): the passphrase
only wraps it, so a passphrase change rewrites small files and no data: this
laptop's key file (the store key and the team key wrapped under the new
passphrase at this laptop's Argon2id limits) and the shared folder's header,
written by :func:`careterm.team.keyring.write_header` with the same derived key
(the team key wrapped, the team's newest key epoch bound to it, and after a
removal a keyring for the new passphrase first, so laptops joining with it
receive every epoch key).

Other laptops keep working with the key they have unlocked. At their next
unlock the new passphrase does not open their key file's wrapping, so
:func:`unlock` goes through the shared folder: the passphrase opens the
header's team key (a header whose limits are below what this laptop accepts is
refused) and, after a removal, the header's keyring with every epoch key; the
key of the epoch this laptop's store key is sealed under opens the store key;
the key file is then wrapped under that passphrase (at this laptop's limits).
The same way is the only one after a laptop learnt of a removal: its re-key
dropped the old passphrase's wrapping, and the old passphrase is refused with
a sentence saying to use the new one.

Honest limits: the passphrase wrapping of a key file or backup copied before a
change still opens with the old passphrase what was sealed then (a removal,
not a passphrase change, gives a laptop a new store key); the first unlock
after a passphrase change or a removal needs the shared folder.
"""

from __future__ import annotations

from pathlib import Path

from careterm.errors import CaretermError, StoreDamaged, WrongPassphrase
from careterm.store.keyfile import read_key_file
from careterm.store.store import PassphraseChanged, Store, read_shared_hint
from careterm.team.folder import KEYRING_CAP, UnsafeFile, read_regular
from careterm.team.keyring import write_header
from careterm.team.segments import (
    BASE_EPOCH,
    KEYRINGS_DIR,
    BadFile,
    Epochs,
    TeamHeader,
    keyring_name,
    open_keyring,
)


def change_passphrase_everywhere(home: Path, old: str, new: str) -> list[str]:
    """Change the passphrase of the store in ``home`` and of its shared folder's header.

    Returns lines saying what was changed. Raises ``WrongPassphrase`` (and
    changes nothing) when ``old`` opens neither this laptop nor the header.
    """
    store = unlock(home, old)
    try:
        kek = store.set_passphrase(new)  # this laptop's limits; the header takes the same
        lines = ["passphrase changed on this laptop"]
        shared = store.meta.get("shared_dir")
        if shared:
            try:
                # The newest key epoch bound, its keyring first.
                write_header(store, Path(shared), kek)
            except CaretermError as exc:
                lines.append(f"the shared folder was not changed: {exc}; run 'careterm "
                             "passphrase' again when it is reachable")
            else:
                lines.append(f"passphrase changed in the shared folder {shared}; other "
                             "laptops need the new passphrase from their next unlock")
    finally:
        store.close()
    return lines


def unlock(home: Path, passphrase: str) -> Store:
    """Open the store in ``home``: with the passphrase its key file is wrapped under, or
    through the shared folder with the team's current one (changed on another laptop,
    or after a removal from the team).

    :class:`~careterm.store.store.PassphraseChanged` (a kind of
    :class:`WrongPassphrase`) when this laptop learnt of a removal and
    ``passphrase`` is not the new one.
    """
    try:
        return Store.open(home, passphrase)
    except WrongPassphrase as refusal:
        return _through_folder(home, passphrase, refusal)


def _through_folder(home: Path, passphrase: str, refusal: WrongPassphrase) -> Store:
    """Open the store with the key the shared folder's header gives ``passphrase``; raise
    ``refusal`` (why the key file refused it) when that is no way in either."""
    folder = read_shared_hint(home)
    if folder is None:
        raise refusal
    try:
        header = TeamHeader.read(folder)
    except CaretermError as exc:
        if isinstance(refusal, PassphraseChanged):
            raise PassphraseChanged(f"; that needs the shared folder, which cannot be "
                                    f"read now: {exc}") from None
        raise refusal from None
    if header is None:
        raise refusal
    header.check_stretching(folder)  # a header with weakened limits is not used
    kek = header.envelope.derive(passphrase)
    try:
        team_key = header.envelope.unwrap_with(kek)
    except WrongPassphrase:
        raise refusal from None
    keys = _epoch_keys(folder, header, kek, team_key)
    key_file = read_key_file(home)
    store_key = key_file.open_with_epochs(keys)
    if store_key is None:
        # An older header (the removed member's copy of the folder, with the old
        # passphrase), or the newest keys have not arrived in the folder yet.
        if isinstance(refusal, PassphraseChanged):
            raise PassphraseChanged(f" (if it was the new one: the shared folder {folder} "
                                    "does not hold this laptop's key for it yet; try again "
                                    "once it has synced)")
        raise CaretermError(
            f"the passphrase opens the shared folder {folder}, but not this laptop's key: "
            "the team's newest key is not in the folder's keyring for this passphrase "
            "(not arrived yet?); try again after the folder has synced, or ask a team "
            "member to run 'careterm passphrase' again")
    try:
        store = Store.open_with_key(home, store_key)
    except StoreDamaged:
        if key_file.legacy:
            raise refusal from None  # an older home: the team key was not ours
        raise
    if store.key != team_key or store.meta.get("team_id") != header.team_id:
        store.close()
        raise refusal
    store.adopt_passphrase(passphrase, keys)  # at this laptop's limits, never the header's
    return store


def _epoch_keys(folder: Path, header: TeamHeader, kek: bytes, team_key: bytes
                ) -> dict[str, bytes]:
    """The team key and, when the header has a keyring, every key epoch in it."""
    path = folder / KEYRINGS_DIR / keyring_name(header.envelope)
    try:
        entries = open_keyring(kek, header.team_id, header.envelope,
                               read_regular(path, root=folder, limit=KEYRING_CAP))
        return Epochs(team_key, entries).keys
    except (UnsafeFile, BadFile, ValueError, KeyError, TypeError, AttributeError):
        return {BASE_EPOCH: team_key}
