"""Someone with write access to the shared folder (a sync peer, a removed member, whoever
holds the USB stick) plants what careterm never writes: a FIFO, links, a header nested
too deep, changes in another member's name. Each is refused and named, never a hang, a
crash or a write through a link, and nothing the team published is lost.

Syncs that could hang run in a thread with a deadline, so a regression fails the test
instead of hanging the suite.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any

import nacl.signing
import pytest

from careterm.actions import incidents
from careterm.errors import CaretermError
from careterm.store import files
from careterm.store.store import Store
from careterm.team import revoke, segments, sync
from tests.support import Team, canonical, device_dir, within

DEADLINE = 10.0


@pytest.fixture
def team(team_of_two: Team) -> Team:
    """Ada (who set the folder up) and Bo, with one report Ada captured, both synced."""
    return team_of_two




def rel(team: Team, n: int, name: str = "") -> str:
    return f"{segments.DEVICES_DIR}/{team.laptops[n].device_id}" + (f"/{name}" if name else "")


def note_texts(store: Store, inc_id: str) -> list[str]:
    return [n.text for n in store.get(inc_id).notes]


def the_report(team: Team) -> str:
    return next(iter(team.laptops[0].incidents()))




def bo_writes_a_note(team: Team, text: str) -> str:
    inc_id = the_report(team)
    incidents.add_note(team.laptops[1], inc_id, text)
    assert team.sync(1).published_file is not None
    return inc_id


def newest_of_bo(team: Team) -> Path:
    return max(device_dir(team, 1).glob("*.seg"), key=lambda p: int(p.stem))


# ---------------------------------------------------------------- files that are not files

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_like_a_segment_does_not_block_sync(team: Team) -> None:
    inc_id = bo_writes_a_note(team, "Bo's follow-up")
    fifo = device_dir(team, 1) / "3.seg"
    os.mkfifo(fifo)
    report = within(DEADLINE, lambda: team.sync(0), fifo)
    assert not isinstance(report, BaseException), report
    assert dict(report.skipped)[rel(team, 1, "3.seg")] == "not a regular file (a FIFO)"
    assert f"skipped {rel(team, 1, '3.seg')}: not a regular file (a FIFO)" in report.lines()
    assert note_texts(team.laptops[0], inc_id) == ["Bo's follow-up"]
    # Named on every sync, and Bo's own syncs are not blocked by it either.
    again = within(DEADLINE, lambda: team.sync(0), fifo)
    assert rel(team, 1, "3.seg") in dict(again.skipped)
    own = within(DEADLINE, lambda: team.sync(1), fifo)
    assert not isinstance(own, BaseException), own


@pytest.mark.parametrize("target", ["/dev/zero", "a file elsewhere"])
def test_a_segment_that_is_a_link_is_not_followed(team: Team, tmp_path: Path,
                                                  target: str) -> None:
    if target == "/dev/zero" and not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    inc_id = bo_writes_a_note(team, "Bo's follow-up")
    bos = newest_of_bo(team)
    name = "7.seg"
    if target != "/dev/zero":
        # A real file of Bo's, outside the folder: read through a link it would be merged.
        outside = tmp_path / "elsewhere.seg"
        shutil.move(bos, outside)
        target, name = str(outside), bos.name
    (device_dir(team, 1) / name).symlink_to(target)
    report = within(DEADLINE, lambda: team.sync(0))
    assert not isinstance(report, BaseException), report
    assert dict(report.skipped)[rel(team, 1, name)] == "a link, not followed"
    if name == "7.seg":
        assert note_texts(team.laptops[0], inc_id) == ["Bo's follow-up"]
    else:
        assert note_texts(team.laptops[0], inc_id) == []
        # Bo finds its own file gone (a link is not its file) and publishes it again.
        assert team.sync(1).republished == [int(bos.stem)]
        team.sync(0)
        assert note_texts(team.laptops[0], inc_id) == ["Bo's follow-up"]


def test_a_header_nested_too_deep_is_one_clear_refusal(team: Team) -> None:
    depth = 100_000
    (team.shared / segments.HEADER_FILE).write_bytes(b"[" * depth + b"]" * depth)
    ada = team.laptops[0]
    before = canonical(ada)
    caught = within(DEADLINE, lambda: team.sync(0))
    assert isinstance(caught, segments.NotATeamFolder), repr(caught)
    assert isinstance(caught, CaretermError)
    message = str(caught)
    assert "\n" not in message
    assert segments.HEADER_FILE in message and "nested more than" in message
    assert canonical(ada) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_header_that_is_a_fifo_is_refused_without_blocking(team: Team) -> None:
    header = team.shared / segments.HEADER_FILE
    header.unlink()
    os.mkfifo(header)
    caught = within(DEADLINE, lambda: team.sync(0), header)
    assert isinstance(caught, segments.NotATeamFolder), repr(caught)
    assert "not a regular file (a FIFO)" in str(caught)


def test_a_device_folder_that_is_a_link_to_elsewhere_is_refused_and_named(
        team: Team, tmp_path: Path) -> None:
    inc_id = bo_writes_a_note(team, "written where Bo's folder was")
    # Bo's folder moved out of the shared folder, a link left in its place.
    elsewhere = tmp_path / "elsewhere"
    shutil.move(device_dir(team, 1), elsewhere)
    device_dir(team, 1).symlink_to(elsewhere, target_is_directory=True)
    report = within(DEADLINE, lambda: team.sync(0))
    assert not isinstance(report, BaseException), report
    assert dict(report.skipped)[rel(team, 1)] == "a link, not followed"
    assert f"skipped {rel(team, 1)}: a link, not followed" in report.lines()
    assert note_texts(team.laptops[0], inc_id) == []


# ---------------------------------------------------------------- writes never follow links

def test_this_laptops_own_folder_replaced_by_a_link_is_not_written_through(
        team: Team, tmp_path: Path) -> None:
    ada, bo = team.laptops
    inc_id = bo_writes_a_note(team, "Bo's first note")
    team.sync(0)
    # Bo's folder deleted and a link to a folder outside the shared one put in its place:
    # what Bo's laptop writes there would never reach the team.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(device_dir(team, 1))
    device_dir(team, 1).symlink_to(elsewhere, target_is_directory=True)
    incidents.add_note(bo, inc_id, "Bo's note while the folder is a link")
    report = team.sync(1)
    assert report.published_file is None
    warning = " ".join(report.warnings)
    assert f"this laptop's own folder {rel(team, 1)}" in warning
    assert "a link, not followed" in warning and "nothing was published" in warning
    assert any(line.startswith("warning: this laptop's own folder") for line in report.lines())
    assert list(elsewhere.iterdir()) == []  # nothing written through the link
    assert team.sync(1).warnings == report.warnings  # every sync, until it is fixed
    assert dict(team.sync(0).skipped)[rel(team, 1)] == "a link, not followed"
    # The link removed, the next sync makes the folder again and publishes everything anew.
    device_dir(team, 1).unlink()
    fixed = team.sync(1)
    assert not fixed.warnings
    assert fixed.published_changes == 1 and fixed.republished == [1]
    report = team.sync(0)
    assert not report.warnings and not report.skipped
    assert note_texts(ada, inc_id) == ["Bo's first note", "Bo's note while the folder is a link"]
    cy = team.add()  # a laptop joining now gets both notes from the folder made again
    team.sync(2)
    assert canonical(cy) == canonical(ada)


def test_a_link_planted_under_a_temp_name_is_never_written_through(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"not careterm's to overwrite")
    path = folder / "3.seg"
    files.temp_path(path).symlink_to(victim)
    files.create_new(path, b"the segment")
    assert victim.read_bytes() == b"not careterm's to overwrite"
    assert path.read_bytes() == b"the segment" and not path.is_symlink()
    assert not os.path.lexists(files.temp_path(path))


# ---------------------------------------------------------------- borrowed names

def bo_signs(team: Team, change: dict[str, Any], seq: int) -> Path:
    """A segment holding ``change``, signed with Bo's real key, in Bo's folder."""
    bo = team.laptops[1]
    assert bo.key is not None
    signing = nacl.signing.SigningKey(segments.unb64(bo.meta[sync.META_SIGNING_KEY]))
    path = device_dir(team, 1) / f"{seq}.seg"
    path.write_bytes(segments.write_segment(bo.key, signing, bo.meta["team_id"], bo.device_id,
                                            seq, [change], "2026-11-25T14:30:00+01:00"))
    return path


@pytest.mark.parametrize("field", ["by", "created_by"])
def test_a_change_in_another_members_name_is_refused_and_named(team: Team,
                                                               field: str) -> None:
    ada, bo = team.laptops
    inc_id = the_report(team)
    change: dict[str, Any] = {
        "cid": f"{bo.device_id}:90", "inc": inc_id, "op": "note",
        "data": {"text": "words put in Ada's mouth"}, "hlc": "001764077400000.00000",
        "dev": bo.device_id, "by": "Ada Example", "at": "2026-11-25T14:30:00+01:00"}
    if field == "created_by":
        change.update(op="set", by="Bo Sample",
                      data={"created_by": "Ada Example", "what": "a report in Ada's name"})
    path = bo_signs(team, change, 4)
    before = canonical(ada)
    report = team.sync(0)
    reason = ("a change claims to be by Ada Example but was signed by Bo Sample's laptop: "
              "refused")
    assert dict(report.skipped)[rel(team, 1, path.name)] == reason
    assert f"skipped {rel(team, 1, path.name)}: {reason}" in report.lines()
    assert canonical(ada) == before and report.received_changes == 0
    assert dict(team.sync(0).skipped)[rel(team, 1, path.name)] == reason  # every sync


def test_a_change_in_its_own_members_name_still_merges(team: Team) -> None:
    inc_id = the_report(team)
    bo = team.laptops[1]
    change = {"cid": f"{bo.device_id}:90", "inc": inc_id, "op": "note",
              "data": {"text": "Bo's own words"}, "hlc": "001764077400000.00000",
              "dev": bo.device_id, "by": "Bo Sample", "at": "2026-11-25T14:30:00+01:00"}
    bo_signs(team, change, 4)
    report = team.sync(0)
    assert not report.skipped
    assert note_texts(team.laptops[0], inc_id) == ["Bo's own words"]


# ---------------------------------------------------------------- a removed laptop's files

def test_a_removed_laptops_later_file_is_refused_before_it_is_decompressed(
        team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    cy = team.add()
    team.sync_all()
    team.on(0, lambda ada: revoke.revoke(ada, cy.device_tag, "a new passphrase after Cy"))
    incidents.capture(cy, "Captured on Cy's laptop after the removal")
    published = team.sync(2).published_file
    assert published is not None
    inflated: list[int] = []
    real = segments.bounded_decompress

    def spy(data: bytes, *args: Any, **kwargs: Any) -> bytes:
        inflated.append(len(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(segments, "bounded_decompress", spy)
    report = team.sync(0)
    assert dict(report.skipped)[published].startswith("written after Cy Person's laptop was "
                                                      "removed from the team")
    assert inflated == []  # refused by its digest alone


# ---------------------------------------------------------------- the store lock

def test_a_read_of_the_folder_that_blocks_does_not_hold_the_store(
        team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    ada = team.laptops[0]
    inc_id = bo_writes_a_note(team, "Bo's follow-up")
    reading, release = threading.Event(), threading.Event()
    real = sync.read_regular

    def slow_read(path: Any, **kwargs: Any) -> bytes:
        if str(path).endswith(".seg"):
            reading.set()
            release.wait(DEADLINE)
        return real(path, **kwargs)

    monkeypatch.setattr(sync, "read_regular", slow_read)
    syncing = threading.Thread(target=lambda: team.sync(0), daemon=True)
    syncing.start()
    try:
        assert reading.wait(DEADLINE), "the sync never read Bo's file"
        captured = within(DEADLINE / 2, lambda: incidents.capture(
            ada, "Captured while a sync waits on the shared folder"))
        assert not isinstance(captured, BaseException), captured
    finally:
        release.set()
        syncing.join(DEADLINE)
    assert not syncing.is_alive()
    assert captured.id in ada.incidents()
    assert note_texts(ada, inc_id) == ["Bo's follow-up"]
