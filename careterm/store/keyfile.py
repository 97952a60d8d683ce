"""The home's key file, ``careterm.key``: the ways to this laptop's store key (format 2).

Why there are two keys, and when the store key changes, is told in
:mod:`careterm.store.store`. This module only reads and writes the file, which
is clear JSON holding no report data::

    {"format": 2,
     "key_id":        random id of the current store key (names it in links),
     "passphrase":    the store key wrapped under the passphrase (a KeyEnvelope:
                      Argon2id salt and limits, XChaCha20-Poly1305); its bound text
                      names the key epochs the passphrase was current for,
     "team":          the team key wrapped under the same derived key (the header of
                      a shared folder made with 'careterm init --shared'),
     "epoch":         a key epoch of the team (the newest this laptop knew when it
                      wrapped), "epoch_wrapped": the store key sealed under that
                      epoch's key: how a passphrase changed on another laptop opens
                      this one (through the shared folder's header and keyring),
     "links":         the store key sealed under the store key before it, for another
                      careterm process of this laptop still holding that one,
     "changed":       true once a re-key dropped the passphrase wrapping (a laptop
                      was removed from the team, which changed the passphrase)}

``passphrase`` and ``team`` are absent after such a re-key; ``links`` are dropped
whenever the passphrase wraps the key again.

Format 1 (before each laptop had a store key of its own): the file was one
KeyEnvelope of the team key, which sealed the store itself. It is still read
(:attr:`KeyFile.legacy`); the next unlock with the passphrase moves the home to
format 2.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import nacl.pwhash
import nacl.utils

from careterm.errors import NoStore, StoreDamaged
from careterm.store.crypto import (
    KDF_LIMITS,
    KEY_SIZE,
    KeyEnvelope,
    Unsealable,
    b64,
    derive_key,
    new_limits_name,
    seal,
    subkey,
    unb64,
    unseal,
)
from careterm.store.files import atomic_write

KEY_FILE = "careterm.key"


FORMAT = 2


LEGACY_FORMAT = 1


LEGACY_KEY_ID = "format-1"
"""The id a format 1 store key (the team key itself) goes by in links."""


BASE_EPOCH = "0"
"""The team key's epoch (:data:`careterm.team.segments.BASE_EPOCH`)."""


STORE_BOUND = "careterm/store-key:"
"""Prefix of the text the passphrase wrapping binds: then the epochs it is current for."""


_EPOCH_PURPOSE = b"careterm/store-key/v1"


_LINK_PURPOSE = b"careterm/store-key-link/v1"


_SEALED_KEY_SIZE = 4 + 24 + KEY_SIZE + 16
"""A store key sealed by :func:`careterm.store.crypto.seal`: magic, nonce, key, tag."""


_MAX_LINKS = 16


_FIELDS = frozenset({"format", "key_id", "passphrase", "team", "epoch", "epoch_wrapped",
                     "links", "changed"})


def new_key_id() -> str:
    """A random id for a new store key."""
    return secrets.token_hex(8)




def store_bound(epochs: Iterable[str]) -> str:
    """The bound text of a passphrase wrapping current for ``epochs``."""
    return STORE_BOUND + ",".join(sorted({BASE_EPOCH, *epochs}))


def _sealed_key(text: Any) -> bytes:
    blob = unb64(text)
    if len(blob) != _SEALED_KEY_SIZE:
        raise ValueError("sealed key of the wrong size")
    return blob


def _name(text: Any) -> str:
    if not isinstance(text, str) or not 0 < len(text) <= 100 or "|" in text:
        raise ValueError("bad name")
    return text


@dataclass(frozen=True)
class Link:
    """The store key ``to`` sealed under the store key ``from_id`` it replaced."""

    from_id: str
    to_id: str
    sealed: bytes

    @classmethod
    def make(cls, from_id: str, from_key: bytes, to_id: str, to_key: bytes) -> Link:
        """Seal ``to_key`` under ``from_key``."""
        return cls(from_id, to_id, seal(subkey(from_key, "store-key-link"), to_key,
                                        _link_purpose(from_id, to_id)))

    def open(self, from_key: bytes) -> bytes | None:
        """The newer key, or ``None`` when ``from_key`` does not open the link."""
        try:
            return unseal(subkey(from_key, "store-key-link"), self.sealed,
                          _link_purpose(self.from_id, self.to_id))
        except Unsealable:
            return None


