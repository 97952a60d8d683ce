"""A hybrid logical clock: timestamps that order changes across laptops.

Laptop clocks disagree by minutes. A hybrid logical clock never goes
backwards on one device, and after a device has seen another's change, every
change it makes afterwards sorts after that one, whatever the wall clocks say.
A stamp is a string that sorts in time order: ``"<15-digit ms>.<5-digit counter>"``.
"""

from __future__ import annotations

from careterm.core import clock


def format_stamp(wall_ms: int, counter: int) -> str:
    """Format a stamp so that string order is time order."""
    return f"{wall_ms:015d}.{counter:05d}"


def parse_stamp(stamp: str) -> tuple[int, int]:
    """Split a stamp into (wall milliseconds, counter)."""
    wall, _, counter = stamp.partition(".")
    return int(wall), int(counter)


class HybridClock:
    """Hands out ever-increasing stamps for one device."""

    def __init__(self, last: str | None = None) -> None:
        self.wall, self.counter = parse_stamp(last) if last else (0, 0)

    def tick(self) -> str:
        """A new stamp for a local change."""
        now = clock.now_ms()
        if now > self.wall:
            self.wall, self.counter = now, 0
        else:
            self.counter += 1
        return format_stamp(self.wall, self.counter)

    def observe(self, stamp: str) -> None:
        """Take a stamp seen from another device into account."""
        wall, counter = parse_stamp(stamp)
        if (wall, counter) > (self.wall, self.counter):
            self.wall, self.counter = wall, counter
