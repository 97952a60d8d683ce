"""Erasure reaches every byte: both homes and the shared folder, decrypted independently.

The decryption here does not use careterm's ``erase --verify`` code: it opens each
file with the keys and the formats the store and the shared folder use, and fails if
a file that should open does not (so the search can never pass vacuously).
"""

from __future__ import annotations

import io
import json
import zlib
from pathlib import Path

import pytest

from careterm.actions import evidence as evidence_actions
from careterm.actions import incidents
from careterm.actions.erase import erase
from careterm.cli.main import main
from careterm.core.erasure import ERASABLE, ERASED
from careterm.store import draft
from careterm.store.crypto import subkey, unb64, unseal
from careterm.store.evidence import evidence_purpose
from careterm.store.storage import JOURNAL_MAGIC, SNAPSHOT_ID_BYTES, STORE_PURPOSE
from careterm.store.store import DRAFT_PURPOSE, Store
from careterm.team import sync as team_sync
from careterm.team.doctor import diagnose
from careterm.team.segments import SEGMENT_MAGIC
from tests.support import PASSPHRASE, Team

NAME = "Xanthippe Vorobyeva"
FIRST = "Xanthippe"


def _decrypt_home(store: Store) -> dict[str, bytes]:
    """Every file of the laptop's home, decrypted where careterm sealed it."""
    home, key = store.home, store.store_key
    assert home is not None and key is not None and store.key is not None
    found: dict[str, bytes] = {}
    for path in sorted(p for p in home.rglob("*") if p.is_file()):
        rel, blob = str(path.relative_to(home)), path.read_bytes()
        if path.name == "store.ct":
            plain = unseal(subkey(key, "store"), blob, STORE_PURPOSE)
            assert b'"meta"' in plain
        elif path.name == "store.journal":
            plain = b""
            if blob:
                sid = blob[len(JOURNAL_MAGIC):len(JOURNAL_MAGIC) + SNAPSHOT_ID_BYTES]
                offset, index = len(JOURNAL_MAGIC) + SNAPSHOT_ID_BYTES, 0
                while offset < len(blob):
                    length = int.from_bytes(blob[offset:offset + 4], "big")
                    aad = STORE_PURPOSE + b"/journal/" + sid + b"/" + str(index).encode()
                    plain += unseal(subkey(key, "store"), blob[offset + 4:offset + 4 + length],
                                    aad)
                    offset, index = offset + 4 + length, index + 1
        elif path.name == "draft.ct":
            plain = unseal(subkey(key, "draft"), blob, DRAFT_PURPOSE)
        elif path.name == "sync-state.ct":
            purpose = (f"careterm/sync-state/v1|{store.meta['team_id']}|"
                       f"{store.device_id}").encode()
            plain = unseal(subkey(store.key, "sync-state"), blob, purpose)
        elif path.parent.name == "evidence":
            plain = unseal(unb64(store.meta["evidence_key"], size=32), blob,
                           evidence_purpose(path.stem))
        else:
            plain = blob
        found[rel] = plain
    return found


def _decrypt_folder(folder: Path, team_key: bytes, team_id: str) -> dict[str, bytes]:
    """Every file of the shared folder, segments and evidence opened with the team key."""
    found: dict[str, bytes] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel, blob = str(path.relative_to(folder)), path.read_bytes()
        parts = path.relative_to(folder).parts
        if path.suffix == ".seg":
            newline = blob.index(b"\n")
            assert blob.startswith(SEGMENT_MAGIC)
            aad = f"careterm/segment/v1|{team_id}|{parts[1]}|{path.stem}".encode()
            signed = unseal(subkey(team_key, "segments"), blob[newline + 1:], aad)
            found[rel] = zlib.decompress(signed[64:])
        elif len(parts) == 4 and parts[2] == "evidence":
            newline = blob.index(b"\n", 8)
            aad = json.dumps(["evidence", team_id, "0", parts[1], path.stem]).encode()
            found[rel] = unseal(subkey(team_key, "evidence"), blob[newline + 1:], aad)[64:]
        else:
            found[rel] = blob
    return found


def _occurrences(files: dict[str, bytes], text: str) -> list[str]:
    needles = {text.casefold(), json.dumps(text)[1:-1].casefold()}
    return [name for name, body in files.items()
            if any(n in body.decode("utf-8", "replace").casefold() for n in needles)]


def _everywhere(team: Team, text: str) -> list[str]:
    hits = []
    for n, laptop in enumerate(team.laptops):
        hits += [f"home{n}/{name}" for name in _occurrences(_decrypt_home(laptop), text)]
    first = team.laptops[0]
    assert first.key is not None
    hits += [f"shared/{name}" for name in _occurrences(
        _decrypt_folder(team.shared, first.key, first.meta["team_id"]), text)]
    return hits


def _report_with_the_name(team: Team) -> str:
    ada, bo = team.laptops[0], team.laptops[1]
    captured = incidents.capture(ada, f"{NAME} was followed to the hotel",
                                 who="a tall man", reporter=NAME, contact="room 12")
    inc = captured.id
    evidence_actions.attach_bytes(ada, inc, f"screenshot of messages to {NAME}".encode(),
                                  "messages.txt", note=f"sent by {FIRST}")
    team.sync_all()
    incidents.update(bo, inc, who=f"the man who followed {NAME}")
    incidents.add_note(bo, inc, f"spoke with {FIRST} again")
    team.sync_all()
    return inc


