"""What sync services and people do to a shared folder, and what careterm does about it.

Every fault is skipped and named with its reason, never crashes a sync, and
never touches local data; a file that may still be arriving is read once complete.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nacl.signing
import pytest

from careterm.actions import incidents
from careterm.store.store import Store
from careterm.team import segments, sync
from tests.support import PASSPHRASE, Team, canonical, device_dir


@pytest.fixture
def team(team_of_two: Team) -> Team:
    """Ada (who set the folder up) and Bo, with one report Ada captured, both synced."""
    return team_of_two




def bo_writes_a_note(team: Team, text: str = "Bo's follow-up") -> tuple[str, Path]:
    """Bo adds a note and syncs; returns the incident id and the file Bo wrote."""
    bo = team.laptops[1]
    inc_id = next(iter(bo.incidents()))
    incidents.add_note(bo, inc_id, text)
    report = team.sync(1)
    assert report.published_file is not None
    return inc_id, team.shared / report.published_file


def note_texts(store: Store, inc_id: str) -> list[str]:
    return [n.text for n in store.get(inc_id).notes]


def local_files(store: Store) -> dict[str, bytes]:
    assert store.home is not None
    return {p.name: p.read_bytes() for p in store.home.iterdir() if p.name != "sync-state.ct"}


def skipped(report: sync.SyncReport) -> dict[str, str]:
    return {Path(name).name: reason for name, reason in report.skipped}


CONFLICT_NAMES = {
    "syncthing": "{seq}.sync-conflict-20261125-143012-ABCDEF7.seg",
    "dropbox": "{seq} (Bo Sample's conflicted copy 2026-11-25).seg",
    "nextcloud": "{seq} (conflicted copy 2026-11-25 143012).seg",
    "copy": "{seq} (1).seg",
}


@pytest.mark.parametrize("service", sorted(CONFLICT_NAMES))
def test_a_conflict_copy_of_a_file_adds_nothing_twice(team: Team, service: str) -> None:
    inc_id, path = bo_writes_a_note(team)
    seq = int(path.stem)
    shutil.copy(path, path.with_name(CONFLICT_NAMES[service].format(seq=seq)))
    report = team.sync(0)
    assert not report.warnings and not report.skipped
    assert note_texts(team.laptops[0], inc_id) == ["Bo's follow-up"]
    again = team.sync(0)
    assert again.lines() == ["up to date: nothing new"]


@pytest.mark.parametrize("service", sorted(CONFLICT_NAMES))
def test_a_conflict_copy_is_read_like_any_file_of_its_device(team: Team, service: str) -> None:
    inc_id, path = bo_writes_a_note(team)
    path.rename(path.with_name(CONFLICT_NAMES[service].format(seq=int(path.stem))))
    report = team.sync(0)
    assert report.lines() == [f"1 report updated by Bo Sample: {inc_id}"]
    assert note_texts(team.laptops[0], inc_id) == ["Bo's follow-up"]


def test_two_different_files_for_one_device_and_sequence_raise_a_warning(team: Team) -> None:
    bo = team.laptops[1]
    assert bo.home is not None
    snapshot = team.root / "bo-before"
    shutil.copytree(bo.home, snapshot)
    inc_id, path = bo_writes_a_note(team, "Bo's real note")
    team.sync(0)  # Ada merges Bo's file first; the clone's arrives later
    # The clone is Bo's home as it was before that note, so it reuses the same slot; it
    # syncs with its own copy of the folder, as a sync service's other side would.
    clone_home = team.root / "bo-clone"
    shutil.copytree(snapshot, clone_home)
    other_side = team.root / "other-side"
    shutil.copytree(team.shared, other_side)
    (other_side / path.relative_to(team.shared)).unlink()
    clone = Store.open(clone_home, PASSPHRASE)
    clone.update_meta(shared_dir=str(other_side))
    incidents.add_note(clone, inc_id, "the clone's note")
    written = sync.sync(clone).published_file
    clone.close()
    assert written == str(path.relative_to(team.shared))
    conflict = path.with_name(f"{path.stem}.sync-conflict-20261125-143500-CLONE77.seg")
    shutil.copy(other_side / written, conflict)

    report = team.sync(0)
    warning = " ".join(report.warnings)
    assert f"two different files claim to be file {path.stem} of Bo Sample's laptop" in warning
    assert path.name in warning and conflict.name in warning
    assert any(line.startswith("warning: two different files") for line in report.lines())
    assert "Bo's real note" in note_texts(team.laptops[0], inc_id)
    own = team.sync(1)
    assert any("of this laptop" in w for w in own.warnings)


@pytest.mark.parametrize("name", [".syncthing.{seq}.seg.tmp", "~syncthing~{seq}.seg.tmp",
                                  ".{seq}.seg.4242.tmp"])
def test_temp_files_of_sync_services_are_left_for_later(team: Team, name: str) -> None:
    inc_id, path = bo_writes_a_note(team)
    path.rename(path.with_name(name.format(seq=path.stem)))
    report = team.sync(0)
    assert report.in_transit == 1 and not report.skipped
    assert report.lines() == ["1 file still being copied by the sync service; "
                              "left for the next sync"]
    assert note_texts(team.laptops[0], inc_id) == []


@pytest.mark.parametrize("cut", ["empty", "truncated", "header only"])
def test_a_file_still_arriving_is_skipped_then_read_once_complete(team: Team, cut: str) -> None:
    inc_id, path = bo_writes_a_note(team)
    whole = path.read_bytes()
    part = {"empty": b"", "truncated": whole[:len(whole) // 2], "header only": whole[:5]}[cut]
    path.write_bytes(part)
    ada = team.laptops[0]
    before = local_files(ada)
    report = team.sync(0)
    reason = skipped(report)[path.name]
    assert "will retry" in reason
    assert any(line.startswith(f"skipped devices/{team.laptops[1].device_id}/{path.name}: ")
               for line in report.lines())
    assert note_texts(ada, inc_id) == [] and local_files(ada) == before
    path.write_bytes(whole)  # the rest arrives
    assert team.sync(0).lines() == [f"1 report updated by Bo Sample: {inc_id}"]
    assert note_texts(ada, inc_id) == ["Bo's follow-up"]


def test_a_flipped_byte_is_reported_and_later_files_still_merge(team: Team) -> None:
    inc_id, path = bo_writes_a_note(team, "first note")
    blob = bytearray(path.read_bytes())
    blob[-20] ^= 0x01
    path.write_bytes(bytes(blob))
    ada = team.laptops[0]
    before = local_files(ada)
    report = team.sync(0)
    assert "failed authentication" in skipped(report)[path.name]
    assert local_files(ada) == before
    again = team.sync(0)
    assert (again.files_read, skipped(again)) == (0, skipped(report))  # not re-read
    bo_writes_a_note(team, "second note")
    team.sync(0)
    assert note_texts(ada, inc_id) == ["second note"]


def test_a_file_from_another_team_is_refused(team: Team, tmp_path: Path) -> None:
    strangers = Team(tmp_path / "elsewhere", team.frozen)
    stranger = strangers.add("Di Tester")
    incidents.capture(stranger, "Another conference's report")
    written = strangers.sync(0).published_file
    assert written is not None
    target = device_dir(team, 1) / "7.seg"
    shutil.copy(strangers.shared / written, target)
    shutil.copytree(strangers.shared / segments.DEVICES_DIR / stranger.device_id,
                    team.shared / segments.DEVICES_DIR / stranger.device_id)
    before = canonical(team.laptops[0])
    report = team.sync(0)
    reasons = {name: reason for name, reason in report.skipped}
    assert reasons[f"devices/{team.laptops[1].device_id}/7.seg"] == \
        "belongs to another careterm team"
    assert "failed authentication" in reasons[f"devices/{stranger.device_id}/device.reg"]
    assert canonical(team.laptops[0]) == before
    strangers.close()


def test_a_missing_shared_folder_is_one_clear_error_and_local_work_goes_on(team: Team) -> None:
    ada = team.laptops[0]
    away = team.root / "unplugged"
    team.shared.rename(away)
    before = local_files(ada)
    with pytest.raises(sync.SyncFolderUnavailable) as caught:
        team.sync(0)
    message = str(caught.value)
    assert "\n" not in message and str(team.shared) in message and "not reachable" in message
    assert caught.value.exit_code != 0
    assert local_files(ada) == before
    inc_id = incidents.capture(ada, "Captured while the stick was out").id
    away.rename(team.shared)
    assert team.sync(0).published_changes == 1
    team.sync(1)
    assert inc_id in team.laptops[1].incidents()


def test_a_folder_without_the_team_header_is_refused(team: Team) -> None:
    (team.shared / segments.HEADER_FILE).unlink()
    with pytest.raises(segments.NotATeamFolder, match="no careterm team header"):
        team.sync(0)


def test_a_replayed_file_is_refused(team: Team) -> None:
    inc_id, path = bo_writes_a_note(team)
    team.sync(0)
    shutil.copy(path, path.with_name("9.seg"))
    report = team.sync(0)
    assert skipped(report)["9.seg"].startswith("renamed or replayed")
    assert note_texts(team.laptops[0], inc_id) == ["Bo's follow-up"]


def test_a_renamed_file_is_refused(team: Team) -> None:
    inc_id, path = bo_writes_a_note(team)
    path.rename(path.with_name("5.seg"))
    report = team.sync(0)
    assert skipped(report)["5.seg"].startswith("renamed or replayed")
    assert note_texts(team.laptops[0], inc_id) == []


def test_a_file_moved_to_another_device_with_its_label_rewritten_fails(team: Team) -> None:
    cy = team.add()
    team.sync(2)
    inc_id, path = bo_writes_a_note(team)
    blob = path.read_bytes()
    newline = blob.index(b"\n")
    label = (b'{"team": "%s", "dev": "%s", "seq": 1}'
             % (cy.meta["team_id"].encode(), cy.device_id.encode()))
    (device_dir(team, 2) / "1.seg").write_bytes(segments.SEGMENT_MAGIC + label + blob[newline:])
    report = team.sync(0)
    assert "failed authentication" in skipped(report)["1.seg"]


def test_a_file_forged_in_another_laptops_name_is_refused(team: Team) -> None:
    ada, bo = team.laptops
    inc_id = next(iter(ada.incidents()))
    forger = nacl.signing.SigningKey.generate()  # a team member's key, not Bo's
    fake = {"cid": f"{bo.device_id}:99", "inc": inc_id, "op": "set",
            "data": {"status": "closed"}, "hlc": "009999999999999.00000", "dev": bo.device_id,
            "by": "Bo Sample", "at": "2026-11-25T14:30:00+01:00"}
    assert ada.key is not None
    blob = segments.write_segment(ada.key, forger, ada.meta["team_id"], bo.device_id, 50,
                                  [fake], "2026-11-25T14:30:00+01:00")
    (device_dir(team, 1) / "50.seg").write_bytes(blob)
    report = team.sync(0)
    assert "signature does not match" in skipped(report)["50.seg"]
    assert ada.get(inc_id).status == "new"


def test_a_laptop_cannot_publish_changes_in_another_laptops_name(team: Team) -> None:
    ada, bo = team.laptops
    inc_id = next(iter(ada.incidents()))
    fake = {"cid": f"{ada.device_id}:99", "inc": inc_id, "op": "note",
            "data": {"text": "words put in Ada's mouth"}, "hlc": "001764077400000.00000",
            "dev": ada.device_id, "by": "Ada Example", "at": "2026-11-25T14:30:00+01:00"}
    assert bo.key is not None
    signing = nacl.signing.SigningKey(segments.unb64(bo.meta[sync.META_SIGNING_KEY]))
    blob = segments.write_segment(bo.key, signing, bo.meta["team_id"], bo.device_id, 40,
                                  [fake], "2026-11-25T14:30:00+01:00")
    (device_dir(team, 1) / "40.seg").write_bytes(blob)
    report = team.sync(0)
    assert "made by another device" in skipped(report)["40.seg"]
    assert note_texts(ada, inc_id) == []


def test_files_of_a_device_whose_registration_has_not_arrived_wait_for_it(team: Team) -> None:
    cy = team.add()
    inc_id = incidents.capture(cy, "Reported to Cy").id
    team.sync(2)
    registration = device_dir(team, 2) / segments.REGISTRATION_FILE
    held = registration.read_bytes()
    registration.unlink()
    report = team.sync(0)
    assert "registration has not arrived yet" in " ".join(r for _, r in report.skipped)
    assert inc_id not in team.laptops[0].incidents()
    registration.write_bytes(held)
    assert team.sync(0).new_reports == {"Cy Person": [inc_id]}


def gap_warning(team: Team, report: sync.SyncReport) -> str:
    """The one warning of ``report``: about files missing from Bo's folder."""
    bo = team.laptops[1]
    assert len(report.warnings) == 1, report.warnings
    warning = report.warnings[0]
    assert f"of Bo Sample's laptop (device {bo.device_id[:8]})" in warning
    return warning


