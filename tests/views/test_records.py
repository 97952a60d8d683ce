"""The JSON-ready record of an incident (list --json / show --json)."""

from __future__ import annotations

import json
from datetime import datetime

from careterm.actions import incidents
from careterm.store.store import Store
from careterm.views.records import RECORD_KEYS, incident_to_dict

REQUIRED = {"id", "what", "who", "when", "when_text", "where", "ongoing", "contact",
            "reporter", "source", "urgency", "status", "created_at", "created_by",
            "acknowledged_at", "acknowledged_by", "notes"}


def _has_offset(text: str) -> bool:
    return datetime.fromisoformat(text).utcoffset() is not None


def test_record_has_the_documented_keys_and_is_json(store: Store) -> None:
    captured = incidents.capture(store, "Shouting in the hallway", who="Bo Sample",
                                 when="10 min ago", where="Room Zeta", ongoing="no",
                                 contact="Signal", reporter="Ada Example",
                                 source="in-person", urgency="low")
    record = incident_to_dict(store.get(captured.id))

    assert REQUIRED <= set(record)
    assert list(record) == list(RECORD_KEYS)
    assert record["id"] == captured.id
    assert record["who"] == "Bo Sample"
    assert record["when_text"] == "10 min ago"
    assert _has_offset(record["when"]) and _has_offset(record["created_at"])
    assert record["acknowledged_at"] is None and record["acknowledged_by"] is None
    assert record["created_by"] == "Ada Example"
    assert json.loads(json.dumps(record)) == record


def test_acknowledgement_and_notes_appear_with_author_and_time(store: Store,
                                                               frozen_clock) -> None:
    inc_id = incidents.capture(store, "Unwelcome remark at lunch").id
    frozen_clock.advance(minutes=4)
    incidents.acknowledge(store, inc_id, "email")
    incidents.add_note(store, inc_id, "Reporter would like an escort")
    record = incident_to_dict(store.get(inc_id))

    assert _has_offset(record["acknowledged_at"])
    assert record["acknowledged_by"] == "Ada Example"
    assert record["acknowledged_via"] == "email"
    assert record["status"] == "acknowledged"
    assert record["notes"] == [{"author": "Ada Example", "at": record["notes"][0]["at"],
                                "text": "Reporter would like an escort"}]
    assert _has_offset(record["notes"][0]["at"])


def test_marks_and_missing_use_the_capture_option_names(store: Store) -> None:
    inc_id = incidents.capture(store, "Slides with an offensive joke",
                               marks={"when": "unknown", "reporter": "declined"},
                               support={"escort": "requested"}).id
    record = incident_to_dict(store.get(inc_id))

    assert record["marks"] == {"when": "unknown", "reporter": "declined"}
    assert record["missing"]["when"] == "unknown"
    assert record["missing"]["reporter"] == "declined"
    assert record["missing"]["who"] == "empty"
    assert {k: v["state"] for k, v in record["support"].items()} == {"escort": "requested"}


def test_waiting_seconds_counts_until_acknowledged(store: Store, frozen_clock) -> None:
    inc_id = incidents.capture(store, "Someone followed the reporter").id
    frozen_clock.advance(minutes=12)
    assert incident_to_dict(store.get(inc_id))["waiting_seconds"] == 12 * 60
    incidents.acknowledge(store, inc_id)
    assert incident_to_dict(store.get(inc_id))["waiting_seconds"] is None


def test_detail_adds_timeline_and_history_with_old_values(store: Store, frozen_clock) -> None:
    inc_id = incidents.capture(store, "Heckling during a talk", where="Room Zeta").id
    frozen_clock.advance(minutes=3)
    incidents.update(store, inc_id, where="Room Eta")
    brief = incident_to_dict(store.get(inc_id))
    full = incident_to_dict(store.get(inc_id), detail=True)

    assert "timeline" not in brief and "history" not in brief
    assert [v["value"] for v in full["history"]["where"]] == ["Room Zeta", "Room Eta"]
    assert all(v["by"] == "Ada Example" and _has_offset(v["at"])
               for v in full["history"]["where"])
    kinds = [entry["kind"] for entry in full["timeline"]]
    assert kinds == ["captured", "changed"]
    assert "Room Zeta → Room Eta" in full["timeline"][1]["text"]
    assert json.loads(json.dumps(full)) == full
