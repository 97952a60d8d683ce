"""Privacy mode: what the screens show when someone stands beside the desk.

Names, contacts and the reporter are reduced to initials or bullets; what
happened, where and the urgency stay, so the team can still work.

Two things, both here so every screen hides the same way:

* The people fields themselves (:func:`shown_value`, :func:`private_value`):
  who and the reporter as initials, the contact as bullets.
* Those names wherever else they appear (:class:`NameMask`, :func:`mask_names`):
  in what happened, where, notes, the casework record, the timeline, the
  board's cells and the handover. This is the one masking function; the board,
  the handover and the incident view all use it.

What a report's mask knows (:func:`known_people`): every value its who,
reporter and contact fields ever held, the review's "who acted badly", the
people conversations were held with, and any pseudonyms the caller passes
(the team's aliases, issue 15: a parameter only, nothing stored here). Team
members (who took a report, acknowledged it, wrote a note; the status bar's
peers) are not report parties and are not hidden; where a member's name shares
a part with a hidden one ("Cy Placeholder", reporter "Kim Placeholder") the
member's whole name is kept as written. careterm's own vocabulary is never
masked.

How names are found in a who or reporter field (:func:`name_parts`): the
field is split into people at commas, semicolons, slashes, ``&``, ``+``,
brackets and the words "and", "or", "with" ("Jordan Example, Alex
Placeholder", "Jordan Example and a friend (red hoodie)"). Within a person,
capitalised words of three letters or more are names, so first names and
surnames are hidden on their own as well as together; common words that only
describe someone ("Someone", "Attendee", "Reporter", "The") are not. A field
with no capital letter at all ("jordan example") is read the same way, except
for bracketed descriptions and segments made of such common words. One- and
two-letter parts ("Jo", "Al") are hidden only as part of the whole name, never
alone, so "Al" never eats the start of "Alex". Whole values, each person and
each name part are all masked; the longest match wins. The rule errs on
hiding: a rare descriptive word in a who field may be masked elsewhere too.

A contact is hidden as written, and so is each e-mail address, phone number
and ``@handle`` inside it (``"phone +00 0000 0001, ivy@example.org"``).

How text is compared: accents and case do not matter ("José Ñúñez" matches
"jose nunez"), nor do runs of spaces or line breaks inside a name, curly
apostrophes, or zero-width characters slipped inside a word. Only whole words
match ("Kim" is not hidden inside "Kimono"), and the rest of the text is kept
exactly as written: "Alex Placeholder's arm" becomes "A.P.'s arm". Names are
replaced by the initials of the text matched (at most three), contacts by
``●●●``.

Only what the mask knows is hidden: a name typed in a note that appears in no
people field of that report is not recognised as one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, NamedTuple

from careterm.core.casework import aliases as report_aliases
from careterm.core.model import Incident
from careterm.core.model import fold as fold_changes

PRIVATE_FIELDS = ("who", "contact", "reporter")
"""Fields hidden in privacy mode."""
BULLET = "●"
CONTACT_MASK = BULLET * 3
"""What a contact (or an e-mail address or phone number from it) becomes."""
MIN_PART = 3
"""Shortest part of a name hidden on its own ("Jo" and "Al" only within the whole name)."""
LONG_VALUE = 300
"""People-field values longer than this (a pasted statement) are hidden whole, not split."""
MAX_NEEDLES = 200
"""At most this many names and contacts per mask (a pasted list stays fast)."""

COMMON_WORDS = frozenset("""
a an the this that these those some someone somebody something anyone anybody nobody
no not and or with without from of in on at by for to near next his her hers their
theirs them they he she him it its my our your we you me one two three four five
several many few other others another same unknown unnamed name names person persons
people man men woman women guy guys girl girls boy boys kid kids child children adult
adults attendee attendees participant participants speaker speakers volunteer
volunteers staff member members organiser organisers organizer organizers friend
friends partner group company crowd audience reporter reporters witness witnesses
badge hidden tall short young old mr mrs ms miss mx sir madam dr prof
""".split())
"""Words that describe someone rather than name them (compared folded)."""

_PEOPLE_SPLIT = re.compile(r"[,;/&+()\[\]{}\n]|\b(?:and|or|with)\b", re.IGNORECASE)
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d ()./-]{5,}\d")
_HANDLE = re.compile(r"(?<![\w.+-])@\w[\w.-]*\w")
_WORD_EDGE = "\"'.,:;!?()[]{}<>«»“”‘’"
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
_APOSTROPHES = "\u2019\u2018\u02bc\uff07\u0060\u00b4"
_ODD_SPACE = re.compile(r"\s\s|[^\S ]")


# ------------------------------------------------------------------ the fields


def initials(text: str | None) -> str:
    """``"Ada Example"`` → ``"A.E."``; anything without letters → a bullet."""
    if not text:
        return ""
    letters = [word[0].upper() + "." for word in text.split() if word[:1].isalpha()]
    return "".join(letters[:3]) or BULLET


def private_value(name: str, value: str | None, mask: NameMask | None = None) -> str:
    """The value of ``name`` as privacy mode shows it (a who or reporter field that is
    exactly a name the team gave a pseudonym, by ``mask``: that pseudonym)."""
    if not value:
        return ""
    if name == "contact":
        return CONTACT_MASK
    if mask is not None and mask.shown:
        pseudonym = mask.shown.get(fold(value))
        if pseudonym is not None:
            return pseudonym
        # Several people in one field ("Jordan Fakename, Alex Placeholder"): each
        # is shown as privacy mode shows them alone, so a pseudonym is never turned
        # back into its person's initials.
        parts = [part.strip() for part in _PEOPLE_SEPARATORS.split(value) if part.strip()]
        if len(parts) > 1 and any(fold(part) in mask.shown for part in parts):
            return ", ".join(mask.shown.get(fold(part)) or initials(part) for part in parts)
    return initials(value)


_PEOPLE_SEPARATORS = re.compile(r"\s*(?:[,;/&+]|\band\b)\s*", re.IGNORECASE)
"""What separates the people of a who field ("A, B and C")."""


def shown_value(incident: Incident, name: str, private: bool) -> str:
    """A field's text for display, redacted when ``private`` and the field is sensitive."""
    value = getattr(incident, name, None)
    if isinstance(value, str) or value is None:
        text = value or ""
    else:
        text = str(value)
    if private and name in PRIVATE_FIELDS:
        return private_value(name, text)
    return text


