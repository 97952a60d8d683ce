"""The folder doctor in the app: ``careterm doctor`` on one screen.

Why does a laptop not see another's notes? This screen answers in the same
plain words as ``careterm doctor`` (:meth:`careterm.team.doctor.Diagnosis.lines`):
the sync service that seems to carry the shared folder, whether the folder is
reachable and writable, each laptop with its member, when it last wrote and
what this laptop merged from it, files skipped and why, conflict copies, and a
clock ahead. The one-line summary (all is well, or the problems) is on top.

The diagnosis reads the shared folder, the strangers' part: it runs through the
app's store gateway in a worker (never on the UI thread) and, like sync, without
holding the store lock (a read that hangs on a stalled share keeps no save
waiting; the doctor writes nothing). It runs when the screen opens, again on
``r``, and again when sync brought changes (the screen is a
:class:`~careterm.tui.protocol.LiveScreen`).

What it shows comes from the folder (file names) and the team's registrations
(member names): untrusted text, shown literally (``Text`` objects, never
markup; the doctor's lines already have control characters replaced). Privacy
mode changes nothing here: the doctor names team members, who are not a
report's parties (:mod:`careterm.views.privacy`), and never shows a report.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Group
from rich.padding import Padding
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from careterm.store.store import Store
from careterm.team.doctor import Diagnosis, diagnose
from careterm.tui.messages import DoctorExamined, DoctorFailed
from careterm.tui.protocol import host
from careterm.tui.widgets.hint_line import HintLine
from careterm.tui.widgets.key_footer import KeyFooter

DOCTOR_HINT = "esc back · r look again · the same as: careterm doctor (--json for scripts)"


_HEADINGS = ("shared folder:", "carried by:", "laptops:", "files skipped:",
             "conflict copies:", "clocks:")
"""Lines of the diagnosis that start a topic (shown bold)."""


def diagnosis_lines(diagnosis: Diagnosis) -> list[Text]:
    """The diagnosis's lines (but the summary, said on top) as Texts: headings bold,
    problems red, notes yellow. Each is plain text (never markup), without its indent."""
    lines = diagnosis.lines()
    if diagnosis.ok and lines and lines[-1] == diagnosis.summary():
        lines = lines[:-1]  # already said on top
    out: list[Text] = []
    for line in lines:
        stripped = line.lstrip()
        text = Text(stripped)
        if line.startswith(_HEADINGS):
            text.stylize("bold", 0, stripped.index(":") + 1)
        elif stripped.startswith("problem: "):
            text.stylize("bold red")
        elif stripped.startswith("note: "):
            text.stylize("yellow")
        out.append(text)
    return out


def diagnosis_view(diagnosis: Diagnosis) -> Group:
    """The diagnosis for the screen: an indented line stays indented when it wraps."""
    lines = diagnosis.lines()
    indents = [len(line) - len(line.lstrip()) for line in lines]
    return Group(*(Padding(text, (0, 0, 0, indent), expand=False) if indent else text
                   for text, indent in zip(diagnosis_lines(diagnosis), indents, strict=False)))


def summary_text(diagnosis: Diagnosis) -> Text:
    """The one line on top: all is well (green) or the problems (bold, red)."""
    if diagnosis.ok:
        return Text(diagnosis.summary(), style="bold green")
    return Text(diagnosis.summary(), style="bold red")


class DoctorScreen(Screen[None]):
    """The shared folder's state (``D``, or "Folder doctor" in the command palette).

    ``examine``: what works out the diagnosis (tests and snapshots give a fixed one).
    """

    DEFAULT_CSS = """
    DoctorScreen #doctor-summary {
        height: auto;
        padding: 0 1;
        background: $primary-background;
    }
    DoctorScreen #doctor-scroll { height: 1fr; }
    DoctorScreen #doctor-lines { padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "back", "back"),
        Binding("q", "back", "back", show=False),
        Binding("D", "back", "back", show=False),
        Binding("r", "examine", "look again"),
        Binding("question_mark", "app.help", "help"),
    ]

    def __init__(self, examine: Callable[[Store], Diagnosis] = diagnose) -> None:
        super().__init__()
        self._examine = examine
        self.diagnosis: Diagnosis | None = None
        """The diagnosis shown (``None`` until the first one arrived)."""

    def compose(self) -> ComposeResult:
        """The summary, the diagnosis (scrollable), a hint line and the footer."""
        yield Static(Text("looking at the shared folder…", style="dim"), id="doctor-summary")
        with VerticalScroll(id="doctor-scroll"):
            yield Static(Text(""), id="doctor-lines")
        yield HintLine(Text(DOCTOR_HINT, style="dim"), id="doctor-hint")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Diagnose the folder."""
        self.query_one("#doctor-scroll").focus()
        self.examine()

    def examine(self, *, background: bool = False) -> None:
        """Diagnose in the gateway's worker, without the store lock (it reads the shared
        folder, which may hang; it writes nothing). A newer run replaces one under way."""
        host(self).gateway.run(self, self._diagnosed, DoctorFailed, background=background,
                               exclusive=True, hold_lock=False)

    def _diagnosed(self, store: Store) -> DoctorExamined:
        """In the worker: the diagnosis."""
        return DoctorExamined(self._examine(store))

    def on_doctor_examined(self, message: DoctorExamined) -> None:
        """Show the diagnosis."""
        self.diagnosis = message.diagnosis
        self.query_one("#doctor-summary", Static).update(summary_text(message.diagnosis))
        self.query_one("#doctor-lines", Static).update(diagnosis_view(message.diagnosis))

    def on_doctor_failed(self, message: DoctorFailed) -> None:
        """Say why there is no (fresh) diagnosis."""
        self.hint(f"the folder doctor could not run: {message.reason}", style="bold")

    def action_examine(self) -> None:
        """r: look again."""
        self.hint(DOCTOR_HINT, style="dim")
        self.examine()

    def action_back(self) -> None:
        """Back to where the user was."""
        self.dismiss()

    # ------------------------------------------------------------ LiveScreen

    def redraw(self, changed: set[str] | None = None) -> None:
        """Reports changed (a sync brought something): look again."""
        if changed:
            self.examine(background=True)

    def tick(self) -> None:
        """The clock moved on: nothing to do (the diagnosis says when it looked)."""

    def hint(self, message: str, *, style: str = "") -> None:
        """Say something on the hint line."""
        self.query_one(HintLine).say(message, style=style)
