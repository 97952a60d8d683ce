"""Parsing "when" the way people say it, against a frozen Wednesday 14:30."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from careterm.core.whentext import describe_when, describe_when_relative, parse_when
from tests.support import CONFERENCE_TZ, FROZEN_AT


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CONFERENCE_TZ)


class TestParseWhen:
    """Phrases an info desk hears resolve to the right moment."""

    @pytest.mark.parametrize(("text", "expected"), [
        ("just now", at(25, 14, 30)),
        ("now", at(25, 14, 30)),
        ("10 min ago", at(25, 14, 20)),
        ("10 minutes ago", at(25, 14, 20)),
        ("10m ago", at(25, 14, 20)),
        ("half an hour ago", at(25, 14, 0)),
        ("an hour ago", at(25, 13, 30)),
        ("2 hours ago", at(25, 12, 30)),
        ("about 5 mins ago", at(25, 14, 25)),
        ("14:00", at(25, 14, 0)),
        ("9am", at(25, 9, 0)),
        ("9.30", at(25, 9, 30)),
        ("16:00", at(24, 16, 0)),  # later than now: the most recent 16:00 is yesterday
        ("yesterday 21:00", at(24, 21, 0)),
        ("yesterday at 9pm", at(24, 21, 0)),
        ("last night", at(24, 21, 0)),
        ("this morning", at(25, 9, 0)),
        ("Tue 9am", at(24, 9, 0)),
        ("tuesday 9am", at(24, 9, 0)),
        ("Wed 9am", at(25, 9, 0)),
        ("Thu 9am", at(19, 9, 0)),  # Thursday has not come yet this week
        ("2026-11-24 18:00", at(24, 18, 0)),
        ("24 Nov 18:00", at(24, 18, 0)),
    ])
    def test_phrase(self, text: str, expected: datetime) -> None:
        assert parse_when(text, FROZEN_AT) == expected

    def test_iso_with_offset_keeps_its_offset(self) -> None:
        parsed = parse_when("2026-11-24T18:00:00+00:00", FROZEN_AT)
        assert parsed is not None and parsed.utcoffset().total_seconds() == 0
        assert parsed == at(24, 19, 0)

    @pytest.mark.parametrize("text", ["at the bar", "during the keynote", "", "   ",
                                      "sometime", "5 parsecs ago", "x" * 500])
    def test_unparseable_text_resolves_to_none(self, text: str) -> None:
        assert parse_when(text, FROZEN_AT) is None

    def test_results_are_timezone_aware(self) -> None:
        for text in ["just now", "14:00", "yesterday 21:00", "Tue 9am", "2026-11-24"]:
            parsed = parse_when(text, FROZEN_AT)
            assert parsed is not None and parsed.tzinfo is not None, text

    def test_uses_the_replaceable_clock(self, frozen_clock) -> None:
        assert parse_when("10 min ago") == at(25, 14, 20)
        frozen_clock.advance(minutes=5)
        assert parse_when("10 min ago") == at(25, 14, 25)


class TestDescribeWhen:
    """Resolved times read naturally."""

    def test_today_and_yesterday(self) -> None:
        assert describe_when(at(25, 14, 20), FROZEN_AT) == "14:20 today"
        assert describe_when(at(24, 21, 0), FROZEN_AT) == "21:00 yesterday"
        assert describe_when(at(19, 9, 0), FROZEN_AT) == "Thu 19 Nov 09:00"
        assert describe_when(None, FROZEN_AT) == ""


class TestDescribeWhenRelative:
    """How long ago leads for the first hour; after that the clock time leads."""

    @pytest.mark.parametrize(("when", "expected"), [
        (at(25, 14, 30), "just now (14:30 today)"),
        (at(25, 14, 29), "about a minute ago (14:29 today)"),
        (at(25, 14, 20), "about 10 minutes ago (14:20 today)"),
        (at(25, 13, 31), "about 59 minutes ago (13:31 today)"),
        (at(25, 13, 30), "13:30 today (about an hour ago)"),
        (at(25, 11, 30), "11:30 today (about 3 hours ago)"),
        (at(25, 12, 1), "12:01 today (about 2 hours ago)"),
        (at(24, 21, 0), "21:00 yesterday (about 18 hours ago)"),
        (at(19, 9, 0), "Thu 19 Nov 09:00 (about 6 days ago)"),
        (datetime(2025, 11, 25, 14, 30, tzinfo=CONFERENCE_TZ),
         "2025-11-25 14:30 (about 365 days ago)"),
        (at(25, 14, 33), "just now (14:33 today)"),  # a clock a little ahead
        (at(25, 16, 0), "16:00 today"),               # the future: only the clock time
    ])
    def test_reading(self, when: datetime, expected: str) -> None:
        assert describe_when_relative(when, FROZEN_AT) == expected

    def test_none_is_empty(self) -> None:
        assert describe_when_relative(None, FROZEN_AT) == ""

    def test_counts_from_now_on_the_replaceable_clock(self, frozen_clock) -> None:
        when = FROZEN_AT - timedelta(minutes=10)
        assert describe_when_relative(when) == "about 10 minutes ago (14:20 today)"
        frozen_clock.advance(hours=3)
        assert describe_when_relative(when) == "14:20 today (about 3 hours ago)"
