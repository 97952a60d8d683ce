"""An Input that follows the app's cursor-blink setting and shows its text literally."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Input

from careterm.tui.protocol import host

_BIDI_AND_INVISIBLE = ("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
                       "\u061c\u200b\u200c\u200d\u2060\ufeff\u00ad")


_STAND_INS = {code: 0x2400 + code for code in range(0x20)}


_STAND_INS[0x7F] = 0x2421


_STAND_INS.update({code: 0xFFFD for code in range(0x80, 0xA0)})


_STAND_INS.update({ord(ch): 0xFFFD for ch in _BIDI_AND_INVISIBLE})


def shown_literally(value: str) -> str:
    """``value`` with every character a terminal could act on replaced one for one."""
    if value.isascii() and value.isprintable():
        return value
    return "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch
                   for ch in value.translate(_STAND_INS))


class FormInput(Input):
    """A text input; its cursor blinks unless the app says not to.

    Whatever is typed or pasted (escape sequences, Rich markup, bidi
    overrides, NUL) is kept as it is but drawn literally, never interpreted.
    """

    def on_mount(self) -> None:
        """Apply the app's blink setting."""
        self.cursor_blink = host(self).cursor_blink

    @property
    def _value(self) -> Text:
        """The value as drawn (overrides Input's: no character reaches the terminal raw)."""
        if self.password:
            return super()._value
        return Text(shown_literally(self.value), no_wrap=True, overflow="ignore", end="")

    def _position_to_cell(self, position: int) -> int:
        """Cell offset of ``position`` in the drawn text (keeps the cursor in view)."""
        return cell_len(shown_literally(self.value[:position]))
