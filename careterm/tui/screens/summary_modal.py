"""The public summary dialog (key ``b`` in a report): write the team's public words for
the transparency report, and approve them.

A :class:`~careterm.tui.screens.casework_modals.CaseworkForm` with a text area:
``ctrl+s`` writes the text (:func:`careterm.actions.summaries.write_summary`; the
writer's approval counts as one), ``f3`` approves the text as this dialog showed it
when it opened (:func:`careterm.actions.summaries.approve_summary` with its hash, so a
text changed meanwhile on another laptop is not approved unseen). Where the approval
stands is said above the text (:func:`careterm.core.summaries.status_line`).

While typing, a line warns when the text holds a name or contact known in the report
(:func:`careterm.views.report.summary_names`): it is never refused, but the
transparency report leaves such a summary out. The summary is meant to be public and
nameless, so the text area is not masked in privacy mode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Static, TextArea

from careterm.actions import summaries as summary_actions
from careterm.core import summaries
from careterm.store.store import Store
from careterm.tui.messages import CaseworkRefused, CaseworkSaved
from careterm.tui.protocol import host
from careterm.tui.screens.casework_modals import CaseworkForm
from careterm.views.report import summary_names

SUMMARY_HINT = "ctrl+s saves the text · f3 approves it as shown · esc cancels"
NAMES_WARNING = ("⚠ this text holds a name or contact known in the report: the "
                 "transparency report will leave it out until it is reworded")


class SummaryForm(CaseworkForm):
    """Write or approve the report's public summary."""

    FORM_TITLE = "Public summary"
    BINDINGS = [Binding("f3", "approve", "approve", priority=True)]
    DEFAULT_CSS = """
    SummaryForm #f-summary { height: 6; }
    SummaryForm #summary-warning { height: auto; color: $warning; text-style: bold; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = summaries.summary_text(self.incident)
        self.shown_hash = summaries.text_hash(current) if current is not None else None
        """The hash of the text this dialog opened with (what f3 approves)."""
        self.approving = False

    def note(self) -> str:
        """Where the summary's approval stands, and what it is for."""
        return (summaries.status_line(self.incident) + ". Published in the transparency "
                "report once two members approved it: no names, no days or times.")

    def fields(self) -> Iterator[Widget]:
        """The text area (filled with the current text) and the names warning line."""
        area = TextArea(summaries.summary_text(self.incident) or "", id="f-summary",
                        soft_wrap=True, show_line_numbers=False)
        area.border_title = "what happened, in the team's public words"
        yield area
        yield Static(id="summary-warning")

    def on_mount(self) -> None:
        """Start in the text; say at once if it names someone; the right hint."""
        super().on_mount()
        self.query_one("#f-summary", TextArea).focus()
        self.query_one("#dialog-hint", Static).update(Text(SUMMARY_HINT, style="dim"))
        self._check_names()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """Warn while typing when the text names one of the report's people."""
        self._check_names()

    def _text(self) -> str:
        return self.query_one("#f-summary", TextArea).text

    def _check_names(self) -> None:
        named = summary_names(self.incident, self._text())
        self.query_one("#summary-warning", Static).update(
            Text(NAMES_WARNING) if named else "")

    def store(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        """:func:`careterm.actions.summaries.write_summary` with the text."""
        self.approving = False
        return summary_actions.write_summary, (self._text(),), {}

    def describe(self, result: Any) -> str:
        """What was stored."""
        if self.approving:
            return ("public summary approved" if result
                    else "public summary: your approval already counted")
        if result is False:
            return "public summary unchanged"
        said = "public summary written; it needs a second member to approve it (b, f3)"
        if summary_names(self.incident, self._text()):
            said += " · it names someone: it will not be published"
        return said

    def action_approve(self) -> None:
        """f3: approve the text as it read when the dialog opened."""
        if self.saving:
            return
        if self.shown_hash is None:
            self.query_one("#form-error", Static).update(
                Text("Not approved: there is no public summary yet; write one and save it "
                     "(ctrl+s)"))
            return
        if summaries.text_hash(self._text().strip()) != self.shown_hash:
            self.query_one("#form-error", Static).update(
                Text("Not approved: the text was edited here; save it (ctrl+s) and it "
                     "waits for approval again"))
            return
        self.saving = True
        self.approving = True
        self.query_one("#form-error", Static).update("")
        incident_id, member, shown = self.incident.id, self.member, self.shown_hash

        def record(store: Store) -> CaseworkSaved:
            return CaseworkSaved(incident_id, summary_actions.approve_summary(
                store, incident_id, member or None, text_hash=shown))

        host(self).gateway.run(self, record, CaseworkRefused)
