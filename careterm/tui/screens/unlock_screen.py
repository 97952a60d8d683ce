"""The unlock screen: the app always starts here; nothing of any report is shown."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from careterm.errors import CaretermError
from careterm.team import keys
from careterm.tui.messages import StoreUnlocked, UnlockFailed
from careterm.tui.widgets.form_input import FormInput

if TYPE_CHECKING:
    from careterm.tui.app import CaretermApp


class UnlockScreen(Screen[None]):
    """Asks for the team passphrase and derives the key in a worker (about a second)."""

    BINDINGS = [Binding("ctrl+q", "app.quit", "quit", priority=True)]

    app: CaretermApp  # type: ignore[assignment]

    def __init__(self, home: Path) -> None:
        super().__init__()
        self.home = home

    def compose(self) -> ComposeResult:
        """A title, the masked passphrase input and a message line."""
        with Vertical(id="unlock-box", classes="dialog"):
            yield Static(Text("careterm", style="bold"), id="unlock-title")
            yield Static(Text("Enter the team passphrase to unlock the reports.",
                              style="dim"))
            yield FormInput(password=True, placeholder="passphrase", id="passphrase")
            yield Static(id="unlock-message")
            yield Static(Text("enter unlocks · ctrl+q quits", style="dim"), id="unlock-keys")

    def on_mount(self) -> None:
        """Focus the passphrase."""
        self.query_one("#passphrase", Input).focus()

    def say(self, message: str, *, style: str = "") -> None:
        """Show a one-line message under the input."""
        self.query_one("#unlock-message", Static).update(Text(message, style=style))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: derive the key and open the store (in a thread)."""
        event.stop()
        if not event.value:
            self.say("Type the passphrase first.", style="bold")
            return
        event.input.disabled = True
        self.say("Unlocking… (deriving the key takes about a second)", style="italic")
        self.unlock(event.value)

    @work(thread=True, exclusive=True, group="unlock")
    def unlock(self, passphrase: str) -> None:
        """Key derivation and decryption happen here, never on the main thread.

        :func:`careterm.team.keys.unlock` also accepts a passphrase changed on
        another laptop (through the shared folder's header).
        """
        try:
            store = keys.unlock(self.home, passphrase)
        except CaretermError as error:
            self.post_message(UnlockFailed(str(error)))
        else:
            self.post_message(StoreUnlocked(store))

    def on_unlock_failed(self, message: UnlockFailed) -> None:
        """Say why, clear the input, try again."""
        self.say(retry_passphrase(self, message.reason,
                                  "Wrong passphrase: the store was not unlocked. Try again."),
                 style="bold")

    def on_store_unlocked(self, message: StoreUnlocked) -> None:
        """Hand the store to the app (it shows the board)."""
        self.app.install_store(message.store)


def retry_passphrase(screen: Screen, reason: str, wrong: str) -> str:
    """Clear and re-enable the passphrase input for another try; return what to say.

    ``wrong`` replaces the core's wrong-passphrase message with the screen's own words.
    """
    passphrase = screen.query_one("#passphrase", Input)
    passphrase.disabled = False
    passphrase.value = ""
    passphrase.focus()
    return wrong if reason.startswith("wrong passphrase") else reason
