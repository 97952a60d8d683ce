"""The footer: the screen's keys, most needed first, never one cut in the middle.

Textual's :class:`~textual.widgets.Footer` lays its keys out in a row and lets
the last ones run off the right edge: at 60 columns the board's footer ended in
"h hand". :class:`KeyFooter` shows only the keys that fit whole and drops the
rest, last first (screens list their keys most needed first); the help key
(``?``, or ``f1`` where ``?`` is typed) is always kept, so everything dropped is
one key away. A key group (several keys under one label) is kept or dropped as
a whole.

How: once the keys are laid out (after every recompose, all of them shown) their
places in the row are measured; on every resize, the keys are shown or hidden
from those measures, without laying the row out again.
"""

from __future__ import annotations

from textual import events
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup

HELP_KEYS = ("question_mark", "f1")
"""The help keys: never dropped."""


MEASURE_TRIES = 5
"""Refreshes to wait for the keys to be laid out before measuring them."""


class KeyFooter(Footer):
    """A :class:`~textual.widgets.Footer` that drops whole keys that do not fit."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._units: list[tuple[list[Widget], int]] = []
        """The key units in order, each with the width it takes in the row (the gap
        before it included)."""

    async def recompose(self) -> None:
        """New keys (the screen's bindings changed): measure them again once laid out."""
        self._units = []
        await super().recompose()
        self.call_after_refresh(self._measure, MEASURE_TRIES)

    def on_resize(self, event: events.Resize) -> None:
        """Show the keys that fit the new width."""
        self._fit()

    def _docked(self) -> list[Widget]:
        return [child for child in self.children
                if isinstance(child, FooterKey) and child.has_class("-command-palette")]

    def _grouped(self) -> list[list[Widget]]:
        """The children as units: a key, or a key group with its label."""
        units: list[list[Widget]] = []
        for child in self.children:
            if isinstance(child, FooterKey) and child.has_class("-command-palette"):
                continue
            if isinstance(child, FooterLabel) and units and isinstance(units[-1][0], KeyGroup):
                units[-1].append(child)
            else:
                units.append([child])
        return units

    def _measure(self, tries: int) -> None:
        """Where each unit ends in the row with every key shown."""
        if not self.is_attached:
            return
        units = self._grouped()
        for unit in units:
            for widget in unit:
                widget.display = True
        regions = [[widget.virtual_region for widget in unit] for unit in units]
        if any(region.width == 0 for unit in regions for region in unit):
            if tries > 0:  # not laid out yet
                self.call_after_refresh(self._measure, tries - 1)
            return
        measured: list[tuple[list[Widget], int]] = []
        end = regions[0][0].x if regions else 0
        for unit, unit_regions in zip(units, regions, strict=True):
            right = max(region.right for region in unit_regions)
            measured.append((unit, right - end))
            end = right
        self._units = measured
        self._fit()

    def _fit(self) -> None:
        """Show the units that fit, in order, the help key whatever happens."""
        if not self._units:
            return
        room = self.size.width - sum(w.outer_size.width for w in self._docked() if w.display)
        help_width = sum(width for unit, width in self._units if _is_help(unit))
        used = 0
        full = False
        for unit, width in self._units:
            keep = _is_help(unit)
            if not keep and not full:
                reserve = 0 if _help_placed(self._units, unit) else help_width
                full = used + width + reserve > room
                keep = not full
            if keep:
                used += width
            for widget in unit:
                widget.display = keep


def _is_help(unit: list[Widget]) -> bool:
    return any(isinstance(widget, FooterKey) and widget.key in HELP_KEYS for widget in unit)


def _help_placed(units: list[tuple[list[Widget], int]], unit: list[Widget]) -> bool:
    """True when the help key comes before ``unit`` (its width is counted already)."""
    for other, _ in units:
        if other is unit:
            return False
        if _is_help(other):
            return True
    return True
