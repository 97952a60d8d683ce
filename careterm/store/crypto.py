"""Key derivation, key wrapping and authenticated encryption, all from PyNaCl.

* The team passphrase goes through Argon2id (explicit MODERATE limits) with a
  random salt to a *key-encryption key*.
* That key wraps a random 32-byte *data key* with XChaCha20-Poly1305
  (``Aead``), the Argon2id limits and salt bound in as associated data
  (:class:`KeyEnvelope` version 2; version 1 files, ``SecretBox`` with nothing
  bound, are still read). Changing the passphrase re-wraps the data key only.
* The limits of a new wrapping come from this laptop (MODERATE, or the test
  suite's switch), never from a file: an envelope read from somewhere else
  (a shared folder's header) is refused below :func:`minimum_limits`.
* Everything else is sealed with the data key (or a subkey of it) using
  XChaCha20-Poly1305 (``Aead``), with the file's purpose as associated data so
  one encrypted file can never be passed off as another.

Nothing here writes to disk; every file is written by :mod:`careterm.store.files`.
"""

from __future__ import annotations

import base64
import binascii
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


def b64(data: bytes) -> str:
    """Base64 text of ``data``."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: object, *, size: int | None = None) -> bytes:
    """The bytes of base64 ``text`` in its one canonical spelling (another spelling of
    the same bytes could slip past a check on the text); ``ValueError`` otherwise, or
    when ``size`` is given and the bytes are not that long."""
    if not isinstance(text, str):
        raise ValueError("not base64")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("not base64") from exc
    if b64(data) != text:
        raise ValueError("not canonical base64")
    if size is not None and len(data) != size:
        raise ValueError("not a key")
    return data


def _unb64(text: str) -> bytes:
    # Lenient, for version 1 envelopes written before the canonical check.
    return base64.b64decode(text.encode("ascii"), validate=True)


ENVELOPE_VERSION = 2
"""Key envelopes written now. Version 2 wraps the data key with XChaCha20-Poly1305
(``Aead``) whose associated data binds the Argon2id limits, the salt and
:attr:`KeyEnvelope.bound`: the clear fields of an envelope cannot be changed
without the wrapped key failing to open. Version 1 (``SecretBox``, nothing bound;
files written before) is still read, and replaced by version 2 whenever the key is
wrapped again."""


_ENVELOPE_FIELDS = frozenset({"kdf", "opslimit", "memlimit", "salt", "wrapped_key", "version",
                              "bound"})


def minimum_limits() -> tuple[int, int]:
    """The weakest Argon2id limits this laptop accepts in a key envelope it did not write
    (a shared folder's header): libsodium's MODERATE, or the test-only minimum when the
    test suite's switch (``CARETERM_KDF_LIMITS=test-only-min``) is on."""
    if new_limits_name() == "test-only-min":
        return KDF_LIMITS["test-only-min"]
    return KDF_LIMITS["moderate"]


def _canonical_b64(text: str) -> bytes:
    # The one spelling careterm writes: base64 has spare bits, and a changed
    # character there would otherwise decode to the same bytes.
    data = _unb64(text)
    if b64(data) != text:
        raise ValueError("not canonical base64")
    return data


@dataclass
class KeyEnvelope:
    """The passphrase-wrapped data key, with what is needed to derive the wrapping key.

    It holds no report data; it is stored in clear next to the encrypted store
    (and, for a team, in the shared folder's header). Its limits always come from
    the laptop that wraps (:func:`new_limits_name`; never weaker when wrapping
    again), never from a file someone else could have edited.
    """

    salt: bytes
    opslimit: int
    memlimit: int
    wrapped: bytes
    version: int = 1
    """1: ``SecretBox``, nothing bound (older files); 2: :data:`ENVELOPE_VERSION`."""
    bound: str = ""
    """A short text authenticated together with the wrapped key (version 2): the team
    header records its newest key epoch here. Empty when nothing is bound."""

    def associated_data(self) -> bytes:
        """What a version 2 wrapping authenticates besides the key."""
        return "|".join(["careterm/key-envelope/v2", "argon2id", str(self.opslimit),
                         str(self.memlimit), b64(self.salt), self.bound]).encode()

    @classmethod
    def create(cls, passphrase: str, data_key: bytes | None = None,
               limits: str | None = None, bound: str = "") -> tuple[KeyEnvelope, bytes]:
        """Wrap ``data_key`` (a new one if ``None``) under ``passphrase``."""
        opslimit, memlimit = KDF_LIMITS[limits or new_limits_name()]
        data_key = data_key or new_key()
        return cls.wrap(passphrase, data_key, opslimit, memlimit, bound), data_key

    @classmethod
    def wrap(cls, passphrase: str, data_key: bytes, opslimit: int, memlimit: int,
             bound: str = "") -> KeyEnvelope:
        """Wrap ``data_key`` under ``passphrase`` with a fresh salt and the given cost."""
        salt = nacl.utils.random(_argon.SALTBYTES)
        kek = derive_key(passphrase, salt, opslimit, memlimit)
        return cls.wrap_with_kek(kek, cls(salt, opslimit, memlimit, b""), data_key, bound)

    @classmethod
    def wrap_with_kek(cls, kek: bytes, like: KeyEnvelope, data_key: bytes, bound: str = ""
                      ) -> KeyEnvelope:
        """Wrap ``data_key`` under an already derived ``kek`` (the salt and limits of
        ``like``, which ``kek`` was derived with): one passphrase, one derivation, several
        keys wrapped (a home's key file holds its store key and the team key this way)."""
        envelope = cls(like.salt, like.opslimit, like.memlimit, b"", ENVELOPE_VERSION, bound)
        envelope.wrapped = bytes(nacl.secret.Aead(kek).encrypt(
            data_key, aad=envelope.associated_data()))
        return envelope

    def rewrap(self, old_passphrase: str, new_passphrase: str) -> KeyEnvelope:
        """The same data key (and :attr:`bound`) under a new passphrase, at this
        envelope's cost or this laptop's, whichever is higher."""
        data_key = self.unwrap(old_passphrase)
        opslimit, memlimit = KDF_LIMITS[new_limits_name()]
        return KeyEnvelope.wrap(new_passphrase, data_key, max(opslimit, self.opslimit),
                                max(memlimit, self.memlimit), self.bound)

    def weaker_than_allowed(self) -> bool:
        """True when the limits are below :func:`minimum_limits` (a tampered header)."""
        opslimit, memlimit = minimum_limits()
        return self.opslimit < opslimit or self.memlimit < memlimit

    def derive(self, passphrase: str) -> bytes:
        """The key-encryption key for ``passphrase`` (slow on purpose)."""
        return derive_key(passphrase, self.salt, self.opslimit, self.memlimit)

    def unwrap_with(self, kek: bytes) -> bytes:
        """The data key, given an already derived key-encryption key.

        :class:`WrongPassphrase` when it does not open: a wrong passphrase, or
        limits, salt or :attr:`bound` changed since the key was wrapped.
        """
        try:
            if self.version == 1:
                return nacl.secret.SecretBox(kek).decrypt(self.wrapped)
            return nacl.secret.Aead(kek).decrypt(self.wrapped, aad=self.associated_data())
        except nacl.exceptions.CryptoError as exc:
            raise WrongPassphrase() from exc

    def unwrap(self, passphrase: str) -> bytes:
        """The data key, or :class:`WrongPassphrase`."""
        return self.unwrap_with(self.derive(passphrase))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (version 1 envelopes keep their original form)."""
        data: dict[str, Any] = {"kdf": "argon2id", "opslimit": self.opslimit,
                                "memlimit": self.memlimit, "salt": b64(self.salt),
                                "wrapped_key": b64(self.wrapped)}
        if self.version != 1:
            data["version"] = self.version
            data["bound"] = self.bound
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KeyEnvelope:
        """Parse :meth:`to_dict` output; ``ValueError``/``KeyError`` when malformed."""
        if data.get("kdf") != "argon2id":
            raise ValueError("unknown key derivation")
        version = data.get("version", 1)
        bound = data.get("bound", "") if version != 1 else ""
        if version not in (1, ENVELOPE_VERSION) or type(bound) is not str \
                or len(bound) > 1000:
            raise ValueError("unknown key envelope version")
        # Version 2 is read only as written (version 1 ones sit inside older
        # containers with fields of their own), so a changed name cannot pass as
        # the same envelope.
        if version != 1 and set(data) != _ENVELOPE_FIELDS:
            raise ValueError("unexpected key envelope fields")
        opslimit, memlimit = data["opslimit"], data["memlimit"]
        if type(opslimit) is not int or type(memlimit) is not int:
            raise ValueError("key parameters are not numbers")
        envelope = cls(_canonical_b64(data["salt"]), opslimit, memlimit,
                       _canonical_b64(data["wrapped_key"]), version, bound)
        # Refuse parameters no careterm writes: a damaged file must not make
        # the key derivation fail oddly or ask for gigabytes of memory.
        if not (_argon.OPSLIMIT_MIN <= envelope.opslimit <= _argon.OPSLIMIT_SENSITIVE
                and _argon.MEMLIMIT_MIN <= envelope.memlimit <= _argon.MEMLIMIT_SENSITIVE
                and len(envelope.salt) == _argon.SALTBYTES
                and len(envelope.wrapped) == KEY_SIZE + nacl.secret.SecretBox.MACBYTES
                + nacl.secret.SecretBox.NONCE_SIZE):
            raise ValueError("key parameters out of range")
        return envelope