def test_a_file_deleted_before_another_laptop_read_it_is_warned_about_then_republished(
        team: Team) -> None:
    ada = team.laptops[0]
    inc_id, first = bo_writes_a_note(team, "Bo's first note")
    _, second = bo_writes_a_note(team, "Bo's second note")
    first.unlink()  # a sync peer propagates a delete before Ada's laptop read the file
    report = team.sync(0)
    assert note_texts(ada, inc_id) == ["Bo's second note"]  # later files still merge
    warning = gap_warning(team, report)
    assert warning.startswith(f"file {first.stem} of Bo Sample's laptop")
    assert f"missing from the shared folder, though file {second.stem}" in warning
    assert f"warning: {warning}" in report.lines()
    assert team.sync(0).warnings == [warning]  # every sync, until resolved
    own = team.sync(1)  # Bo's laptop finds its own file gone and publishes it again
    assert own.republished == [int(first.stem)] and own.republished_changes == 1
    assert own.lines() == [f"this laptop's file {first.stem} was missing from the shared "
                           "folder (deleted, or an older copy of the folder put back): "
                           "published 1 change again"]
    after = team.sync(0)
    assert not after.warnings and not after.skipped
    assert sorted(note_texts(ada, inc_id)) == ["Bo's first note", "Bo's second note"]
    assert team.sync(0).lines() == ["up to date: nothing new"]
    assert team.sync(1).lines() == ["up to date: nothing new"]  # republished once


