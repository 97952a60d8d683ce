"""The one clock every part of careterm asks for "now".

Tests replace it with :func:`freeze` (or :func:`set_clock`) so that ages,
escalation and "10 min ago" parsing are reproducible.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

_clock: Callable[[], datetime] | None = None


def now() -> datetime:
    """Return the current time, timezone-aware, in the laptop's local zone."""
    if _clock is not None:
        return _clock()
    return datetime.now(UTC).astimezone()


def set_clock(fn: Callable[[], datetime] | None) -> None:
    """Replace the clock with ``fn`` (``None`` restores the real clock)."""
    global _clock
    _clock = fn


class FrozenClock:
    """A clock that stands still until a test moves it with :meth:`advance`."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a frozen clock needs a timezone-aware time")
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **kwargs: float) -> None:
        """Move the clock forward, e.g. ``advance(minutes=16)``."""
        self.at = self.at + timedelta(**kwargs)


def freeze(at: datetime) -> FrozenClock:
    """Freeze the clock at ``at`` and return it so a test can advance it."""
    clock = FrozenClock(at)
    set_clock(clock)
    return clock


def now_ms() -> int:
    """Milliseconds since the Unix epoch by :func:`now`, for the hybrid logical clock."""
    return int(now().timestamp() * 1000)
