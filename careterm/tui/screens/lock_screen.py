"""The lock screen: covers everything after the idle time (or ctrl+l) until the passphrase.

Nothing of any report is shown while it is up, and the app has dropped the
data key: the passphrase derives it again here (in a worker, with
:func:`careterm.team.keys.unlock`, so a passphrase changed on another laptop is
picked up). The screens underneath, a half-typed capture included, come
back exactly as they were.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from careterm.errors import CaretermError, WrongPassphrase
from careterm.store.store import Store
from careterm.team import keys
from careterm.tui.messages import LockLifted, UnlockFailed
from careterm.tui.screens.unlock_screen import retry_passphrase
from careterm.tui.widgets.form_input import FormInput

if TYPE_CHECKING:
    from careterm.tui.app import CaretermApp


class KeyRederived(Message):
    """The passphrase opened the store again (``store`` holds the key once more)."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store


class LockScreen(Screen[None]):
    """Asks for the team passphrase again; the key derivation runs in a worker."""

    BINDINGS = [Binding("ctrl+q", "app.quit", "quit", priority=True)]

    app: CaretermApp  # type: ignore[assignment]

    def compose(self) -> ComposeResult:
        """A title, the masked passphrase input and a message line."""
        with Vertical(id="unlock-box", classes="dialog"):
            yield Static(Text("careterm is locked", style="bold"), id="unlock-title")
            note = ("Demo: press enter to continue." if self._no_passphrase else
                    "Enter the team passphrase to continue where you were.")
            yield Static(Text(note, style="dim"))
            yield FormInput(password=True, placeholder="passphrase", id="passphrase")
            yield Static(id="unlock-message")
            yield Static(Text("enter unlocks · ctrl+q quits", style="dim"))

    @property
    def _no_passphrase(self) -> bool:
        # The demo's throwaway key, or a store that lives only in memory (tests).
        return self.app.demo or self.app.store_home is None

    def on_mount(self) -> None:
        """Focus the passphrase."""
        self.query_one("#passphrase", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Check the passphrase in a thread."""
        event.stop()
        if self._no_passphrase:
            self.post_message(LockLifted())
            return
        if not event.value:
            self.query_one("#unlock-message", Static).update(
                Text("Type the passphrase first.", style="bold"))
            return
        event.input.disabled = True
        self.query_one("#unlock-message", Static).update(
            Text("Unlocking… (deriving the key takes about a second)", style="italic"))
        self.check(event.value, self.app.store_home)

    @work(thread=True, exclusive=True, group="unlock")
    def check(self, passphrase: str, home: Path | None) -> None:
        """Derive the key from the passphrase and open the store again."""
        try:
            if home is None:
                raise WrongPassphrase()
            store = keys.unlock(home, passphrase)
        except CaretermError as error:
            self.post_message(UnlockFailed(str(error)))
        else:
            self.post_message(KeyRederived(store))

    def on_unlock_failed(self, message: UnlockFailed) -> None:
        """Say so and stay locked."""
        reason = retry_passphrase(self, message.reason,
                                  "Wrong passphrase: still locked. Try again.")
        self.query_one("#unlock-message", Static).update(Text(reason, style="bold"))

    def on_key_rederived(self, message: KeyRederived) -> None:
        """Back to exactly where the user was, with the key derived again."""
        self.app.key_rederived(message.store)

    def on_lock_lifted(self, message: LockLifted) -> None:
        """Demo: back to exactly where the user was."""
        self.app.unlocked()
