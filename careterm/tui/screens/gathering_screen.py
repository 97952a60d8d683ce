"""A screen that works out a page from the store through the store gateway.

The handover and the transparency-report preview both read every report:
that happens in the gateway's worker (:mod:`careterm.tui.gateway`), under the
store lock, and the result comes back as a message; a failure is said on the
screen's hint line. While the app is locked nothing is gathered. Subclasses say
only what to work out (:meth:`gathered`) and how to show it.
"""

from __future__ import annotations

from textual.message import Message
from textual.screen import Screen

from careterm.store.store import Store
from careterm.tui.messages import GatherFailed
from careterm.tui.protocol import host
from careterm.tui.widgets.hint_line import HintLine


class GatheringScreen(Screen[None]):
    """Gathers its page from the store in a worker, again whenever reports change.

    A :class:`~careterm.tui.protocol.LiveScreen`: the app calls :meth:`redraw`,
    :meth:`tick` and :meth:`hint`.
    """

    def gathered(self, store: Store) -> Message:
        """Work out the page (called in the gateway's worker, under the store lock)."""
        raise NotImplementedError

    def gather(self) -> None:
        """Read the store in a worker and post what :meth:`gathered` made (a newer
        gather replaces one still under way)."""
        host(self).gateway.run(self, self.gathered, GatherFailed, background=True,
                               exclusive=True)

    def on_gather_failed(self, message: GatherFailed) -> None:
        """Say why the page is not up to date."""
        self.hint(f"could not read the store: {message.reason}", style="bold")

    def hint(self, message: str, *, style: str = "") -> None:
        """Say something on the hint line."""
        self.query_one(HintLine).say(message, style=style)

    def redraw(self, changed: set[str] | None = None) -> None:
        """Reports changed: gather again."""
        if changed is None or changed:
            self.gather()

    def tick(self) -> None:
        """The clock moved on: nothing to do unless the page shows ages."""
