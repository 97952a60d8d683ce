"""The status bar: one line above the footer saying how sync is doing (and privacy mode).

The app attaches one to every full screen while this laptop has a shared
folder or privacy mode is on; without either, no screen changes. Every piece
of user text (a peer's member name, a folder path, a reason) goes through
:func:`careterm.core.textsafe.visible`.

In privacy mode the line says so first. It names no party to any report: the
peers it names are team members, who privacy mode does not hide (see
:mod:`careterm.views.privacy`), and sync reasons are about files, not reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from careterm.core import clock
from careterm.core.textsafe import visible

MAX_PEERS_SHOWN = 3
"""Peers named on the line; more are counted (the line must fit 80 columns)."""


def short_time(when: datetime | None, now: datetime | None = None) -> str:
    """``14:31`` today, ``24 Nov 14:31`` on another day, ``?`` when unknown."""
    if when is None:
        return "?"
    now = now or clock.now()
    local = when.astimezone(now.tzinfo) if when.tzinfo and now.tzinfo else when
    if local.date() == now.date():
        return local.strftime("%H:%M")
    return local.strftime("%d %b %H:%M")


def first_name(member: str) -> str:
    """The first word of a member's name, made safe for one line ("Bo Sample" → "Bo")."""
    words = visible(member or "", one_line=True).split()
    return words[0][:16] if words else "someone"


@dataclass
class SyncStatus:
    """What the status bar knows about sync (kept by the app, main thread only)."""

    configured: bool = False
    last_success: datetime | None = None
    peers: list[tuple[str, datetime | None]] = field(default_factory=list)
    skipped: int = 0
    warnings: int = 0
    in_transit: int = 0
    problem: str = ""

    def succeeded(self, report: object) -> None:
        """Take in a finished sync's report."""
        self.last_success = getattr(report, "finished_at", None) or clock.now()
        peers = list(getattr(report, "peers", []) or [])
        peers.sort(key=lambda p: (p.last_wrote is None, -(p.last_wrote.timestamp())
                                  if p.last_wrote else 0, p.member))
        self.peers = [(p.member, p.last_wrote) for p in peers]
        self.skipped = len(getattr(report, "skipped", []) or [])
        self.warnings = len(getattr(report, "warnings", []) or [])
        self.in_transit = int(getattr(report, "in_transit", 0) or 0)
        self.problem = ""

    def failed(self, reason: str) -> None:
        """Remember why the last sync did not run (the last success stays)."""
        self.problem = reason

    def line(self, *, privacy: bool = False, now: datetime | None = None) -> Text:
        """The status line, e.g. ``synced 14:32 · 2 peers (Bo 14:31, Cy 12:05)``."""
        now = now or clock.now()
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        if privacy:
            text.append(" PRIVACY ", style="bold reverse")
            text.append(" names hidden · p shows them", style="bold")
        if not self.configured:
            return text
        if privacy:
            text.append(" · ")
        if self.problem:
            text.append("⚠ ", style="bold")
            text.append(visible(self.problem, one_line=True), style="bold")
            text.append(" · ")
        if self.last_success is None:
            text.append("not synced yet" if self.problem else "syncing…", style="dim")
        else:
            text.append(f"synced {short_time(self.last_success, now)}")
            count = len(self.peers)
            text.append(f" · {count} peer{'' if count == 1 else 's'}")
            if self.peers:
                named = ", ".join(f"{first_name(member)} {short_time(when, now)}"
                                  if when else f"{first_name(member)} never"
                                  for member, when in self.peers[:MAX_PEERS_SHOWN])
                more = count - MAX_PEERS_SHOWN
                text.append(f" ({named}{f', +{more}' if more > 0 else ''})")
        if self.skipped:
            text.append(f" · ⚠ {self.skipped} file{'' if self.skipped == 1 else 's'} "
                        "skipped", style="bold")
        if self.warnings:
            text.append(f" · ⚠ {self.warnings} warning{'' if self.warnings == 1 else 's'}",
                        style="bold")
        if self.in_transit:
            text.append(f" · {self.in_transit} arriving", style="dim")
        return text


class StatusBar(Static):
    """One line at the bottom of a screen, above the footer."""

    DEFAULT_CSS = """
    StatusBar {
        dock: bottom;
        height: 1;
        padding: 0 1;
        background: $panel;
        margin-bottom: 1;
    }
    """

    def show(self, line: Text) -> None:
        """Show ``line`` (already made of safe text)."""
        self.update(line)
