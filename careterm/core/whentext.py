"""Parsing "when" the way people say it at an info desk.

``10 min ago``, ``just now``, ``14:30``, ``yesterday 21:00``, ``Tue 9am``,
``2026-11-24 18:00``. Relative phrases are handled here; absolute dates and
times go to python-dateutil. Reports are about the past, so a bare time or
weekday that would land in the future means the most recent one before now.
Text that cannot be understood is not an error: :func:`parse_when` returns
``None`` and the caller keeps the words as typed.

Shown back, a resolved time reads as a clock time (:func:`describe_when`,
``14:20 today``), or with how long ago it was (:func:`describe_when_relative`).
The relative words lead while they are the quickest reading (under an hour:
``about 10 minutes ago (14:20 today)``); after that the clock time leads
(``11:30 today (about 3 hours ago)``), because a hurried reader takes the first
words and "minutes ago" read hours later is wrong. The relative part is always
counted from now, never the words typed at capture, which were relative to then.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from dateutil import parser as dateparser

from careterm.core import clock

_UNITS = {
    "s": "seconds", "sec": "seconds", "secs": "seconds", "second": "seconds",
    "seconds": "seconds",
    "m": "minutes", "min": "minutes", "mins": "minutes", "minute": "minutes",
    "minutes": "minutes",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "wk": "weeks", "week": "weeks", "weeks": "weeks",
}
_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "ten": 10, "twenty": 20, "thirty": 30, "a few": 3, "a couple of": 2,
                 "half an": 0.5, "half a": 0.5}
_AGO = re.compile(
    r"^(?:about |around |roughly |~)?(?P<n>\d+(?:[.,]\d+)?|"
    + "|".join(sorted(map(re.escape, _WORD_NUMBERS), key=len, reverse=True))
    + r")\s*(?P<unit>[a-z]+)\s+ago$"
)
_NOW_WORDS = {"now", "just now", "right now", "a moment ago", "moments ago", "just"}
_DAY_WORDS = {"today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0,
              "this evening": 0, "yesterday": 1, "last night": 1}
_DAY_DEFAULT_HOURS = {"this morning": 9, "this afternoon": 15, "this evening": 19,
                      "tonight": 21, "last night": 21}
_WEEKDAY_NAMES = {
    name: index
    for index, names in enumerate([
        ("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "wednesday"),
        ("thu", "thur", "thurs", "thursday"), ("fri", "friday"),
        ("sat", "saturday"), ("sun", "sunday"),
    ])
    for name in names
}
_FUTURE_SLACK = timedelta(minutes=5)
RELATIVE_FIRST_FOR = timedelta(hours=1)
"""How long the relative words lead :func:`describe_when_relative`; from then the clock time."""


def parse_when(text: str | None, now: datetime | None = None) -> datetime | None:
    """Resolve ``text`` to a timezone-aware time, or ``None`` if it cannot be understood."""
    if text is None:
        return None
    now = now or clock.now()
    phrase = " ".join(text.lower().strip().split())
    if not phrase or len(phrase) > 80:
        return None
    if phrase in _NOW_WORDS:
        return now
    match = _AGO.match(phrase)
    if match:
        unit = _UNITS.get(match["unit"])
        if unit is None:
            return None
        raw = match["n"]
        amount = _WORD_NUMBERS.get(raw) or float(raw.replace(",", "."))
        return now - timedelta(**{unit: amount})
    for words, days_back in sorted(_DAY_WORDS.items(), key=lambda kv: -len(kv[0])):
        if phrase == words or phrase.startswith(words + " "):
            rest = phrase[len(words):].strip().removeprefix("at ").strip()
            base = now - timedelta(days=days_back)
            if not rest:
                if words in _DAY_DEFAULT_HOURS:
                    return base.replace(hour=_DAY_DEFAULT_HOURS[words], minute=0,
                                        second=0, microsecond=0)
                return base if days_back else now
            at = _time_of_day(rest, base)
            return at
    weekday = _weekday_prefix(phrase)
    if weekday is not None:
        index, rest = weekday
        days_back = (now.weekday() - index) % 7
        base = now - timedelta(days=days_back)
        resolved = _time_of_day(rest, base) if rest else base.replace(
            hour=12, minute=0, second=0, microsecond=0)
        if resolved is not None and resolved > now + _FUTURE_SLACK:
            resolved -= timedelta(days=7)
        return resolved
    return _absolute(phrase, now)


def _weekday_prefix(phrase: str) -> tuple[int, str] | None:
    """``tue 9am`` → (1, "9am"); ``last friday`` → (4, ""); else ``None``."""
    first, _, rest = phrase.partition(" ")
    if first in ("last", "on") and rest:
        first, _, rest = rest.partition(" ")
    index = _WEEKDAY_NAMES.get(first.rstrip(",."))
    if index is None:
        return None
    return index, rest.strip().removeprefix("at ").strip()


def _time_of_day(text: str, base: datetime) -> datetime | None:
    """A clock time (``9am``, ``21:00``, ``9.30``) on the day of ``base``."""
    text = text.replace(".", ":") if re.fullmatch(r"\d{1,2}\.\d{2}", text) else text
    if not re.fullmatch(r"\d{1,2}(:\d{2})?\s*(am|pm|a\.m\.|p\.m\.|h)?", text):
        return None
    try:
        parsed = dateparser.parse(text.replace("h", ""), default=base.replace(
            minute=0, second=0, microsecond=0))
    except (ValueError, OverflowError):
        return None
    return parsed.replace(tzinfo=base.tzinfo)


def _absolute(phrase: str, now: datetime) -> datetime | None:
    if not re.search(r"\d", phrase):
        return None
    bare_time = re.fullmatch(r"(at )?\d{1,2}([:.]\d{2})?\s*(am|pm|h)?", phrase)
    if bare_time:
        resolved = _time_of_day(phrase.removeprefix("at ").strip(), now)
        if resolved is not None and resolved > now + _FUTURE_SLACK:
            resolved -= timedelta(days=1)
        return resolved
    try:
        parsed = dateparser.parse(phrase, default=now.replace(
            hour=0, minute=0, second=0, microsecond=0, tzinfo=None))
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=now.tzinfo)
    return parsed


def describe_when(when: datetime | None, now: datetime | None = None) -> str:
    """A short human phrase for a resolved time: ``14:20 today``, ``Tue 24 Nov 09:00``."""
    if when is None:
        return ""
    now = now or clock.now()
    local = when.astimezone(now.tzinfo)
    day = local.date()
    if day == now.date():
        return f"{local:%H:%M} today"
    if day == (now - timedelta(days=1)).date():
        return f"{local:%H:%M} yesterday"
    if local.year == now.year:
        return f"{local:%a %d %b %H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


def _about(count: int, unit: str) -> str:
    return f"about {'an' if unit == 'hour' else 'a'} {unit} ago" if count == 1 else (
        f"about {count} {unit}s ago")


def _how_long_ago(age: timedelta) -> str:
    """``just now``, ``about 10 minutes ago``, ``about 3 hours ago``, ``about 2 days ago``."""
    seconds = age.total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return _about(int(seconds // 60), "minute")
    if seconds < 86400:
        return _about(max(1, round(seconds / 3600)), "hour")
    return _about(max(1, round(seconds / 86400)), "day")


def describe_when_relative(when: datetime | None, now: datetime | None = None) -> str:
    """A resolved time with how long ago it was, the quicker reading first.

    Under :data:`RELATIVE_FIRST_FOR`: ``about 10 minutes ago (14:20 today)``;
    from then on ``11:30 today (about 3 hours ago)``. A time in the future (a
    clock set wrong somewhere) is only the clock time, as :func:`describe_when`.
    """
    if when is None:
        return ""
    now = now or clock.now()
    absolute = describe_when(when, now)
    age = now - when
    if age < -_FUTURE_SLACK:
        return absolute
    if age < RELATIVE_FIRST_FOR:
        return f"{_how_long_ago(age)} ({absolute})"
    return f"{absolute} ({_how_long_ago(age)})"