def _link_purpose(from_id: str, to_id: str) -> bytes:
    return b"|".join([_LINK_PURPOSE, from_id.encode(), to_id.encode()])


def _epoch_purpose(epoch: str, key_id: str) -> bytes:
    return b"|".join([_EPOCH_PURPOSE, epoch.encode(), key_id.encode()])


@dataclass(frozen=True)
class Kek:
    """A key-encryption key derived from a passphrase, and how it was derived (its salt
    and limits, as a KeyEnvelope without a wrapped key)."""

    key: bytes
    like: KeyEnvelope

    @classmethod
    def new(cls, passphrase: str, limits: tuple[int, int] | None = None) -> Kek:
        """Derive one with a fresh salt, at ``limits`` or this laptop's (slow on purpose)."""
        opslimit, memlimit = limits or KDF_LIMITS[new_limits_name()]
        salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
        return cls(derive_key(passphrase, salt, opslimit, memlimit),
                   KeyEnvelope(salt, opslimit, memlimit, b""))

    def wrap(self, key: bytes, bound: str = "") -> KeyEnvelope:
        """``key`` wrapped under this key-encryption key."""
        return KeyEnvelope.wrap_with_kek(self.key, self.like, key, bound)


@dataclass(frozen=True)
class KeyFile:
    """What ``careterm.key`` holds (see the module docstring)."""

    key_id: str
    passphrase: KeyEnvelope | None
    team: KeyEnvelope | None = None
    epoch: str | None = None
    epoch_wrapped: bytes | None = None
    links: tuple[Link, ...] = ()
    changed: bool = False
    format: int = FORMAT

    # ------------------------------------------------------------ building

    @classmethod
    def build(cls, store_key: bytes, key_id: str, *, kek: Kek | None,
              team_key: bytes | None, passphrase_epochs: Iterable[str] = (),
              epoch: tuple[str, bytes] | None = None, links: Iterable[Link] = (),
              changed: bool = False) -> KeyFile:
        """A key file for ``store_key``: wrapped under ``kek`` (current for
        ``passphrase_epochs``), with the team key under the same ``kek``, and sealed under
        the key of ``epoch`` (name, key)."""
        passphrase = team = None
        if kek is not None:
            passphrase = kek.wrap(store_key, store_bound(passphrase_epochs))
            team = kek.wrap(team_key) if team_key is not None else None
        name, sealed = None, None
        if epoch is not None:
            name = epoch[0]
            sealed = seal(subkey(epoch[1], "store-key"), store_key,
                          _epoch_purpose(name, key_id))
        return cls(key_id, passphrase, team, name, sealed, tuple(links), changed)

    def with_link(self, link: Link) -> KeyFile:
        """The same file with one more link (the oldest go beyond :data:`_MAX_LINKS`)."""
        return replace(self, links=(*self.links, link)[-_MAX_LINKS:])

    # ------------------------------------------------------------- reading

    @property
    def legacy(self) -> bool:
        """A format 1 file: the passphrase wraps the team key, which seals the store."""
        return self.format == LEGACY_FORMAT

    @property
    def passphrase_epochs(self) -> frozenset[str]:
        """The key epochs the passphrase wrapping is current for (bound to it)."""
        if self.passphrase is None:
            return frozenset()
        if self.legacy:
            return frozenset({BASE_EPOCH})
        return frozenset(self.passphrase.bound[len(STORE_BOUND):].split(","))

    def open_with_epochs(self, keys: Mapping[str, bytes]) -> bytes | None:
        """The store key, from the key of the epoch it is sealed under; ``None`` when
        ``keys`` lacks it or it does not open."""
        if self.legacy:
            return keys.get(BASE_EPOCH)  # the team key sealed the store itself
        if self.epoch is None or self.epoch_wrapped is None or self.epoch not in keys:
            return None
        try:
            return unseal(subkey(keys[self.epoch], "store-key"), self.epoch_wrapped,
                          _epoch_purpose(self.epoch, self.key_id))
        except Unsealable:
            return None

    def follow(self, key_id: str, key: bytes) -> list[tuple[str, bytes]]:
        """The store keys that replaced ``key`` (named ``key_id``), oldest first, as far
        as the links go."""
        found: list[tuple[str, bytes]] = []
        seen = {key_id}
        while True:
            for link in self.links:
                if link.from_id == key_id and link.to_id not in seen:
                    newer = link.open(key)
                    if newer is not None:
                        key_id, key = link.to_id, newer
                        seen.add(key_id)
                        found.append((key_id, key))
                        break
            else:
                return found

    # ------------------------------------------------------------ the file

    def to_bytes(self) -> bytes:
        """The file's contents."""
        if self.legacy:
            assert self.passphrase is not None
            data: dict[str, Any] = {"format": LEGACY_FORMAT, **self.passphrase.to_dict()}
        else:
            data = {"format": FORMAT, "key_id": self.key_id}
            if self.passphrase is not None:
                data["passphrase"] = self.passphrase.to_dict()
            if self.team is not None:
                data["team"] = self.team.to_dict()
            if self.epoch is not None and self.epoch_wrapped is not None:
                data["epoch"] = self.epoch
                data["epoch_wrapped"] = b64(self.epoch_wrapped)
            if self.changed:
                data["changed"] = True
        if self.links:
            data["links"] = [{"from": link.from_id, "to": link.to_id,
                              "sealed": b64(link.sealed)} for link in self.links]
        return json.dumps(data, indent=1).encode()

    @classmethod
    def parse(cls, data: Any) -> KeyFile:
        """Read :meth:`to_bytes` output (parsed JSON); ``ValueError`` and friends when it
        is not a key file careterm wrote."""
        if not isinstance(data, dict):
            raise ValueError("not an object")
        links = tuple(Link(_name(entry["from"]), _name(entry["to"]), _sealed_key(entry["sealed"]))
                      for entry in data.get("links") or [])
        if len(links) > _MAX_LINKS:
            raise ValueError("too many links")
        if data.get("format") == LEGACY_FORMAT:
            envelope = KeyEnvelope.from_dict(data)
            return cls(LEGACY_KEY_ID, envelope, envelope, links=links, format=LEGACY_FORMAT)
        if data.get("format") != FORMAT:
            raise ValueError("unknown format")
        if not set(data) <= _FIELDS:
            raise ValueError("unknown field")  # a damaged name is not a missing field
        passphrase = team = None
        if "passphrase" in data:
            passphrase = KeyEnvelope.from_dict(data["passphrase"])
            if not passphrase.bound.startswith(STORE_BOUND):
                raise ValueError("not a store key wrapping")
        if "team" in data:
            team = KeyEnvelope.from_dict(data["team"])
        epoch = epoch_wrapped = None
        if "epoch" in data:
            epoch, epoch_wrapped = _name(data["epoch"]), _sealed_key(data["epoch_wrapped"])
        changed = data.get("changed", False)
        if type(changed) is not bool:
            raise ValueError("changed")
        return cls(_name(data["key_id"]), passphrase, team, epoch, epoch_wrapped, links,
                   changed)


def read_key_file(home: Path) -> KeyFile:
    """The key file of the store in ``home``: :class:`NoStore` when there is none,
    :class:`StoreDamaged` (naming it) when it cannot be read."""
    path = home / KEY_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NoStore(home) from None
    except OSError as exc:
        raise StoreDamaged(path, f"unreadable key file: {exc.strerror or exc}") from exc
    try:
        return KeyFile.parse(json.loads(raw.decode("utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise StoreDamaged(path, "unreadable key file") from exc


def write_key_file(home: Path, key_file: KeyFile) -> None:
    """Replace the key file (atomically, fsynced)."""
    atomic_write(home / KEY_FILE, key_file.to_bytes())


__all__ = ["BASE_EPOCH", "FORMAT", "KEY_FILE", "Kek", "KeyFile", "Link", "new_key_id",
           "read_key_file", "store_bound", "write_key_file"]
