"""``careterm doctor``'s logic: the shared folder's state in plain words, read only.

Each finding is made for real in a shared folder (a marker, a temp file, a
damaged file, a removed laptop's file, a clock ahead…) and the diagnosis is
checked for it, and for nothing written anywhere.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from careterm.actions import incidents
from careterm.store.store import Store
from careterm.team import doctor, segments, sync
from careterm.team.doctor import Diagnosis, classify, hidden_by_stignore
from tests.support import PASSPHRASE, Team, device_dir, remove_cy


@pytest.fixture
def team(team_of_two: Team) -> Team:
    """Ada (who set the folder up) and Bo, with one report Ada captured, both synced."""
    return team_of_two


def diagnose(team: Team, n: int = 0) -> Diagnosis:
    return team.on(n, doctor.diagnose)


def bo_writes(team: Team, text: str = "Bo's follow-up") -> Path:
    """Bo adds a note and syncs (Ada has not read it yet); the file Bo wrote."""
    bo = team.laptops[1]
    incidents.add_note(bo, next(iter(bo.incidents())), text)
    report = team.sync(1)
    assert report.published_file is not None
    return team.shared / report.published_file


def kinds(diagnosis: Diagnosis) -> dict[str, str]:
    return {Path(s.name).name: s.kind for s in diagnosis.skipped}


def everything(*roots: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below ``roots`` with its bytes and modification time."""
    found = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                found[str(path)] = (path.read_bytes(), path.stat().st_mtime_ns)
    return found


# ------------------------------------------------------------------ all is well

def test_a_healthy_team_is_all_well_and_each_laptop_is_named(team: Team) -> None:
    diagnosis = diagnose(team)
    assert diagnosis.ok, diagnosis.findings
    assert diagnosis.reachable and diagnosis.writable
    assert diagnosis.summary() == "all is well: 1 other laptop, nothing skipped"
    ada, bo = team.laptops
    laptops = {laptop.member: laptop for laptop in diagnosis.laptops}
    assert laptops["Ada Example"].this_laptop and laptops["Ada Example"].files == 1
    assert laptops["Bo Sample"].device_id == bo.device_id and laptops["Bo Sample"].files == 0
    lines = diagnosis.lines()
    assert lines[0] == f"shared folder: {team.shared}"
    assert lines[1].startswith("  reachable and writable; ")
    assert f"  Ada Example (tag {ada.device_tag}, this laptop): 1 file in the folder, " \
           "last wrote " in "\n".join(lines)
    assert f"  Bo Sample (tag {bo.device_tag}): 0 files, has not written yet; nothing to " \
           "merge" in lines
    assert "files skipped: none" in lines and "conflict copies: none" in lines
    assert lines[-1] == "all is well: 1 other laptop, nothing skipped"
    assert [laptop.member for laptop in diagnose(team, 1).laptops] == ["Bo Sample",
                                                                       "Ada Example"]


def test_what_this_laptop_has_merged_from_each_laptop(team: Team) -> None:
    bo_writes(team, "first")
    team.sync(0)
    bo_writes(team, "second")
    diagnosis = diagnose(team)
    bo = next(laptop for laptop in diagnosis.laptops if laptop.member == "Bo Sample")
    assert (bo.files, bo.merged, bo.waiting) == (2, 1, 1)
    assert diagnosis.ok  # waiting is normal: the next sync merges it
    assert any(f.level == "note" and "1 file of other laptops not merged" in f.text
               for f in diagnosis.findings)
    assert any(line.endswith("; 1 of them merged on this laptop, 1 waiting for the next sync")
               for line in diagnosis.lines())
    team.sync(0)
    bo = next(laptop for laptop in diagnose(team).laptops if laptop.member == "Bo Sample")
    assert (bo.files, bo.merged, bo.waiting) == (2, 2, 0)


