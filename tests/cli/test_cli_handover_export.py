"""``alias``, ``export --all --to DIR [--pseudonymise] [--format]``, ``--encrypt-to`` and
``open-export`` (issue 15): handing the records over."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from careterm.actions import incidents
from careterm.actions.aliases import give_alias
from careterm.store import export_seal
from careterm.views.privacy import NameMask
from tests.support import Team, capture, one_error_line

REAL = ("Jordan", "Quillfeather", "Kim", "Larkspur", "kim@example.org")


def _two_reports(cli) -> tuple[str, str]:
    first = capture(cli, "--what",
                    "Jordan Quillfeather cornered Kim near the bar; Jordan’s friend laughed",
                    "--who", "Jordan Quillfeather", "--reporter", "Kim Larkspur",
                    "--contact", "kim@example.org")
    assert cli("note", first, "JORDAN came back; Kim left").code == 0
    assert cli("alias", first, "Jordan Quillfeather", "Person A").code == 0
    assert cli("alias", first, "Kim Larkspur", "the reporter's friend").code == 0
    second = capture(cli, "--what", "a talk slide about Jordan Quillfeather",
                     "--who", "Jordan Quillfeather")
    assert cli("alias", second, "Jordan Quillfeather", "Person B").code == 0
    return first, second


def _every_byte(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def test_alias_is_in_the_timeline_without_the_name(cli) -> None:
    inc_id = capture(cli, "--what", "Jordan Quillfeather shouted", "--who", "Jordan Quillfeather")
    result = cli("alias", inc_id, "Jordan Quillfeather", "Person A")
    assert result.code == 0 and result.out == f"{inc_id}: that person is shown as Person A\n"
    assert cli("alias", inc_id, "jordan quillfeather", "Person A").out.endswith("(already so)\n")
    shown = json.loads(cli("show", inc_id, "--json").out)
    told = [e for e in shown["timeline"] if e["kind"] == "alias"]
    assert told[0]["text"] == "pseudonym given to a person: shown as Person A"
    assert "Jordan" not in json.dumps(told)
    assert shown["who"] == "Jordan Quillfeather"  # the real name stays in the record


def test_alias_refuses_a_pseudonym_that_names(cli) -> None:
    inc_id = capture(cli, "--what", "x", "--who", "Jordan Quillfeather")
    result = cli("alias", inc_id, "Jordan Quillfeather", "Jordan's friend")
    assert result.code == 2
    one_error_line(result.err)


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_export_all_pseudonymised_holds_no_real_name(cli, tmp_path: Path, fmt: str) -> None:
    first, second = _two_reports(cli)
    out = tmp_path / "handover"
    result = cli("export", "--all", "--to", str(out), "--pseudonymise", "--format", fmt)
    assert result.code == 0, result.err
    assert "2 reports written to" in result.out and "NOT encrypted" in result.out
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert names == sorted(["README.md", f"index.{fmt}", f"reports/{first}.{fmt}",
                            f"reports/{second}.{fmt}"])
    data = _every_byte(out).decode("utf-8")
    for real in REAL:
        assert real.casefold() not in data.casefold(), real
    assert "Person A" in data and "Person B" in data and "the reporter's friend" in data
    readme = (out / "README.md").read_text("utf-8")
    assert "NOT encrypted" in readme and "Pseudonymised: yes" in readme
    assert "Reports: 2." in readme and "Example Con CARE" in readme
    for path in out.rglob("*"):
        assert (path.stat().st_mode & 0o077) == 0  # the owner's only
    if fmt == "json":
        index = json.loads((out / "index.json").read_text("utf-8"))
        assert [row["id"] for row in index["reports"]] == [first, second]
        record = json.loads((out / f"reports/{first}.json").read_text("utf-8"))
        assert record["who"] == "Person A" and record["contact"] == "●●●"


def test_export_all_in_clear_keeps_the_names(cli, tmp_path: Path) -> None:
    first, _ = _two_reports(cli)
    out = tmp_path / "clear"
    assert cli("export", "--all", "--to", str(out)).code == 0
    data = _every_byte(out).decode("utf-8")
    assert "Jordan Quillfeather" in data and "kim@example.org" in data
    assert "Pseudonymised: no" in (out / "README.md").read_text("utf-8")
    assert f"[reports/{first}.md](reports/{first}.md)" in (out / "index.md").read_text("utf-8")


def test_export_all_refuses_a_folder_that_holds_anything(cli, tmp_path: Path) -> None:
    capture(cli, "--what", "x")
    out = tmp_path / "busy"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    result = cli("export", "--all", "--to", str(out))
    assert result.code == 2 and "not empty" in one_error_line(result.err)
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli("export", "--all", "--to", str(empty)).code == 0


def test_export_one_report_pseudonymised(cli) -> None:
    first, _ = _two_reports(cli)
    plain = cli("export", first).out
    assert "Jordan Quillfeather" in plain
    masked = cli("export", first, "--pseudonymise").out
    assert not any(real in masked for real in REAL) and "Person A" in masked
    record = json.loads(cli("export", first, "--pseudonymise", "--format", "json").out)
    assert record["who"] == "Person A"


def test_sealed_export_round_trip_and_wrong_key(cli, tmp_path: Path) -> None:
    first, second = _two_reports(cli)
    made = cli("open-export", "--new-key", str(tmp_path / "committee.key"))
    assert made.code == 0, made.err
    public = made.out.split()[-1]
    assert (tmp_path / "committee.key").stat().st_mode & 0o077 == 0
    sealed = tmp_path / "records.sealed"
    result = cli("export", "--all", "--pseudonymise", "--encrypt-to", public, "--to", str(sealed))
    assert result.code == 0, result.err
    blob = sealed.read_bytes()
    for real in (*REAL, "Person A", "reports/", "README"):
        assert real.encode() not in blob
    assert sorted(p.name for p in tmp_path.iterdir()) == ["committee.key", "home",
                                                         "records.sealed"]  # nothing in clear

    opened = tmp_path / "opened"
    result = cli("open-export", str(sealed), "--key", str(tmp_path / "committee.key"),
                 "--to", str(opened))
    assert result.code == 0, result.err
    assert (opened / f"reports/{first}.md").read_text("utf-8").count("Person A") >= 2
    assert (opened / f"reports/{second}.md").exists()
    assert "NOT encrypted" in (opened / "README.md").read_text("utf-8")

    other = cli("open-export", "--new-key", str(tmp_path / "other.key"))
    assert other.code == 0
    wrong = tmp_path / "wrong"
    result = cli("open-export", str(sealed), "--key", str(tmp_path / "other.key"),
                 "--to", str(wrong))
    assert result.code == 1 and "does not open" in one_error_line(result.err)
    assert not wrong.exists()


def test_sealed_export_refuses_a_bad_key_and_an_existing_file(cli, tmp_path: Path) -> None:
    capture(cli, "--what", "x")
    result = cli("export", "--all", "--encrypt-to", "not-a-key", "--to", str(tmp_path / "f"))
    assert result.code == 2 and "not a public key" in one_error_line(result.err)
    public = cli("open-export", "--new-key", str(tmp_path / "k")).out.split()[-1]
    (tmp_path / "f").write_bytes(b"old")
    result = cli("export", "--all", "--encrypt-to", public, "--to", str(tmp_path / "f"))
    assert result.code == 2 and (tmp_path / "f").read_bytes() == b"old"
    one_error_line(result.err)


def test_open_export_checks_what_is_inside(cli, tmp_path: Path) -> None:
    public = cli("open-export", "--new-key", str(tmp_path / "k")).out.split()[-1]
    crafted = tmp_path / "crafted"
    crafted.write_bytes(export_seal.seal_bundle({"../escape.md": "x"},
                                                export_seal.public_key(public)))
    result = cli("open-export", str(crafted), "--key", str(tmp_path / "k"),
                 "--to", str(tmp_path / "out"))
    assert result.code == 1
    one_error_line(result.err)
    assert not (tmp_path / "escape.md").exists() and not (tmp_path / "out").exists()
    assert not os.path.exists(tmp_path / "out")


def test_an_alias_given_on_one_laptop_shows_on_the_other(team_of_two: Team) -> None:
    ada, bo = team_of_two.laptops
    inc_id = next(iter(ada.incidents()))
    incidents.add_note(ada, inc_id, "it was Jordan Quillfeather, Jordan said so")
    give_alias(ada, inc_id, "Jordan Quillfeather", "Person A")
    team_of_two.sync_all()
    on_bo = bo.get(inc_id)
    assert NameMask.for_incident(on_bo)(on_bo.notes[0].text) == \
        "it was Person A, Person A said so"