def _cli(home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         *args: str) -> tuple[int, str]:
    monkeypatch.setenv("CARETERM_PASSPHRASE", PASSPHRASE)
    code = main(["--home", str(home), *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_an_erasure_leaves_no_byte_of_the_name_on_either_laptop_or_in_the_folder(
        team_of_two: Team, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    team = team_of_two
    ada, bo = team.laptops
    inc = _report_with_the_name(team)
    draft.save_draft(bo, {**draft.empty_form(), "what": f"more about {NAME}"})
    # Before: the name is everywhere (the search works).
    before = _everywhere(team, NAME)
    assert any(h.startswith("home0/store") for h in before)
    assert any(h.startswith("home1/") for h in before)
    assert any(h.startswith("shared/devices/") and h.endswith(".seg") for h in before)
    assert any("/evidence/" in h for h in before)

    erase(ada, inc, ERASABLE, "the reporter asked")
    assert team.sync(0).warnings == []
    # A laptop reading Ada's folder for the first time, right after the compaction, finds
    # no gap: the new file names every old one as replaced.
    team.add()
    assert team.sync(2).warnings == []
    warnings = [w for _ in range(2) for n in range(3) for w in team.sync(n).warnings]
    assert warnings == []

    assert _everywhere(team, NAME) == []
    assert _everywhere(team, FIRST) == []
    for laptop in team.laptops:
        incident = laptop.get(inc)
        assert incident.reporter == ERASED and incident.who == ERASED
        assert [n.text for n in incident.notes] == [ERASED]
        assert "erase" in incident.entries
    code, text = _cli(ada.home, monkeypatch, capsys, "erase", "--status")
    assert code == 0, text
    assert sum(line.endswith(": erased") for line in text.splitlines()) == 3, text
    for laptop in team.laptops:
        code, text = _cli(laptop.home, monkeypatch, capsys, "erase", "--verify", NAME)
        assert code == 0, text
        assert "not found" in text
    # A laptop that joins afterwards never sees the name.
    di = team.add()
    assert team.sync(3).warnings == []
    assert di.get(inc).reporter == ERASED
    assert _everywhere(team, NAME) == []
    for n in range(4):
        assert team.sync(n).warnings == []


def test_a_laptop_offline_during_the_erasure_catches_up_and_its_late_changes_are_scrubbed(
        team_of_two: Team, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    team = team_of_two
    ada, bo = team.laptops
    inc = _report_with_the_name(team)
    erase(ada, inc, ("reporter", "who", "what", "notes", "evidence"), "the reporter asked")
    # Bo, not knowing yet, writes the name again and publishes it.
    incidents.add_note(bo, inc, f"{NAME} called back")
    team.sync(1)
    # Ada syncs: its own files compacted, Bo's late note scrubbed on arrival.
    report = team.sync(0)
    assert report.warnings == []
    assert _occurrences(_decrypt_home(ada), NAME) == []
    assert [n.text for n in ada.get(inc).notes] == [ERASED, ERASED]
    code, text = _cli(ada.home, monkeypatch, capsys, "erase", "--status")
    assert "Bo Sample's laptop: not yet" in text, text
    doctor = "\n".join(diagnose(ada).lines())
    assert "is not carried out yet on Bo Sample's laptop" in doctor, doctor
    code, text = _cli(ada.home, monkeypatch, capsys, "erase", "--verify", NAME)
    assert code == 1 and "devices/" in text, text  # Bo's own files still hold it
    # Bo catches up: it compacts its own files; nothing is left anywhere.
    team.sync(1)
    team.sync(0)
    assert _everywhere(team, NAME) == []
    code, text = _cli(ada.home, monkeypatch, capsys, "erase", "--status")
    assert sum(line.endswith(": erased") for line in text.splitlines()) == 2, text
    # A note written knowingly after the erasure stays.
    incidents.add_note(bo, inc, "follow-up: nothing more to do")
    team.sync_all()
    assert "follow-up: nothing more to do" in [n.text for n in ada.get(inc).notes]


def test_erase_on_the_command_line_asks_and_changes_nothing_when_refused(
        team_of_two: Team, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    team = team_of_two
    ada = team.laptops[0]
    inc = _report_with_the_name(team)
    count = len(ada.changes())
    monkeypatch.setattr("sys.stdin", io.StringIO("no\n"))
    code, text = _cli(ada.home, monkeypatch, capsys, "erase", inc, "--all", "--reason", "asked")
    assert code == 1 and "nothing was erased" in text
    assert len(ada.changes()) == count
    for bad in (["erase", inc, "--reason", "asked"],
                ["erase", inc, "--fields", "shoe-size", "--reason", "asked"],
                ["erase", inc, "--all"],
                ["erase", "ZZ9999", "--all", "--reason", "asked", "--yes"]):
        code, text = _cli(ada.home, monkeypatch, capsys, *bad)
        assert code == 2 and text.count("\n") == 1 and "Traceback" not in text, (bad, text)
    assert len(ada.changes()) == count
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    code, text = _cli(ada.home, monkeypatch, capsys, "erase", inc, "--fields", "reporter",
                      "--reason", "the reporter asked")
    assert code == 0, text
    assert "rewritten" in text
    code, text = _cli(ada.home, monkeypatch, capsys, "show", inc)
    assert NAME.split()[1] not in text.split("reporter")[1].splitlines()[0]
    assert "erased reporter (the reporter asked)" in text
    assert team_sync.sync(ada).warnings == []
