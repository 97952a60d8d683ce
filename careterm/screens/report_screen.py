"""A preview of the anonymised transparency report, as the team would publish it.

The figures come from :func:`careterm.report.transparency_report` and the
text from :func:`careterm.report.render_markdown`: counts only, every word
from careterm's own vocabulary, never from what anyone typed. Worked out in
a thread worker under the store lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Markdown, Static

from careterm import clock
from careterm.errors import CaretermError
from careterm.report import THRESHOLD, render_markdown, transparency_report
from careterm.screens.casework_commands import CaseworkCommands
from careterm.screens.messages import GatherFailed, ReportGathered
from careterm.widgets.hint_line import HintLine

if TYPE_CHECKING:
    from careterm.app import CaretermApp

PREVIEW_NOTE = (
    "ANONYMISED PREVIEW · counts only: no names, contacts, places, free text or times; "
    f"categories and resolutions with fewer than {THRESHOLD} reports count as \"other\"."
)
PUBLISH_HINT = "esc back · to publish: careterm report --format md (or json)"


class ReportScreen(Screen[None]):
    """The transparency report preview (key ``T`` on the board, or the command palette)."""

    DEFAULT_CSS = """
    ReportScreen #report-note {
        height: auto;
        padding: 0 1;
        background: $primary-background;
        text-style: bold;
    }
    ReportScreen #report-scroll { height: 1fr; }
    ReportScreen Markdown { margin: 0; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "back", "back"),
        Binding("T", "back", "back", show=False),
        Binding("question_mark", "app.help", "help"),
    ]
    COMMANDS = {CaseworkCommands}

    app: CaretermApp  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.markdown = ""

    def compose(self) -> ComposeResult:
        """The note that it is anonymised, the report, a hint line and the footer."""
        yield Static(Text(PREVIEW_NOTE), id="report-note")
        with VerticalScroll(id="report-scroll"):
            yield Markdown("", id="report")
        yield HintLine(Text(PUBLISH_HINT, style="dim"), id="report-hint")
        yield Footer()

    def on_mount(self) -> None:
        """Work out the report."""
        self.query_one("#report-scroll").focus()
        self.gather()

    @work(thread=True, exclusive=True, group="report")
    def gather(self) -> None:
        """Count the reports (in a thread, under the store lock)."""
        store = self.app.store
        if store is None:
            return
        try:
            with self.app.store_lock:
                markdown = render_markdown(transparency_report(store.incidents(), clock.now()))
        except CaretermError as error:
            self.post_message(GatherFailed(str(error)))
        else:
            self.post_message(ReportGathered(markdown))

    async def on_report_gathered(self, message: ReportGathered) -> None:
        """Show the report."""
        if message.markdown != self.markdown and self.query("#report"):
            self.markdown = message.markdown
            await self.query_one("#report", Markdown).update(message.markdown)

    def on_gather_failed(self, message: GatherFailed) -> None:
        """Say why the preview is not up to date."""
        self.query_one(HintLine).say(f"could not read the store: {message.reason}",
                                     style="bold")

    def redraw(self, changed: set[str] | None = None) -> None:
        """Reports changed: count again."""
        if changed is None or changed:
            self.gather()

    def action_back(self) -> None:
        """Back to where the user was."""
        self.dismiss()


def open_report_preview(app: Any) -> None:
    """Show the transparency report preview (board's ``T`` or the command palette)."""
    if getattr(app, "store", None) is None or isinstance(app.screen, ReportScreen):
        return
    app.push_screen(ReportScreen())
