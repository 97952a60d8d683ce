"""Showing user text literally, whatever it contains.

Reports are typed by people and imported from web forms; they may hold Rich
markup (``[bold red]``), terminal escape sequences (OSC 52 clipboard writes,
title changes), bidi overrides that reorder what is seen, or NUL bytes. None
of it may reach the terminal raw. :func:`visible` turns every such character
into a visible, harmless stand-in, so the text is shown, not interpreted.
"""

from __future__ import annotations

import json
import re
import unicodedata

_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_INVISIBLE = set("\u200b\u200c\u200d\u2060\ufeff\u00ad")


def _stand_in(ch: str) -> str | None:
    code = ord(ch)
    if ch in "\n\t":
        return None
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC, ␀ for NUL, ...
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0x80 <= code < 0xA0 or ch in _BIDI or ch in _INVISIBLE:
        return f"<U+{code:04X}>"
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    if unicodedata.category(ch) in ("Cc", "Cs"):
        return f"<U+{code:04X}>"
    return None


def is_plain(text: str) -> bool:
    """True when ``text`` has nothing that :func:`visible` would replace."""
    return all(_stand_in(ch) is None for ch in text)


def visible(text: str, *, one_line: bool = False) -> str:
    """Return ``text`` with control, bidi and invisible characters made visible.

    With ``one_line`` newlines and tabs become spaces too (for table cells).
    """
    if text.isascii() and text.isprintable() and not one_line:
        return text
    out = []
    for ch in text:
        if one_line and ch in "\n\t\r":
            out.append(" ")
            continue
        stand_in = _stand_in(ch)
        out.append(ch if stand_in is None else stand_in)
    return "".join(out)


_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\ud800-\udfff" + "".join(sorted(_BIDI | _INVISIBLE)) + "]")


def safe_json(value: object, **kwargs: object) -> str:
    """JSON for a terminal: keeps Unicode readable, escapes what a terminal would act on."""
    text = json.dumps(value, ensure_ascii=False, **kwargs)  # type: ignore[arg-type]
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def has_invalid_utf8(text: str) -> bool:
    """True when ``text`` came from bytes that were not valid UTF-8 (lone surrogates)."""
    return any(0xDC80 <= ord(ch) <= 0xDCFF for ch in text)
