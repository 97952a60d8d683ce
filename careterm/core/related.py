"""One picture of a person: other reports naming the same people, and confirmed links.

The guide asks the team to build a picture of the people involved: a second
report about someone is read next to the first. careterm finds candidates by
the names a report records about the people it is *about*:

* "who was involved" (:attr:`Incident.who`),
* the review's "who acted badly" (``review_actors``),
* whom a conversation with the reported person was held with
  (``conversation`` entries of kind ``reported-person``).

The reporter, witnesses and contacts are not compared: a reporter who reports
twice is not a pattern of behaviour.

The matching rule (kept deliberately narrow: a false link between two people
is worse than a missed one, and a member confirms a real one with ``link``):

1. A field is split into names at commas, semicolons, slashes, "&", "and",
   "und", "+", parentheses and line breaks ("Jordan Smith (speaker), Alex Kim"
   holds two names and the word "speaker").
2. A name is compared folded: accents removed ("Jördan" reads "jordan"; also
   ø, ł, đ, æ, œ, ß), case folded, and split into words at anything that is not
   a letter ("J.Smith" is "j smith"). A name ends at a word like "from", "in",
   "with" ("Jordan Smith from ACME"); a part holding a word that describes
   rather than names ("man", "woman", "someone", "people", "he"…) is no name;
   articles, roles and titles ("the", "speaker", "Dr") are left out, but a
   letter with a full stop is an initial ("A. Smith"). What is
   left must be two to four words, or it is no name: a first name alone
   ("Jordan"), a surname alone ("Smith") and a description ("a man in a red
   hat") never link reports (too many false matches).
3. Two names match when their last words (the surname, at least two letters)
   are equal, and their first words are equal or one of them is an initial of
   the other ("J. Smith" ~ "Jordan Smith" ~ "jordan smith" ~ "Jördan Smith").
   Middle names are ignored. The rule is symmetric.

"Smith, Jordan" (surname first) is read as two one-word names and matches
nothing; a member links such reports by hand.

Links (``careterm link ID OTHER``) are add-only ``link`` list entries
``{"other": ID}`` on the first report; they are read symmetrically (a link
recorded on either report shows on both) and never removed.

Recusal: a report screened for a recused member is a stub with no names and no
entries, so it never matches; :func:`related_reports` and :func:`linked_ids`
also skip any report marked ``recused`` outright, so nothing of it is shown.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from careterm.core.model import Incident

MAX_NAME_WORDS = 4
"""A part of a field with more words than this (after common words) is no name."""

_SPLIT = re.compile(r"[,;/&+()\[\]\n\r]|\s(?:and|und|et|y)\s", re.IGNORECASE)
_EXTRA_LETTERS = str.maketrans({"ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d",
                                "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ı": "i",
                                "ð": "d", "Ð": "d", "þ": "th", "Þ": "th"})
DROPPED_WORDS = frozenset("""
the this that his her their our my
speaker speakers attendee attendees participant participants volunteer volunteers staff
organiser organizer sponsor exhibitor member members
mr mrs ms mx miss dr prof sir madam
""".split())
"""Words left out of a name before comparing (articles, roles, titles)."""
DESCRIPTION_WORDS = frozenset("""
someone somebody anyone unknown unnamed anonymous person persons people man men woman women
guy guys lady ladies girl girls boy boys kid kids child he she they him them hers
group crowd team others one
""".split())
"""Words that make a part a description, never a name ("a tall man", "someone")."""
CUT_WORDS = frozenset("of in at from with by on near for to who which wearing".split())
"""A name ends at these ("Jordan Smith from ACME" is "Jordan Smith")."""


def fold(text: str) -> str:
    """Text as names are compared: no accents, case folded."""
    text = unicodedata.normalize("NFKD", text.translate(_EXTRA_LETTERS))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold()


NAME_MEMO = 1 << 16
"""Names whose reading is remembered (:func:`name_words` is a pure function of the text:
at 10,000 reports, reading every report's names again cost ~150 ms each time one
report's related reports were looked for; the incident view looks every second)."""


@functools.lru_cache(maxsize=NAME_MEMO)
def name_words(text: str) -> tuple[str, ...] | None:
    """The folded words of one name, or ``None`` when ``text`` is no name by the rule."""
    # (word, written as an initial: one letter and a full stop, "A." — never a common word)
    tokens = [(m[1], len(m[1]) == 1 and bool(m[2]))
              for m in re.finditer(r"([^\W\d_]+)(\.)?", fold(text))]
    cut = next((at for at, (w, initial) in enumerate(tokens)
                if w in CUT_WORDS and not initial), len(tokens))
    tokens = tokens[:cut]
    if any(w in DESCRIPTION_WORDS and not initial for w, initial in tokens):
        return None
    words = [w for w, initial in tokens if initial or w not in DROPPED_WORDS]
    if words and words[0] in ("a", "an") and not tokens[0][1]:
        # An article: "a tall attendee" is a description, "a volunteer Jordan Smith" a
        # name once the article and the role are gone; an initial is written "A. Smith".
        words = words[1:]
    if not 2 <= len(words) <= MAX_NAME_WORDS or len(words[-1]) < 2:
        return None
    return tuple(words)


def names_in(text: str | None) -> list[str]:
    """The names a free-text field holds, as typed (stripped), in order."""
    return list(_names_in(text)) if text else []


@functools.lru_cache(maxsize=NAME_MEMO)
def _names_in(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for part in _SPLIT.split(text):
        part = part.strip()
        if part and name_words(part) is not None and part not in found:
            found.append(part)
    return tuple(found)


def same_person(a: str, b: str) -> bool:
    """True when two names match by the rule of this module (symmetric)."""
    return _words_match(name_words(a), name_words(b))


def _words_match(first: tuple[str, ...] | None, second: tuple[str, ...] | None) -> bool:
    if first is None or second is None or first[-1] != second[-1]:
        return False
    x, y = first[0], second[0]
    if x == y:
        return True
    return (len(x) == 1 or len(y) == 1) and x[0] == y[0]


def person_names(incident: Incident) -> list[str]:
    """Names of the people a report is about: who, review actors, reported-person
    conversations (as typed, without repeats)."""
    if getattr(incident, "recused", False):
        return []
    texts: list[str] = [incident.who or ""]
    actors = incident.extra.get("review_actors")
    if isinstance(actors, list):
        texts.extend(a for a in actors if isinstance(a, str))
    for entry in incident.entries.get("conversation", ()):
        if entry.data.get("kind") == "reported-person" and isinstance(entry.data.get("with"),
                                                                     str):
            texts.append(entry.data["with"])
    names: list[str] = []
    for text in texts:
        for name in names_in(text):
            if name not in names:
                names.append(name)
    return names


@dataclass(frozen=True)
class RelatedReport:
    """Another report naming the same person."""

    id: str
    created_at: datetime | None
    status: str
    name: str
    """The name as that report records it."""
    matched: str
    """The name of this report it matched."""


def related_reports(incident: Incident, incidents: Mapping[str, Incident] | Iterable[Incident]
                    ) -> list[RelatedReport]:
    """Other reports naming a person this report names, oldest first (one entry per report:
    the first name that matched)."""
    pool = incidents.values() if isinstance(incidents, Mapping) else incidents
    mine = person_names(incident)
    found: list[RelatedReport] = []
    if not mine:
        return found
    for other in pool:
        if other.id == incident.id or getattr(other, "recused", False):
            continue
        hit = next(((theirs, ours) for theirs in person_names(other) for ours in mine
                    if same_person(theirs, ours)), None)
        if hit is not None:
            found.append(RelatedReport(other.id, other.created_at, other.status, *hit))
    found.sort(key=lambda r: (r.created_at is None, r.created_at or datetime.min, r.id))
    return found


def related(incident: Incident, incidents: Mapping[str, Incident] | Iterable[Incident]
            ) -> list[str]:
    """Ids of the other reports naming the same person (see :func:`related_reports`)."""
    return [r.id for r in related_reports(incident, incidents)]


class Links:
    """The confirmed links among ``incidents``, read both ways: built once, asked of many
    reports (asking each of 10,000 reports about all the others made ``careterm list
    --json`` take 38 s). A report marked recused is left out of every answer (its id
    says nothing, but nothing of it is shown)."""

    def __init__(self, incidents: Mapping[str, Incident] | Iterable[Incident] | None = None
                 ) -> None:
        pool = list((incidents.values() if isinstance(incidents, Mapping) else incidents)
                    if incidents is not None else [])
        self._recused = {i.id for i in pool if getattr(i, "recused", False)}
        self._back: dict[str, set[str]] = {}
        for other in pool:
            for entry in other.entries.get("link", ()):
                target = entry.data.get("other")
                if isinstance(target, str):
                    self._back.setdefault(target, set()).add(other.id)

    def of(self, incident: Incident) -> list[str]:
        """Ids of the reports linked to ``incident`` (by it, or to it), sorted."""
        ids = {e.data.get("other") for e in incident.entries.get("link", ())}
        ids |= self._back.get(incident.id, set())
        return sorted(i for i in ids if isinstance(i, str) and i and i != incident.id
                      and i not in self._recused)


def linked_ids(incident: Incident, incidents: Mapping[str, Incident] | Iterable[Incident]
               | None = None) -> list[str]:
    """Ids of the reports confirmed as linked to this one, read both ways, sorted.

    Without ``incidents`` only the links recorded on this report are read. For many
    reports of one pool, build :class:`Links` once.
    """
    return Links(incidents).of(incident)


def repeat_people(incidents: Iterable[Incident]) -> int:
    """How many people are named in more than one report (for the transparency report:
    a count, never a name).

    A confirmed link joins the two reports' first names (a report naming nobody joins
    as it is), so linked reports count as naming one person even when the names differ.
    """
    reports = [i for i in incidents if not getattr(i, "recused", False)]
    by_id = {i.id: i for i in reports}
    nodes: list[tuple[str, tuple[str, ...] | None]] = []
    first_node: dict[str, int] = {}
    for incident in reports:
        for name in person_names(incident):
            first_node.setdefault(incident.id, len(nodes))
            nodes.append((incident.id, name_words(name)))
    parent = list(range(len(nodes)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_surname: dict[str, list[int]] = {}
    for index, (_report, words) in enumerate(nodes):
        if words is not None:
            by_surname.setdefault(words[-1], []).append(index)
    for group in by_surname.values():
        for at, a in enumerate(group):
            for b in group[at + 1:]:
                if _words_match(nodes[a][1], nodes[b][1]):
                    parent[find(a)] = find(b)

    def node_of(report: str) -> int:
        if report not in first_node:
            first_node[report] = len(nodes)
            nodes.append((report, None))
            parent.append(len(parent))
        return first_node[report]

    for incident in reports:
        for other in linked_ids(incident):
            if other in by_id:
                parent[find(node_of(incident.id))] = find(node_of(other))
    spans: dict[int, set[str]] = {}
    for index, (report, _words) in enumerate(nodes):
        spans.setdefault(find(index), set()).add(report)
    return sum(1 for ids in spans.values() if len(ids) > 1)