def test_the_doctor_writes_nothing_anywhere(team_of_three: Team) -> None:
    team = team_of_three
    remove_cy(team)  # a key epoch Bo has not learnt yet: it is used, not remembered
    incidents.capture(team.laptops[0], "Written with the new key")
    team.sync(0)
    homes = [laptop.home for laptop in team.laptops]
    before = everything(team.shared, *homes)
    diagnosis = diagnose(team, 1)
    assert everything(team.shared, *homes) == before
    assert not [s for s in diagnosis.skipped if s.kind == "no-key"]
    assert "sync_epochs" not in team.laptops[1].meta
    report = team.sync(1)  # the real sync then learns the key and merges
    assert report.new_epochs and report.received_changes


# ------------------------------------------------------------------ the folder

def test_a_laptop_without_a_shared_folder(tmp_path: Path, frozen_clock) -> None:
    store = Store.create(tmp_path / "home", PASSPHRASE, member="Ada Example")
    try:
        diagnosis = doctor.diagnose(store)
    finally:
        store.close()
    assert not diagnosis.ok
    assert diagnosis.summary() == "1 problem: no shared folder set up"
    assert diagnosis.lines()[0] == "shared folder: none set up"


def test_a_shared_folder_that_is_gone(team: Team) -> None:
    team.shared.rename(team.root / "elsewhere")
    diagnosis = diagnose(team)
    assert not diagnosis.ok and not diagnosis.reachable
    assert diagnosis.summary() == "1 problem: the shared folder is not reachable"
    assert any("is not reachable (no such folder)" in line for line in diagnosis.lines())


def test_a_folder_holding_another_teams_header(team: Team, tmp_path: Path) -> None:
    other = Team(tmp_path / "other", team.frozen)
    other.add()
    try:
        shutil.copy(other.shared / segments.HEADER_FILE, team.shared / segments.HEADER_FILE)
    finally:
        other.close()
    diagnosis = diagnose(team)
    assert diagnosis.summary() == "1 problem: not this team's shared folder"
    assert any("belongs to another careterm team" in f.text for f in diagnosis.problems)


def test_a_folder_this_laptop_may_not_write_to(team: Team,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor.os, "access", lambda path, mode: False)
    diagnosis = diagnose(team)
    assert not diagnosis.writable
    assert diagnosis.summary() == "1 problem: the shared folder is not writable"
    assert "  reachable, NOT writable; " in "\n".join(diagnosis.lines())


# ------------------------------------------------------------------ the service

@pytest.mark.parametrize(("marker", "is_dir", "service"), [
    (".stfolder", True, "Syncthing"),
    (".dropbox", False, "Dropbox"),
    (".dropbox.cache", True, "Dropbox"),
    (".sync_6f1a2b3c4d5e.db", False, "Nextcloud"),
    (".nextcloudsync.log", False, "Nextcloud"),
])
@pytest.mark.parametrize("where", ["folder", "above"])
def test_the_sync_service_is_told_by_its_marker(team: Team, marker: str, is_dir: bool,
                                                service: str, where: str) -> None:
    place = team.shared if where == "folder" else team.root
    if is_dir:
        (place / marker).mkdir()
    else:
        (place / marker).write_text("")
    diagnosis = diagnose(team)
    assert [s.name for s in diagnosis.services] == [service]
    assert diagnosis.services[0].where == place.resolve()
    assert diagnosis.lines()[2] == f"carried by: {service} ({marker} in {place.resolve()})"
    assert diagnosis.ok


def test_no_marker_is_a_note_not_a_problem(team: Team) -> None:
    diagnosis = diagnose(team)
    assert diagnosis.services == [] and diagnosis.ok
    assert "carried by: no sync service recognised" in diagnosis.lines()


@pytest.mark.parametrize(("kind", "service"), [
    ("nfs4", "a network share"), ("cifs", "a network share"), ("fuse.sshfs", "a network share"),
    ("vfat", "a removable drive"), ("exfat", "a removable drive"), ("ext4", None),
])
def test_the_kind_of_disk_tells_a_network_share_or_a_usb_stick(tmp_path: Path, kind: str,
                                                               service: str | None) -> None:
    folder = tmp_path / "care"
    folder.mkdir()
    point = str(tmp_path).replace(" ", "\\040")
    mounts = (f"/dev/sda1 / ext4 rw 0 0\nserver:/x {point} {kind} rw 0 0\n"
              "proc /proc proc rw 0 0\n")
    found = doctor.detect_services(folder, mounts)
    assert [s.name for s in found] == ([service] if service else [])


