"""Removing a member's laptop: a new key epoch for what is written after it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nacl.signing
import pytest

from careterm.actions import incidents
from careterm.core import clock
from careterm.errors import InvalidInput, WrongPassphrase
from careterm.store.crypto import Unsealable, subkey, unseal
from careterm.store.store import Store
from careterm.team import devices, keys, revoke, segments, sync
from tests.support import NEW_PASSPHRASE, PASSPHRASE, Team, canonical, folder_files, remove_cy

NEW = NEW_PASSPHRASE
MARKER = "WRITTEN-AFTER-REMOVAL-7731"


@pytest.fixture
def team(team_of_three: Team) -> Team:
    """Ada, Bo and Cy, each with one report, all synced."""
    return team_of_three






def signing_key_of(store: Store) -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(segments.unb64(store.meta[sync.META_SIGNING_KEY]))


def skipped(report: sync.SyncReport) -> dict[str, str]:
    return dict(report.skipped)


def test_the_remaining_laptops_keep_converging_with_the_new_key(team: Team) -> None:
    ada, bo, _cy = team.laptops
    result = remove_cy(team)
    assert result.removed.member == "Cy Person"
    assert any("protects only what is written from now on" in line for line in result.lines)
    report = team.sync(1)
    assert report.lines()[0] == ("Ada Example removed Cy Person's laptop (tag "
                                 f"{team.laptops[2].device_tag}) from the team: this laptop "
                                 "now writes with the new key")
    ada_id = incidents.capture(ada, "Captured on Ada's laptop after the removal").id
    bo_id = incidents.capture(bo, "Captured on Bo's laptop after the removal").id
    team.sync(0)
    team.sync(1)
    incidents.add_note(bo, ada_id, "Bo's note after the removal")
    for _ in range(2):
        team.sync(0)
        team.sync(1)
    assert canonical(ada) == canonical(bo)
    assert {ada_id, bo_id} <= set(ada.incidents())
    assert [n.text for n in ada.get(ada_id).notes] == ["Bo's note after the removal"]
    epoch = result.record.epoch
    assert sync.epochs_of(ada).current == sync.epochs_of(bo).current == epoch
    # The files written since name the new epoch.
    for laptop in (ada, bo):
        newest = max((team.shared / "devices" / laptop.device_id).glob("*.seg"),
                     key=lambda p: int(p.stem))
        assert f'"epoch": "{epoch}"'.encode() in newest.read_bytes()[:300]


def test_the_removed_laptop_cannot_read_anything_written_after(team: Team) -> None:
    ada, bo, cy = team.laptops
    before = set(folder_files(team))
    remove_cy(team)
    team.sync(1)
    inc_id = incidents.capture(ada, f"{MARKER} in Room Zeta", who=MARKER).id
    incidents.add_note(bo, next(iter(bo.incidents())), f"note {MARKER}")
    team.sync(0)
    team.sync(1)
    report = team.sync(2)
    assert any("not given the key" in w for w in report.warnings)
    assert inc_id not in cy.incidents()
    assert all(MARKER not in json.dumps(c) for c in cy.changes())
    new_files = {name: blob for name, blob in folder_files(team).items() if name not in before}
    segs = {n: b for n, b in new_files.items() if n.endswith(".seg")}
    assert len(segs) == 2
    # Everything Cy's store knows: the team key, every epoch key in its meta, its signing key.
    candidates = [cy.key, *sync.epochs_of(cy).keys.values()]
    team_id = cy.meta["team_id"]
    for name, blob in segs.items():
        assert MARKER.encode() not in blob
        _, device, seq_name = name.split("/")
        seq = int(seq_name.removesuffix(".seg"))
        header = json.loads(blob[len(segments.SEGMENT_MAGIC):blob.index(b"\n")])
        body = blob[blob.index(b"\n") + 1:]
        for key in candidates:
            for aad in (segments._epoch_aad("segment", team_id, header["epoch"], device, seq),
                        segments._aad("segment", team_id, device, seq)):
                with pytest.raises(Unsealable):
                    unseal(subkey(key, "segments"), body, aad)
        with pytest.raises(segments.NoEpochKey):
            segments.open_segment(sync.epochs_of(cy).keys, team_id, device, seq, blob,
                                  bytes(signing_key_of(ada).verify_key))
    # No key file in the new epoch opens with Cy's private key.
    key_files = [n for n in new_files if n.endswith(".key")]
    assert len(key_files) == 2
    for name in key_files:
        epoch = name.split("/")[1]
        with pytest.raises(segments.BadFile):
            segments.open_epoch_key(signing_key_of(cy), team_id, epoch, cy.device_id,
                                    new_files[name], bytes(signing_key_of(ada).verify_key))
    # The joining passphrase changed: Cy's old one opens neither the header nor the keyring.
    header = segments.TeamHeader.read(team.shared)
    assert header is not None
    with pytest.raises(WrongPassphrase):
        header.envelope.unwrap(PASSPHRASE)


def test_files_the_removed_laptop_writes_afterwards_are_refused_and_reported(team: Team
                                                                           ) -> None:
    ada, bo, cy = team.laptops
    remove_cy(team)
    later = incidents.capture(cy, "Captured on Cy's laptop after the removal").id
    published = team.sync(2).published_file
    assert published is not None
    # Cy also tries to slip a new file in as a "conflict copy" of a file it had shared.
    team_id = cy.meta["team_id"]
    forged_change = {**cy.changes()[-1], "cid": f"{cy.device_id}:999"}
    blob = segments.write_segment(cy.key, signing_key_of(cy), team_id, cy.device_id, 1,
                                  [forged_change], clock.now().isoformat())
    cy_dir = team.shared / "devices" / cy.device_id
    (cy_dir / "1 (conflicted copy 2026-11-25 143012).seg").write_bytes(blob)
    for n in (0, 1):
        report = team.sync(n)
        reasons = skipped(report)
        assert reasons[published] == ("written after Cy Person's laptop was removed from the "
                                      "team (2026-11-25 14:30): refused")
        copy = f"devices/{cy.device_id}/1 (conflicted copy 2026-11-25 143012).seg"
        assert reasons[copy].startswith("not one of the files Cy Person's laptop had shared")
        assert any(published in line and "refused" in line for line in report.lines())
        assert later not in team.laptops[n].incidents()
    again = team.sync(0)  # still reported, without reading the files again
    assert published in skipped(again) and again.received_changes == 0
    assert again.files_read == 0
    assert canonical(ada) == canonical(bo)


def test_a_device_the_removed_laptop_registers_afterwards_is_refused(team: Team) -> None:
    cy = team.laptops[2]
    remove_cy(team)
    # Cy makes up a new device with the team key it still has.
    fake_signing = nacl.signing.SigningKey.generate()
    fake = segments.Registration("ab" * 8, "Fay Demo", "ZZ", bytes(fake_signing.verify_key))
    team_id = cy.meta["team_id"]
    fake_dir = team.shared / "devices" / fake.device_id
    fake_dir.mkdir()
    (fake_dir / "device.reg").write_bytes(segments.seal_registration(cy.key, team_id, fake))
    change = {"cid": f"{fake.device_id}:1", "inc": "ZZ0001", "op": "set",
              "data": {"what": "Fake report"}, "hlc": "000001764081000.00000",
              "dev": fake.device_id, "by": "Fay Demo", "at": clock.now().isoformat()}
    (fake_dir / "1.seg").write_bytes(segments.write_segment(
        cy.key, fake_signing, team_id, fake.device_id, 1, [change], clock.now().isoformat()))
    report = team.sync(0)
    reason = skipped(report)[f"devices/{fake.device_id}"]
    assert reason.startswith("registered with a key Cy Person's removed laptop still has")
    assert "ZZ0001" not in team.laptops[0].incidents()


def test_a_removed_laptop_cannot_make_a_key_epoch_of_its_own(team: Team) -> None:
    ada, bo, cy = team.laptops
    result = remove_cy(team)
    team.sync(1)
    # Cy's laptop tries to strike back: "remove" Bo, with a key Ada's laptop would get.
    team.on(2, lambda s: revoke.revoke(s, "Bo Sample", "Cy's own passphrase"))
    for n in (0, 1):
        report = team.sync(n)
        assert any("ignored the new team key" in w and "made by Cy Person's laptop" in w
                   for w in report.warnings)
        assert sync.epochs_of(team.laptops[n]).current == result.record.epoch
    secret = incidents.capture(ada, f"{MARKER} after Cy's attempt").id
    team.sync(0)
    team.sync(1)
    assert secret in bo.incidents()
    team.sync(2)
    assert secret not in cy.incidents()


def test_two_removals_at_the_same_moment_are_reported_and_settled_by_a_third(
        team: Team) -> None:
    ada, bo, cy = team.laptops
    di = team.add()
    team.sync_all()
    first = team.on(0, lambda s: revoke.revoke(s, "Cy Person", NEW)).record.epoch
    # Bo removes Di before the sync service has brought Ada's new epoch over.
    arriving = team.shared / "epochs" / first
    arriving.rename(team.root / "in-transit")
    team.on(1, lambda s: revoke.revoke(s, "Di Tester", NEW))
    (team.root / "in-transit").rename(arriving)
    warnings = team.sync(0).warnings
    assert any("was given the newest key by a removal made at the same time" in w
               for w in warnings)
    team.on(0, lambda s: revoke.revoke(s, "Di Tester", NEW))  # already removed: once more
    team.sync(1)
    for n in (0, 1):
        report = team.sync(n)
        assert not report.warnings
        assert sync.epochs_of(team.laptops[n]).current.startswith("2-")
    secret = incidents.capture(bo, f"{MARKER} after both removals").id
    team.sync(1)
    team.sync(0)
    assert secret in ada.incidents()
    for n in (2, 3):
        team.sync(n)
        assert secret not in team.laptops[n].incidents()
    assert di.device_id not in sync.epochs_of(ada).records[
        sync.epochs_of(ada).current].recipients
    assert cy.device_id not in sync.epochs_of(ada).records[
        sync.epochs_of(ada).current].recipients


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty"])
def test_a_damaged_key_file_is_named_and_the_sync_goes_on(team: Team, damage: str) -> None:
    ada, bo, _cy = team.laptops
    result = remove_cy(team)
    key_file = team.shared / "epochs" / result.record.epoch / f"{bo.device_id}.key"
    intact = key_file.read_bytes()
    flipped = bytearray(intact)
    flipped[-5] ^= 0x01
    key_file.write_bytes({"flip": bytes(flipped), "truncate": intact[:40],
                          "empty": b""}[damage])
    incidents.capture(ada, "Captured after the removal")
    team.sync(0)
    report = team.sync(1)
    rel = f"epochs/{result.record.epoch}"
    assert rel in skipped(report)
    assert sync.epochs_of(bo).current == "0"
    key_file.write_bytes(intact)
    os.utime(key_file, ns=(1, 1))  # a new modification time, as a sync service would leave
    report = team.sync(1)  # the intact file arrives: the epoch is picked up
    assert [r.epoch for r in report.new_epochs] == [result.record.epoch]
    assert canonical(ada) == canonical(bo)


def test_files_the_removed_laptop_had_shared_before_still_arrive(team: Team) -> None:
    ada, bo, cy = team.laptops
    last = incidents.capture(cy, "Cy's last report before leaving").id
    team.sync(2)
    remove_cy(team)  # Ada syncs first, so the file is recorded as Cy's
    assert last in ada.incidents()
    report = team.sync(1)  # Bo had not seen it yet
    assert last in bo.incidents()
    assert not report.skipped


def test_a_laptop_joining_later_with_the_new_passphrase_gets_the_whole_history(
        team: Team, tmp_path: Path) -> None:
    ada, bo, _cy = team.laptops
    remove_cy(team)
    after = incidents.capture(ada, "Captured after the removal").id
    team.sync(0)
    team.sync(1)
    di = sync.join(tmp_path / "di", team.shared, "Di Tester", NEW)
    team.laptops.append(di)
    team.sync(3)
    assert after in di.incidents() and len(di.incidents()) == 4
    assert canonical(di) == canonical(ada)
    di_id = incidents.capture(di, "Captured on Di's laptop").id
    team.sync(3)
    assert team.sync(0).new_reports == {"Di Tester": [di_id]}
    team.sync(1)
    assert di_id in bo.incidents()
    assert canonical(di) == canonical(ada) == canonical(bo)
    # Di's registration is sealed under the new key: Cy's laptop cannot read it.
    reg = (team.shared / "devices" / di.device_id / "device.reg").read_bytes()
    assert reg.startswith(segments.REGISTRATION_MAGIC)


def test_joining_with_the_old_passphrase_fails_and_writes_nothing(team: Team,
                                                                  tmp_path: Path) -> None:
    remove_cy(team)
    before = folder_files(team)
    with pytest.raises(WrongPassphrase):
        sync.join(tmp_path / "cy-again", team.shared, "Cy Person", PASSPHRASE)
    assert not (tmp_path / "cy-again").exists()
    assert folder_files(team) == before


def test_the_passphrase_changes_here_and_reaches_the_other_laptops(team: Team) -> None:
    ada, bo, _cy = team.laptops
    remove_cy(team)
    assert ada.home is not None and bo.home is not None
    with pytest.raises(WrongPassphrase):
        Store.open(ada.home, PASSPHRASE)
    Store.open(ada.home, NEW).close()
    reopened = keys.unlock(bo.home, NEW)  # picked up from the shared folder's header
    assert len(reopened.incidents()) == 3
    reopened.close()


def test_a_later_passphrase_change_writes_a_keyring_for_joiners(team: Team,
                                                                tmp_path: Path) -> None:
    remove_cy(team)
    ada = team.laptops[0]
    assert ada.home is not None
    keys.change_passphrase_everywhere(ada.home, NEW, "a third passphrase")
    header = segments.TeamHeader.read(team.shared)
    assert header is not None
    rings = sorted(p.name for p in (team.shared / "keyrings").iterdir())
    assert len(rings) == 2 and segments.keyring_name(header.envelope) in rings
    with pytest.raises(WrongPassphrase):
        sync.join(tmp_path / "old", team.shared, "Di Tester", NEW)
    assert not (tmp_path / "old").exists()
    di = sync.join(tmp_path / "di", team.shared, "Di Tester", "a third passphrase")
    team.laptops.append(di)
    team.sync(3)
    assert canonical(di) == canonical(ada)


@pytest.mark.parametrize("name", ["self", "unknown", "empty-passphrase"])
def test_refused_revocations_change_nothing(team: Team, name: str) -> None:
    ada = team.laptops[0]
    before = folder_files(team)
    meta = ada.meta
    device, passphrase, message = {
        "self": (ada.device_tag, NEW, "that is this laptop"),
        "unknown": ("Nobody Here", NEW, "no laptop 'Nobody Here'"),
        "empty-passphrase": (team.laptops[2].device_tag, "", "passphrase is empty"),
    }[name]
    with pytest.raises(InvalidInput, match=message) as caught:
        revoke.revoke(ada, device, passphrase)
    assert caught.value.exit_code == 2 and "\n" not in str(caught.value)
    assert folder_files(team) == before
    assert ada.meta == meta


def test_a_device_is_found_by_id_tag_or_member(team: Team) -> None:
    ada, _bo, cy = team.laptops
    found = devices.team_devices(ada)
    assert {d.member for d in found} == {"Ada Example", "Bo Sample", "Cy Person"}
    for text in (cy.device_id, cy.device_id[:8], cy.device_tag.lower(), "cy person"):
        assert devices.resolve_device(found, text).device_id == cy.device_id
    twin = [*found, devices.DeviceInfo("cd" * 8, "Cy Person", "QQ", False, None, None, None, 0,
                                       bytes(32))]
    with pytest.raises(InvalidInput, match="names 2 laptops"):
        devices.resolve_device(twin, "Cy Person")


def test_devices_show_who_was_removed(team: Team) -> None:
    remove_cy(team)
    statuses = {d.member: d.status for d in devices.team_devices(team.laptops[1])}
    assert statuses == {"Ada Example": "member", "Bo Sample": "this laptop",
                        "Cy Person": "member"}  # Bo has not synced yet
    team.sync(1)
    statuses = {d.member: d.status for d in devices.team_devices(team.laptops[1])}
    assert statuses["Cy Person"] == "removed 2026-11-25 14:30 by Ada Example"


def test_a_second_removal_keeps_the_first_one(team: Team, tmp_path: Path) -> None:
    ada, bo, cy = team.laptops
    remove_cy(team)
    team.sync(1)
    di = sync.join(tmp_path / "di", team.shared, "Di Tester", NEW)
    team.laptops.append(di)
    team.sync(3)
    team.on(0, lambda s: revoke.revoke(s, "Di Tester", "a third passphrase"))
    incidents.capture(ada, "After both removals")
    team.sync(0)
    assert len(team.sync(1).new_epochs) == 1
    assert canonical(ada) == canonical(bo)
    assert sync.epochs_of(bo).current.startswith("2-")
    incidents.capture(cy, "Cy is still out")
    published = team.sync(2).published_file
    assert published in skipped(team.sync(1))
    late = sync.join(tmp_path / "late", team.shared, "Ed Placeholder", "a third passphrase")
    team.laptops.append(late)
    team.sync(4)
    assert canonical(late) == canonical(ada)


# ----------------------------------------------------------------- command line

def careterm(home: Path, *args: str, passphrase: str = PASSPHRASE,
             new: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARETERM_PASSPHRASE": passphrase,
           "CARETERM_KDF_LIMITS": "test-only-min"}
    env.pop("CARETERM_NEW_PASSPHRASE", None)
    if new is not None:
        env["CARETERM_NEW_PASSPHRASE"] = new
    return subprocess.run([sys.executable, "-m", "careterm", "--home", str(home), *args],
                          env=env, capture_output=True, text=True, timeout=120, check=False)


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def refused(done: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert done.returncode == code, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_revoke_end_to_end_through_the_command_line(tmp_path: Path) -> None:
    ada, bo, cy, di = (tmp_path / n for n in ("ada", "bo", "cy", "di"))
    shared = tmp_path / "shared"
    ok(careterm(ada, "init", "--member", "Ada Example", "--team", "Example Con CARE",
                "--shared", str(shared)))
    ok(careterm(bo, "join", "--member", "Bo Sample", "--shared", str(shared)))
    ok(careterm(cy, "join", "--member", "Cy Person", "--shared", str(shared)))
    early = ok(careterm(cy, "capture", "--what", "Reported to Cy at the info desk")).strip()
    for home in (cy, ada, bo):
        ok(careterm(home, "sync"))
    listing = ok(careterm(ada, "devices")).splitlines()
    assert listing[0].split() == ["TAG", "MEMBER", "DEVICE", "STATUS", "LAST", "WROTE"]
    cy_row = next(line for line in listing if "Cy Person" in line)
    cy_tag, cy_device = cy_row.split()[0], cy_row.split()[3]
    assert any("Ada Example" in line and "this laptop" in line for line in listing)

    assert "cannot remove itself" in refused(careterm(ada, "revoke", "Ada Example", new=NEW))
    assert "no laptop 'Zed Nobody'" in refused(careterm(ada, "revoke", "Zed Nobody", new=NEW))
    done = ok(careterm(ada, "revoke", cy_tag, new=NEW))
    assert f"removed Cy Person's laptop (tag {cy_tag}, device {cy_device[:8]})" in done
    assert "protects only what is written from now on" in done
    assert "removed" in ok(careterm(ada, "devices", passphrase=NEW))

    assert "removed Cy Person's laptop" in ok(careterm(bo, "sync"))
    # Bo's laptop learnt of the removal: only the new passphrase opens it from now on.
    assert "unlock with the new passphrase" in refused(careterm(bo, "list"), code=1)
    after = ok(careterm(bo, "capture", "--what", "Captured on Bo's laptop afterwards",
                        passphrase=NEW)).strip()
    ok(careterm(bo, "sync", passphrase=NEW))
    ok(careterm(cy, "capture", "--what", "Captured on Cy's laptop afterwards"))
    cy_sync = ok(careterm(cy, "sync"))
    assert "not given the key" in cy_sync and after not in cy_sync
    ada_sync = ok(careterm(ada, "sync", passphrase=NEW))
    assert f"skipped devices/{cy_device}/2.seg: written after Cy Person's laptop" in ada_sync
    shown = json.loads(ok(careterm(ada, "list", "--json", passphrase=NEW)))
    assert {r["id"] for r in shown} == {early, after}

    before = {p: p.read_bytes() for p in shared.rglob("*") if p.is_file()}
    line = refused(careterm(di, "join", "--member", "Di Tester", "--shared", str(shared)),
                   code=WrongPassphrase().exit_code)
    assert "passphrase did not match" in line and "nothing was written" in line
    assert not di.exists()
    assert {p: p.read_bytes() for p in shared.rglob("*") if p.is_file()} == before
    ok(careterm(di, "join", "--member", "Di Tester", "--shared", str(shared), passphrase=NEW))
    ok(careterm(di, "sync", passphrase=NEW))
    shown = json.loads(ok(careterm(di, "list", "--json", passphrase=NEW)))
    assert {r["id"] for r in shown} == {early, after}
