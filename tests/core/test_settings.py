"""Team settings: parsing what people type, reading what was stored, folding the team record."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from careterm.core.model import Fold
from careterm.core.settings import (
    DEFAULTS,
    TeamSettings,
    describe_setting,
    format_duration,
    parse_changes,
    parse_duration,
    parse_event,
)
from careterm.core.vocabulary import TEAM_RECORD
from careterm.errors import InvalidInput


@pytest.mark.parametrize("text,seconds", [
    ("90s", 90), ("10m", 600), ("12h", 43_200), ("1d", 86_400), ("1h30m", 5_400),
    (" 15M ", 900), ("2 h", 7_200)])
def test_durations_as_people_type_them(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "10", "ten minutes", "10x", "-5m", "30s", "61d",
                                  "1.5h", "m10"])
def test_bad_durations_are_one_sentence(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_duration(text, "--ack")
    message = str(refused.value)
    assert message.startswith("--ack: ") and "\n" not in message


def test_durations_read_back_the_way_they_are_typed() -> None:
    for text in ("15m", "12h", "6h", "1d", "1h30m", "1m30s"):
        assert format_duration(parse_duration(text)) == text


def test_event_dates() -> None:
    assert parse_event("2027-06-02..2027-06-06") == (date(2027, 6, 2), date(2027, 6, 6))
    assert parse_event("2027-06-02") == (date(2027, 6, 2), date(2027, 6, 2))
    assert parse_event("none") == (None, None)
    for bad in ("2027-06-06..2027-06-02", "June 2nd", "2027-13-01..2027-13-02"):
        with pytest.raises(InvalidInput, match="event: "):
            parse_event(bad)


def test_defaults_are_the_guides_targets() -> None:
    settings = TeamSettings()
    assert (settings.ack, settings.review, settings.needs_info, settings.inform) == (
        timedelta(minutes=15), timedelta(hours=12), timedelta(hours=6), timedelta(hours=24))
    assert settings.critical_alert and settings.event_start is None
    assert TeamSettings.from_values({}) == settings
    assert settings.values() == DEFAULTS


def test_unreadable_stored_values_fall_back_to_the_defaults() -> None:
    odd = {"ack": "ten", "review": -5, "needs_info": 10**9, "inform": None,
           "event_start": "soon", "critical_alert": "yes"}
    assert TeamSettings.from_values(odd) == TeamSettings()
    stored = parse_changes(ack="10m", event="2027-06-02..2027-06-06", critical_alert="off")
    read = TeamSettings.from_values(stored)
    assert read.ack == timedelta(minutes=10) and read.event_end == date(2027, 6, 6)
    assert read.critical_alert is False


def test_one_bad_value_means_no_change_at_all() -> None:
    with pytest.raises(InvalidInput, match="--inform"):
        parse_changes(ack="10m", inform="soon")
    with pytest.raises(InvalidInput, match="--critical-alert"):
        parse_changes(critical_alert="maybe")


def test_describing_a_setting() -> None:
    assert describe_setting("ack", 600) == "10m"
    assert describe_setting("ack", None) == "15m"
    assert describe_setting("critical_alert", False) == "off"
    assert describe_setting("event_start", None) == "not set"


def _change(cid: str, hlc: str, data: dict, inc: str = TEAM_RECORD) -> dict:
    return {"cid": cid, "inc": inc, "op": "set", "data": data, "hlc": hlc, "dev": "d",
            "by": "Ada Example", "at": "2026-11-25T14:30:00+01:00"}


def test_the_team_record_folds_last_writer_wins_and_is_no_incident() -> None:
    changes = [_change("d:1", "0002", {"ack": 600}), _change("d:2", "0001", {"ack": 300}),
               _change("d:3", "0003", {"review": 3600}),
               _change("d:4", "0001", {"what": "a report"}, inc="AA0001")]
    for order in (changes, changes[::-1]):
        fold = Fold()
        touched = fold.apply(order)
        assert touched == {"AA0001"}  # the team record is no report
        assert set(fold.incidents) == {"AA0001"}
        assert fold.team.values == {"ack": 600, "review": 3600}
        assert [v.value for v in fold.team.history["ack"]] == [300, 600]
        assert fold.team.version == 3
        fold.apply(order)  # again: nothing changes
        assert fold.team.version == 3
