"""The lock screen: covers everything after the idle time (or ctrl+l) until the passphrase.

Nothing of any report is shown while it is up, and the app has dropped the
data key: the passphrase derives it again here (in a worker, with
:func:`careterm.team.keys.unlock`, so a passphrase changed on another laptop is
picked up). The screens underneath, a half-typed capture included, come
back exactly as they were.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from careterm.store.store import Store
from careterm.tui.messages import KeyRederived, LockLifted
from careterm.tui.screens.passphrase_screen import PassphraseScreen
from careterm.tui.widgets.form_input import FormInput


class LockScreen(PassphraseScreen):
    """Asks for the team passphrase again; the key derivation runs in a worker.

    ``home``: the store to open again, or ``None`` when there is no passphrase to
    ask (the demo's throwaway key, or a store that lives only in memory).
    What happens is posted as a message the app handles (:class:`KeyRederived`,
    :class:`LockLifted`); only a wrong passphrase stays here.
    """

    WRONG = "Wrong passphrase: still locked. Try again."

    def compose(self) -> ComposeResult:
        """A title, the masked passphrase input and a message line."""
        with Vertical(id="unlock-box", classes="dialog"):
            yield Static(Text("careterm is locked", style="bold"), id="unlock-title")
            note = ("Demo: press enter to continue." if self.home is None else
                    "Enter the team passphrase to continue where you were.")
            yield Static(Text(note, style="dim"))
            yield FormInput(password=True, placeholder="passphrase", id="passphrase")
            yield Static(id="unlock-message")
            yield Static(Text("enter unlocks · ctrl+q quits", style="dim"))

    def submit(self, passphrase: str) -> None:
        """Without a passphrase to ask (the demo), enter lifts the lock at once."""
        if self.home is None:
            self.post_message(LockLifted())
        else:
            super().submit(passphrase)

    def opened(self, store: Store) -> KeyRederived:
        """The key is derived again: the app takes the store back where the user was."""
        return KeyRederived(store)
