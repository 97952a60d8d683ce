"""``careterm import``: CSV and JSON Lines, all or nothing, fast and in one write."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from careterm.actions.importer import ImportRowError, parse_import
from careterm.store.storage import EncryptedStorage
from careterm.store.store import STORE_FILE, Store
from tests.support import PASSPHRASE


def stored(home: Path) -> list[dict]:
    """Every report in the store, as ``list --json`` would give them (oldest first)."""
    store = Store.open(home, PASSPHRASE)
    try:
        from careterm.views.records import incident_to_dict

        found = sorted(store.incidents().values(), key=lambda i: i.id)
        return [incident_to_dict(i) for i in found]
    finally:
        store.close()


def test_csv_with_header_imports_every_row(cli, home: Path, tmp_path: Path) -> None:
    path = tmp_path / "form.csv"
    path.write_text(
        "what,who,when,where,ongoing,contact,reporter,source,urgency\n"
        "Shouting in the hallway,Bo Sample,10 min ago,Room Zeta,no,ada@example.org,"
        "Ada Example,email,low\n"
        "Unwelcome photos,,,Room Eta,yes,,,,\n", encoding="utf-8")

    result = cli("import", str(path))

    assert result.code == 0
    assert result.out == "imported 2 reports\n"
    first, second = stored(home)
    assert first["what"] == "Shouting in the hallway"
    assert first["who"] == "Bo Sample" and first["where"] == "Room Zeta"
    assert first["contact"] == "ada@example.org" and first["source"] == "email"
    assert first["urgency"] == "low" and first["when"] is not None
    assert second["who"] is None
    assert second["urgency"] == "high"  # ongoing, no urgency given
    assert "urgency raised to high for 1 ongoing report" in result.err


def test_spreadsheet_csv_with_bom_crlf_semicolons_and_line_breaks(cli, home: Path,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeffWhat;Where;Source\r\n"
                     '"He said:\r\n""leave now""";Caf\u00e9 Zeta;In person\r\n'.encode())

    assert cli("import", str(path)).code == 0

    (report,) = stored(home)
    assert report["what"] == 'He said:\r\n"leave now"'
    assert report["where"] == "Caf\u00e9 Zeta"
    assert report["source"] == "in-person"


def test_json_lines_imports_with_marks_and_support(cli, home: Path, tmp_path: Path) -> None:
    path = tmp_path / "reports.jsonl"
    lines = [
        {"what": "Followed to the hotel", "when": "yesterday 21:00", "anonymous": True,
         "support": {"escort": "requested"}},
        {},
        {"what": "Joke in a lightning talk", "unknown": ["who", "when"],
         "declined": "contact"},
    ]
    path.write_text("\n".join(json.dumps(line) if line else "" for line in lines) + "\n",
                    encoding="utf-8")

    result = cli("import", str(path))

    assert (result.code, result.out) == (0, "imported 2 reports\n")
    first, second = stored(home)
    assert first["marks"] == {"reporter": "declined"}
    assert {k: v["state"] for k, v in first["support"].items()} == {"escort": "requested"}
    assert first["when_text"] == "yesterday 21:00"
    assert second["marks"] == {"who": "unknown", "when": "unknown", "contact": "declined"}


