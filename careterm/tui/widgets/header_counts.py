"""The board's header: the title, ``N open · M unacknowledged · K critical · J overdue``
and the filter.

Each line keeps what it was told and lays it out again for its width, so the
parts that matter survive an 80- or 60-column desk laptop:

- the title names the team (only when it has a name: no empty field) and the
  member; the notices that the data is a demo and that privacy mode is on follow
  on the same line when they fit, else on a second line of their own, in a
  shorter form if need be (:data:`PRIVACY_FORMS`, :data:`DEMO_FORMS`): privacy's
  notice is never cut off, it is how whoever sits at the desk knows names are hidden;
- the filter line is guidance, never cut mid-sentence: the longest of its forms
  that fits (:data:`GUIDE_FORMS` when no filter is set; an active filter's
  description is shortened, never the "N shown · esc clears" that says how to get
  everything back).
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from careterm.core.textsafe import visible
from careterm.views.board import FilterSpec

PRIVACY_FORMS = ("PRIVACY: names hidden", "PRIVACY")
"""Privacy mode's notice, longest first."""
DEMO_FORMS = ("DEMO: fictional reports, deleted on exit", "DEMO: fictional, deleted on exit",
              "DEMO: fictional")
"""The demo's notice, longest first."""
NOTICE_STYLE = "bold reverse"
GAP = "  "


def title_text(team: str, member: str, *, demo: bool, privacy: bool, width: int) -> Text:
    """The board's title for a line ``width`` cells wide: one line when it all fits,
    else the notices on a second line (the demo's shortened first)."""
    identity = Text.assemble(("careterm", "bold"))
    for part in (team, member):
        shown = visible(part, one_line=True).strip()
        if shown:
            identity.append(" · " + shown)
    forms = [DEMO_FORMS] if demo else []
    forms += [PRIVACY_FORMS] if privacy else []
    if not forms:
        return _one_line(identity)
    longest = [choices[0] for choices in forms]
    if identity.cell_len + len(GAP) + len(GAP.join(longest)) <= width:
        return _one_line(identity.append_text(_notices(longest)))
    chosen = [choices[-1] for choices in forms]
    for notices in _shorter(forms):
        if len(GAP.join(notices)) <= width:
            chosen = notices
            break
    title = _one_line(identity)
    title.append("\n")
    title.append_text(_notices(chosen)[len(GAP):])
    return title


def _shorter(forms: list[tuple[str, ...]]) -> list[list[str]]:
    """Every choice of one form per notice, the demo's shortened before privacy's."""
    if len(forms) == 1:
        return [[form] for form in forms[0]]
    return [[demo, privacy] for privacy in forms[1] for demo in forms[0]]


def _notices(notices: list[str]) -> Text:
    text = Text()
    for notice in notices:
        text.append(GAP)
        text.append(notice, style=NOTICE_STYLE)
    return text


def _one_line(text: Text) -> Text:
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


class BoardTitle(Static):
    """Team, member, and what mode the board is in (demo data, privacy), laid out for
    the width it has (:func:`title_text`)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._told: tuple[str, str, bool, bool] = ("", "", False, False)
        self._drawn: tuple[tuple[str, str, bool, bool], int] | None = None

    def show(self, team: str, member: str, *, demo: bool, privacy: bool) -> None:
        """Say who and where, and the modes that change what the board shows."""
        self._told = (team, member, demo, privacy)
        self._draw()

    def on_resize(self) -> None:
        """Lay the title out again for the new width."""
        self._draw()

    def _draw(self) -> None:
        width = self.content_size.width or max(1, self.app.size.width - 2)
        if self._drawn == (self._told, width):
            return
        self._drawn = (self._told, width)
        team, member, demo, privacy = self._told
        self.update(title_text(team, member, demo=demo, privacy=privacy, width=width))


GUIDE_FORMS = (
    "all open reports · ! unacknowledged · i to inform · m mine · 1-4 urgency · c closed"
    " · / search · f filters",
    "all open · ! unacknowledged · i to inform · m mine · 1-4 urgency · c closed · / search"
    " · f filters",
    "! unacked · i inform · m mine · 1-4 urgency · c closed · / search · f filters",
    "! unacked · i inform · m mine · c closed · / search · f filters",
    "! unacked · i inform · m mine · / search · f filters",
    "! unacked · i inform · / search · f filters",
    "/ search · f filters",
)
"""The filter keys, longest form first (the footer leaves them to this line)."""


class HeaderCounts(Static):
    """Counts of open, unacknowledged, critical and overdue reports (exactly the core's
    header: ``· N overdue`` only when a report is past its stage's target)."""

    def show(self, header: str, unacked: int, critical: int, overdue: int = 0) -> None:
        """Show ``header``; it turns loud when something waits for acknowledgement or is
        past its stage's target."""
        self.set_class(bool(unacked), "-waiting")
        self.set_class(bool(critical), "-critical")
        self.set_class(bool(overdue), "-overdue")
        self.update(Text(header, style="bold", no_wrap=True, overflow="ellipsis"))


class FilterLine(Static):
    """Which filter is active, or the filter keys when every open report is shown."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._said: tuple[FilterSpec, int, int] | None = None
        self._spec = FilterSpec()
        self._shown = 0

    def show(self, spec: FilterSpec, shown: int) -> None:
        """Describe ``spec`` (and how many rows it lets through)."""
        self._spec, self._shown = spec, shown
        self.set_class(spec.active, "-active")
        self._draw()

    def on_resize(self) -> None:
        """Say it again in the form that fits the new width."""
        self._draw()

    def _width(self) -> int:
        return self.content_size.width or max(1, self.app.size.width - 2)

    def _draw(self) -> None:
        width = self._width()
        said = (self._spec, self._shown, width)
        if said == self._said:
            return  # a clock tick: nothing to say again
        self._said = said
        self.update(filter_text(self._spec, self._shown, width))


def filter_text(spec: FilterSpec, shown: int, width: int) -> Text:
    """The filter line for a line ``width`` cells wide."""
    if not spec.active:
        guide = next((form for form in GUIDE_FORMS if len(form) <= width), GUIDE_FORMS[-1])
        return Text(guide, style="dim", no_wrap=True, overflow="ellipsis")
    head = "filter: "
    tail = f" · {shown} shown · esc clears"
    room = width - len(head) - len(tail)
    described = spec.describe()
    if len(described) > room:
        described = described[:max(1, room - 1)].rstrip() + "…"
    text = Text.assemble((head, "bold"), described, tail)
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text
