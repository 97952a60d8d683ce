"""A preview of the anonymised transparency report, as the team would publish it.

The figures come from :func:`careterm.views.report.transparency_report` and the
text from :func:`careterm.views.report.render_markdown`: counts only, every word
from careterm's own vocabulary, never from what anyone typed. Worked out
through the store gateway, in a thread worker under the store lock.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from careterm.core import clock
from careterm.store.store import Store
from careterm.tui.messages import ReportGathered
from careterm.tui.screens.casework_commands import CaseworkCommands
from careterm.tui.screens.gathering_screen import GatheringScreen
from careterm.tui.widgets.hint_line import HintLine
from careterm.tui.widgets.key_footer import KeyFooter
from careterm.views.report import (
    THRESHOLD,
    render_markdown,
    transparency_report,
    withheld_notice,
    withheld_summaries,
)

PREVIEW_NOTE = (
    "ANONYMISED PREVIEW · counts only: no names, contacts, places, free text or times; "
    f"categories and resolutions with fewer than {THRESHOLD} reports count as \"other\"."
)


PUBLISH_HINT = "esc back · to publish: careterm report --format md (or json)"


class ReportScreen(GatheringScreen):
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
        Binding("q", "app.quit", "quit"),
    ]
    COMMANDS = {CaseworkCommands}

    def __init__(self) -> None:
        super().__init__()
        self.markdown = ""

    def compose(self) -> ComposeResult:
        """The note that it is anonymised, the report, a hint line and the footer."""
        yield Static(Text(PREVIEW_NOTE), id="report-note")
        with VerticalScroll(id="report-scroll"):
            yield Markdown("", id="report")
        yield HintLine(Text(PUBLISH_HINT, style="dim"), id="report-hint")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Work out the report."""
        self.query_one("#report-scroll").focus()
        self.gather()

    def gathered(self, store: Store) -> ReportGathered:
        """Count the reports. Approved public summaries left out because they name
        someone are said above the report, as a note for the team (issue 15)."""
        incidents = store.incidents()
        markdown = render_markdown(transparency_report(incidents, clock.now()))
        withheld = withheld_notice(withheld_summaries(incidents))
        if withheld:
            markdown = (f"> **For the team, not published:** {withheld}.\n\n---\n\n"
                        + markdown)
        return ReportGathered(markdown)

    async def on_report_gathered(self, message: ReportGathered) -> None:
        """Show the report."""
        if message.markdown != self.markdown and self.query("#report"):
            self.markdown = message.markdown
            await self.query_one("#report", Markdown).update(message.markdown)

    def action_back(self) -> None:
        """Back to where the user was."""
        self.dismiss()

