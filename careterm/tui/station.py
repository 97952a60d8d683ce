"""The intake station's screen: a volunteer writes a report down and passes it on.

``careterm station`` on a laptop a CARE member set up as an intake station
(:mod:`careterm.store.station`). One form, the guide's basic details, with
the guide's words for a volunteer ("write down what you heard, do not
promise anything, pass it on"). Saving seals the report to the CARE team and
drops it in the shared folder; the screen then shows only a short reference
("sent as ref Z00007 — a CARE member will pick it up") and an empty form. It
never shows a report, not even the one just sent, and keeps no draft: a
station's disk holds nothing readable. The form is checked with the same rules
as a CARE capture (:func:`careterm.actions.incidents.prepare_capture`); the
seal-and-drop runs in a thread worker whose result comes back as a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Select, Static, TextArea

from careterm.actions.incidents import prepare_capture
from careterm.core.vocabulary import ONGOING
from careterm.errors import CaretermError
from careterm.store import station
from careterm.tui.quiet import QuietCrash
from careterm.tui.widgets.key_footer import KeyFooter

VOLUNTEER_PHRASES = ("Write down what you heard", "do not promise anything",
                     "do not share it", "pass it on: a CARE member will pick it up")
"""The guide's words for anyone who is not on the CARE team."""
FIELDS = (("who", "who was involved", "names or descriptions, if the person said"),
          ("when", "when", "e.g. 20 min ago, 14:30"),
          ("where", "where", "room, floor, online…"),
          ("reporter", "reporter", "their name, if they want to give it"),
          ("contact", "contact reporter", "how the CARE team can reach them"))


@dataclass
class Sent(Message):
    """The report went out (``ref``), or did not (``problem``, one line)."""

    ref: str | None
    problem: str | None


class StationApp(QuietCrash, App[int]):
    """The capture-only screen of an intake station."""

    TITLE = "careterm intake station"
    CSS = """
    Screen { layout: vertical; }
    #station-title { height: auto; padding: 0 1; background: $panel; }
    #station-guide { height: auto; padding: 0 1; color: $text-muted; margin-bottom: 1; }
    #form { height: 1fr; padding: 0 1; }
    .field-row { height: 1; margin-bottom: 1; }
    .field-row.-tall { height: 5; }
    .field-label { width: 18; padding: 0 1; text-align: right; text-style: bold; }
    .field-row Input { width: 1fr; height: 1; border: none; padding: 0 1;
                       background: $boost; }
    .field-row Input:focus { background: $accent 25%; }
    .field-row Select { width: 1fr; height: 1; }
    .field-row Select > SelectCurrent { border: none; height: 1; padding: 0 1;
                                        background: $boost; }
    .field-row Select:focus > SelectCurrent { background: $accent 25%; }
    #f-what { height: 5; width: 1fr; border: none; background: $boost; }
    #f-what:focus { background: $accent 25%; }
    #station-result { height: auto; padding: 0 1; text-style: bold; }
    """
    BINDINGS = [
        Binding("ctrl+s", "send", "send to CARE", priority=True),
        Binding("ctrl+n", "clear", "clear form"),
        Binding("ctrl+q", "quit", "quit", priority=True),
    ]
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, home: Path) -> None:
        super().__init__()
        self.home = home
        self.config = station.load(home)
        self.stopped_by: str | None = None
        self.sending = False

    def compose(self) -> ComposeResult:
        """Title, the guide's words, the form, the last result, the keys."""
        yield Static(Text.assemble(
            ("Intake station ", "bold"), (self.config.name, "bold"),
            (f"  reports go to the CARE team of {self.config.team_name}; nothing can be "
             "read back here", "dim")), id="station-title")
        yield Static(Text(" · ".join(VOLUNTEER_PHRASES), style="italic"), id="station-guide")
        with VerticalScroll(id="form"):
            with Horizontal(classes="field-row -tall"):
                yield Label("what happened *", classes="field-label")
                yield TextArea(id="f-what", soft_wrap=True, show_line_numbers=False)
            for name, label, placeholder in FIELDS:
                with Horizontal(classes="field-row"):
                    yield Label(label, classes="field-label")
                    yield Input(placeholder=placeholder, id=f"f-{name}")
            with Horizontal(classes="field-row"):
                yield Label("still ongoing?", classes="field-label")
                yield Select([(o, o) for o in ONGOING], prompt="not asked", id="f-ongoing")
        yield Static(id="station-result")
        yield KeyFooter(show_command_palette=False)

    def on_mount(self) -> None:
        """Start in "what happened"."""
        self.query_one("#f-what", TextArea).focus()

    def _form(self) -> dict[str, Any]:
        fields: dict[str, Any] = {name: self.query_one(f"#f-{name}", Input).value.strip()
                                  or None for name, _, _ in FIELDS}
        ongoing = self.query_one("#f-ongoing", Select).value
        fields["ongoing"] = ongoing if isinstance(ongoing, str) else None
        return fields

    def _say(self, text: str, style: str = "bold") -> None:
        self.query_one("#station-result", Static).update(Text(text, style=style))

    def action_send(self) -> None:
        """Check the form, then seal and drop it (in a worker)."""
        if self.sending:
            return
        what = self.query_one("#f-what", TextArea).text
        try:
            prepared = prepare_capture(what, **self._form())
        except CaretermError as error:
            self._say(f"not sent: {error}", "bold red")
            return
        self.sending = True
        self._say("sending…", "dim")
        self._send(prepared.data)

    @work(thread=True, exclusive=True, group="send")
    def _send(self, data: dict[str, Any]) -> None:
        try:
            ref = station.send(self.home, data)
        except CaretermError as error:
            self.post_message(Sent(None, str(error)))
        except OSError as error:
            self.post_message(Sent(None, f"could not write: {error.strerror or error}"))
        else:
            self.post_message(Sent(ref, None))

    def on_sent(self, message: Sent) -> None:
        """Show the reference and empty the form, or say why it was not sent (the form
        keeps what was typed then)."""
        self.sending = False
        if message.ref is None:
            self._say(f"not sent: {message.problem}; what you typed is still here",
                      "bold red")
            return
        self.action_clear()
        self._say(f"sent as ref {message.ref} — a CARE member will pick it up. "
                  "The form is empty for the next report.")

    def action_clear(self) -> None:
        """An empty form (nothing is kept)."""
        self.query_one("#f-what", TextArea).text = ""
        for name, _, _ in FIELDS:
            self.query_one(f"#f-{name}", Input).value = ""
        self.query_one("#f-ongoing", Select).clear()
        self._say("")
        self.query_one("#f-what", TextArea).focus()


def run_station(home: Path) -> int:
    """Run the station's screen until the volunteer quits."""
    app = StationApp(home)
    code = app.run()
    if app.stopped_by:
        print(app.stopped_by, flush=True)
        return 1
    return int(code or 0)