def test_a_syncthing_ignore_pattern_hiding_careterms_files_is_a_problem(team: Team) -> None:
    sync_root = team.root
    (sync_root / ".stfolder").mkdir()
    (sync_root / ".stignore").write_text("// lecture notes\n*.tmp\n*.seg\n")
    diagnosis = diagnose(team)
    assert not diagnosis.ok
    assert diagnosis.summary() == "1 problem: .stignore pattern '*.seg' hides careterm's files"
    (sync_root / ".stignore").write_text("*.tmp\n(?d).DS_Store\n")
    diagnosis = diagnose(team)
    assert diagnosis.ok
    assert "  ok: .stignore hides none of careterm's files" in diagnosis.lines()


@pytest.mark.parametrize(("patterns", "prefix", "hidden"), [
    ("*.seg", "", ["*.seg"]),
    ("devices", "", ["devices"]),
    ("/devices", "", ["/devices"]),
    ("/devices", "care", []),                  # anchored at the Syncthing folder's root
    ("/care/devices", "care", ["/care/devices"]),
    ("care", "care", ["care"]),                # the whole shared folder
    ("**/*.json", "care", ["**/*.json"]),
    ("(?i)*.SEG", "", ["(?i)*.SEG"]),
    ("*.SEG", "", []),
    ("!*.seg\n*", "", ["*"]),                  # the first match decides: the header is hidden
    ("!/care\n*", "care", []),
    ("*.{reg,ring}", "", ["*.{reg,ring}"]),
    ("[0-9].seg", "", ["[0-9].seg"]),
    ("epochs/*", "", ["epochs/*"]),
    ("*.tmp\n.DS_Store\n~*\n.*.swp\n#include more-ignores", "", []),
])
def test_which_ignore_patterns_hide_careterms_files(patterns: str, prefix: str,
                                                    hidden: list[str]) -> None:
    found, _ = hidden_by_stignore(patterns, prefix, "0123abcd0123abcd")
    assert [line for line, _ in found] == hidden


def test_file_versioning_is_noted(team: Team) -> None:
    (team.root / ".stfolder").mkdir()
    (team.root / ".stversions").mkdir()
    diagnosis = diagnose(team)
    assert diagnosis.ok
    assert any("file versioning is on" in f.text for f in diagnosis.findings)


# ------------------------------------------------------------------ skipped files

def test_a_file_still_being_copied_is_a_note(team: Team) -> None:
    path = bo_writes(team)
    path.rename(path.with_name(f".syncthing.{path.name}.tmp"))
    diagnosis = diagnose(team)
    assert kinds(diagnosis) == {f".syncthing.{path.name}.tmp": "temp"}
    assert diagnosis.ok
    assert diagnosis.summary() == "all is well: 1 other laptop, 1 file still arriving"
    assert any("1 file still being copied by the sync service" in f.text
               for f in diagnosis.findings)


def test_a_temp_file_left_for_long_is_a_stalled_transfer(team: Team) -> None:
    path = bo_writes(team)
    path.rename(path.with_name(f"~syncthing~{path.name}.tmp"))
    team.frozen.at = datetime.now(UTC) + timedelta(hours=1)  # an hour after it last changed
    diagnosis = diagnose(team)
    assert kinds(diagnosis) == {f"~syncthing~{path.name}.tmp": "stalled"}
    assert diagnosis.summary() == "1 problem: 1 stalled transfer"


def test_an_empty_file_is_still_arriving(team: Team) -> None:
    path = bo_writes(team)
    path.write_bytes(b"")
    diagnosis = diagnose(team)
    assert kinds(diagnosis) == {path.name: "partial"}
    assert diagnosis.ok


