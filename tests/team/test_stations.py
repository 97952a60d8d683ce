"""Write-only intake stations: a volunteer sends, the CARE laptops pick up, nobody else reads."""

from __future__ import annotations

import json
from pathlib import Path

import nacl.signing
import pytest

from careterm.actions.erase import erase
from careterm.actions.incidents import prepare_capture
from careterm.cli.main import main
from careterm.errors import InvalidInput, WrongPassphrase
from careterm.store import station
from careterm.store.crypto import b64
from careterm.team import station_admin
from careterm.team.erasure import readable_folder
from careterm.team.stations import intake_public_key
from careterm.team.sync import epochs_of
from tests.support import PASSPHRASE, Team

SECRET = "Someone from Exampleville grabbed a volunteer's arm at the badge desk"


def _station(team: Team, tmp_path: Path, name: str = "Registration desk") -> Path:
    home = tmp_path / f"station-{len(list(tmp_path.glob('station-*')))}"
    station_admin.set_up_station(home, team.shared, PASSPHRASE, name, "Ada Example")
    return home


def _send(home: Path, what: str = SECRET, **fields: str) -> str:
    return station.send(home, prepare_capture(what, **fields).data)


def _files_under(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.rglob("*") if p.is_file())


def test_a_station_report_reaches_the_board_and_the_station_keeps_nothing_readable(
        team_of_two: Team, tmp_path: Path) -> None:
    home = _station(team_of_two, tmp_path)
    ref = _send(home, where="Hall Omega", ongoing="no")
    assert ref.startswith("Z") and len(ref) == 6
    assert b"Exampleville" not in _files_under(home)
    assert b"Exampleville" not in _files_under(team_of_two.shared)
    report = team_of_two.sync(0)
    assert report.new_reports == {"Registration desk (intake station)": [ref]}
    incident = team_of_two.laptops[0].get(ref)
    assert incident.what == SECRET and incident.where == "Hall Omega"
    assert incident.source == "staff" and not incident.acknowledged
    assert incident.extra["relayed_by"] == "Registration desk (intake station)"


def test_picked_up_once_however_many_laptops_and_syncs(team_of_two: Team,
                                                      tmp_path: Path) -> None:
    home = _station(team_of_two, tmp_path)
    ref = _send(home)
    team_of_two.sync(0)
    team_of_two.sync(1)  # Bo picks it up too, before Ada's changes reached him
    team_of_two.sync_all()
    for laptop in team_of_two.laptops:
        assert [i for i in laptop.incidents() if i.startswith("Z")] == [ref]
    assert team_of_two.sync(0).new_reports == {}