def test_free_text_is_kept_but_impossible_choices_become_marks(cli, home: Path,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "form.csv"
    path.write_text("what,who,source,ongoing\nRude remark,unknown,declined,declined\n",
                    encoding="utf-8")

    assert cli("import", str(path)).code == 0

    (report,) = stored(home)
    assert report["who"] == "unknown"  # the reporter's own words
    assert report["marks"] == {"source": "declined", "ongoing": "declined"}


def test_a_bad_row_names_its_line_and_nothing_is_imported(cli, home: Path,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "form.csv"
    path.write_text('what,where\nFine report,Room Zeta\n"Two\nlines",Room Eta\n,Room Theta\n'
                    "Never reached,Room Iota\n", encoding="utf-8")
    before = (home / STORE_FILE).read_bytes()

    result = cli("import", str(path))

    assert result.code == 2
    assert result.out == ""
    assert result.err == f"careterm: {path}:5: what: describe what happened (the only " \
                         "required answer)\n"
    assert (home / STORE_FILE).read_bytes() == before
    assert stored(home) == []


def test_bad_json_line_and_bad_choice_name_their_line(tmp_path: Path) -> None:
    with pytest.raises(ImportRowError, match=r"^r\.jsonl:2: not valid JSON"):
        parse_import('{"what": "ok"}\n{"what": \n', "r.jsonl", "jsonl")
    with pytest.raises(ImportRowError, match=r"^r\.jsonl:3: urgency: 'huge' is not one of"):
        parse_import('{"what": "ok"}\n\n{"what": "x", "urgency": "huge"}\n', "r.jsonl",
                     "jsonl")
    with pytest.raises(ImportRowError, match=r"^r\.jsonl:1: .*one JSON object per line"):
        parse_import('[{"what": "ok"}]\n', "r.jsonl", "jsonl")


def test_line_numbers_stay_right_with_unicode_line_separators() -> None:
    text = '{"what": "a\u2028b"}\n{"what": "fine"}\n{"what": ""}\n'
    with pytest.raises(ImportRowError, match=r"^r\.jsonl:3: what:"):
        parse_import(text, "r.jsonl", "jsonl")


def test_unknown_column_or_key_is_named(cli, tmp_path: Path) -> None:
    path = tmp_path / "form.csv"
    path.write_text("what,wat\nok,x\n", encoding="utf-8")
    result = cli("import", str(path))
    assert result.code == 2
    assert f"{path}:1: unknown column 'wat'" in result.err
    with pytest.raises(ImportRowError, match="unknown key 'severity'"):
        parse_import('{"what": "x", "severity": "high"}', "r.jsonl", "jsonl")


@pytest.mark.parametrize(("text", "message"), [
    ("who\nBo Sample\n", "no 'what' column"),
    ("what,what\na,b\n", "column 'what' appears twice"),
    ("what\na,b\n", "this row has 2 cells but the header on line 1 names 1"),
    ("what,who\na,b\nc,d,e\n", ":3: this row has 3 cells"),
    ("what,unknown\na,colour\n", "'colour' is not a capture field"),
    ("what,who,unknown\na,Bo,who\n", "who has an answer and is marked unknown"),
    ("what,support\na,escort=maybe\n", "'maybe' is not one of requested, arranged, declined"),
    ("what,anonymous\na,perhaps\n", "anonymous: expected yes or no"),
])
def test_csv_problems_are_explained(text: str, message: str) -> None:
    with pytest.raises(ImportRowError, match=message):
        parse_import(text, "form.csv", "csv")


def test_trailing_empty_columns_from_spreadsheets_are_ignored() -> None:
    rows = parse_import("what,where,,\nok,Room Zeta,,\n", "form.csv", "csv")
    assert [row.capture.data["where"] for row in rows] == ["Room Zeta"]


def test_a_long_statement_in_a_csv_cell_is_accepted() -> None:
    statement = "The reporter's written statement. " * 6000  # ~200 kB, over csv's default
    rows = parse_import(f'what\n"{statement}"\n', "form.csv", "csv")
    assert rows[0].capture.data["what"] == statement.strip()


def test_dry_run_checks_everything_and_saves_nothing(cli, home: Path, tmp_path: Path) -> None:
    path = tmp_path / "form.csv"
    path.write_text("what\nOne\nTwo\nThree\n", encoding="utf-8")
    before = (home / STORE_FILE).read_bytes()

    result = cli("import", str(path), "--dry-run")

    assert result.code == 0
    assert result.out == "3 reports would be imported (dry run: nothing was saved)\n"
    assert (home / STORE_FILE).read_bytes() == before


@pytest.mark.parametrize(("content", "message"), [
    (b"what\nok\n\xff\xfe broken\n", ":3: not valid UTF-8"),
    ("what\nok\n".encode("utf-16"), ":1: the file is UTF-16"),
])
def test_files_that_are_not_utf8_are_refused_clearly(cli, tmp_path: Path, content: bytes,
                                                    message: str) -> None:
    path = tmp_path / "form.csv"
    path.write_bytes(content)
    result = cli("import", str(path))
    assert result.code == 2
    assert message in result.err and result.err.count("\n") == 1


def test_missing_and_unreadable_files_are_one_line_errors(cli, tmp_path: Path) -> None:
    missing = cli("import", str(tmp_path / "nowhere.csv"))
    folder = cli("import", str(tmp_path))
    assert (missing.code, missing.err) == (2, f"careterm: {tmp_path / 'nowhere.csv'}: "
                                              "no such file\n")
    assert folder.code == 2 and "is a folder" in folder.err


def test_ten_thousand_rows_in_one_write(cli, home: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "load.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["what", "who", "when", "where", "ongoing", "source", "urgency"])
        for n in range(10_000):
            writer.writerow([f"Test report {n}: remark in the queue for coffee", "Bo Sample",
                             ("10 min ago", "14:05", "yesterday 21:00", "2026-11-24 18:00")[n % 4],
                             f"Room {n % 9}", ("yes", "no", "unknown")[n % 3],
                             "in-person", ("", "low", "critical")[n % 3]])
    writes: list[int] = []
    real_write = EncryptedStorage.write

    def counting_write(self: EncryptedStorage, data: dict) -> None:
        writes.append(len(data.get("changes", {})))
        real_write(self, data)

    monkeypatch.setattr(EncryptedStorage, "write", counting_write)

    result = cli("import", str(path))

    assert result.code == 0, result.err
    assert result.out == "imported 10000 reports\n"
    assert writes == [10_000]
    # Speed is measured by bench/import_bench.py, not here.
    assert len(stored(home)) == 10_000
