"""First start: create the store (member, team, passphrase twice, optional shared folder)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from careterm.errors import CaretermError
from careterm.store.store import Store
from careterm.team import sync as team_sync
from careterm.tui.messages import StoreCreated, StoreCreateFailed
from careterm.tui.widgets.form_input import FormInput

MIN_PASSPHRASE = 8


class SetupScreen(Screen[None]):
    """Creates a new store in the home folder; nothing is written until it is valid.

    The new store goes to the app as :class:`StoreCreated` (the message bubbles up;
    the app shows the empty board); a failure stays here.
    """

    BINDINGS = [Binding("ctrl+s", "create", "create", priority=True),
                Binding("ctrl+q", "app.quit", "quit", priority=True)]

    def __init__(self, home: Path) -> None:
        super().__init__()
        self.home = home

    def compose(self) -> ComposeResult:
        """The five answers and a message line."""
        with Vertical(id="setup-box", classes="dialog wide"):
            yield Static(Text("careterm: set up this laptop", style="bold"))
            yield Static(Text("No store here yet. It is created encrypted with the team "
                              "passphrase.", style="dim"))
            yield FormInput(placeholder="your name (member)", id="member")
            yield FormInput(placeholder="team name, e.g. Example Con CARE", id="team")
            yield FormInput(password=True, placeholder="team passphrase", id="passphrase")
            yield FormInput(password=True, placeholder="the passphrase again", id="repeat")
            yield FormInput(placeholder="shared folder for sync (optional)", id="shared")
            yield Static(id="setup-message")
            yield Static(Text("enter: next field · ctrl+s creates · ctrl+q quits", style="dim"))

    def on_mount(self) -> None:
        """Start with the member's name."""
        self.query_one("#member", Input).focus()

    def say(self, message: str, *, style: str = "bold") -> None:
        """One line under the form."""
        self.query_one("#setup-message", Static).update(Text(message, style=style))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves on; on the last field it creates the store."""
        event.stop()
        if event.input.id == "shared":
            self.action_create()
        else:
            self.focus_next()

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value

    def action_create(self) -> None:
        """Check the answers, then create the store in a worker."""
        member, team = self._value("member").strip(), self._value("team").strip()
        passphrase, repeat = self._value("passphrase"), self._value("repeat")
        shared = self._value("shared").strip()
        if not member:
            self.say("Your name is needed: it is recorded with what you capture.")
            self.query_one("#member").focus()
            return
        if len(passphrase) < MIN_PASSPHRASE:
            self.say(f"The passphrase needs at least {MIN_PASSPHRASE} characters.")
            self.query_one("#passphrase").focus()
            return
        if passphrase != repeat:
            self.say("The two passphrases differ; type them again.")
            self.query_one("#repeat", Input).value = ""
            self.query_one("#repeat").focus()
            return
        self.say("Creating the store… (deriving the key takes about a second)", style="italic")
        self.create_store(member, team, passphrase, shared)

    @work(thread=True, exclusive=True, group="setup")
    def create_store(self, member: str, team: str, passphrase: str, shared: str) -> None:
        """Create the store, then (if asked) prepare the shared folder."""
        try:
            store = Store.create(self.home, passphrase, member=member, team=team)
        except CaretermError as error:
            self.post_message(StoreCreateFailed(str(error)))
            return
        except OSError as error:
            self.post_message(StoreCreateFailed(f"could not create {self.home}: {error}"))
            return
        notice = ""
        if shared:
            notice = init_shared_folder(store, Path(shared).expanduser())
        self.post_message(StoreCreated(store, notice))

    def on_store_create_failed(self, message: StoreCreateFailed) -> None:
        """Say why; nothing was created."""
        self.say(message.reason)


def init_shared_folder(store: Store, folder: Path) -> str:
    """Write the team header into ``folder``; return a notice saying how it went."""
    try:
        team_sync.init_shared(store, folder)
    except CaretermError as error:
        return f"shared folder not set up: {error}"
    except OSError as error:
        return f"shared folder not set up: {error}"
    return f"shared folder {folder} is ready for the team"
