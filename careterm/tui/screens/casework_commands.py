"""Command palette entries for casework: handover, the transparency report, the board's
filters, and any report by its id.

Screens that show casework list this provider in their ``COMMANDS``, so
ctrl+p offers these next to the app's own commands. They are asked of the app
through :class:`careterm.tui.protocol.Host` (this module imports no screen).

Typing an id (or part of one, as typed: lower case and the look-alikes o, i, l
are forgiven) finds the report whatever its status: a closed report is off
the board, and this is one way back to it. A hit shows the id, status and
urgency, and what happened as the board would show it (names masked in
privacy mode); it is built as plain text, never read as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from careterm.core.model import Incident
from careterm.core.triage import board_order
from careterm.tui.protocol import Host, host
from careterm.views.board import FilterSpec, cell_text
from careterm.views.privacy import NameMask

REPORT_HITS = 20
"""At most this many reports are offered for what was typed (the closest first)."""

WHAT_LENGTH = 50
"""How much of "what happened" a report's hit shows."""


def _commands(app: Host) -> list[tuple[str, str, Callable[[], None]]]:
    return [
        ("Handover", "What is open, unacknowledged, waiting for a decision or to inform "
                     "the reporter (h)", app.show_handover),
        ("Transparency report (preview)", "The anonymised counts for after the conference (T)",
         app.show_report),
        ("Filter: reporter to be informed", "Only reports whose resolution the reporter "
                                            "has not been told yet (i)",
         lambda: app.set_board_filter(FilterSpec(inform_only=True))),
        ("Filter: closed reports", "The reports that were closed (off the board "
                                   "otherwise); type an id here to open any report (c)",
         lambda: app.set_board_filter(FilterSpec(status="closed"))),
    ]


def _id_query(query: str) -> str:
    """What was typed, as an id is written (upper case, no dashes or spaces, O → 0,
    I and L → 1)."""
    cleaned = "".join(query.split()).upper().replace("-", "")
    return cleaned.replace("O", "0").replace("I", "1").replace("L", "1")


def report_matches(incidents: dict[str, Incident], query: str) -> list[Incident]:
    """Reports whose id contains what was typed (two characters at least): an exact id
    first, then ids that start with it, then the rest, each in board order; closed
    reports included."""
    needle = _id_query(query)
    if len(needle) < 2:
        return []
    exact = [incidents[needle]] if needle in incidents else []
    starts = [i for inc_id, i in incidents.items()
              if inc_id != needle and inc_id.startswith(needle)]
    inside = [i for inc_id, i in incidents.items()
              if needle in inc_id and not inc_id.startswith(needle)]
    return [*exact, *board_order(starts), *board_order(inside)][:REPORT_HITS]


def report_prompt(incident: Incident, *, private: bool) -> Text:
    """A report's hit: ``7K0003 · closed · high · what happened`` (plain text)."""
    what = incident.what or ""
    if private:
        what = NameMask.for_incident(incident)(what[:WHAT_LENGTH * 4])
    what = cell_text(what)
    if len(what) > WHAT_LENGTH:
        what = what[:WHAT_LENGTH - 1] + "…"
    where = "closed, off the board" if not incident.is_open else incident.status
    return Text.assemble(("Open report ", "dim"), (incident.id, "bold"),
                         f" · {where} · {incident.urgency} · ", what)


class CaseworkCommands(Provider):
    """Handover, transparency report preview, the inform and closed filters, and any
    report by its id, for the palette."""

    def _offered(self) -> list[tuple[str, str, Callable[[], None]]]:
        app = host(self.screen)
        return _commands(app) if app.gateway.ready else []

    def _reports(self, query: str) -> Iterator[tuple[Incident, Text]]:
        app = host(self.screen)
        if not app.gateway.ready:
            return
        for incident in report_matches(app.incidents, query):
            yield incident, report_prompt(incident, private=app.privacy)

    async def discover(self) -> Hits:
        """Shown before anything is typed."""
        for name, help_text, callback in self._offered():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Fuzzy-match the command names; find reports by id."""
        matcher = self.matcher(query)
        for name, help_text, callback in self._offered():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
        app = host(self.screen)
        for rank, (incident, prompt) in enumerate(self._reports(query)):
            # An exact id comes first of all; the rest below it, in the order found.
            score = 1.0 if incident.id == _id_query(query) else 0.9 - rank / 100
            yield Hit(score, prompt, _opener(app, incident.id), text=incident.id)


def _opener(app: Host, incident_id: str) -> Callable[[], None]:
    """Open ``incident_id`` (a closure per hit: the loop variable is not shared)."""
    return lambda: app.open_incident(incident_id)
