"""Checking what a member typed: free text, names from a fixed set, lists of people.

Pure functions that either return the cleaned value or raise
:class:`~careterm.errors.InvalidInput` with one line a person can act on.
"""

from __future__ import annotations

import re
from typing import Any

from careterm.core.textsafe import has_invalid_utf8
from careterm.core.triage import urgency_rank
from careterm.core.vocabulary import CHOICE_FIELDS, SUPPORT_ALIASES
from careterm.errors import InvalidInput

MAX_TEXT = 2_000_000
"""Longest text accepted in one field (characters); a 1 MB statement fits."""


def clean_text(value: Any, name: str) -> str | None:
    """Normalise a free-text answer: ``None`` for empty, refuse what cannot be stored."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name}: expected text")
    if has_invalid_utf8(value) or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise InvalidInput(f"{name}: text is not valid UTF-8")
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"{name}: text is too long ({len(value):,} characters; "
                           f"at most {MAX_TEXT:,})")
    value = value.strip()
    return value or None


def check_choice(name: str, value: str | None) -> str | None:
    """Accept ``value`` only if it is one of the field's choices (or empty)."""
    if value is None or value == "":
        return None
    choices = CHOICE_FIELDS[name]
    value = value.strip().lower()
    if name.startswith("support_"):
        value = SUPPORT_ALIASES.get(value, value)
    if value not in choices:
        raise InvalidInput(f"{name}: {value!r} is not one of {', '.join(choices)}")
    return value


def effective_urgency(ongoing: str | None, urgency: str | None,
                      current: str = "medium") -> tuple[str, bool]:
    """The urgency to record and whether it was raised because the incident is ongoing.

    An explicitly chosen urgency always stands; otherwise an ongoing incident
    is at least ``high``.
    """
    if urgency:
        return urgency, False
    if ongoing == "yes" and urgency_rank(current) > urgency_rank("high"):
        return "high", True
    return current, False


def choice_name(value: Any, choices: tuple[str, ...], what: str,
          aliases: dict[str, str] | None = None) -> str:
    """One of ``choices``, forgiving case, spaces and underscores."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what}: choose one of {', '.join(choices)}")
    name = re.sub(r"[\s_]+", "-", value.strip().lower())
    name = (aliases or {}).get(name, name)
    if name not in choices:
        raise InvalidInput(f"{what}: {value.strip()!r} is not one of {', '.join(choices)}")
    return name


def required_text(value: Any, what: str) -> str:
    text = clean_text(value, what)
    if not text:
        raise InvalidInput(f"{what}: this cannot be empty")
    return text


def name_list(values: Any, what: str) -> list[str]:
    """A list of people's names: a list, or one string separated by commas."""
    if values is None:
        return []
    if isinstance(values, str):
        values = values.split(",")
    if not isinstance(values, (list, tuple)):
        raise InvalidInput(f"{what}: expected a list of names")
    result: list[str] = []
    for value in values:
        name = clean_text(value, what)
        if name and same_person_key(name) not in map(same_person_key, result):
            result.append(name)
    return result


def same_person_key(name: str) -> str:
    """How two typed names are compared: case and spacing do not matter."""
    return " ".join(name.split()).casefold()