# ------------------------------------------------------------------ comparing text


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """One character as compared: no accents, case folded ("" for marks and
    zero-width characters)."""
    if ch in _APOSTROPHES:
        return "'"
    if unicodedata.category(ch) in ("Cf", "Mn", "Me"):
        return ""
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    folded = base.casefold()
    if folded.isascii():
        return folded
    return "".join(c for c in unicodedata.normalize("NFKD", folded)
                   if not unicodedata.combining(c))


def _folded(text: str) -> tuple[str, list[int] | None]:
    """``text`` as compared, and for each of its characters the index in ``text`` it
    came from (``None``: the same index, for plain ASCII with single spaces)."""
    if text.isascii() and not _ODD_SPACE.search(text):
        return text.lower(), None
    out: list[str] = []
    source: list[int] = []
    after_space = False
    for index, ch in enumerate(text):
        if ch.isspace():
            if not after_space:
                out.append(" ")
                source.append(index)
                after_space = True
            continue
        folded = ch.lower() if ch.isascii() else _fold_char(ch)
        if folded:
            after_space = False
            out.append(folded)
            source.extend([index] * len(folded))
    return "".join(out), source


def fold(text: str) -> str:
    """``text`` as names are compared: "José  Ñúñez" → ``"jose nunez"``."""
    if len(text) <= LONG_VALUE:
        return _fold_short(text)
    return _folded(text)[0].strip()


@lru_cache(maxsize=65_536)
def _fold_short(text: str) -> str:
    return _folded(text)[0].strip()


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


# ------------------------------------------------------------------ what is a name


def _clean_word(word: str) -> str:
    word = word.strip(_WORD_EDGE)
    return _POSSESSIVE.sub("", word).strip(_WORD_EDGE)


def _letters(word: str) -> int:
    return sum(1 for ch in word if ch.isalpha())


def people(text: str) -> list[str]:
    """The people a who field names: ``"Jordan Example and Alex Placeholder (staff)"`` →
    ``["Jordan Example", "Alex Placeholder", "staff"]``."""
    return [part.strip() for part in _PEOPLE_SPLIT.split(text) if part.strip()]


def name_parts(text: str) -> list[str]:
    """The names in a who or reporter field, each person whole and each name part
    alone: ``"Jordan Example, Alex Placeholder"`` → ``["Jordan Example", "Jordan",
    "Example", "Alex Placeholder", "Alex", "Placeholder"]``."""
    if len(text) > LONG_VALUE:
        return []
    return list(_name_parts(text))