def test_a_damaged_file_is_a_problem(team: Team) -> None:
    path = bo_writes(team)
    blob = bytearray(path.read_bytes())
    blob[-10] ^= 0x55
    path.write_bytes(bytes(blob))
    diagnosis = diagnose(team)
    assert kinds(diagnosis) == {path.name: "damaged"}
    assert diagnosis.summary() == "1 problem: 1 file skipped (damaged, forged or tampered with)"
    assert any(line.startswith(f"  devices/{team.laptops[1].device_id}/{path.name}: damaged, "
                               "forged or tampered with (failed authentication")
               for line in diagnosis.lines())


def test_a_file_of_another_team_is_named(team: Team) -> None:
    path = bo_writes(team)
    blob = path.read_bytes()
    head, _, rest = blob.partition(b"\n")
    hint = json.loads(head[len(segments.SEGMENT_MAGIC):])
    hint["team"] = "f" * len(hint["team"])
    path.write_bytes(segments.SEGMENT_MAGIC + json.dumps(hint).encode() + b"\n" + rest)
    diagnosis = diagnose(team)
    assert kinds(diagnosis) == {path.name: "foreign"}
    assert not diagnosis.ok


def test_a_file_written_by_a_newer_careterm(team: Team, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    def newer_segment(*args: Any, **kwargs: Any) -> tuple[bytes, str]:
        with monkeypatch.context() as patch:
            patch.setattr(segments, "FORMAT", segments.FORMAT + 1)
            return segments.build_segment(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(sync, "build_segment", newer_segment)
        path = bo_writes(team)
    assert kinds(diagnose(team)) == {path.name: "newer"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_like_a_file_is_never_opened(team: Team) -> None:
    os.mkfifo(device_dir(team, 1) / "7.seg")
    diagnosis = diagnose(team)
    assert kinds(diagnosis) == {"7.seg": "unsafe"}
    assert not diagnosis.ok


def test_files_a_removed_laptop_wrote_afterwards_are_refused(team_of_three: Team) -> None:
    team = team_of_three
    remove_cy(team)
    incidents.capture(team.laptops[2], "Captured on Cy's laptop after the removal")
    published = team.sync(2).published_file
    assert published is not None
    diagnosis = diagnose(team)
    assert kinds(diagnosis) == {Path(published).name: "removed"}
    cy = next(laptop for laptop in diagnosis.laptops if laptop.member == "Cy Person")
    assert cy.removed and cy.status.startswith("removed ")
    assert "1 file skipped (refused)" in diagnosis.summary()


@pytest.mark.parametrize(("reason", "kind"), [
    ("belongs to another careterm team", "foreign"),
    ("written after Cy Person's laptop was removed from the team (2026-11-25 14:30): refused",
     "removed"),
    ("not one of the files Cy Person's laptop had shared when it was removed from the team "
     "(2026-11-25 14:30): refused", "removed"),
    ("registered with a key Cy Person's removed laptop still has, and unknown when that laptop "
     "was removed (2026-11-25 14:30): refused. If it is a team laptop, it should join again "
     "with the new passphrase", "removed"),
    (str(segments.NoEpochKey("2-0123abcd")), "no-key"),
    ("written by a newer careterm; update careterm to read it", "newer"),
    ("empty file (probably still arriving; will retry)", "partial"),
    ("incomplete file (probably still arriving; will retry)", "partial"),
    ("its registration has not arrived yet; its files are left for the next sync", "partial"),
    ("could not be read (Permission denied); will retry", "unreadable"),
    ("not a regular file (a FIFO)", "unsafe"),
    ("a link, not followed", "unsafe"),
    ("larger than 65 MiB", "unsafe"),
    ("unreadable contents: expands more than 250 times when decompressed (a compression "
     "bomb?)", "unsafe"),
    ("failed authentication: damaged, tampered with or incomplete (will retry if it changes)",
     "damaged"),
    ("signature does not match the device's registered key (forged by another laptop?)",
     "damaged"),
    ("renamed or replayed: it is file 3 of device 0123abcd, not file 4 of device 0123abcd",
     "damaged"),
])
def test_every_reason_a_sync_gives_has_a_kind(reason: str, kind: str) -> None:
    assert classify(reason) == kind
    assert kind in doctor.KIND_WORDS


# ------------------------------------------------------------------ conflicts and gaps

def test_conflict_copies_are_listed_and_harmless(team: Team) -> None:
    path = bo_writes(team)
    copy = path.with_name(f"{path.stem}.sync-conflict-20261125-143012-ABCDEF7.seg")
    shutil.copy(path, copy)
    header_copy = team.shared / "careterm-team (Bo Sample's conflicted copy 2026-11-25).json"
    shutil.copy(team.shared / segments.HEADER_FILE, header_copy)
    diagnosis = diagnose(team)
    rel = f"devices/{team.laptops[1].device_id}/{copy.name}"
    assert diagnosis.conflicts == sorted([header_copy.name, rel])
    assert diagnosis.ok
    assert any(f.topic == "conflicts" and f.text.startswith("2 conflict copies: harmless")
               for f in diagnosis.findings)


def test_a_file_missing_from_a_laptops_chain_is_a_problem(team: Team) -> None:
    first = bo_writes(team, "first")
    bo_writes(team, "second")
    first.unlink()  # deleted before Ada read it
    diagnosis = diagnose(team)
    assert not diagnosis.ok
    assert any("file 1 of Bo Sample's laptop" in f.text and "missing from the shared folder"
               in f.text for f in diagnosis.problems)


# ------------------------------------------------------------------ clocks

def set_ahead(path: Path, seconds: float) -> None:
    """Date ``path`` ``seconds`` after now, as a copy from a laptop whose clock is ahead."""
    now = time.time()
    os.utime(path, (now, now + seconds))


def test_a_laptop_whose_clock_is_ahead_is_named(team: Team) -> None:
    path = bo_writes(team)
    set_ahead(path, 330)
    diagnosis = diagnose(team)
    assert [(gap.member, round(gap.seconds / 60)) for gap in diagnosis.clocks] == [
        ("Bo Sample", 6)]
    assert diagnosis.summary() == "1 problem: a clock 5 minutes ahead on Bo Sample's laptop"
    lines = diagnosis.lines()
    assert lines[lines.index("clocks:") + 1].startswith("  problem: the clock of Bo Sample's")
    bo = team.laptops[1]
    assert any(f"the clock of Bo Sample's laptop (tag {bo.device_tag}) is at least 5 minutes "
               "ahead of this laptop's" in f.text for f in diagnosis.problems)


def test_a_clock_less_than_a_minute_ahead_is_fine(team: Team) -> None:
    set_ahead(bo_writes(team), 50)
    assert diagnose(team).clocks == []


def test_this_laptops_own_files_never_count(team: Team) -> None:
    incidents.add_note(team.laptops[0], next(iter(team.laptops[0].incidents())), "Ada's")
    set_ahead(team.shared / team.sync(0).published_file, 600)
    assert diagnose(team).clocks == []


# ------------------------------------------------------------------ for scripts and screens

def test_the_diagnosis_as_json(team: Team) -> None:
    set_ahead(bo_writes(team), 600)
    data = json.loads(json.dumps(diagnose(team).to_dict()))
    assert data["ok"] is False and data["summary"].startswith("1 problem: a clock 10 minutes")
    assert data["folder"] == str(team.shared) and data["reachable"] and data["writable"]
    assert [(lap["member"], lap["this_laptop"], lap["files"]) for lap in data["laptops"]] == [
        ("Ada Example", True, 1), ("Bo Sample", False, 1)]
    assert data["clocks"][0]["member"] == "Bo Sample"
    assert 590 <= data["clocks"][0]["ahead_seconds"] <= 600
    assert {f["level"] for f in data["findings"]} <= {"ok", "note", "problem"}


def test_names_from_the_folder_are_shown_literally(team: Team) -> None:
    path = bo_writes(team)
    shutil.copy(path, path.with_name(f"{path.stem} (conflicted copy \x1b]0;owned\x07).seg"))
    lines = diagnose(team).lines()
    assert not any("\x1b" in line or "\x07" in line for line in lines)
    assert any("conflicted copy ␛]0;owned" in line for line in lines)