def test_the_newest_file_deleted_before_anyone_read_it_is_republished(team: Team) -> None:
    inc_id, path = bo_writes_a_note(team)
    path.unlink()
    assert team.sync(0).lines() == ["up to date: nothing new"]  # nothing names it yet
    assert team.sync(1).republished == [int(path.stem)]
    team.sync(0)
    assert note_texts(team.laptops[0], inc_id) == ["Bo's follow-up"]


def test_a_deleted_file_that_comes_back_resolves_the_warning(team: Team) -> None:
    ada = team.laptops[0]
    inc_id, first = bo_writes_a_note(team, "Bo's first note")
    bo_writes_a_note(team, "Bo's second note")
    held = first.read_bytes()
    first.unlink()
    assert gap_warning(team, team.sync(0))
    first.write_bytes(held)  # the sync service brings it back
    report = team.sync(0)
    assert not report.warnings
    assert report.lines() == [f"1 report updated by Bo Sample: {inc_id}"]
    assert sorted(note_texts(ada, inc_id)) == ["Bo's first note", "Bo's second note"]
    again = team.sync(0)
    assert again.lines() == ["up to date: nothing new"] and again.files_read == 0
    assert team.sync(1).republished == []  # nothing was missing any more


def test_a_device_folder_put_back_to_an_older_copy_is_warned_about_then_republished(
        team: Team) -> None:
    ada = team.laptops[0]
    bo_dir = device_dir(team, 1)
    inc_id, _ = bo_writes_a_note(team, "Bo's first note")
    old_copy = team.root / "bo-folder-copy"
    shutil.copytree(bo_dir, old_copy)
    bo_writes_a_note(team, "Bo's second note")
    _, newest = bo_writes_a_note(team, "Bo's third note")
    team.sync(0)
    shutil.rmtree(bo_dir)
    shutil.copytree(old_copy, bo_dir)  # e.g. a backup of the stick put back
    cy = team.add()  # joins now: never saw the files that went
    report = team.sync(0)
    warning = " ".join(report.warnings)
    assert f"the folder of Bo Sample's laptop (device {team.laptops[1].device_id[:8]}) went " \
           "back to an older copy" in warning
    assert f"up to file {newest.stem}, the newest there now is file 1" in warning
    assert team.sync(0).warnings == report.warnings  # every sync, until resolved
    team.sync(2)
    assert note_texts(cy, inc_id) == ["Bo's first note"]
    own = team.sync(1)
    assert own.republished == [2, 3] and own.republished_changes == 2
    assert own.lines()[0].startswith("this laptop's files 2 and 3 were missing")
    assert not team.sync(0).warnings
    report = team.sync(2)
    assert not report.warnings
    assert sorted(note_texts(cy, inc_id)) == ["Bo's first note", "Bo's second note",
                                              "Bo's third note"]
    assert canonical(cy) == canonical(ada)