@lru_cache(maxsize=16_384)
def _name_parts(text: str) -> tuple[str, ...]:
    """:func:`name_parts`, worked out once per value (the same names recur)."""
    lowercase = not any(ch.isupper() for ch in text)
    found: list[str] = []
    described = {fold(part) for part in _BRACKETED.findall(text)}
    for person in people(text):
        words = [w for w in (_clean_word(word) for word in person.split()) if w]
        common = [fold(w) in COMMON_WORDS for w in words]
        if lowercase:
            # No capitals anywhere: a short run of uncommon words is a name;
            # bracketed words and descriptions ("a tall attendee") are not.
            if (any(common) or len(words) > 3
                    or any(fold(person) in fold(d) for d in described)):
                continue
            names = words
        else:
            names = [w for w, is_common in zip(words, common, strict=True)
                     if w[:1].isupper() and not is_common]
        parts: list[str] = []
        for word in names:
            pieces = [word, *(p for p in re.split(r"[-‐]", word) if p != word)]
            parts.extend(p for p in pieces if _letters(p) >= MIN_PART)
        if names and len(words) > 1:
            found.append(person)
        found.extend(parts)
    return tuple(found)


NAME_PARTICLES = frozenset("""
the and of de da di du la le el al van von der den del della des dos das ter ten y e
""".split())
"""Words of a name never replaced alone ("van" of "Ada van Example"), even when aliased."""


def alias_parts(name: str) -> list[str]:
    """The parts of a name the team gave a pseudonym, each replaced alone: every word of
    two letters or more and each piece of a hyphenated one, common words too ("Guy",
    "Rose": the team said it is a name), except :data:`NAME_PARTICLES`."""
    if len(name) > LONG_VALUE:
        return []
    parts: list[str] = []
    for word in (_clean_word(w) for w in name.split()):
        for piece in (word, *re.split(r"[-‐]", word)):
            if _letters(piece) >= 2 and fold(piece) not in NAME_PARTICLES:
                parts.append(piece)
    return parts


def describes_only(text: str) -> bool:
    """True when every word of ``text`` only describes someone ("the reporter")."""
    words = [_clean_word(word) for word in text.split()]
    return all(fold(word) in COMMON_WORDS for word in words if word)


def contact_parts(text: str) -> list[str]:
    """The e-mail addresses, phone numbers and handles inside a contact."""
    if len(text) > LONG_VALUE:
        return []
    return [*_EMAIL.findall(text), *_PHONE.findall(text), *_HANDLE.findall(text)]


def _set_values(incident: Incident) -> dict[str, list[Any]]:
    """Every value each field was set to (as :attr:`Incident.history`, without the
    times, which the mask does not need and which are slow to read)."""
    values: dict[str, list[Any]] = {}
    for change in incident.changes:
        if change.get("op") == "set":
            for name, value in (change.get("data") or {}).items():
                values.setdefault(name, []).append(value)
    return values


class Known(NamedTuple):
    """What a report's mask knows."""

    names: list[str]
    """Names to hide (whole values, people and name parts)."""
    contacts: list[str]
    """Contacts to hide (whole values and the addresses and numbers in them)."""
    members: list[str]
    """Team members who worked on the report: shown as written, even where a part of
    their name is also a part of a hidden name ("Cy Placeholder" next to a reporter
    "Kim Placeholder")."""


def known_people(incident: Incident) -> Known:
    """What a report's mask hides: every value its who, reporter and contact ever held,
    the review's actors and the people conversations were held with (a conversation
    "with the reporter" names nobody, so it stays readable); and the members it keeps."""
    names: list[str] = []
    contacts: list[str] = []

    def person(value: object, *, whole: bool = True) -> None:
        if not isinstance(value, str) or not value.strip():
            return
        parts = name_parts(value)
        if whole or parts:
            names.append(value)
        names.extend(parts)

    history = _set_values(incident)
    for field_name in PRIVATE_FIELDS:
        seen: set[str] = set()
        for value in [getattr(incident, field_name, None), *history.get(field_name, [])]:
            if not isinstance(value, str) or not value.strip() or value in seen:
                continue
            seen.add(value)
            if field_name == "contact":
                contacts.append(value)
                contacts.extend(contact_parts(value))
            else:
                person(value)
    for value in history.get("review_actors", []):
        for actor in value if isinstance(value, list) else []:
            person(actor)
    for entry in incident.entries.get("conversation", []):
        partner = entry.data.get("with")
        person(partner, whole=isinstance(partner, str) and not describes_only(partner))
    members = [incident.created_by, incident.acknowledged_by,
               *(change.get("by") for change in incident.changes),
               *(note.author for note in incident.notes)]
    return Known(names, contacts, sorted({m for m in members if isinstance(m, str) and m}))


