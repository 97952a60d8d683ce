"""How the app and its screens talk, typed both ways, without importing each other.

Screens never import :mod:`careterm.tui.app`. What a screen may ask of the app
is :class:`Host`, reached with :func:`host` (the app is the one implementation);
store work goes through its :attr:`Host.gateway`. What the app asks of a screen
that shows incidents is :class:`LiveScreen`, checked with ``isinstance``.
Everything else travels as messages (:mod:`careterm.tui.messages`): worker
results, and the unlock, setup and lock screens' outcomes, which bubble up to
the app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from textual.dom import DOMNode
from textual.screen import Screen

from careterm.actions.incidents import Captured
from careterm.core.model import Incident
from careterm.core.settings import TeamSettings
from careterm.tui.gateway import StoreGateway
from careterm.views.board import FilterSpec


@runtime_checkable
class Host(Protocol):
    """What a screen (or one of its widgets) may ask of the app."""

    gateway: StoreGateway
    """Runs store work in a worker (the only way a screen reaches the store)."""
    demo: bool
    """The store is a throwaway of fictional reports."""
    team_name: str
    """The team's name (in the board's title and the handover)."""
    member_name: str
    """The member using this laptop."""
    incidents: dict[str, Incident]
    """The latest snapshot of the store's reports (main thread only)."""
    team_settings: TeamSettings
    """The team's settings: every stage's target, the event's dates, the critical alert."""
    cursor_blink: bool
    """Whether text cursors blink (off for steady snapshots)."""

    @property
    def privacy(self) -> bool:
        """Privacy mode: names, contacts and the reporter are shown as initials."""
        ...

    def refresh_now(self) -> None:
        """Re-read the store and sync at once (after something was stored)."""
        ...

    def open_incident(self, incident_id: str) -> None:
        """Show one report."""
        ...

    def ask_acknowledge(self, incident_id: str, screen: Screen[Any] | None = None) -> None:
        """Ask how the acknowledgement reached the reporter, then record it; ``screen``
        (default: the current one) hears how it went."""
        ...

    def ask_assign(self, incident_id: str, screen: Screen[Any] | None = None) -> None:
        """Ask which member owns the report (or nobody), then record it; ``screen``
        (default: the current one) hears how it went."""
        ...

    def show_handover(self) -> None:
        """Show the handover page."""
        ...

    def show_report(self) -> None:
        """Show the transparency report preview."""
        ...

    def set_board_filter(self, spec: FilterSpec) -> None:
        """Back to the board, filtered with ``spec``."""
        ...

    def when_unlocked(self, action: Callable[[], None]) -> None:
        """Run ``action`` now, or once the lock screen is lifted (what closes a screen
        after store work must never close the lock screen instead)."""
        ...

    def capture_saved(self, captured: Captured) -> None:
        """A new report was stored: back to the board, which selects it."""
        ...

    def action_done(self, description: str) -> None:
        """An edit was stored: refresh and say so on the screen below."""
        ...

    def forget_draft(self) -> None:
        """Delete the capture draft (in a worker)."""
        ...


def host(node: DOMNode) -> Host:
    """The app ``node`` runs in, as the :class:`Host` its screens talk to."""
    app = node.app
    if not isinstance(app, Host):
        raise TypeError(f"{type(app).__name__} cannot run careterm's screens")
    return app


@runtime_checkable
class LiveScreen(Protocol):
    """A screen that shows incidents; the app calls these on the main thread."""

    def redraw(self, changed: set[str] | None = None) -> None:
        """The reports in ``changed`` changed (``set()``: only the clock;
        ``None``: draw everything again)."""
        ...

    def tick(self) -> None:
        """The clock moved on (ages, escalation)."""
        ...

    def hint(self, message: str, *, style: str = "") -> None:
        """Say something on the screen's hint line."""
        ...
