"""Handing the records over: the folder of clear files, or one file sealed to a recipient.

``careterm export --all --to DIR`` writes the files :func:`careterm.views.export.export_bundle`
made into a new or empty folder (:func:`write_folder`): never into one that holds
anything, so nothing of someone else's is overwritten or mixed in; each file is
readable by its owner only (0600). Those files are NOT encrypted (their README says so).

``--encrypt-to PUBKEY`` writes one file instead (:func:`seal_bundle`): the same files as
one JSON document, sealed with ``nacl.public.SealedBox`` to the recipient's X25519 public
key (base64, 32 bytes), after the clear line :data:`MAGIC`. Nothing of the reports is
written in clear on this laptop. Only the holder of the matching private key opens it
(:func:`open_bundle`); the sender cannot, and a sealed box says nothing about who sealed
it (the recipient trusts the file by how it reached them).

The recipient makes the key pair with ``careterm open-export --new-key KEYFILE``
(:func:`new_key_file`): the private key goes into KEYFILE (0600, refused when the file
exists), the public key is printed to send to the team. ``careterm open-export FILE
--key KEYFILE --to DIR`` opens it: a wrong key or a damaged file is one line and
nothing written; the paths inside are checked (:data:`BUNDLE_PATH`) before any is
written, so a crafted bundle cannot write outside DIR.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nacl.exceptions
import nacl.public

from careterm.errors import CaretermError, InvalidInput
from careterm.store.crypto import b64, unb64

MAGIC = b"careterm sealed export 1\n"
"""The clear first line of a sealed export."""
KEY_HEADER = "# careterm export key: PRIVATE. Whoever holds this file opens exports sealed to it."
"""The first line of a private key file."""
BUNDLE_PATH = re.compile(r"(README\.md|index\.(md|json)|reports/[0-9A-Za-z-]{1,32}\.(md|json))")
"""The only paths a bundle may hold (what :func:`careterm.views.export.export_bundle` makes)."""
KEY_SIZE = nacl.public.PublicKey.SIZE


class ExportNotOpened(CaretermError):
    """A sealed export that this key does not open (or that is damaged)."""


def public_key(text: str) -> nacl.public.PublicKey:
    """The recipient's key from its base64 text; one line (exit 2) when it is not one."""
    try:
        return nacl.public.PublicKey(unb64(text.strip(), size=KEY_SIZE))
    except ValueError:
        raise InvalidInput("--encrypt-to: that is not a public key (the base64 line "
                           "'careterm open-export --new-key' prints)") from None


def check_empty_folder(folder: Path) -> None:
    """Refuse a folder that holds anything, or a path that is a file (exit 2)."""
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(f"{folder} is a file; give a new or empty folder (nothing was "
                           "written)")
    if folder.is_dir() and any(folder.iterdir()):
        raise InvalidInput(f"{folder} is not empty; give a new or empty folder (nothing was "
                           "written)")


def _write_new(path: Path, data: bytes) -> None:
    """Write a file that must not exist yet, readable by its owner only."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)


def write_folder(folder: Path, files: dict[str, str]) -> None:
    """Write ``files`` (relative path → text) into ``folder``, new or empty."""
    check_empty_folder(folder)
    for name in files:
        if not BUNDLE_PATH.fullmatch(name):
            raise InvalidInput(f"{name!r} is not a file an export holds; nothing was written")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(exist_ok=True, mode=0o700)
        _write_new(path, text.encode("utf-8"))


def seal_bundle(files: dict[str, str], recipient: nacl.public.PublicKey) -> bytes:
    """``files`` as one JSON document sealed to ``recipient``, after :data:`MAGIC`."""
    document = json.dumps({"careterm_export": 1, "files": files}, ensure_ascii=False)
    return MAGIC + nacl.public.SealedBox(recipient).encrypt(document.encode("utf-8"))


def write_sealed(path: Path, files: dict[str, str], recipient: nacl.public.PublicKey) -> None:
    """Write the sealed export to ``path`` (refused when it exists)."""
    if path.exists():
        raise InvalidInput(f"{path} exists; give a new file name (nothing was written)")
    _write_new(path, seal_bundle(files, recipient))


def new_key_file(path: Path) -> str:
    """Make a key pair: the private key into ``path`` (new, 0600); return the public key."""
    if path.exists():
        raise InvalidInput(f"{path} exists; give a new file name for the private key")
    private = nacl.public.PrivateKey.generate()
    _write_new(path, f"{KEY_HEADER}\n{b64(bytes(private))}\n".encode("ascii"))
    return b64(bytes(private.public_key))


def read_key_file(path: Path) -> nacl.public.PrivateKey:
    """The private key in ``path`` (as :func:`new_key_file` wrote it)."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        raise InvalidInput(f"{path}: cannot read that key file") from None
    lines = [line.strip() for line in text.splitlines()
             if line.strip() and not line.startswith("#")]
    try:
        if len(lines) != 1:
            raise ValueError("not one key")
        return nacl.public.PrivateKey(unb64(lines[0], size=KEY_SIZE))
    except ValueError:
        raise InvalidInput(f"{path} is not a careterm export key (made by "
                           "'careterm open-export --new-key')") from None


def open_bundle(blob: bytes, key: nacl.public.PrivateKey) -> dict[str, str]:
    """The files inside a sealed export; :class:`ExportNotOpened` when ``key`` does not
    open it, it is damaged, or what is inside is not an export."""
    if not blob.startswith(MAGIC):
        raise ExportNotOpened("that file is not a sealed careterm export; nothing was written")
    try:
        document = json.loads(nacl.public.SealedBox(key).decrypt(blob[len(MAGIC):]))
    except nacl.exceptions.CryptoError:
        raise ExportNotOpened("this key does not open that export (it was sealed to another "
                              "key, or the file is damaged); nothing was written") from None
    except (ValueError, RecursionError):
        raise ExportNotOpened("what is inside that export is not readable; nothing was "
                              "written") from None
    files = document.get("files") if isinstance(document, dict) else None
    if (not isinstance(files, dict) or not all(
            isinstance(name, str) and isinstance(text, str) and BUNDLE_PATH.fullmatch(name)
            for name, text in files.items())):
        raise ExportNotOpened("what is inside that export is not a careterm export; nothing "
                              "was written")
    return files
