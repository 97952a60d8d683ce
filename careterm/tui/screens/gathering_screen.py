"""A screen that works out a page from the store in a thread worker.

The handover and the transparency-report preview both read every report:
that happens in a worker, under the app's store lock, and the result comes
back as a message; a failure is said on the screen's hint line. Subclasses say
only what to work out (:meth:`gathered`) and how to show it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.message import Message
from textual.screen import Screen

from careterm.errors import CaretermError
from careterm.store.store import Store
from careterm.tui.messages import GatherFailed
from careterm.tui.widgets.hint_line import HintLine

if TYPE_CHECKING:
    from careterm.tui.app import CaretermApp


class GatheringScreen(Screen[None]):
    """Gathers its page from the store in a worker, again whenever reports change."""

    app: CaretermApp  # type: ignore[assignment]

    def gathered(self, store: Store) -> Message:
        """Work out the page (called in the worker, under the store lock)."""
        raise NotImplementedError

    @work(thread=True, exclusive=True, group="gather")
    def gather(self) -> None:
        """Read the store in a thread and post what :meth:`gathered` made."""
        store = self.app.store
        if store is None:
            return
        try:
            with self.app.store_lock:
                message = self.gathered(store)
        except CaretermError as error:
            self.post_message(GatherFailed(str(error)))
        else:
            self.post_message(message)

    def on_gather_failed(self, message: GatherFailed) -> None:
        """Say why the page is not up to date."""
        self.query_one(HintLine).say(f"could not read the store: {message.reason}",
                                     style="bold")

    def redraw(self, changed: set[str] | None = None) -> None:
        """Reports changed: gather again."""
        if changed is None or changed:
            self.gather()
