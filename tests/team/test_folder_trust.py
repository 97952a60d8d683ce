"""The folder's key material is data from a stranger (issue 10).

Whoever can write to the shared folder (a sync peer, a removed member who kept
a copy) must not be able to weaken the key stretching of the next passphrase,
make a laptop that joins later fall back to a key the removed member has, or
swap a known laptop's registration for one of its own. Each test makes the
attack first, then checks the refusal and that nothing was lost or written.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nacl.pwhash
import nacl.secret
import nacl.signing
import nacl.utils
import pytest

from careterm.actions import incidents
from careterm.core import clock
from careterm.errors import WrongPassphrase
from careterm.store.crypto import KeyEnvelope, derive_key
from careterm.store.store import read_envelope
from careterm.team import devices, keys, segments, sync
from careterm.team.segments import NotATeamFolder, Registration
from tests.support import NEW_PASSPHRASE, PASSPHRASE, Team, canonical, folder_files, remove_cy

NEW = NEW_PASSPHRASE
MODERATE = (nacl.pwhash.argon2id.OPSLIMIT_MODERATE, nacl.pwhash.argon2id.MEMLIMIT_MODERATE)
WEAK = (1, 8192)
"""1 pass, 8 KiB: what an attacker writes into the header."""


@pytest.fixture
def team(team_of_three: Team) -> Team:
    """Ada, Bo and Cy, each with one report, all synced."""
    return team_of_three




def header_json(team: Team) -> dict:
    return json.loads((team.shared / segments.HEADER_FILE).read_bytes())


def write_header_json(team: Team, data: dict) -> None:
    (team.shared / segments.HEADER_FILE).write_bytes(json.dumps(data, indent=1).encode())


def weaken_header(team: Team) -> None:
    data = header_json(team)
    data["key"]["opslimit"], data["key"]["memlimit"] = WEAK
    write_header_json(team, data)


def real_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """careterm's own limits (MODERATE): the test suite's cheap switch is off."""
    monkeypatch.delenv("CARETERM_KDF_LIMITS", raising=False)




def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text
    return text


# ----------------------------------------------------------------- key stretching

def test_revoke_wraps_the_new_key_with_this_laptops_limits_not_the_headers(
        team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    weaken_header(team)  # anyone with the folder can
    real_limits(monkeypatch)
    remove_cy(team)
    header = segments.TeamHeader.read(team.shared)
    assert header is not None
    assert (header.envelope.opslimit, header.envelope.memlimit) == MODERATE
    ada = team.laptops[0]
    assert ada.home is not None
    local = read_envelope(ada.home)
    assert (local.opslimit, local.memlimit) == MODERATE
    # Both open with the new passphrase, and the limits are bound to the wrapped key.
    assert header.envelope.version == 2
    assert header.envelope.unwrap(NEW) == ada.key


def test_a_header_with_weakened_limits_is_refused_on_join(
        team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    weaken_header(team)
    real_limits(monkeypatch)
    before = folder_files(team)
    with pytest.raises(NotATeamFolder) as caught:
        sync.join(tmp_path / "di", team.shared, "Di Tester", PASSPHRASE)
    message = one_line(caught.value)
    assert str(team.shared / segments.HEADER_FILE) in message
    assert "weaker key stretching" in message and "nothing was written" in message
    assert not (tmp_path / "di").exists()
    assert folder_files(team) == before


def test_cheap_limits_are_accepted_only_with_the_test_suites_own_switch(
        team: Team, tmp_path: Path) -> None:
    # The switch (on in the test suite, never set by a header) makes the cheapest
    # limits this laptop's own, so a team made by the tests still joins.
    weaken_header(team)
    di = sync.join(tmp_path / "di", team.shared, "Di Tester", PASSPHRASE)
    di.close()


def test_unlock_does_not_pick_up_a_header_with_weakened_limits(
        team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    ada, bo, _cy = team.laptops
    assert ada.home is not None and bo.home is not None
    keys.change_passphrase_everywhere(ada.home, PASSPHRASE, NEW)
    weaken_header(team)
    key_file = (bo.home / "careterm.key").read_bytes()
    real_limits(monkeypatch)
    with pytest.raises(NotATeamFolder) as caught:
        keys.unlock(bo.home, NEW)
    assert "weaker key stretching" in one_line(caught.value)
    assert (bo.home / "careterm.key").read_bytes() == key_file


def test_the_limits_and_what_is_bound_are_authenticated_with_the_wrapped_key() -> None:
    envelope, data_key = KeyEnvelope.create(PASSPHRASE, bound="kept with the key")
    data = envelope.to_dict()
    assert data["version"] == 2
    assert KeyEnvelope.from_dict(data).unwrap(PASSPHRASE) == data_key
    for change in ({"bound": "something else"}, {"bound": ""}):
        with pytest.raises(WrongPassphrase):
            KeyEnvelope.from_dict({**data, **change}).unwrap(PASSPHRASE)
    downgraded = {k: v for k, v in data.items() if k not in ("version", "bound")}
    with pytest.raises(WrongPassphrase):
        KeyEnvelope.from_dict(downgraded).unwrap(PASSPHRASE)
    # A key file written before (version 1: SecretBox, nothing bound) still opens.
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    ops, mem = nacl.pwhash.argon2id.OPSLIMIT_MIN, nacl.pwhash.argon2id.MEMLIMIT_MIN
    wrapped = nacl.secret.SecretBox(derive_key(PASSPHRASE, salt, ops, mem)).encrypt(data_key)
    legacy = KeyEnvelope(salt, ops, mem, bytes(wrapped)).to_dict()
    assert "version" not in legacy
    assert KeyEnvelope.from_dict(legacy).unwrap(PASSPHRASE) == data_key
    # Base64 has spare bits: another spelling of the same salt is not accepted.
    spare = legacy["salt"][:-3] + chr(ord(legacy["salt"][-3]) ^ 1) + "=="
    with pytest.raises(ValueError):
        KeyEnvelope.from_dict({**legacy, "salt": spare})


# ----------------------------------------------------------------- the newest epoch

@pytest.mark.parametrize("deleted", [("epochs", "keyrings"), ("keyrings",)])
def test_joining_without_the_teams_newest_key_is_refused(
        team: Team, tmp_path: Path, deleted: tuple[str, ...]) -> None:
    remove_cy(team)
    team.sync(1)
    for name in deleted:
        shutil.rmtree(team.shared / name)
    before = folder_files(team)
    with pytest.raises(NotATeamFolder) as caught:
        sync.join(tmp_path / "di", team.shared, "Di Tester", NEW)
    message = one_line(caught.value)
    assert "the team's newest key (epoch 1) is missing from the shared folder" in message
    assert "nothing was written" in message
    assert not (tmp_path / "di").exists()
    assert folder_files(team) == before


def test_the_header_cannot_be_made_to_claim_an_older_epoch(team: Team, tmp_path: Path
                                                           ) -> None:
    remove_cy(team)
    shutil.rmtree(team.shared / "epochs")
    shutil.rmtree(team.shared / "keyrings")
    data = header_json(team)
    assert data["key"]["bound"]  # the newest epoch, authenticated with the wrapped key
    for forged in ("", json.dumps({"epoch": "0"})):
        write_header_json(team, {**data, "key": {**data["key"], "bound": forged}})
        with pytest.raises(WrongPassphrase):
            sync.join(tmp_path / "di", team.shared, "Di Tester", NEW)
        assert not (tmp_path / "di").exists()


def test_the_keyring_alone_is_enough_to_join(team: Team, tmp_path: Path) -> None:
    ada = team.laptops[0]
    epoch = remove_cy(team).record.epoch
    after = incidents.capture(ada, "Captured after the removal").id
    team.sync(0)
    shutil.rmtree(team.shared / "epochs")  # the keyring holds every epoch key
    di = sync.join(tmp_path / "di", team.shared, "Di Tester", NEW)
    team.laptops.append(di)
    assert sync.epochs_of(di).current == epoch
    team.sync(3)
    assert after in di.incidents()
    assert canonical(di) == canonical(ada)


def test_a_passphrase_change_binds_the_newest_epoch_too(team: Team, tmp_path: Path
                                                         ) -> None:
    remove_cy(team)
    ada = team.laptops[0]
    assert ada.home is not None
    keys.change_passphrase_everywhere(ada.home, NEW, "a third passphrase")
    shutil.rmtree(team.shared / "epochs")
    shutil.rmtree(team.shared / "keyrings")
    with pytest.raises(NotATeamFolder, match=r"newest key \(epoch 1\) is missing"):
        sync.join(tmp_path / "di", team.shared, "Di Tester", "a third passphrase")
    assert not (tmp_path / "di").exists()


# ----------------------------------------------------------------- registrations

def test_registrations_are_signed_by_their_device(team: Team) -> None:
    ada = team.laptops[0]
    team_id = ada.meta["team_id"]
    blob = (team.shared / "devices" / ada.device_id / "device.reg").read_bytes()
    reg = segments.open_registration(ada.key, team_id, ada.device_id, blob)
    assert reg.member == "Ada Example"
    # The same registration signed by another key (someone who has the team key) fails.
    other = nacl.signing.SigningKey.generate()
    forged = segments.seal_registration(ada.key, team_id, reg, signing_key=other)
    with pytest.raises(segments.BadFile, match="not signed by the key it names"):
        segments.open_registration(ada.key, team_id, ada.device_id, forged)


def test_the_epoch_record_pins_every_known_laptop(team: Team) -> None:
    ada, bo, cy = team.laptops
    epoch = remove_cy(team).record.epoch
    team.sync(1)
    record = sync.epochs_of(bo).records[epoch]
    assert set(record.devices) == {ada.device_id, bo.device_id, cy.device_id}
    for laptop in (ada, bo, cy):
        assert record.devices[laptop.device_id] == Registration(
            laptop.device_id, laptop.member, laptop.device_tag,
            bytes(sync.signing_key_of(laptop).verify_key))


@pytest.mark.parametrize("signed", [False, True])
def test_a_removed_member_cannot_replace_a_known_laptops_registration(
        team: Team, tmp_path: Path, signed: bool) -> None:
    ada, bo, cy = team.laptops
    remove_cy(team)
    team.sync(1)
    # Cy still has the first key: it seals a registration "of Ada's laptop" with a
    # key of its own, and a segment "by Ada" signed with that key.
    team_id = cy.meta["team_id"]
    fake = nacl.signing.SigningKey.generate()
    forged = Registration(ada.device_id, ada.member, ada.device_tag, bytes(fake.verify_key))
    ada_dir = team.shared / "devices" / ada.device_id
    signature = {"signing_key": fake} if signed else {}  # self-signed, or as before
    (ada_dir / "device.reg").write_bytes(
        segments.seal_registration(cy.key, team_id, forged, **signature))
    seq = 1 + max(int(p.stem) for p in ada_dir.glob("*.seg"))
    planted = {"cid": f"{ada.device_id}:900", "inc": f"{ada.device_tag}0900", "op": "set",
               "data": {"what": "PLANTED by Cy as Ada"}, "hlc": "001764081000000.00000",
               "dev": ada.device_id, "by": ada.member, "at": clock.now().isoformat()}
    (ada_dir / f"{seq}.seg").write_bytes(segments.write_segment(
        cy.key, fake, team_id, ada.device_id, seq, [planted], clock.now().isoformat()))

    di = sync.join(tmp_path / "di", team.shared, "Di Tester", NEW)
    team.laptops.append(di)
    report = team.sync(3)
    reasons = dict(report.skipped)
    reason = reasons[f"devices/{ada.device_id}/device.reg"]
    assert "Ada Example" in reason and ada.device_id[:8] in reason
    assert "recorded" in reason
    assert f"devices/{ada.device_id}/{seq}.seg" in reasons
    assert planted["inc"] not in di.incidents()
    assert canonical(di) == canonical(ada)  # Ada's real files still arrive
    listed = {d.device_id: d for d in devices.team_devices(di)}
    assert listed[ada.device_id].verify_key == bytes(sync.signing_key_of(ada).verify_key)
    again = team.sync(3)  # still named on the next sync
    assert f"devices/{ada.device_id}/device.reg" in dict(again.skipped)
    # A laptop that was in the team all along refuses both as well.
    reasons = dict(team.sync(1).skipped)
    assert "Ada Example" in reasons[f"devices/{ada.device_id}/device.reg"]
    assert f"devices/{ada.device_id}/{seq}.seg" in reasons
    assert planted["inc"] not in bo.incidents()
