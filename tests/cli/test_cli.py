"""The ``careterm`` command line end to end: subprocesses in temp homes, ``main()`` in-process."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import types
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careterm.cli import commands
from careterm.cli.main import COMMANDS, main, parse_duration
from careterm.store.store import STORE_FILE, Store
from tests.support import PASSPHRASE, capture, one_error_line, run_careterm, show_json

REQUIRED_KEYS = {"id", "what", "who", "when", "when_text", "where", "ongoing", "contact",
                 "reporter", "source", "urgency", "status", "created_at", "created_by",
                 "acknowledged_at", "acknowledged_by", "notes"}
HOSTILE = "[bold red]x[/] \x1b[31mred\x1b[0m \x1b]52;c;ZXZpbA==\x07 \u202egnp.exe \x00end"
"""Report text holding ANSI colour, an OSC 52 clipboard write, a bidi override,
Rich markup and a NUL: all must be shown, none acted on."""


# ------------------------------------------------------------------ helpers













def has_offset(text: str) -> bool:
    return datetime.fromisoformat(text).utcoffset() is not None


# ------------------------------------------------------- end to end (subprocess)

def test_init_capture_list_ack_show_in_fresh_processes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    init = run_careterm(home, "init", "--member", "Ada Example", "--team", "Example Con")
    assert init.returncode == 0, init.stderr
    assert (home / STORE_FILE).exists()

    minimal = run_careterm(home, "capture", "--what", "Shouting in the hallway")
    assert minimal.returncode == 0 and minimal.stderr == b""
    inc_id = minimal.stdout.decode()
    assert inc_id.endswith("\n") and len(inc_id.strip()) == 6 and inc_id.count("\n") == 1

    full = run_careterm(home, "capture", "--what", "Followed after the party",
                        "--who", "Bo Sample", "--when", "10 min ago", "--where", "Room Zeta",
                        "--ongoing", "yes", "--contact", "Signal +00 000", "--reporter",
                        "Cy Placeholder", "--source", "in-person")
    assert full.returncode == 0
    assert len(full.stdout.decode().strip()) == 6  # the id and nothing else on stdout
    assert b"urgency raised to high because it is ongoing" in full.stderr

    listed = run_careterm(home, "list", "--json")
    records = json.loads(listed.stdout)
    assert [r["urgency"] for r in records] == ["high", "medium"]
    assert all(REQUIRED_KEYS <= set(r) for r in records)
    assert records[0]["who"] == "Bo Sample" and records[0]["source"] == "in-person"

    acked = run_careterm(home, "ack", inc_id.strip(), "--via", "email")
    assert acked.returncode == 0
    shown = run_careterm(home, "show", inc_id.strip())
    assert shown.returncode == 0
    assert b"Shouting in the hallway" in shown.stdout
    assert b"acknowledged (email)" in shown.stdout


def test_wrong_passphrase_is_one_clear_line(home: Path) -> None:
    result = run_careterm(home, "list", passphrase="not the passphrase")
    assert result.returncode == 1
    assert result.stdout == b""
    assert "wrong passphrase" in one_error_line(result.stderr)


def test_argument_that_is_not_utf8_is_refused(home: Path) -> None:
    result = run_careterm(home, "capture", "--what", b"caf\xe9 in Latin-1")
    assert result.returncode == 2
    assert "--what: the text is not valid UTF-8" in one_error_line(result.stderr)
    assert json.loads(run_careterm(home, "list", "--json").stdout) == []


def test_damaged_store_is_named_and_left_untouched(home: Path) -> None:
    store = Store.open(home, PASSPHRASE)
    from careterm.actions import incidents

    incidents.capture(store, "Report before the damage")
    store.close()
    path = home / STORE_FILE
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01
    path.write_bytes(bytes(damaged))

    for args in (["list"], ["capture", "--what", "New report"], ["note", "AA0001", "x"]):
        result = run_careterm(home, *args)
        assert result.returncode == 1
        line = one_error_line(result.stderr)
        assert str(path) in line and "damaged" in line
        assert path.read_bytes() == bytes(damaged)


def test_no_file_under_the_home_holds_report_text(tmp_path: Path) -> None:
    home = tmp_path / "home"
    marker = "ZEBRA-MARKER-4f1c"
    assert run_careterm(home, "init", "--member", "Ada Example").returncode == 0
    inc_id = run_careterm(home, "capture", "--what", f"{marker} said it loudly",
                          "--who", f"{marker} Who", "--where", f"Room {marker}",
                          "--contact", f"{marker}@example.org").stdout.decode().strip()
    assert run_careterm(home, "note", inc_id, f"note {marker}").returncode == 0
    assert run_careterm(home, "update", inc_id, "--reporter", f"Ada {marker}").returncode == 0
    shown = run_careterm(home, "show", inc_id, "--json")
    assert marker in shown.stdout.decode()  # it was stored, so the search below means something

    files = [p for p in home.rglob("*") if p.is_file()]
    assert files
    for path in files:
        content = path.read_bytes()
        for encoded in (marker.encode("utf-8"), marker.encode("utf-16-le")):
            assert encoded not in content, f"{path} holds report text in clear"


def test_escape_sequences_and_markup_never_reach_the_terminal_raw(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run_careterm(home, "init", "--member", "Ada Example").returncode == 0
    text = HOSTILE.replace("\x00", "")  # argv cannot carry NUL
    inc_id = run_careterm(home, "capture", "--what", text, "--where",
                          "\x1b]0;title\x07Room").stdout.decode().strip()
    run_careterm(home, "note", inc_id, "\x1b[2J cleared?")

    for args in (["list"], ["list", "--json"], ["show", inc_id], ["show", inc_id, "--json"]):
        result = run_careterm(home, *args)
        assert result.returncode == 0
        output = result.stdout.decode()
        assert "\x1b" not in output and "\x07" not in output and "\u202e" not in output
        assert "[bold red]x[/]" in output
    shown = json.loads(run_careterm(home, "show", inc_id, "--json").stdout)
    assert shown["what"] == text  # shown safely, stored exactly


def test_a_100_kB_report_passes_through_the_command_line(home: Path) -> None:
    statement = ("Statement typed into the form, sentence after sentence. " * 1800)[:100_000]
    captured = run_careterm(home, "capture", "--what", statement)
    assert captured.returncode == 0, captured.stderr
    shown = run_careterm(home, "show", captured.stdout.decode().strip(), "--json")
    assert json.loads(shown.stdout)["what"] == statement.strip()


# ------------------------------------------------------------ init (in process)

def test_init_asks_the_passphrase_twice_when_prompting(tmp_path: Path, monkeypatch,
                                                       capsys) -> None:
    monkeypatch.delenv("CARETERM_PASSPHRASE", raising=False)
    answers = iter([PASSPHRASE, PASSPHRASE])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    home = tmp_path / "home"

    assert main(["--home", str(home), "init", "--member", "Ada Example"]) == 0
    assert PASSPHRASE not in capsys.readouterr().out
    Store.open(home, PASSPHRASE).close()


def test_init_refuses_passphrases_that_differ(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("CARETERM_PASSPHRASE", raising=False)
    answers = iter([PASSPHRASE, "something else"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    home = tmp_path / "home"

    assert main(["--home", str(home), "init", "--member", "Ada Example"]) == 2
    assert "passphrases differ" in one_error_line(capsys.readouterr().err)
    assert not (home / "careterm.key").exists()


def test_init_twice_leaves_the_store_alone(cli, home: Path) -> None:
    before = (home / STORE_FILE).read_bytes()
    result = cli("init", "--member", "Bo Sample")
    assert result.code == 2
    assert "already exists" in one_error_line(result.err)
    assert (home / STORE_FILE).read_bytes() == before


def test_commands_without_a_store_say_how_to_make_one(tmp_path: Path, monkeypatch,
                                                      capsys) -> None:
    monkeypatch.setenv("CARETERM_PASSPHRASE", PASSPHRASE)
    assert main(["--home", str(tmp_path / "empty"), "list"]) == 1
    assert "careterm init --member NAME" in one_error_line(capsys.readouterr().err)


def test_ctrl_c_at_the_prompt_exits_130_quietly(home: Path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("CARETERM_PASSPHRASE", raising=False)

    def interrupted(prompt: str = "") -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("getpass.getpass", interrupted)
    assert main(["--home", str(home), "list"]) == 130
    assert "Traceback" not in capsys.readouterr().err


# --------------------------------------------------------- capture (in process)

def test_capture_prints_only_the_id(cli) -> None:
    result = cli("capture", "--what", "Unwelcome comment at the coffee queue")
    assert result.code == 0 and result.err == ""
    assert result.out.count("\n") == 1
    assert show_json(cli, result.out.strip())["what"] == "Unwelcome comment at the coffee queue"


def test_capture_records_every_answer_marks_and_support(cli) -> None:
    inc_id = capture(cli, "--what", "Photos taken without consent", "--who", "Bo Sample",
                     "--when", "14:05", "--where", "Room Zeta", "--ongoing", "no",
                     "--contact", "ada@example.org", "--source", "email", "--urgency", "low",
                     "--unknown", "reporter", "--support", "escort=requested",
                     "--support", "police=declined")
    record = show_json(cli, inc_id)
    assert record["who"] == "Bo Sample" and record["where"] == "Room Zeta"
    assert record["when_text"] == "14:05" and record["when"].startswith("2026-11-25T14:05")
    assert record["ongoing"] == "no" and record["source"] == "email"
    assert record["urgency"] == "low" and record["status"] == "new"
    assert record["marks"] == {"reporter": "unknown"}
    assert {k: v["state"] for k, v in record["support"].items()} == {
        "escort": "requested", "police": "declined"}
    assert record["created_by"] == "Ada Example" and has_offset(record["created_at"])


def test_anonymous_and_declined_answers_are_recorded_not_refused(cli) -> None:
    inc_id = capture(cli, "--what", "Harassed in the hallway", "--anonymous",
                     "--declined", "who,contact")
    record = show_json(cli, inc_id)
    assert record["marks"] == {"reporter": "declined", "who": "declined",
                               "contact": "declined"}
    shown = cli("show", inc_id).out
    assert "who (declined)" in shown and "reporter (declined)" in shown


def test_ongoing_report_is_raised_to_high_with_a_notice_on_stderr(cli) -> None:
    result = cli("capture", "--what", "Someone is being followed right now",
                 "--ongoing", "yes")
    assert result.err == "careterm: urgency raised to high because it is ongoing\n"
    assert show_json(cli, result.out.strip())["urgency"] == "high"
    lowered = capture(cli, "--what", "Ongoing but minor", "--ongoing", "yes", "--urgency", "low")
    assert show_json(cli, lowered)["urgency"] == "low"


def test_a_100_kB_report_is_accepted_whole(cli) -> None:
    statement = ("The reporter wrote a long statement about the evening. " * 1900)[:100_000]
    inc_id = capture(cli, "--what", statement)
    assert show_json(cli, inc_id)["what"] == statement.strip()


@pytest.mark.parametrize(("args", "message"), [
    (["capture", "--what", "   "], "what: describe what happened"),
    (["capture", "--what", "x", "--urgency", "extreme"], "'extreme' is not one of critical"),
    (["capture", "--what", "x", "--source", "carrier-pigeon"], "source: 'carrier-pigeon'"),
    (["capture", "--what", "x", "--unknown", "colour"], "'colour' is not a capture field"),
    (["capture", "--what", "x", "--who", "Bo", "--unknown", "who"], "choose one"),
    (["capture", "--what", "x", "--support", "taxi=requested"], "'taxi' is not one of"),
    (["capture"], "the following arguments are required: --what"),
    (["show", "ZZ9999"], "no incident with id 'ZZ9999'"),
    (["ack", "ZZ9999"], "no incident with id"),
    (["note", "ZZ9999", "hello"], "no incident with id"),
    (["update", "ZZ9999", "--where", "Room Zeta"], "no incident with id"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["--lock-after", "soon"], "'soon' is not a duration"),
    (["demo", "--incidents", "10001"], "from 1 to 10,000"),
])
def test_bad_input_is_one_line_and_exit_2(cli, args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.code == 2
    assert result.out == ""
    assert message in one_error_line(result.err)


def test_error_messages_show_user_text_literally(cli) -> None:
    result = cli("show", "\x1b[2J\u202e")
    assert result.code == 2
    assert "\x1b" not in result.err and "\u202e" not in result.err


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300)
       .filter(lambda t: t.strip() == t and t != ""))
def test_any_report_text_survives_the_round_trip(cli, text: str) -> None:
    inc_id = capture(cli, f"--what={text}")  # the = form lets text start with "-"
    assert show_json(cli, inc_id)["what"] == text
    shown = cli("show", inc_id).out
    assert "\x1b" not in shown and "\x9b" not in shown


# ---------------------------------------------------------------- list

def test_list_follows_board_order(cli, frozen_clock) -> None:
    acked_high = capture(cli, "--what", "Oldest high, acknowledged", "--urgency", "high")
    frozen_clock.advance(minutes=1)
    low = capture(cli, "--what", "Low one", "--urgency", "low")
    frozen_clock.advance(minutes=1)
    old_high = capture(cli, "--what", "Older high", "--urgency", "high")
    frozen_clock.advance(minutes=1)
    critical = capture(cli, "--what", "Critical one", "--urgency", "critical")
    new_high = capture(cli, "--what", "Newer high", "--urgency", "high")
    assert cli("ack", acked_high).code == 0

    expected = [critical, old_high, new_high, acked_high, low]
    listed = cli("list", "--json")
    assert [r["id"] for r in json.loads(listed.out)] == expected
    table = cli("list").out.splitlines()
    assert table[0] == "5 open · 4 unacknowledged · 1 critical"
    assert [line.split()[0] for line in table[2:]] == expected


def test_list_json_has_the_documented_keys_and_types(cli, frozen_clock) -> None:
    inc_id = capture(cli, "--what", "Remark during Q&A", "--when", "10 min ago")
    cli("note", inc_id, "Spoke with the reporter")
    (record,) = json.loads(cli("list", "--json").out)
    assert REQUIRED_KEYS <= set(record)
    assert record["acknowledged_at"] is None and record["acknowledged_by"] is None
    assert has_offset(record["created_at"]) and has_offset(record["when"])
    assert record["notes"][0]["author"] == "Ada Example"
    assert has_offset(record["notes"][0]["at"])
    assert record["notes"][0]["text"] == "Spoke with the reporter"

    frozen_clock.advance(minutes=2)
    cli("ack", inc_id)
    (record,) = json.loads(cli("list", "--json").out)
    assert has_offset(record["acknowledged_at"])
    assert record["acknowledged_by"] == "Ada Example"


def test_list_shows_waiting_time_and_hides_closed_unless_all(cli, frozen_clock) -> None:
    waiting = capture(cli, "--what", "Waiting report", "--where", "Room Zeta")
    closed = capture(cli, "--what", "Already handled")
    assert cli("status", closed, "closed", "--reason", "a duplicate").code == 0
    frozen_clock.advance(minutes=16)

    table = cli("list").out
    row = next(line for line in table.splitlines() if line.startswith(waiting))
    assert "unacked 16m" in row and "Room Zeta" in row and "Ada Example" in row
    assert closed not in table
    everything = json.loads(cli("list", "--json", "--all").out)
    assert {r["id"] for r in everything} == {waiting, closed}


def test_list_all_finds_a_closed_report_again_in_the_table_too(cli, frozen_clock) -> None:
    open_one = capture(cli, "--what", "Still open", "--urgency", "low")
    closed = capture(cli, "--what", "Closed without a resolution", "--urgency", "critical")
    assert cli("status", closed, "closed", "--reason", "a duplicate").code == 0
    assert closed not in cli("list").out
    table = cli("list", "--all")
    assert table.code == 0 and table.err == ""
    row = next(line for line in table.out.splitlines() if line.startswith(closed))
    assert "critical" in row and "closed" in row and "Closed without a resolution" in row
    assert any(line.startswith(open_one) for line in table.out.splitlines())
    assert table.out.splitlines()[0] == "1 open · 1 unacknowledged · 0 critical"


def test_list_truncates_long_text_to_one_line(cli) -> None:
    capture(cli, "--what", "First line of a long report\nsecond line " + "x" * 200)
    row = cli("list").out.splitlines()[2]
    assert "…" in row and "second line" in row and len(row) < 160


# ---------------------------------------------------------------- show

def test_show_has_every_field_the_missing_answers_and_the_timeline(cli, frozen_clock) -> None:
    inc_id = capture(cli, "--what", "Heckling during a talk", "--where", "Room Zeta",
                     "--unknown", "who")
    frozen_clock.advance(minutes=5)
    cli("note", inc_id, "Reporter", "wants", "an", "escort")
    shown = cli("show", inc_id).out
    for label in ("what happened:", "who was involved:", "when:", "where:", "ongoing:",
                  "contact:", "reporter:", "came in:", "captured:", "missing:", "timeline"):
        assert label in shown
    assert "who (unknown)" in shown and "contact (empty)" in shown
    assert "14:30 today  Ada Example  report captured" in shown
    assert "14:35 today  Ada Example  note: Reporter wants an escort" in shown


def test_show_prints_the_status_once(cli) -> None:
    inc_id = capture(cli, "--what", "Rude remark at registration")
    assert cli("show", inc_id).out.splitlines()[0] == (
        f"{inc_id} · medium · new · unacknowledged for 0s (target 15m)")
    cli("ack", inc_id, "--via", "email")
    shown = cli("show", inc_id).out
    head = shown.splitlines()[0]
    assert head == f"{inc_id} · medium · acknowledged"
    assert head.count("acknowledged") == 1
    assert "acknowledged:     14:30 today by Ada Example (email)" in shown
    cli("status", inc_id, "in-review")
    assert cli("show", inc_id).out.splitlines()[0] == f"{inc_id} · medium · in-review"


def test_show_leads_with_the_clock_time_once_when_is_over_an_hour_ago(cli,
                                                                      frozen_clock) -> None:
    inc_id = capture(cli, "--what", "Shouting", "--when", "10 min ago")
    assert ('when:             about 10 minutes ago (14:20 today) · typed as "10 min ago"'
            in cli("show", inc_id).out.splitlines())
    frozen_clock.advance(minutes=49)
    assert "when:             about 59 minutes ago (14:20 today)" in cli("show", inc_id).out
    frozen_clock.advance(minutes=1)
    assert "when:             14:20 today (about an hour ago)" in cli("show", inc_id).out
    frozen_clock.advance(hours=2)
    assert ('when:             14:20 today (about 3 hours ago) · typed as "10 min ago"'
            in cli("show", inc_id).out.splitlines())
    kept = capture(cli, "--what", "Shouting", "--when", "during the keynote")
    assert ("when:             during the keynote  (time not understood; kept as typed)"
            in cli("show", kept).out.splitlines())


def test_not_asked_and_unknown_stay_different_answers(cli) -> None:
    asked = {
        "not asked": [],
        "unknown": ["--ongoing", "unknown"],
        "marked unknown": ["--unknown", "ongoing"],
        "declined": ["--declined", "ongoing"],
        "no": ["--ongoing", "no"],
    }
    ids = {name: capture(cli, "--what", f"Report, ongoing {name}", *args)
           for name, args in asked.items()}
    records = {r["id"]: r for r in json.loads(cli("list", "--json").out)}
    seen = {name: (records[inc]["ongoing"], records[inc]["missing"].get("ongoing"),
                   records[inc]["marks"].get("ongoing"), records[inc]["urgency"])
            for name, inc in ids.items()}
    assert seen == {
        "not asked": (None, "empty", None, "medium"),
        "unknown": ("unknown", "unknown", None, "medium"),
        "marked unknown": ("unknown", "unknown", "unknown", "medium"),
        "declined": (None, "declined", "declined", "medium"),
        "no": ("no", None, None, "medium"),
    }
    assert show_json(cli, ids["not asked"])["missing"]["ongoing"] == "empty"
    assert "ongoing" not in show_json(cli, ids["not asked"])["history"]
    lines = {name: cli("show", inc).out.splitlines() for name, inc in ids.items()}
    assert "ongoing:          (empty)" in lines["not asked"]
    assert "ongoing:          unknown" in lines["unknown"]
    assert "ongoing:          (unknown)" in lines["marked unknown"]
    assert any("ongoing (empty)" in line for line in lines["not asked"])
    assert any("ongoing (unknown)" in line for line in lines["unknown"])


def test_clearing_ongoing_leaves_it_unanswered_not_unknown(cli) -> None:
    inc_id = capture(cli, "--what", "It stopped", "--ongoing", "no")
    assert cli("update", inc_id, "--ongoing", "").code == 0
    record = show_json(cli, inc_id)
    assert (record["ongoing"], record["missing"]["ongoing"]) == (None, "empty")


# ------------------------------------------------------------- ack, note

def test_ack_twice_keeps_the_first_and_says_so(cli, frozen_clock) -> None:
    inc_id = capture(cli, "--what", "Rude remark at registration")
    first = cli("ack", inc_id, "--via", "in-person")
    assert (first.code, first.out) == (0, f"{inc_id} acknowledged\n")
    frozen_clock.advance(minutes=10)
    second = cli("ack", inc_id, "--via", "phone")
    assert second.code == 0 and second.out == ""
    assert "already acknowledged by Ada Example" in one_error_line(second.err)
    record = show_json(cli, inc_id)
    assert record["acknowledged_via"] == "in-person"
    assert record["acknowledged_at"].startswith("2026-11-25T14:30")
    assert record["status"] == "acknowledged"


def test_ack_accepts_ids_as_read_aloud(cli) -> None:
    inc_id = capture(cli, "--what", "Report read over the phone")
    assert cli("ack", inc_id.lower()).code == 0
    assert show_json(cli, inc_id)["acknowledged_by"] == "Ada Example"


def test_ack_refuses_an_unknown_channel(cli) -> None:
    inc_id = capture(cli, "--what", "Report")
    result = cli("ack", inc_id, "--via", "pigeon")
    assert result.code == 2 and "via: 'pigeon'" in one_error_line(result.err)
    assert show_json(cli, inc_id)["acknowledged_at"] is None


def test_notes_are_added_never_replaced(cli, frozen_clock) -> None:
    inc_id = capture(cli, "--what", "Argument at the sponsor booth")
    cli("note", inc_id, "First conversation")
    frozen_clock.advance(minutes=1)
    cli("note", inc_id, "Second conversation")
    notes = show_json(cli, inc_id)["notes"]
    assert [n["text"] for n in notes] == ["First conversation", "Second conversation"]
    assert cli("note", inc_id, "   ").code == 2


# ---------------------------------------------------------------- update

def test_update_keeps_the_old_value_in_history_and_timeline(cli, frozen_clock) -> None:
    inc_id = capture(cli, "--what", "Shouting", "--where", "Room Zeta")
    frozen_clock.advance(minutes=7)
    result = cli("update", inc_id, "--where", "Room Eta", "--who", "Bo Sample")
    assert result.code == 0
    assert result.out == f"{inc_id} updated: who was involved, where\n"

    record = show_json(cli, inc_id)
    assert record["where"] == "Room Eta"
    assert [v["value"] for v in record["history"]["where"]] == ["Room Zeta", "Room Eta"]
    change = next(e for e in record["timeline"] if e.get("field") == "where")
    assert change["by"] == "Ada Example" and change["at"].startswith("2026-11-25T14:37")
    assert change["text"] == "where: Room Zeta → Room Eta"
    shown = cli("show", inc_id).out
    assert "history of changed answers" in shown and "Room Zeta" in shown


def test_update_can_clear_mark_and_move_status(cli) -> None:
    inc_id = capture(cli, "--what", "Offensive slide", "--who", "Bo Sample")
    assert cli("update", inc_id, "--who", "").code == 0
    assert show_json(cli, inc_id)["who"] is None
    assert cli("update", inc_id, "--anonymous", "--support", "friend=done").code == 0
    assert cli("update", inc_id, "--status", "in-review").code == 0
    record = show_json(cli, inc_id)
    assert record["marks"] == {"reporter": "declined"}
    assert {k: v["state"] for k, v in record["support"].items()} == {"friend": "arranged"}
    assert record["status"] == "in-review"


def test_support_states_are_one_vocabulary_for_capture_and_casework(cli) -> None:
    inc_id = capture(cli, "--what", "Followed to the hotel", "--support", "escort=arranged")
    assert cli("support", inc_id, "friend", "arranged").code == 0
    record = show_json(cli, inc_id)
    assert {k: v["state"] for k, v in record["support"].items()} == {
        "escort": "arranged", "friend": "arranged"}
    refused = cli("capture", "--what", "x", "--support", "escort=maybe")
    assert refused.code == 2 and "requested, arranged, declined" in refused.err


def test_update_to_ongoing_raises_urgency_with_a_notice(cli) -> None:
    inc_id = capture(cli, "--what", "It started again")
    result = cli("update", inc_id, "--ongoing", "yes")
    assert "urgency raised to high because it is ongoing" in result.err
    assert show_json(cli, inc_id)["urgency"] == "high"


def test_update_refuses_emptying_what_and_needs_something_to_change(cli) -> None:
    inc_id = capture(cli, "--what", "Report")
    emptied = cli("update", inc_id, "--what", "")
    nothing = cli("update", inc_id)
    same = cli("update", inc_id, "--what", "Report")
    assert emptied.code == 2 and "what" in one_error_line(emptied.err)
    assert nothing.code == 2 and "nothing to change" in one_error_line(nothing.err)
    assert same.code == 0 and "nothing changed" in same.err
    assert show_json(cli, inc_id)["what"] == "Report"


# ------------------------------------------------------- app, demo, options

@pytest.fixture
def fake_app(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple, dict]]:
    """Stand in for careterm.tui.app (its one entry point, ``run``) and record how the
    CLI calls it."""
    calls: list[tuple[str, tuple, dict]] = []
    module = types.ModuleType("careterm.tui.app")
    module.run = lambda *a, **kw: calls.append(("run", a, kw)) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "careterm.tui.app", module)
    return calls


def test_no_command_opens_the_board_on_the_home(tmp_path: Path, fake_app) -> None:
    assert main(["--home", str(tmp_path / "h"), "--lock-after", "5m"]) == 0
    assert fake_app == [("run", (tmp_path / "h",), {"lock_after": 300, "demo_incidents": None})]


def test_demo_passes_the_incident_count(fake_app) -> None:
    assert main(["--lock-after", "30s", "demo", "--incidents", "250"]) == 0
    assert fake_app == [("run", (None,), {"lock_after": 30, "demo_incidents": 250})]


def test_demo_without_a_count_shows_the_usual_dozen(fake_app) -> None:
    assert main(["demo"]) == 0
    assert fake_app == [("run", (None,), {"lock_after": None, "demo_incidents": 12})]


def test_every_command_defined_is_listed() -> None:
    # Commands are listed in main.COMMANDS, not registered by importing a module:
    # a handler decorated with @command but left out of the list would never run.
    defined = set()
    for info in pkgutil.iter_modules(commands.__path__, "careterm.cli.commands."):
        module = importlib.import_module(info.name)
        defined |= {value.name for value in vars(module).values()
                    if isinstance(value, commands.Command)}
    assert defined == set(COMMANDS)


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("5m", 300), ("1h", 3600),
                                               ("90", 90), ("2 min", 120)])
def test_lock_after_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


def test_help_exits_0(capsys) -> None:
    assert main(["--help"]) == 0
    assert "capture" in capsys.readouterr().out
    assert main(["capture", "--help"]) == 0
    assert "--urgency {critical,high,medium,low}" in capsys.readouterr().out