def test_a_whole_device_folder_deleted_is_warned_about_then_republished(team: Team) -> None:
    inc_id, _ = bo_writes_a_note(team, "Bo's note")
    team.sync(0)
    shutil.rmtree(device_dir(team, 1))
    report = team.sync(0)
    assert len(report.warnings) == 1
    assert report.warnings[0].startswith("the folder of Bo Sample's laptop (device "
                                         f"{team.laptops[1].device_id[:8]}) is gone")
    own = team.sync(1)
    assert own.republished == [1]
    assert not team.sync(0).warnings
    assert note_texts(team.laptops[0], inc_id) == ["Bo's note"]


def test_stray_files_are_ignored_and_garbage_is_named(team: Team) -> None:
    (device_dir(team, 1) / "notes.txt").write_text("not careterm's")
    (device_dir(team, 1) / "3.seg").write_bytes(b"\x00garbage" * 100)
    report = team.sync(0)
    assert skipped(report) == {"3.seg": "not a careterm segment"}


def test_a_registration_replaced_in_the_folder_is_not_trusted(team: Team) -> None:
    ada, bo = team.laptops
    assert ada.key is not None
    registration = device_dir(team, 1) / segments.REGISTRATION_FILE
    forged_key = nacl.signing.SigningKey.generate()
    forged = segments.Registration(bo.device_id, "Bo Sample", bo.device_tag,
                                   bytes(forged_key.verify_key))
    registration.write_bytes(segments.seal_registration(ada.key, ada.meta["team_id"], forged))
    report = team.sync(0)
    assert any("registration of device" in w and "was replaced" in w for w in report.warnings)
    inc_id, _path = bo_writes_a_note(team, "Bo is still Bo")
    fake = {"cid": f"{bo.device_id}:77", "inc": inc_id, "op": "note",
            "data": {"text": "signed with the swapped key"}, "hlc": "001764077400000.00000",
            "dev": bo.device_id, "by": "Bo Sample", "at": "2026-11-25T14:30:00+01:00"}
    (device_dir(team, 1) / "60.seg").write_bytes(segments.write_segment(
        ada.key, forged_key, ada.meta["team_id"], bo.device_id, 60, [fake],
        "2026-11-25T14:30:00+01:00"))
    report = team.sync(0)
    assert "signature does not match" in skipped(report)["60.seg"]
    assert note_texts(ada, inc_id) == ["Bo is still Bo"]


