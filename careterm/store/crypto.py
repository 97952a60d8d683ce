"""Key derivation, key wrapping and authenticated encryption, all from PyNaCl.

* The team passphrase goes through Argon2id (explicit MODERATE limits) with a
  random salt to a *key-encryption key*.
* That key wraps a random 32-byte *data key* with XSalsa20-Poly1305
  (``SecretBox``). Changing the passphrase re-wraps the data key only.
* Everything else is sealed with the data key (or a subkey of it) using
  XChaCha20-Poly1305 (``Aead``), with the file's purpose as associated data so
  one encrypted file can never be passed off as another.

Nothing here writes to disk; every file is written by :mod:`careterm.store.files`.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from typing import Any

import nacl.encoding
import nacl.exceptions
import nacl.hash
import nacl.pwhash
import nacl.secret
import nacl.utils

from careterm.errors import WrongPassphrase

KEY_SIZE = nacl.secret.Aead.KEY_SIZE


MAGIC = b"CTv1"
"""Prefix of every sealed blob, so a damaged file is told apart from a foreign one."""


_argon = nacl.pwhash.argon2id


KDF_LIMITS: dict[str, tuple[int, int]] = {
    "moderate": (_argon.OPSLIMIT_MODERATE, _argon.MEMLIMIT_MODERATE),
    "interactive": (_argon.OPSLIMIT_INTERACTIVE, _argon.MEMLIMIT_INTERACTIVE),
    # Only for tests: it makes a new store cheap to unlock, so never use it for real data.
    "test-only-min": (_argon.OPSLIMIT_MIN, _argon.MEMLIMIT_MIN),
}


DEFAULT_LIMITS = "moderate"


class Unsealable(Exception):
    """A blob failed authentication (wrong key, damaged or tampered with)."""


def new_limits_name() -> str:
    """Argon2id limits for a *new* store: MODERATE unless the test suite asks otherwise.

    ``CARETERM_KDF_LIMITS=test-only-min`` exists so the test suite can create
    hundreds of stores; the limits are written into the key file, so an
    existing store always uses the limits it was created with.
    """
    name = os.environ.get("CARETERM_KDF_LIMITS", DEFAULT_LIMITS)
    return name if name in KDF_LIMITS else DEFAULT_LIMITS


def derive_key(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    """Argon2id: passphrase + salt → 32-byte key-encryption key."""
    return _argon.kdf(KEY_SIZE, passphrase.encode("utf-8"), salt,
                      opslimit=opslimit, memlimit=memlimit)


def new_key() -> bytes:
    """A fresh random 32-byte key."""
    return nacl.utils.random(KEY_SIZE)


def subkey(key: bytes, label: str) -> bytes:
    """A key for one purpose (``"segments"``, ``"draft"``…) derived from ``key`` with BLAKE2b."""
    return nacl.hash.blake2b(b"", key=key, person=label.encode()[:16].ljust(16, b"\0"),
                             digest_size=KEY_SIZE, encoder=nacl.encoding.RawEncoder)


def seal(key: bytes, plaintext: bytes, purpose: bytes) -> bytes:
    """Encrypt and authenticate ``plaintext``; ``purpose`` is bound in as associated data."""
    return MAGIC + bytes(nacl.secret.Aead(key).encrypt(plaintext, aad=purpose))


def unseal(key: bytes, blob: bytes, purpose: bytes) -> bytes:
    """Reverse :func:`seal`; raise :class:`Unsealable` on any mismatch."""
    if not blob.startswith(MAGIC):
        raise Unsealable("not a careterm encrypted file")
    try:
        return nacl.secret.Aead(key).decrypt(blob[len(MAGIC):], aad=purpose)
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
        raise Unsealable("authentication failed") from exc


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass
class KeyEnvelope:
    """The passphrase-wrapped data key, with what is needed to derive the wrapping key.

    It holds no report data; it is stored in clear next to the encrypted store
    (and, for a team, in the shared folder's header).
    """

    salt: bytes
    opslimit: int
    memlimit: int
    wrapped: bytes

    @classmethod
    def create(cls, passphrase: str, data_key: bytes | None = None,
               limits: str | None = None) -> tuple[KeyEnvelope, bytes]:
        """Wrap ``data_key`` (a new one if ``None``) under ``passphrase``."""
        opslimit, memlimit = KDF_LIMITS[limits or new_limits_name()]
        data_key = data_key or new_key()
        return cls.wrap(passphrase, data_key, opslimit, memlimit), data_key

    @classmethod
    def wrap(cls, passphrase: str, data_key: bytes, opslimit: int, memlimit: int
             ) -> KeyEnvelope:
        """Wrap ``data_key`` under ``passphrase`` with a fresh salt and the given cost."""
        salt = nacl.utils.random(_argon.SALTBYTES)
        kek = derive_key(passphrase, salt, opslimit, memlimit)
        wrapped = bytes(nacl.secret.SecretBox(kek).encrypt(data_key))
        return cls(salt, opslimit, memlimit, wrapped)

    def rewrap(self, old_passphrase: str, new_passphrase: str) -> KeyEnvelope:
        """The same data key under a new passphrase, at the same cost."""
        data_key = self.unwrap(old_passphrase)
        return KeyEnvelope.wrap(new_passphrase, data_key, self.opslimit, self.memlimit)

    def derive(self, passphrase: str) -> bytes:
        """The key-encryption key for ``passphrase`` (slow on purpose)."""
        return derive_key(passphrase, self.salt, self.opslimit, self.memlimit)

    def unwrap_with(self, kek: bytes) -> bytes:
        """The data key, given an already derived key-encryption key."""
        try:
            return nacl.secret.SecretBox(kek).decrypt(self.wrapped)
        except nacl.exceptions.CryptoError as exc:
            raise WrongPassphrase() from exc

    def unwrap(self, passphrase: str) -> bytes:
        """The data key, or :class:`WrongPassphrase`."""
        return self.unwrap_with(self.derive(passphrase))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"kdf": "argon2id", "opslimit": self.opslimit, "memlimit": self.memlimit,
                "salt": _b64(self.salt), "wrapped_key": _b64(self.wrapped)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KeyEnvelope:
        """Parse :meth:`to_dict` output; ``ValueError``/``KeyError`` when malformed."""
        if data.get("kdf") != "argon2id":
            raise ValueError("unknown key derivation")
        envelope = cls(_unb64(data["salt"]), int(data["opslimit"]), int(data["memlimit"]),
                       _unb64(data["wrapped_key"]))
        # Refuse parameters no careterm writes: a damaged file must not make
        # the key derivation fail oddly or ask for gigabytes of memory.
        if not (_argon.OPSLIMIT_MIN <= envelope.opslimit <= _argon.OPSLIMIT_SENSITIVE
                and _argon.MEMLIMIT_MIN <= envelope.memlimit <= _argon.MEMLIMIT_SENSITIVE
                and len(envelope.salt) == _argon.SALTBYTES
                and len(envelope.wrapped) == KEY_SIZE + nacl.secret.SecretBox.MACBYTES
                + nacl.secret.SecretBox.NONCE_SIZE):
            raise ValueError("key parameters out of range")
        return envelope
