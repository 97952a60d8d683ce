"""The form's fields: an Input that follows the app's cursor-blink setting and shows its
text literally, and a dropdown answered with one letter."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Select

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


class FormChoice(Select[str]):
    """A dropdown answered with one key: each answer's first letter chooses it (``y``
    yes, ``n`` no, ``u`` unknown …), Enter moves on to the next field, backspace
    clears the answer; space or the arrows open the list. The footer shows the
    letters of the answers it has ("y n u answer  ⏎ next").

    The answers' labels must start with different letters. Any other letter does
    nothing here (it never reaches the app's one-key commands).
    """

    BINDINGS = [
        Binding("enter", "next", "next"),
        Binding("backspace,delete", "clear_answer", "clear", show=False),
    ]

    class Answered(Message):
        """An answer was chosen with its letter (even the one already chosen)."""

        def __init__(self, choice: FormChoice) -> None:
            super().__init__()
            self.choice = choice

        @property
        def control(self) -> FormChoice:
            """The dropdown that was answered."""
            return self.choice

    def __init__(self, options: list[tuple[str, str]], *, prompt: str,
                 id: str | None = None) -> None:
        super().__init__(options, prompt=prompt, id=id)
        self.letters: dict[str, str] = {}
        """Letter → the answer it chooses."""
        group = Binding.Group("answer")
        keys: dict[str, list[Binding]] = {}
        for label, value in options:
            letter = label[:1].lower()
            if not letter.isalpha() or letter in self.letters:
                raise ValueError(f"answers need different first letters: {label!r}")
            self.letters[letter] = value
            action = f"choose({value!r})"
            keys[letter] = [Binding(letter, action, label, group=group)]
            keys[letter.upper()] = [Binding(letter.upper(), action, label, show=False)]
        # This dropdown's own keys (a copy per widget), its letters first in the footer.
        self._bindings.key_to_bindings = {**keys, **self._bindings.key_to_bindings}

    def action_choose(self, value: str) -> None:
        """A letter: choose its answer."""
        self.value = value
        self.post_message(self.Answered(self))

    def action_clear_answer(self) -> None:
        """Backspace: no answer (the prompt shows again)."""
        self.clear()

    def action_next(self) -> None:
        """Enter: on to the next field."""
        self.screen.focus_next()

    def on_key(self, event: events.Key) -> None:
        """A letter that chooses nothing here is swallowed, with a bell."""
        character = event.character
        if (not self.expanded and character is not None and character.isprintable()
                and not character.isspace() and character.lower() not in self.letters):
            event.stop()
            event.prevent_default()
            self.app.bell()
