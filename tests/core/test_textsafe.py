"""User text is shown literally: nothing a terminal would act on gets through."""

from __future__ import annotations

import json

import pytest

from careterm.core.textsafe import has_invalid_utf8, is_plain, safe_json, visible

HOSTILE = [
    "\x1b[31mred\x1b[0m",             # colour escape
    "\x1b]52;c;aGVsbG8=\x07",         # OSC 52: write to the clipboard
    "\x1b]0;owned title\x07",         # window title
    "\x9b31m",                        # 8-bit CSI
    "abc\u202edcba",                  # right-to-left override
    "zero\u200bwidth",                # zero-width space
    "nul\x00byte",
    "bell\x07",
]


class TestVisible:
    """Control, bidi and invisible characters become visible stand-ins."""

    @pytest.mark.parametrize("text", HOSTILE)
    def test_nothing_raw_gets_through(self, text: str) -> None:
        shown = visible(text)
        assert is_plain(shown)
        assert not any(ch in shown for ch in "\x1b\x07\x00\x9b\u202e\u200b")

    def test_markup_is_left_as_characters(self) -> None:
        assert visible("[bold red]x[/]") == "[bold red]x[/]"

    def test_ordinary_unicode_is_untouched(self) -> None:
        text = "Zoë saw it near the café — 東京 ✓\nsecond line"
        assert visible(text) == text
        assert visible(text, one_line=True) == text.replace("\n", " ")

    def test_escape_is_shown_as_a_symbol(self) -> None:
        assert visible("\x1b[31m") == "\u241b[31m"


class TestSafeJson:
    """JSON output round-trips exactly but carries no raw control characters."""

    @pytest.mark.parametrize("text", HOSTILE)
    def test_round_trip_without_raw_controls(self, text: str) -> None:
        out = safe_json({"what": text})
        assert json.loads(out) == {"what": text}
        assert is_plain(out.replace("\n", ""))

    def test_invalid_utf8_detected(self) -> None:
        assert has_invalid_utf8(b"caf\xe9".decode("utf-8", "surrogateescape"))
        assert not has_invalid_utf8("café")