# ------------------------------------------------------------------ masking

_CONTACT, _NAME, _KEEP, _ALIAS = "contact", "name", "keep", "alias"


class NameMask:
    """Hides known names (as initials) and contacts (as ``●●●``) wherever they appear
    in a text; call it with the text. ``NameMask.none()`` changes nothing.

    ``keep``: names shown as written (team members) where a hidden name part would
    otherwise take a piece of them; a name that is also in ``names`` is hidden.
    ``aliases``: ``(name, pseudonym)`` pairs (the team's pseudonyms, issue 15): the name,
    and each of its parts alone, is replaced by the pseudonym rather than initials
    (a part two pseudonyms share, "Example" of "Jordan Example" and "Sam Example",
    by both: "Person A / Person B"). Aliases are never cut by :data:`MAX_NEEDLES`.
    """

    def __init__(self, names: Iterable[str] = (), contacts: Iterable[str] = (),
                 keep: Iterable[str] = (),
                 aliases: Iterable[tuple[str, str]] = ()) -> None:
        needles: dict[str, str] = {}
        self.shown: dict[str, str] = {}
        """Folded alias needle → the pseudonym shown in its place."""
        for name, pseudonym in aliases:
            for value in (name, *alias_parts(name)):
                key = fold(value)
                if len(key) < 2 or not any(_is_word(ch) for ch in key):
                    continue
                earlier = self.shown.get(key)
                if earlier is not None and pseudonym not in earlier.split(" / "):
                    pseudonym_shown = f"{earlier} / {pseudonym}"
                else:
                    pseudonym_shown = earlier or pseudonym
                self.shown[key] = pseudonym_shown
        alias_keys = sorted(self.shown, key=len, reverse=True)
        for value in contacts:
            key = fold(value)
            if len(key) >= 2:
                needles[key] = _CONTACT
        for value in names:
            key = fold(value)
            if len(key) >= 2 and any(_is_word(ch) for ch in key):
                needles.setdefault(key, _NAME)
        hidden_words = {word for key, kind in needles.items() if kind == _NAME
                        for word in key.split()}
        for key in self.shown:
            needles.pop(key, None)
        hidden_words.update(word for key in self.shown for word in key.split())
        for value in keep:
            key = fold(value)
            if key not in needles and key not in self.shown \
                    and hidden_words.intersection(key.split()):
                needles[key] = _KEEP
        longest_first = sorted(needles, key=len, reverse=True)[:MAX_NEEDLES]
        self.needles: list[tuple[str, str]] = sorted(
            [(key, _ALIAS) for key in alias_keys]
            + [(key, needles[key]) for key in longest_first],
            key=lambda needle: len(needle[0]), reverse=True)
        """Folded text to find, and what it is (contact, name, kept, alias); longest
        first."""

    @classmethod
    def none(cls) -> NameMask:
        """A mask that hides nothing (privacy mode off)."""
        return cls()

    @classmethod
    def for_incident(cls, incident: Incident, *, pseudonyms: Iterable[str] = ()) -> NameMask:
        """The mask for one report: see :func:`known_people`, with the team's pseudonyms
        for its people (:func:`careterm.core.casework.aliases`) shown in their place;
        ``pseudonyms`` are more names the caller wants hidden as initials."""
        known = known_people(incident)
        names = list(known.names)
        for alias in pseudonyms:
            names.append(alias)
            names.extend(name_parts(alias))
        return cls(names, known.contacts, known.members, report_aliases(incident))

    def __bool__(self) -> bool:
        return any(kind != _KEEP for _, kind in self.needles)

    def __call__(self, text: str) -> str:
        """``text`` with every known name and contact replaced."""
        if not text or not self:
            return text
        folded, source = _folded(text)
        found: list[tuple[int, int, str, str]] = []
        for needle, kind in self.needles:
            start = folded.find(needle)
            while start != -1:
                end = start + len(needle)
                if _bounded(folded, needle, start, end):
                    found.append((start, end, kind, needle))
                start = folded.find(needle, start + 1)
        if not found:
            return text
        found.sort(key=lambda match: (match[0], match[0] - match[1]))
        out: list[str] = []
        kept_from = 0
        covered = 0
        for start, end, kind, needle in found:
            if start < covered:
                continue
            covered = end
            if kind == _KEEP:
                continue
            if source is None:
                begin, stop = start, end
            else:
                begin = source[start]
                stop = source[end] if end < len(source) else len(text)
            original = text[begin:stop].rstrip()
            stop = begin + len(original)
            out.append(text[kept_from:begin])
            if kind == _ALIAS:
                out.append(self.shown[needle])
            else:
                out.append(CONTACT_MASK if kind == _CONTACT else initials(original))
            kept_from = stop
        out.append(text[kept_from:])
        return "".join(out)


