"""An Input that follows the app's cursor-blink setting (off in tests and snapshots)."""

from __future__ import annotations

from textual.widgets import Input


class FormInput(Input):
    """A text input; its cursor blinks unless the app says not to."""

    def on_mount(self) -> None:
        """Apply the app's blink setting."""
        self.cursor_blink = bool(getattr(self.app, "cursor_blink", True))