def test_the_station_cannot_read_anything(team_of_two: Team, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    home = _station(team_of_two, tmp_path)
    _send(home)
    for command in (["list"], ["show", "Z00001"], ["export", "Z00001"], ["report"],
                    ["sync"]):
        monkeypatch.setenv("CARETERM_PASSPHRASE", PASSPHRASE)
        assert main(["--home", str(home), *command]) == 2
        err = capsys.readouterr().err
        assert "this laptop is an intake station" in err and len(err.splitlines()) == 1
    config = json.loads((home / station.STATION_FILE).read_text())
    assert set(config) >= {"intake_public", "signing_key"}
    assert not any("team" in k and "key" in k for k in config)  # no team key kept
    # The station's own report does not open with anything it holds.
    blob = next((team_of_two.shared / station.STATIONS_DIR).rglob("Z*.rep")).read_bytes()
    with pytest.raises(ValueError, match="intake key"):
        station.open_report(blob, [station.__name__.encode().ljust(32, b"x")[:32]],
                            b"\0" * 32, team_id=config["team_id"],
                            station_id=config["station_id"], ref="Z00001")


def test_wrong_passphrase_sets_nothing_up(team_of_two: Team, tmp_path: Path) -> None:
    with pytest.raises(WrongPassphrase):
        station_admin.set_up_station(tmp_path / "st", team_of_two.shared, "not it", "Desk",
                                     "Ada")
    assert not (tmp_path / "st").exists()
    assert not (team_of_two.shared / station.STATIONS_DIR).exists()


def test_a_forged_report_is_refused_and_named(team_of_two: Team, tmp_path: Path) -> None:
    home = _station(team_of_two, tmp_path)
    config = station.load(home)
    # Someone with the folder (and the public intake key) writes a report signed with
    # their own key under the station's name.
    forger = station.StationConfig(**{**config.__dict__,
                                      "signing_key": b64(bytes(nacl.signing.SigningKey
                                                               .generate()))})
    blob = station.seal_report(forger, prepare_capture("forged").data, "Z00009")
    path = team_of_two.shared / station.STATIONS_DIR / config.station_id / "Z00009.rep"
    path.write_bytes(blob)
    report = team_of_two.sync(0)
    assert "Z00009" not in team_of_two.laptops[0].incidents()
    assert any("Z00009.rep" in name and "signature" in why for name, why in report.skipped)


def test_a_renamed_report_and_another_teams_station_are_refused(team_of_two: Team,
                                                               tmp_path: Path) -> None:
    home = _station(team_of_two, tmp_path)
    ref = _send(home)
    folder = team_of_two.shared / station.STATIONS_DIR / station.load(home).station_id
    (folder / f"{ref}.rep").rename(folder / "Z00005.rep")
    other = Team(tmp_path / "other", team_of_two.frozen)
    other.add("Oz Example")
    other_home = tmp_path / "other-station"
    station_admin.set_up_station(other_home, other.shared, PASSPHRASE, "Elsewhere", "Oz")
    other_config = station.load(other_home)
    foreign = team_of_two.shared / station.STATIONS_DIR / other_config.station_id
    foreign.mkdir()
    (foreign / "station.ct").write_bytes(
        (other.shared / station.STATIONS_DIR / other_config.station_id / "station.ct")
        .read_bytes())
    _send(other_home)
    (foreign / "Z00001.rep").write_bytes(
        (other.shared / station.STATIONS_DIR / other_config.station_id / "Z00001.rep")
        .read_bytes())
    report = team_of_two.sync(0)
    reasons = dict(report.skipped)
    assert "renamed or replayed" in reasons[f"stations/{folder.name}/Z00005.rep"]
    assert "another careterm team" in reasons[f"stations/{foreign.name}/station.ct"]
    assert not [i for i in team_of_two.laptops[0].incidents() if i.startswith("Z")]
    other.close()


def test_a_removed_station_is_refused_on_every_laptop(team_of_two: Team,
                                                     tmp_path: Path) -> None:
    home = _station(team_of_two, tmp_path)
    info = team_of_two.on(0, lambda s: station_admin.find_station(s, "registration DESK"))
    assert info is not None and info.tag == "Z0"
    team_of_two.on(0, lambda s: station_admin.remove_station(s, info))
    team_of_two.sync_all()
    ref = _send(home, "sent after the station was removed")
    for n in (0, 1):
        report = team_of_two.sync(n)
        assert ref not in team_of_two.laptops[n].incidents()
        assert any(ref in name and "removed from the team" in why
                   for name, why in report.skipped)


def test_stations_get_their_own_tags_and_the_intake_key_is_the_teams(team_of_two: Team,
                                                                     tmp_path: Path) -> None:
    first, second = _station(team_of_two, tmp_path), _station(team_of_two, tmp_path, "Hall")
    assert (station.load(first).tag, station.load(second).tag) == ("Z0", "Z1")
    epochs = epochs_of(team_of_two.laptops[0])
    assert station.load(first).intake_public == b64(intake_public_key(epochs.keys["0"]))
    with pytest.raises(InvalidInput, match="already an intake station"):
        station_admin.set_up_station(first, team_of_two.shared, PASSPHRASE, "Again", "Ada")


def test_station_commands_at_the_command_line(team_of_two: Team, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "desk"
    ada = team_of_two.laptops[0].home

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setenv("CARETERM_PASSPHRASE", PASSPHRASE)
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("--home", str(home), "station", "init", "--shared",
                       str(team_of_two.shared), "--name", "Registration desk")
    assert code == 0 and "intake station 'Registration desk'" in out
    code, out, err = run("--home", str(home), "station", "send", "--what", SECRET,
                         "--ongoing", "yes")
    assert code == 0 and out.strip() == "Z00001" and err == ""
    code, _, err = run("--home", str(home), "station", "send")
    assert code == 2 and "--what" in err
    team_of_two.close()  # the CLI opens the stores itself from here on
    code, out, _ = run("--home", str(ada), "sync")
    assert "1 new report from Registration desk (intake station): Z00001" in out
    code, out, _ = run("--home", str(ada), "show", "Z00001", "--json")
    record = json.loads(out)
    assert record["urgency"] == "high" and record["source"] == "staff"  # ongoing raises it
    code, out, _ = run("--home", str(ada), "devices")
    assert "station: Registration" in out and "intake station" in out
    code, out, _ = run("--home", str(ada), "revoke", "Z0")
    assert code == 0 and "'Registration desk' (Z0) is removed" in out
    code, out, _ = run("--home", str(ada), "devices")
    assert "removed from the team" in out


def test_an_erased_station_report_leaves_no_readable_copy_in_the_folder(
        team_of_two: Team, tmp_path: Path) -> None:
    home = _station(team_of_two, tmp_path)
    ref = _send(home, who="Quentin Erasable")
    team_of_two.sync_all()
    ada = team_of_two.laptops[0]
    keys = epochs_of(ada).keys
    before = readable_folder(team_of_two.shared, keys, ada.meta["team_id"])
    assert any("Quentin Erasable" in text for name, text in before if name.endswith(".rep"))
    team_of_two.on(0, lambda s: erase(s, ref, ("who", "what"), "the reporter asked"))
    team_of_two.sync_all(rounds=3)
    after = readable_folder(team_of_two.shared, keys, ada.meta["team_id"])
    assert not [name for name, text in after if "Quentin Erasable" in text]
    assert not list((team_of_two.shared / station.STATIONS_DIR).rglob(f"{ref}.rep"))
    # Nothing comes back: the station's file is gone, the report stays erased.
    assert team_of_two.laptops[1].get(ref).who == "[erased]"
