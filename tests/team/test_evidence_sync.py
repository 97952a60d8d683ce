"""Evidence files: kept sealed, carried apart from the segments, refused when forged."""

from __future__ import annotations

from pathlib import Path

import pytest

from careterm.actions import evidence
from careterm.actions.settings import change_settings
from careterm.core.evidence import evidence_items
from careterm.errors import InvalidInput
from careterm.store import evidence as local
from careterm.team import segments
from careterm.team.evidence import build_file
from careterm.team.sync import epochs_of, signing_key_of
from tests.support import Team, device_dir

SCREENSHOT = b"\x89PNG\r\n\x1a\n" + b"pixels of a chat in Exampleville " * 2000


def _report_id(team: Team) -> str:
    return next(iter(team.laptops[0].incidents()))


def _attach(team: Team, tmp_path: Path, data: bytes = SCREENSHOT, n: int = 0,
            name: str = "chat.png") -> evidence.EvidenceItem:
    path = tmp_path / name
    path.write_bytes(data)
    return team.on(n, lambda s: evidence.attach(s, _report_id(team), path, note="the chat"))


def test_attached_file_is_sealed_on_disk_and_listed(team_of_two: Team, tmp_path: Path) -> None:
    item = _attach(team_of_two, tmp_path)
    ada = team_of_two.laptops[0]
    assert (item.number, item.name, item.size, item.type) == (1, "chat.png", len(SCREENSHOT),
                                                              "image/png")
    blob = (ada.home / "evidence" / f"{item.id}.ct").read_bytes()
    assert b"Exampleville" not in blob and b"PNG" not in blob
    assert evidence.evidence_bytes(ada, item) == SCREENSHOT


def test_evidence_reaches_the_other_laptop_in_its_own_file(team_of_two: Team,
                                                          tmp_path: Path) -> None:
    item = _attach(team_of_two, tmp_path)
    report = team_of_two.sync(0)
    assert report.evidence_published == 1
    shared = device_dir(team_of_two, 0) / "evidence" / f"{item.id}.ct"
    assert shared.is_file() and b"Exampleville" not in shared.read_bytes()
    # The segment carrying the entry is small: the bytes are not in it.
    newest = max(device_dir(team_of_two, 0).glob("*.seg*"), key=lambda p: p.stat().st_mtime_ns)
    assert newest.stat().st_size < len(SCREENSHOT) // 4
    bo = team_of_two.laptops[1]
    received = team_of_two.sync(1)
    assert received.evidence_fetched == 1
    [seen] = evidence_items(bo.get(_report_id(team_of_two)))
    out = tmp_path / "saved"
    out.mkdir()
    assert seen.id == item.id
    written = team_of_two.on(1, lambda s: evidence.save_copy(s, _report_id(team_of_two), 1,
                                                              out))
    assert written.read_bytes() == SCREENSHOT


def test_a_laptop_without_the_file_yet_has_the_report_and_says_so(team_of_two: Team,
                                                                 tmp_path: Path) -> None:
    item = _attach(team_of_two, tmp_path)
    team_of_two.sync(0)
    (device_dir(team_of_two, 0) / "evidence" / f"{item.id}.ct").unlink()
    report = team_of_two.sync(1)
    bo = team_of_two.laptops[1]
    assert report.evidence_waiting == 1
    assert any("not in the shared folder yet" in line for line in report.lines())
    [seen] = evidence_items(bo.get(_report_id(team_of_two)))
    with pytest.raises(InvalidInput, match="not on this laptop yet"):
        evidence.evidence_bytes(bo, seen)
    # Ada's next sync puts it back; Bo then fetches it.
    team_of_two.sync(0)
    assert team_of_two.sync(1).evidence_fetched == 1


def test_a_swapped_file_is_refused_and_named(team_of_two: Team, tmp_path: Path) -> None:
    item = _attach(team_of_two, tmp_path)
    team_of_two.sync(0)
    ada, bo = team_of_two.laptops
    shared = device_dir(team_of_two, 0) / "evidence" / f"{item.id}.ct"
    # Bo (a team member, so he has the team key) forges Ada's file with other bytes.
    forged = build_file(b"other bytes", key=epochs_of(bo).keys[segments.BASE_EPOCH],
                        epoch=segments.BASE_EPOCH, signing_key=signing_key_of(bo),
                        team_id=bo.meta["team_id"],
                        device_id=ada.device_id, evidence_id=item.id)
    shared.unlink()
    shared.write_bytes(forged)
    cy_like = team_of_two.add("Cy Example")
    report = team_of_two.sync(2)
    assert report.evidence_fetched == 0
    assert any(item.id in name and "signature" in why for name, why in report.skipped)
    assert not local.has_file(cy_like, item.id)


def test_over_the_limit_is_refused_without_storing(team_of_two: Team, tmp_path: Path) -> None:
    ada, bo = team_of_two.laptops
    team_of_two.on(0, lambda s: change_settings(s, {"evidence_limit_mb": 1}))
    team_of_two.sync_all()  # a team setting: Bo's laptop holds to it too
    big = b"x" * (1024 * 1024 + 1)
    for n, laptop in ((0, ada), (1, bo)):
        with pytest.raises(InvalidInput, match="larger than the team's evidence limit of 1 MB"):
            _attach(team_of_two, tmp_path, big, n=n)
        assert evidence_items(laptop.get(_report_id(team_of_two))) == []
    assert _attach(team_of_two, tmp_path, big[:-1], n=1).size == 1024 * 1024


def test_names_with_folders_and_control_characters(team_of_two: Team, tmp_path: Path) -> None:
    ada = team_of_two.laptops[0]
    item = team_of_two.on(0, lambda s: evidence.attach_bytes(
        s, _report_id(team_of_two), b"x", "../../etc/pass\x1b[2Jwd", None))
    assert item.name == "pass\x1b[2Jwd"  # kept as text, shown literally by the faces
    out = tmp_path / "out"
    out.mkdir()
    written = evidence.save_copy(ada, _report_id(team_of_two), 1, out)
    assert written.parent == out and "\x1b" not in written.name


def test_save_never_overwrites(team_of_two: Team, tmp_path: Path) -> None:
    _attach(team_of_two, tmp_path)
    target = tmp_path / "existing.png"
    target.write_bytes(b"keep me")
    with pytest.raises(InvalidInput, match="already exists"):
        evidence.save_copy(team_of_two.laptops[0], _report_id(team_of_two), 1, target)
    assert target.read_bytes() == b"keep me"



def test_a_signed_file_with_other_bytes_than_announced_is_refused(team_of_two: Team,
                                                                   tmp_path: Path) -> None:
    item = _attach(team_of_two, tmp_path)
    team_of_two.sync(0)
    ada = team_of_two.laptops[0]
    shared = device_dir(team_of_two, 0) / "evidence" / f"{item.id}.ct"
    other = build_file(b"not the screenshot", key=epochs_of(ada).keys[segments.BASE_EPOCH],
                       epoch=segments.BASE_EPOCH, signing_key=signing_key_of(ada),
                       team_id=ada.meta["team_id"], device_id=ada.device_id,
                       evidence_id=item.id)
    shared.unlink()
    shared.write_bytes(other)
    report = team_of_two.sync(1)
    assert report.evidence_fetched == 0
    assert any("not hold the bytes its entry announced" in why for _, why in report.skipped)
