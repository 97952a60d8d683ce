"""Erasure status in the app: ``careterm erase --status`` on one screen (issue 15).

Read only. Each erasure the store holds (the report, the fields, why, who erased and
when), then per laptop of the team whether it has carried the erasure out in its
home and its files in the shared folder, naming the laptops that have not synced
since: the very lines of ``careterm erase --status``
(:func:`careterm.team.erasure.status_lines`). Erasing itself stays on the command
line (``careterm erase``), where it asks and can be scripted.

The laptops come from the shared folder's registrations, the strangers' part: like
the folder doctor (:mod:`careterm.tui.screens.doctor_screen`) the status is worked
out in the app's store gateway, in a worker, without holding the store lock (a read
that hangs on a stalled share keeps no save waiting; nothing is written). It runs
when the screen opens, again on ``r``, and again when sync brought changes (an
``erased`` acknowledgement from another laptop is a change; the screen is a
:class:`~careterm.tui.protocol.LiveScreen`).

Lines are shown literally (``Text``, never markup); control characters were
replaced already. The lines name members and erased fields, never an erased value;
but an erasure's reason is free text a member typed ("Jordan Smith asked us to"):
in privacy mode each erasure's line is masked like the rest of its report (the
names its report still knows, :class:`~careterm.views.privacy.NameMask`).
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from careterm.core import clock
from careterm.core.model import Incident
from careterm.errors import CaretermError
from careterm.store.store import Store
from careterm.team import erasure as team_erasure
from careterm.team.devices import team_devices
from careterm.tui.messages import ErasureStatusFailed, ErasureStatusRead, PrivacyToggled
from careterm.tui.protocol import host
from careterm.tui.widgets.hint_line import HintLine
from careterm.tui.widgets.key_footer import KeyFooter
from careterm.views.privacy import NameMask

ERASURE_HINT = "esc back · r look again · the same as: careterm erase --status"


def laptops(store: Store) -> dict[str, tuple[str, datetime | None]]:
    """The team's laptops (not removed or refused): device id → (member, when it last
    wrote to the shared folder); without a folder, this laptop alone (as the CLI)."""
    try:
        return {d.device_id: (d.member, d.last_wrote) for d in team_devices(store)
                if d.removal is None and not d.refused}
    except CaretermError:
        return {store.device_id: (store.member, None)}


def status_lines(store: Store) -> list[str]:
    """``careterm erase --status``'s lines, now."""
    return team_erasure.status_lines(store, laptops(store), clock.now())


def status_view(lines: list[str], incidents: dict[str, Incident] | None = None) -> Group:
    """The lines for the screen: each erasure bold; a laptop that has erased green, one
    that has not yet yellow (the words say it too, never colour alone); a laptop's line
    stays indented when it wraps. ``incidents`` (privacy mode): each erasure's line
    masked by its report's names."""
    shown: list[RenderableType] = []
    for line in lines:
        if not line.startswith("  "):
            shown.append(Text(_masked(line, incidents), style="bold"))
            continue
        style = "green" if line.endswith(": erased") else "yellow"
        shown.append(Padding(Text(line.lstrip(), style=style), (0, 0, 0, 2), expand=False))
    return Group(*shown)


def _masked(line: str, incidents: dict[str, Incident] | None) -> str:
    """An erasure's line (``<report id>: erased …``) as privacy mode shows it."""
    if incidents is None:
        return line
    incident = incidents.get(line.partition(":")[0])
    return NameMask.for_incident(incident)(line) if incident is not None else line


class ErasureScreen(Screen[None]):
    """Where each erasure has been carried out ("Erasure status" in the command palette)."""

    DEFAULT_CSS = """
    ErasureScreen #erasure-title {
        height: auto;
        padding: 0 1;
        background: $primary-background;
    }
    ErasureScreen #erasure-scroll { height: 1fr; }
    ErasureScreen #erasure-lines { padding: 0 1; }
    ErasureScreen #erasure-hint { height: auto; }
    """
    BINDINGS = [
        Binding("escape", "back", "back"),
        Binding("q", "back", "back", show=False),
        Binding("r", "examine", "look again"),
        Binding("question_mark", "app.help", "help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] | None = None
        """The lines shown (``None`` until they were read)."""

    def compose(self) -> ComposeResult:
        """A title, the status (scrollable), a hint line and the footer."""
        yield Static(Text("Erasure status: has every laptop erased?", style="bold"),
                     id="erasure-title")
        with VerticalScroll(id="erasure-scroll"):
            yield Static(Text("looking…", style="dim"), id="erasure-lines")
        yield HintLine(Text(ERASURE_HINT, style="dim"), id="erasure-hint", wraps=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        """Read the status."""
        self.query_one("#erasure-scroll").focus()
        self.examine()

    def examine(self, *, background: bool = False) -> None:
        """Work the status out in the gateway's worker, without the store lock (it reads
        the shared folder's registrations, which may hang). A newer run replaces one
        under way."""
        host(self).gateway.run(self, _read_status, ErasureStatusFailed, background=background,
                               exclusive=True, hold_lock=False)

    def on_erasure_status_read(self, message: ErasureStatusRead) -> None:
        """Show the lines."""
        self.lines = message.lines
        self._show()

    def _show(self) -> None:
        if self.lines is None:
            return
        app = host(self)
        self.query_one("#erasure-lines", Static).update(
            status_view(self.lines, app.incidents if app.privacy else None))

    def on_privacy_toggled(self, message: PrivacyToggled) -> None:
        """Names hidden or shown again."""
        self._show()

    def on_erasure_status_failed(self, message: ErasureStatusFailed) -> None:
        """Say why there is no (fresh) status."""
        self.hint(f"the erasure status could not be read: {message.reason}", style="bold")

    def action_examine(self) -> None:
        """r: look again."""
        self.hint(ERASURE_HINT, style="dim")
        self.examine()

    def action_back(self) -> None:
        """Back to where the user was."""
        self.dismiss()

    # ------------------------------------------------------------ LiveScreen

    def redraw(self, changed: set[str] | None = None) -> None:
        """Reports changed (sync brought an erasure, or a laptop's acknowledgement)."""
        if changed is None or changed:
            self.examine(background=True)

    def tick(self) -> None:
        """The clock moved on: nothing to do."""

    def hint(self, message: str, *, style: str = "") -> None:
        """Say something on the hint line."""
        self.query_one(HintLine).say(message, style=style)


def _read_status(store: Store) -> ErasureStatusRead:
    """In the gateway's worker: the status lines."""
    return ErasureStatusRead(status_lines(store))
