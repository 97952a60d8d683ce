"""What the command line prints: result lines, notices, and tables that fit a terminal.

Results go to stdout, one call per line, as text the caller already made
visible; :func:`notice` (warnings, "nothing changed", errors) goes to stderr
and makes its text visible itself. Everything a user typed reaches a table
through :func:`fit`, which shows it literally with
:func:`careterm.core.textsafe.visible` on one line, cut to its column.
Widths count terminal cells: wide characters take two, combining marks none.
"""

from __future__ import annotations

import sys
import unicodedata
from typing import TextIO

from careterm.core.textsafe import visible


def _write(stream: TextIO, text: str) -> None:
    try:
        stream.write(text + "\n")
    except UnicodeEncodeError:
        # A terminal that is not UTF-8: show escapes rather than fail.
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write((text + "\n").encode(encoding, "backslashreplace").decode(encoding))


def out(text: str) -> None:
    """A line of results on stdout (callers pass text already made visible)."""
    _write(sys.stdout, text)


def notice(text: str) -> None:
    """A one-line message for the person at the terminal, on stderr."""
    _write(sys.stderr, f"careterm: {visible(text, one_line=True)}")


def _cell_width(text: str) -> int:
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def fit(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` terminal cells with an ellipsis."""
    text = visible(text, one_line=True)
    if _cell_width(text) <= width:
        return text
    kept, used = [], 0
    for ch in text:
        size = _cell_width(ch)
        if used + size > width - 1:
            break
        kept.append(ch)
        used += size
    return "".join(kept) + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _cell_width(text))


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """Left-aligned columns two spaces apart, headers first (cells already visible)."""
    widths = [max([_cell_width(h)] + [_cell_width(r[i]) for r in rows])
              for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in rows]
    return lines
