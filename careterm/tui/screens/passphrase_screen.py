"""What the unlock and the lock screen share: the passphrase, and the key derived from it.

Key derivation and decryption take about a second: they run in a thread worker
(:func:`careterm.team.keys.unlock`, which also accepts a passphrase changed on
another laptop, through the shared folder's header), never on the main thread.
The opened store goes to the app as a message that bubbles up from the screen;
a refusal stays on the screen, which clears the input for another try.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from careterm.errors import CaretermError, WrongPassphrase
from careterm.store.store import Store
from careterm.team import keys
from careterm.tui.messages import UnlockFailed


class PassphraseScreen(Screen[None]):
    """Asks for the team passphrase for the store in ``home`` and opens it in a worker.

    Subclasses draw the box (a ``#passphrase`` input and an ``#unlock-message``
    line), say what a wrong passphrase means there (:attr:`WRONG`) and which
    message takes the opened store to the app (:meth:`opened`).
    """

    BINDINGS = [Binding("ctrl+q", "app.quit", "quit", priority=True)]

    WRONG = "Wrong passphrase. Try again."
    """Said instead of the core's wrong-passphrase message."""

    def __init__(self, home: Path | None) -> None:
        super().__init__()
        self.home = home

    def opened(self, store: Store) -> Message:
        """The message that hands the opened ``store`` to the app."""
        raise NotImplementedError

    def on_mount(self) -> None:
        """Focus the passphrase."""
        self.query_one("#passphrase", Input).focus()

    def say(self, message: str, *, style: str = "") -> None:
        """Show a one-line message under the input."""
        self.query_one("#unlock-message", Static).update(Text(message, style=style))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: take the passphrase."""
        event.stop()
        self.submit(event.value)

    def submit(self, passphrase: str) -> None:
        """Derive the key and open the store (in a thread)."""
        if not passphrase:
            self.say("Type the passphrase first.", style="bold")
            return
        self.query_one("#passphrase", Input).disabled = True
        self.say("Unlocking… (deriving the key takes about a second)", style="italic")
        self.unlock(passphrase)

    @work(thread=True, exclusive=True, group="unlock")
    def unlock(self, passphrase: str) -> None:
        """Derive the key and open the store (in the worker); post how it went."""
        try:
            if self.home is None:
                raise WrongPassphrase()
            store = keys.unlock(self.home, passphrase)
        except CaretermError as error:
            self.post_message(UnlockFailed(str(error)))
        else:
            self.post_message(self.opened(store))

    def on_unlock_failed(self, message: UnlockFailed) -> None:
        """Say why, clear the input, try again."""
        passphrase = self.query_one("#passphrase", Input)
        passphrase.disabled = False
        passphrase.value = ""
        passphrase.focus()
        wrong = message.reason.startswith("wrong passphrase")
        self.say(self.WRONG if wrong else message.reason, style="bold")
