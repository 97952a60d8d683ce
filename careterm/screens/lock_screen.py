"""The lock screen: covers everything after the idle time (or ctrl+l) until the passphrase.

Nothing of any report is shown while it is up; the screens underneath
(a half-typed capture included) are exactly as they were when it is lifted.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from careterm.errors import CaretermError, WrongPassphrase
from careterm.screens.messages import LockLifted, UnlockFailed
from careterm.store import read_envelope
from careterm.widgets.form_input import FormInput

if TYPE_CHECKING:
    from careterm.app import CaretermApp


class LockScreen(Screen[None]):
    """Asks for the team passphrase again; the key check runs in a worker."""

    BINDINGS = [Binding("ctrl+q", "app.quit", "quit", priority=True)]

    app: CaretermApp  # type: ignore[assignment]

    def compose(self) -> ComposeResult:
        """A title, the masked passphrase input and a message line."""
        with Vertical(id="unlock-box", classes="dialog"):
            yield Static(Text("careterm is locked", style="bold"), id="unlock-title")
            note = ("Demo: press enter to continue." if self.app.demo else
                    "Enter the team passphrase to continue where you were.")
            yield Static(Text(note, style="dim"))
            yield FormInput(password=True, placeholder="passphrase", id="passphrase")
            yield Static(id="unlock-message")
            yield Static(Text("enter unlocks · ctrl+q quits", style="dim"))

    def on_mount(self) -> None:
        """Focus the passphrase."""
        self.query_one("#passphrase", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Check the passphrase in a thread."""
        event.stop()
        if self.app.demo:
            self.post_message(LockLifted())
            return
        if not event.value:
            return
        event.input.disabled = True
        self.query_one("#unlock-message", Static).update(Text("Checking…", style="italic"))
        self.check(event.value)

    @work(thread=True, exclusive=True, group="unlock")
    def check(self, passphrase: str) -> None:
        """Derive the key from the passphrase and compare it with the open store's."""
        store = self.app.store
        try:
            if store is None or store.home is None or store.key is None:
                raise WrongPassphrase()
            key = read_envelope(store.home).unwrap(passphrase)
            if not hmac.compare_digest(key, store.key):
                raise WrongPassphrase()
        except CaretermError as error:
            self.post_message(UnlockFailed(str(error)))
        else:
            self.post_message(LockLifted())

    def on_unlock_failed(self, message: UnlockFailed) -> None:
        """Say so and try again."""
        passphrase = self.query_one("#passphrase", Input)
        passphrase.disabled = False
        passphrase.value = ""
        passphrase.focus()
        reason = message.reason
        if reason.startswith("wrong passphrase"):
            reason = "Wrong passphrase. Try again."
        self.query_one("#unlock-message", Static).update(Text(reason, style="bold"))

    def on_lock_lifted(self, message: LockLifted) -> None:
        """Back to exactly where the user was."""
        self.app.unlocked()
