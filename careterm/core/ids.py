"""Identifiers that are unique across laptops without coordination.

An incident id is six Crockford base32 characters: two for the device that
captured it (its *tag*, chosen when the device joins the team so no two
devices share one) and four for that device's own counter. Two laptops
capturing at the same moment therefore never collide, and the id is short
enough to read aloud ("seven K, zero zero one two"). Crockford's alphabet
has no I, L, O or U, so it survives handwriting and phone calls.
"""

from __future__ import annotations

import secrets

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TAG_LENGTH = 2
COUNTER_LENGTH = 4
MAX_COUNTER = 32**COUNTER_LENGTH - 1


def encode(number: int, length: int) -> str:
    """Encode a non-negative ``number`` as exactly ``length`` Crockford characters."""
    if number < 0 or number >= 32**length:
        raise ValueError(f"{number} does not fit in {length} base32 characters")
    chars = []
    for _ in range(length):
        number, digit = divmod(number, 32)
        chars.append(CROCKFORD[digit])
    return "".join(reversed(chars))


def decode(text: str) -> int:
    """Decode Crockford base32, forgiving case and the look-alikes O/I/L."""
    value = 0
    for ch in normalise(text):
        value = value * 32 + CROCKFORD.index(ch)
    return value


def normalise(text: str) -> str:
    """Upper-case an id as typed and map look-alike letters (o→0, i/l→1)."""
    cleaned = text.strip().upper().replace("-", "")
    cleaned = cleaned.replace("O", "0").replace("I", "1").replace("L", "1")
    if not cleaned or any(ch not in CROCKFORD for ch in cleaned):
        raise ValueError(f"not an id: {text!r}")
    return cleaned


STATION_TAG_PREFIX = "Z"
"""Tags beginning with this are kept for intake stations (a laptop never gets one)."""


def new_device_tag(taken: set[str] | frozenset[str] = frozenset()) -> str:
    """Pick a random device tag that is not in ``taken`` (never a station's tag)."""
    free = 31 * 32 - sum(1 for t in set(taken) if not t.startswith(STATION_TAG_PREFIX))
    if free <= 0:
        raise RuntimeError("no device tags left")
    while True:
        tag = encode(secrets.randbelow(32**TAG_LENGTH), TAG_LENGTH)
        if tag not in taken and not tag.startswith(STATION_TAG_PREFIX):
            return tag


def new_station_tag(taken: set[str] | frozenset[str] = frozenset()) -> str:
    """The first free station tag (``Z0``, ``Z1``, …) not in ``taken``."""
    for ch in CROCKFORD:
        tag = STATION_TAG_PREFIX + ch
        if tag not in taken:
            return tag
    raise RuntimeError("no station tags left (32 stations at most)")


def incident_id(tag: str, counter: int) -> str:
    """The id of this device's ``counter``-th incident."""
    return tag + encode(counter, COUNTER_LENGTH)


def new_device_id() -> str:
    """A long random device id, used in file names and change ids (not read aloud)."""
    return secrets.token_hex(8)