@pytest.mark.parametrize("data", [{"what": ["not", "text"]}, {"when": "2026-11-25T14:20"},
                                  {"who": {"mark": 3}}])
def test_a_signed_change_of_the_wrong_shape_never_reaches_the_store(team: Team,
                                                                    data: dict) -> None:
    ada, bo = team.laptops
    inc_id = next(iter(ada.incidents()))
    bad = {"cid": f"{bo.device_id}:90", "inc": inc_id, "op": "set", "data": data,
           "hlc": "001764077400000.00000", "dev": bo.device_id, "by": "Bo Sample",
           "at": "2026-11-25T14:30:00+01:00"}
    assert bo.key is not None
    signing = nacl.signing.SigningKey(segments.unb64(bo.meta[sync.META_SIGNING_KEY]))
    (device_dir(team, 1) / "30.seg").write_bytes(segments.write_segment(
        bo.key, signing, bo.meta["team_id"], bo.device_id, 30, [bad],
        "2026-11-25T14:30:00+01:00"))
    report = team.sync(0)
    assert skipped(report)["30.seg"].startswith("holds a change careterm cannot use")
    assert ada.home is not None
    reopened = Store.open(ada.home, PASSPHRASE)
    assert reopened.get(inc_id).what == "Someone was cornered near Room Zeta"
    reopened.close()


def test_a_laptop_that_lost_its_sync_record_still_republishes_its_missing_files(
        team: Team) -> None:
    ada, bo = team.laptops
    inc_id, first = bo_writes_a_note(team, "Bo's first note")
    bo_writes_a_note(team, "Bo's second note")
    assert bo.home is not None
    (bo.home / sync.STATE_FILE).unlink()
    team.sync(1)  # reads its own files back from the folder
    first.unlink()
    assert gap_warning(team, team.sync(0))
    assert team.sync(1).republished == [int(first.stem)]  # known again from the folder
    assert not team.sync(0).warnings
    assert sorted(note_texts(ada, inc_id)) == ["Bo's first note", "Bo's second note"]