def _bounded(folded: str, needle: str, start: int, end: int) -> bool:
    """True when the match stands as whole words (edges that are not letters or
    digits need no boundary: ``"(fictional)"``, ``"@jo.sample"``)."""
    if _is_word(needle[0]) and start > 0 and _is_word(folded[start - 1]):
        return False
    return not (_is_word(needle[-1]) and end < len(folded) and _is_word(folded[end]))


def mask_names(text: str, incident: Incident, *, pseudonyms: Iterable[str] = ()) -> str:
    """``text`` with every name and contact known from ``incident`` masked (for one
    text; build a :class:`NameMask` once to mask many)."""
    return NameMask.for_incident(incident, pseudonyms=pseudonyms)(text)


class MaskCache:
    """One :class:`NameMask` per report, made again only when the report changes
    (the board and the handover mask thousands of rows)."""

    def __init__(self, pseudonyms: Iterable[str] = ()) -> None:
        self.pseudonyms = tuple(pseudonyms)
        self._masks: dict[str, tuple[int, NameMask]] = {}

    def __call__(self, incident: Incident) -> NameMask:
        """The mask for ``incident`` as it is now."""
        version = len(incident.changes)
        cached = self._masks.get(incident.id)
        if cached is None or cached[0] != version:
            cached = (version, NameMask.for_incident(incident, pseudonyms=self.pseudonyms))
            self._masks[incident.id] = cached
        return cached[1]

    def __len__(self) -> int:
        return len(self._masks)

    def forget(self, keep: Iterable[str]) -> None:
        """Drop the masks of reports not in ``keep``."""
        wanted = set(keep)
        for inc_id in [key for key in self._masks if key not in wanted]:
            del self._masks[inc_id]


# ------------------------------------------------------------------ a whole report

_NOT_TEXT = frozenset({
    "created_at", "when", "at", "held_at", "review_at", "status", "urgency", "source",
    "ongoing", "category", "kind", "state", "decision", "violation", "review_violation",
    "resolutions", "statement_level", "wishes", "via", "mark", "other", "size", "sha256",
    "blob", "number", "id", "type",
})
"""Keys of a change's data that hold careterm's own vocabulary, times or ids, never
anyone's text: copied as they are by :func:`pseudonymised`."""


def _masked(value: Any, mask: NameMask) -> Any:
    """``value`` with every text in it (inside lists and dicts too) passed through ``mask``."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list):
        return [_masked(item, mask) for item in value]
    if isinstance(value, dict):
        return {key: item if key in _NOT_TEXT or key.startswith("support_")
                else _masked(item, mask) for key, item in value.items()}
    return value


def pseudonymised(incident: Incident, mask: NameMask | None = None) -> Incident:
    """A copy of ``incident`` with every text it ever held (each value in its history,
    notes, casework entries, the members who recorded them) passed through its mask
    (:meth:`NameMask.for_incident`: pseudonyms where the team gave one, initials for
    other known names, ``●●●`` for contacts), for ``export --pseudonymise``.

    The copy is folded again from the masked changes, so every view of it (the written
    record, the JSON record with its timeline and history) shows only masked text;
    ``alias`` entries keep the pseudonym and lose the name. A recused stub is returned
    as it is (it holds no text)."""
    if incident.recused:
        return incident
    mask = mask or NameMask.for_incident(incident)
    changes = []
    for change in incident.changes:
        data = change.get("data") or {}
        if change.get("op") == "alias":
            data = {"pseudonym": data.get("pseudonym")}
        copy = {**change, "data": _masked(data, mask)}
        if isinstance(change.get("by"), str):
            copy["by"] = mask(change["by"])
        changes.append(copy)
    folded = fold_changes(changes)
    return folded.get(incident.id, Incident(id=incident.id))
