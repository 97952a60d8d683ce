"""The unlock screen: the app always starts here; nothing of any report is shown."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from careterm.store.store import Store
from careterm.tui.messages import StoreUnlocked
from careterm.tui.screens.passphrase_screen import PassphraseScreen
from careterm.tui.widgets.form_input import FormInput


class UnlockScreen(PassphraseScreen):
    """Asks for the team passphrase and derives the key in a worker (about a second).

    The opened store goes to the app as :class:`StoreUnlocked` (the message bubbles
    up; the app shows the board); a refusal stays here.
    """

    WRONG = "Wrong passphrase: the store was not unlocked. Try again."

    def compose(self) -> ComposeResult:
        """A title, the masked passphrase input and a message line."""
        with Vertical(id="unlock-box", classes="dialog"):
            yield Static(Text("careterm", style="bold"), id="unlock-title")
            yield Static(Text("Enter the team passphrase to unlock the reports.",
                              style="dim"))
            yield FormInput(password=True, placeholder="passphrase", id="passphrase")
            yield Static(id="unlock-message")
            yield Static(Text("enter unlocks · ctrl+q quits", style="dim"), id="unlock-keys")

    def opened(self, store: Store) -> StoreUnlocked:
        """The store goes to the app, which shows the board."""
        return StoreUnlocked(store)
