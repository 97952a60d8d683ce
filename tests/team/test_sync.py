"""Sync between laptops through a shared folder: several homes in one process."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from careterm.actions import incidents
from careterm.core.timeline import timeline_entries
from careterm.errors import StoreExists, UnknownIncident, WrongPassphrase
from careterm.store.store import Store, has_store
from careterm.team import sync
from careterm.team.segments import HEADER_FILE, NotATeamFolder
from tests.support import FROZEN_AT, PASSPHRASE, Team, canonical


def test_a_report_captured_on_one_laptop_appears_on_the_other(team: Team) -> None:
    ada, bo = team.add(), team.add()
    captured = incidents.capture(ada, "Someone was followed to Room Zeta", where="Room Zeta",
                                 ongoing="yes")
    assert team.sync(0).lines() == ["sent 1 change"]
    report = team.sync(1)
    assert report.lines() == [f"1 new report from Ada Example: {captured.id}"]
    seen = bo.get(captured.id)
    assert (seen.what, seen.where, seen.urgency) == ("Someone was followed to Room Zeta",
                                                     "Room Zeta", "high")
    assert canonical(ada) == canonical(bo)


def test_notes_written_at_the_same_time_on_two_laptops_are_both_kept(team: Team) -> None:
    ada, bo = team.add(), team.add()
    inc_id = incidents.capture(ada, "Heckling during the keynote").id
    team.sync_all()
    incidents.add_note(ada, inc_id, "Ada spoke with the reporter")
    incidents.add_note(bo, inc_id, "Bo spoke with a witness")
    team.sync(0)
    report = team.sync(1)
    assert report.lines() == ["sent 1 change", f"1 report updated by Ada Example: {inc_id}"]
    assert team.sync(0).lines() == [f"1 report updated by Bo Sample: {inc_id}"]
    for laptop in (ada, bo):
        assert sorted(n.text for n in laptop.get(inc_id).notes) == [
            "Ada spoke with the reporter", "Bo spoke with a witness"]
    assert canonical(ada) == canonical(bo)


def test_three_laptops_working_at_once_converge_to_the_same_board(team: Team) -> None:
    laptops = [team.add() for _ in range(3)]
    ids = [incidents.capture(laptop, f"Report from laptop {n}").id
           for n, laptop in enumerate(laptops)]
    team.sync_all()
    for n, laptop in enumerate(laptops):
        for inc_id in ids:
            incidents.add_note(laptop, inc_id, f"note by laptop {n} on {inc_id}")
        team.frozen.advance(seconds=7)
    incidents.acknowledge(laptops[2], ids[0], "in-person")
    incidents.update(laptops[1], ids[2], where="Hall Omega")
    team.sync(2)
    team.sync(0)
    team.sync(1)
    team.sync(2)
    team.sync(0)
    boards = [canonical(laptop) for laptop in laptops]
    assert boards[0] == boards[1] == boards[2]
    assert len(boards[0]) == 3
    assert all(len(laptops[0].get(i).notes) == 3 for i in ids)
    assert laptops[0].get(ids[0]).acknowledged_by == "Cy Person"


def test_concurrent_edits_of_one_field_agree_and_the_loser_stays_in_history(team: Team
                                                                            ) -> None:
    ada, bo = team.add(), team.add()
    inc_id = incidents.capture(ada, "Badge photographed without consent").id
    team.sync_all()
    incidents.update(ada, inc_id, where="Room Zeta")
    team.frozen.advance(seconds=30)
    incidents.update(bo, inc_id, where="Hall Omega")  # later, without seeing Ada's edit
    team.sync_all()
    for laptop in (ada, bo):
        incident = laptop.get(inc_id)
        assert incident.where == "Hall Omega"
        assert [v.value for v in incident.history["where"]] == ["Room Zeta", "Hall Omega"]
        texts = [e["text"] for e in timeline_entries(incident)]
        assert any("Room Zeta" in t for t in texts)
    assert canonical(ada) == canonical(bo)


def test_concurrent_edits_of_different_fields_are_both_kept(team: Team) -> None:
    ada, bo = team.add(), team.add()
    inc_id = incidents.capture(ada, "Inappropriate slide content").id
    team.sync_all()
    incidents.update(ada, inc_id, where="Track B")
    incidents.update(bo, inc_id, urgency="critical")
    team.sync_all()
    for laptop in (ada, bo):
        assert (laptop.get(inc_id).where, laptop.get(inc_id).urgency) == ("Track B", "critical")


def test_earliest_acknowledgement_is_kept_on_every_laptop(team: Team) -> None:
    ada, bo = team.add(), team.add()
    inc_id = incidents.capture(ada, "Reporter waiting at the info desk").id
    team.sync_all()
    incidents.acknowledge(bo, inc_id, "phone")
    team.frozen.advance(minutes=2)
    incidents.acknowledge(ada, inc_id, "in-person")
    team.sync_all()
    for laptop in (ada, bo):
        incident = laptop.get(inc_id)
        assert (incident.acknowledged_by, incident.acknowledged_via) == ("Bo Sample", "phone")
        assert incident.acknowledged_at == FROZEN_AT


def test_ten_minutes_of_clock_skew_do_not_undo_a_later_edit(team: Team) -> None:
    team.add()
    team.add()
    team.skew[0] = timedelta(minutes=10)  # Ada's laptop runs ten minutes fast
    inc_id = team.on(0, lambda s: incidents.capture(s, "Harassment in the hallway").id)
    team.on(0, lambda s: incidents.update(s, inc_id, where="Foyer"))
    team.sync(0)
    team.sync(1)
    team.frozen.advance(minutes=1)
    # Bo's clock says 14:31, nine minutes before Ada's edit: Bo's edit still wins, because
    # Bo saw Ada's edit first (hybrid logical clock).
    team.on(1, lambda s: incidents.update(s, inc_id, where="Room Zeta"))
    team.sync_all()
    for laptop in team.laptops:
        assert laptop.get(inc_id).where == "Room Zeta"
        assert [v.value for v in laptop.get(inc_id).history["where"]] == ["Foyer", "Room Zeta"]
    assert canonical(team.laptops[0]) == canonical(team.laptops[1])


def test_concurrent_edits_under_clock_skew_still_converge(team: Team) -> None:
    ada, bo = team.add(), team.add()
    team.skew[1] = timedelta(minutes=-10)
    inc_id = incidents.capture(ada, "Argument at the sponsor booth").id
    team.sync_all()
    team.on(0, lambda s: incidents.update(s, inc_id, urgency="low"))
    team.on(1, lambda s: incidents.update(s, inc_id, urgency="critical"))
    team.sync_all()
    assert ada.get(inc_id).urgency == bo.get(inc_id).urgency
    assert {v.value for v in ada.get(inc_id).history["urgency"]} >= {"low", "critical"}
    assert canonical(ada) == canonical(bo)


def test_a_late_joiner_gets_the_whole_history_in_one_sync(team: Team) -> None:
    ada, bo = team.add(), team.add()
    ids = [incidents.capture(ada, f"Early report {n}").id for n in range(3)]
    team.sync_all()
    incidents.add_note(bo, ids[1], "Bo followed up")
    incidents.acknowledge(bo, ids[0])
    team.sync_all()
    team.frozen.advance(hours=5)
    cy = team.add()
    report = team.sync(2)
    assert report.new_reports == {"Ada Example": sorted(ids)}
    assert canonical(cy) == canonical(ada) == canonical(bo)


def test_a_laptop_offline_for_a_day_catches_up_in_one_sync(team: Team) -> None:
    ada, bo = team.add(), team.add()
    team.sync_all()
    offline_id = incidents.capture(bo, "Reported to Bo while offline").id
    made = []
    for hour in range(24):
        made.append(incidents.capture(ada, f"Report at hour {hour}").id)
        incidents.add_note(ada, made[-1], "checked")
        team.sync(0)
        team.frozen.advance(hours=1)
    report = team.sync(1)
    assert report.new_reports == {"Ada Example": sorted(made)}
    assert report.files_read == 24
    team.sync(0)
    assert canonical(ada) == canonical(bo)
    assert offline_id in ada.incidents()


def test_a_sync_with_nothing_new_reads_no_file_and_writes_nothing(team: Team) -> None:
    ada, bo = team.add(), team.add()
    incidents.capture(ada, "Something that needs follow-up")
    team.sync_all()
    home = bo.home
    assert home is not None
    before = {p.name: p.stat().st_mtime_ns for p in home.iterdir()}
    report = team.sync(1)
    assert (report.files_read, report.bytes_read) == (0, 0)
    assert report.lines() == ["up to date: nothing new"]
    assert {p.name: p.stat().st_mtime_ns for p in home.iterdir()} == before


def test_peers_are_reported_with_when_they_last_wrote(team: Team) -> None:
    team.add()
    team.add()
    team.add()
    incidents.capture(team.laptops[1], "A report")
    team.sync_all()
    peers = {p.member: p for p in team.sync(0).peers}
    assert set(peers) == {"Bo Sample", "Cy Person"}
    assert peers["Bo Sample"].files == 1 and peers["Bo Sample"].last_wrote is not None
    assert peers["Cy Person"].files == 0


def test_losing_the_sync_record_reads_everything_again_and_adds_nothing_twice(team: Team
                                                                             ) -> None:
    ada, bo = team.add(), team.add()
    inc_id = incidents.capture(ada, "Slur shouted in Room Zeta").id
    incidents.add_note(ada, inc_id, "only once please")
    team.sync_all()
    assert bo.home is not None
    (bo.home / sync.STATE_FILE).unlink()
    report = team.sync(1)
    assert report.received_changes == 0
    assert [n.text for n in bo.get(inc_id).notes] == ["only once please"]
    team.sync(0)
    assert len(ada.changes()) == len(bo.changes())


def test_a_crash_between_publishing_and_saving_the_record_adds_nothing_twice(
        team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    ada, bo = team.add(), team.add()
    inc_id = incidents.capture(ada, "Unwanted contact after the party").id

    def crash(*_args: Any) -> None:
        raise RuntimeError("power cut")

    with monkeypatch.context() as patched:
        patched.setattr(sync, "_save_state", crash)
        with pytest.raises(RuntimeError):
            team.sync(0)
    incidents.add_note(ada, inc_id, "after the crash")
    assert team.sync(0).published_changes == 2  # the capture again, and the note
    team.sync(1)
    assert [n.text for n in bo.get(inc_id).notes] == ["after the crash"]
    assert len(bo.changes()) == len(ada.changes()) == 2
    assert canonical(ada) == canonical(bo)


def test_syncs_from_worker_threads_while_typing_lose_nothing(team: Team) -> None:
    ada, bo = team.add(), team.add()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                sync.sync(ada)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    made = [incidents.capture(ada, f"Captured while syncing {n}").id for n in range(10)]
    for thread in threads:
        thread.join()
    assert not errors
    team.sync(0)
    team.sync(1)
    assert set(made) <= set(bo.incidents())


def test_no_report_text_or_member_name_reaches_the_shared_folder_in_clear(team: Team) -> None:
    ada = team.add("Ada Uniquename")
    team.add()
    marker = "ZEBRA-MARKER-31337"
    inc_id = incidents.capture(ada, f"{marker} in Room Zeta", who=marker)
    incidents.add_note(ada, inc_id.id, f"note {marker}")
    team.sync_all()
    for path in team.shared.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert marker.encode() not in data, path
            assert b"Uniquename" not in data, path
            assert inc_id.id.encode() not in data, path
        assert marker not in path.name and inc_id.id not in path.name


def test_join_with_a_wrong_passphrase_writes_nothing(team: Team, tmp_path: Path) -> None:
    team.add()
    before = sorted(str(p) for p in team.shared.rglob("*"))
    home = tmp_path / "bo-home"
    with pytest.raises(WrongPassphrase):
        sync.join(home, team.shared, "Bo Sample", "not the passphrase")
    assert not home.exists()
    assert sorted(str(p) for p in team.shared.rglob("*")) == before


def test_join_into_a_home_that_has_a_store_is_refused(team: Team) -> None:
    team.add()
    other = Store.create(team.root / "taken", PASSPHRASE, member="Bo Sample")
    other.close()
    with pytest.raises(StoreExists):
        sync.join(team.root / "taken", team.shared, "Bo Sample", PASSPHRASE)


def test_join_of_a_folder_without_a_team_is_refused_clearly(tmp_path: Path,
                                                            frozen_clock: Any) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotATeamFolder, match="holds no careterm team"):
        sync.join(tmp_path / "home", tmp_path / "empty", "Bo Sample", PASSPHRASE)
    assert not has_store(tmp_path / "home")


def test_joining_laptops_get_distinct_id_prefixes(team: Team) -> None:
    laptops = [team.add() for _ in range(4)]
    assert len({laptop.device_tag for laptop in laptops}) == 4
    assert len({laptop.meta["team_id"] for laptop in laptops}) == 1
    assert laptops[3].meta["team"] == "Example Con CARE"


def test_setting_up_a_folder_of_another_team_is_refused_and_leaves_it(team: Team) -> None:
    team.add()
    header = (team.shared / HEADER_FILE).read_bytes()
    stranger = Store.create(team.root / "stranger", PASSPHRASE, member="Di Tester")
    with pytest.raises(NotATeamFolder, match="another careterm team"):
        sync.init_shared(stranger, team.shared)
    stranger.close()
    assert (team.shared / HEADER_FILE).read_bytes() == header


def test_setting_up_the_same_folder_again_keeps_its_header(team: Team) -> None:
    ada = team.add()
    header = (team.shared / HEADER_FILE).read_bytes()
    sync.init_shared(ada, team.shared)
    assert (team.shared / HEADER_FILE).read_bytes() == header
    incidents.capture(ada, "Still syncing")
    assert team.sync(0).published_changes == 1


def test_sync_without_a_shared_folder_says_how_to_set_one_up(home: Path) -> None:
    store = Store.open(home, PASSPHRASE)
    with pytest.raises(sync.SyncNotConfigured, match="careterm init --shared"):
        sync.sync(store)
    store.close()


def test_a_store_restored_from_an_older_backup_gets_its_shared_changes_back(team: Team
                                                                           ) -> None:
    team.add()
    bo = team.add()
    assert bo.home is not None
    files = ("store.ct", "store.journal")
    backup = {name: (bo.home / name).read_bytes() if (bo.home / name).exists() else b""
              for name in files}
    inc_id = incidents.capture(bo, "Captured after the backup was taken").id
    team.sync(1)
    for name in files:  # the laptop is restored from the backup
        (bo.home / name).write_bytes(backup[name])
    assert inc_id not in bo.incidents()
    report = team.sync(1)
    assert any("restored from a backup" in w for w in report.warnings)
    assert inc_id in bo.incidents()


def test_a_laptop_restored_from_a_backup_syncs_as_a_new_device_and_loses_nothing(
        team: Team, tmp_path: Path) -> None:
    from careterm.store.backup import restore_backup, write_backup

    team.add()
    bo = team.add()
    early = incidents.capture(bo, "Captured before the backup").id
    backup = tmp_path / "bo.backup"
    write_backup(bo, backup)
    later = incidents.capture(bo, "Captured after the backup").id
    team.sync_all()
    # Bo's laptop dies; the backup is restored on a new one, which goes on working.
    restore_backup(tmp_path / "bo-new", backup, PASSPHRASE)
    new_bo = Store.open(tmp_path / "bo-new", PASSPHRASE)
    team.laptops.append(new_bo)
    fresh = incidents.capture(new_bo, "Captured on the restored laptop").id
    incidents.add_note(new_bo, early, "note from the restored laptop")
    team.sync_all()
    for laptop in (team.laptops[0], new_bo):
        assert {early, later, fresh} <= set(laptop.incidents())
        assert [n.text for n in laptop.get(early).notes] == ["note from the restored laptop"]
    assert canonical(team.laptops[0]) == canonical(new_bo)


def test_team_settings_travel_through_the_folder_and_are_no_report(team_of_two: Team
                                                                    ) -> None:
    from careterm.actions.settings import change_settings
    from careterm.core.settings import parse_changes
    from careterm.core.triage import board_header
    from careterm.core.vocabulary import TEAM_RECORD

    ada, bo = team_of_two.laptops
    changed = team_of_two.on(0, lambda store: change_settings(
        store, parse_changes(ack="10m", event="2027-06-02..2027-06-06")))
    assert [c.key for c in changed] == ["ack", "event_start", "event_end"]
    team_of_two.sync(0)
    report = team_of_two.sync(1)
    settings = bo.team_settings()
    assert settings.ack == timedelta(minutes=10) and str(settings.event_start) == "2027-06-02"
    assert bo.ack_target() == timedelta(minutes=10)
    # Counted as no report anywhere: not in the summary's reports, the board or a lookup.
    assert report.new_reports == {} and report.updated_reports == {}
    assert report.lines() == ["team settings changed by Ada Example (careterm settings "
                              "shows them)"]
    for laptop in (ada, bo):
        assert TEAM_RECORD not in laptop.incidents() and len(laptop.incidents()) == 1
        assert board_header(list(laptop.incidents().values())).startswith("1 open")
        with pytest.raises(UnknownIncident):
            laptop.get(TEAM_RECORD)
    # Changed on both laptops at once: the later change wins everywhere, both in history.
    team_of_two.on(1, lambda store: change_settings(store, parse_changes(review="8h")))
    team_of_two.frozen.advance(seconds=5)
    team_of_two.on(0, lambda store: change_settings(store, parse_changes(review="10h")))
    team_of_two.sync_all()
    assert ada.team_settings() == bo.team_settings()
    assert ada.team_settings().review == timedelta(hours=10)
    assert [v.value for v in bo.team_record().history["review"]] == [8 * 3600, 10 * 3600]
