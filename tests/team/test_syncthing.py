"""careterm over a real Syncthing: two daemons on this machine, two laptops' homes.

Two Syncthing daemons run for the whole module, each with its own config
folder and its own synced folder, sharing that one folder with the other.
Each test gives careterm a fresh sub-folder of it: laptop 0 (Ada) uses the
sub-folder in daemon A's folder, laptop 1 (Bo) the same sub-folder in daemon
B's, so every byte careterm exchanges goes through Syncthing.

**Loopback only.** Nothing may leave the machine: each daemon listens on
``tcp://127.0.0.1:<free port>`` and serves its GUI/REST API on
``127.0.0.1:<free port>`` (with an API key); global and local discovery,
relays, NAT traversal (UPnP/NAT-PMP, and with it STUN), usage reporting,
crash reporting, auto-upgrade (also ``STNOUPGRADE``) and the browser are
switched off in ``config.xml``; the other device's only address is
``tcp://127.0.0.1:<its port>``; ``*_proxy`` variables are removed from the
daemons' environment and the REST client ignores them too.
:func:`test_the_daemons_are_on_loopback_only` reads the settings back from the
running daemons and checks every connection's address.

Waiting is on the REST API, never a fixed sleep: :meth:`Pair.settle` asks
both daemons to scan (or, with ``scan=False``, leaves it to the file-system
watcher, delay 1 s), then polls until both are idle, need nothing, see the
other at 100 % and hold the same files, within a bounded time.

The daemons are started and driven by :mod:`bench.syncthing_pair`, which
the save-to-board bench (``bench/syncthing_bench.py``) uses too.

Skipped, with the reason, where Syncthing is not installed (``.ci/run``
installs it with apt-get when it runs as root). The daemons are stopped by
the module fixture's finalizer, whatever happened.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.syncthing_pair import FOLDER_ID, LOOPBACK, SYNCTHING, Pair, wait_until
from careterm.actions import incidents
from careterm.core import clock
from careterm.store.store import Store
from careterm.team import doctor
from careterm.team import sync as team_sync
from careterm.team.segments import DEVICES_DIR, HEADER_FILE
from tests.support import MEMBERS, PASSPHRASE, Team, canonical

pytestmark = pytest.mark.skipif(
    SYNCTHING is None,
    reason="Syncthing is not installed (Debian: apt-get install syncthing; .ci/run installs "
           "it when it runs as root)")


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Two Syncthing daemons on loopback for the whole module; stopped at its end."""
    made = Pair(tmp_path_factory.mktemp("syncthing"))
    try:
        made.start()
        yield made
    finally:
        made.stop()


class TwoFolders(Team):
    """Ada on daemon A's copy of the shared folder, Bo on daemon B's."""

    def __init__(self, root: Path, frozen: clock.FrozenClock, folders: tuple[Path, Path]
                 ) -> None:
        super().__init__(root, frozen)
        self.folders = folders

    def add(self, member: str | None = None) -> Store:
        n = len(self.laptops)
        home = self.root / f"home{n}"
        member = member or MEMBERS[n]
        if n == 0:
            laptop = Store.create(home, PASSPHRASE, member=member, team="Example Con CARE")
            team_sync.init_shared(laptop, self.folders[0])
        else:
            laptop = team_sync.join(home, self.folders[n], member, PASSPHRASE)
        self.laptops.append(laptop)
        return laptop


@pytest.fixture
def empty_team(pair: Pair, tmp_path: Path, frozen_clock: clock.FrozenClock
               ) -> Iterator[TwoFolders]:
    """No laptop yet, a fresh sub-folder, both daemons running and connected."""
    pair.start()  # again, should a test have stopped one
    made = TwoFolders(tmp_path, frozen_clock, pair.new_folder())
    yield made
    made.close()


@pytest.fixture
def team(pair: Pair, empty_team: TwoFolders) -> TwoFolders:
    """Ada set the folder up, Bo joined through Syncthing; both synced and settled."""
    empty_team.add()
    pair.settle()
    empty_team.add()
    exchange(pair, empty_team)
    return empty_team


def exchange(pair: Pair, team: Team, rounds: int = 2) -> None:
    """Every laptop syncs, Syncthing carries it, ``rounds`` times."""
    for _ in range(rounds):
        for n in range(len(team.laptops)):
            team.sync(n)
        pair.settle()


def conflict_copies(*folders: Path) -> list[str]:
    return sorted(str(p) for folder in folders for p in folder.rglob("*sync-conflict*"))


def listing(folder: Path) -> list[str]:
    """Every path below ``folder`` (for failure messages)."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def note_texts(store: Store, inc_id: str) -> list[str]:
    return sorted(n.text for n in store.get(inc_id).notes)


# ------------------------------------------------------------------ the daemons

def test_the_daemons_are_on_loopback_only(pair: Pair) -> None:
    pair.start()
    for daemon, peer in ((pair.a, pair.b), (pair.b, pair.a)):
        options = daemon.api("GET", "/rest/config/options")
        assert options["listenAddresses"] == [f"tcp://{LOOPBACK}:{daemon.port}"]
        assert not options["globalAnnounceEnabled"] and not options["localAnnounceEnabled"]
        assert not options["relaysEnabled"] and not options["natEnabled"]
        assert options["urAccepted"] == -1 and not options["crashReportingEnabled"]
        assert options["autoUpgradeIntervalH"] == 0 and not options["startBrowser"]
        assert options["stunKeepaliveStartS"] == 0 and not options["announceLANAddresses"]
        assert daemon.api("GET", "/rest/config/gui")["address"] == \
            f"{LOOPBACK}:{daemon.gui_port}"
        devices = {d["deviceID"]: d for d in daemon.api("GET", "/rest/config/devices")}
        assert devices[peer.device_id]["addresses"] == [f"tcp://{LOOPBACK}:{peer.port}"]
        for connection in daemon.api("GET", "/rest/system/connections")["connections"].values():
            if connection["connected"]:
                assert connection["address"].startswith(f"{LOOPBACK}:"), connection
        folder = daemon.api("GET", f"/rest/config/folders/{FOLDER_ID}")
        assert (folder["type"], folder["fsWatcherEnabled"]) == ("sendreceive", True)
        assert folder["maxConflicts"] > 0  # conflict copies are kept, as for anyone
        assert {d["deviceID"] for d in folder["devices"]} == {daemon.device_id,
                                                              peer.device_id}


# ------------------------------------------------------------------ careterm over it

def test_join_through_the_header_syncthing_carried(pair: Pair, empty_team: TwoFolders
                                                   ) -> None:
    team = empty_team
    ada = team.add()
    assert not (team.folders[1] / HEADER_FILE).exists()
    pair.settle()
    assert (team.folders[1] / HEADER_FILE).read_bytes() == \
        (team.folders[0] / HEADER_FILE).read_bytes()
    bo = team.add()  # joins from daemon B's copy: the passphrase opened the carried header
    assert bo.meta["team_id"] == ada.meta["team_id"]
    pair.settle()
    report = team.sync(0)
    assert [peer.member for peer in report.peers] == ["Bo Sample"]
    captured = incidents.capture(ada, "Someone was followed to Room Zeta", where="Room Zeta")
    team.sync(0)
    pair.settle()
    assert team.sync(1).lines() == [f"1 new report from Ada Example: {captured.id}"]
    assert canonical(ada) == canonical(bo)


def test_a_capture_notes_and_edits_on_both_laptops_converge(pair: Pair, team: TwoFolders
                                                            ) -> None:
    ada, bo = team.laptops
    inc_id = incidents.capture(ada, "Badge photographed without consent").id
    team.sync(0)
    pair.settle(scan=False)  # the file-system watcher alone carries the new file
    assert team.sync(1).lines() == [f"1 new report from Ada Example: {inc_id}"]
    # At the same moment on both laptops: a note each, and each edits another field.
    incidents.add_note(ada, inc_id, "Ada spoke with the reporter")
    incidents.add_note(bo, inc_id, "Bo spoke with a witness")
    incidents.update(ada, inc_id, where="Hall Omega")
    incidents.update(bo, inc_id, who="a person in a red jacket")
    exchange(pair, team)
    assert canonical(ada) == canonical(bo)
    for laptop in (ada, bo):
        incident = laptop.get(inc_id)
        assert note_texts(laptop, inc_id) == ["Ada spoke with the reporter",
                                              "Bo spoke with a witness"]
        assert (incident.where, incident.who) == ("Hall Omega", "a person in a red jacket")
    assert conflict_copies(*team.folders) == []


def test_writing_at_the_same_moment_never_makes_a_conflict_copy(pair: Pair, team: TwoFolders
                                                               ) -> None:
    ada, bo = team.laptops
    shared = incidents.capture(ada, "Heckling during the keynote").id
    exchange(pair, team)
    start = threading.Barrier(2)
    published: list[str | None] = []
    errors: list[BaseException] = []

    def work(n: int, laptop: Store, round_: int) -> None:
        try:
            incidents.capture(laptop, f"Report {round_} from laptop {n}")
            incidents.add_note(laptop, shared, f"note {round_} from laptop {n}")
            start.wait(10)
            published.append(team_sync.sync(laptop).published_file)  # both at once
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            errors.append(exc)

    for round_ in range(3):
        threads = [threading.Thread(target=work, args=(n, laptop, round_))
                   for n, laptop in enumerate(team.laptops)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not errors and len(published) == 2 * (round_ + 1) and all(published)
        pair.settle()
    exchange(pair, team)
    assert conflict_copies(pair.a.folder, pair.b.folder) == []
    assert canonical(ada) == canonical(bo)
    assert len(ada.incidents()) == 7 and len(note_texts(ada, shared)) == 6
    # The check can fail: two laptops writing one file at once do make a conflict copy.
    control = [daemon.folder / "control" for daemon in pair.daemons]
    for n, folder in enumerate(control):
        folder.mkdir()
        (folder / "same-name.txt").write_text(f"written on laptop {n}")
    pair.settle()
    assert len(conflict_copies(*control)) == 2  # one on each side, both carried
    for folder in control:
        shutil.rmtree(folder)
    pair.settle()


def test_a_laptop_that_was_offline_catches_up(pair: Pair, team: TwoFolders) -> None:
    ada, bo = team.laptops
    pair.b.stop()  # Bo's laptop goes offline
    try:
        written = [incidents.capture(ada, f"Report {n} while Bo was away").id
                   for n in range(3)]
        incidents.add_note(ada, written[0], "Ada followed up")
        published = team.sync(0).published_file
        assert published is not None
        pair.a.api("POST", f"/rest/db/scan?folder={FOLDER_ID}")
        assert not pair.a.connected(pair.b.device_id)
        assert pair.a.completion(pair.b.device_id)["completion"] < 100  # B lacks Ada's file
        assert not (team.folders[1] / published).exists()
        offline = incidents.capture(bo, "Captured on Bo's laptop without a network").id
        team.sync(1)
        assert [i for i in written if i in bo.incidents()] == []
    finally:
        pair.start()  # back online: the daemons reconnect on their own
    exchange(pair, team)
    assert set(written) | {offline} <= set(ada.incidents()) == set(bo.incidents())
    assert canonical(ada) == canonical(bo)


def test_a_file_syncthing_is_still_writing_is_skipped_then_read(pair: Pair, team: TwoFolders
                                                               ) -> None:
    ada, bo = team.laptops
    # 2 million characters that hardly compress: a file of about 1.5 MB, well above what
    # Syncthing's rate limiter lets through at once (its burst), so it arrives slowly.
    bulky = base64.b64encode(os.urandom(1_500_000)).decode()
    inc_id = incidents.capture(ada, "A long written account").id
    incidents.add_note(ada, inc_id, bulky)
    slow = {"maxRecvKbps": 16, "limitBandwidthInLan": True}  # 16 KiB/s into daemon B
    pair.b.api("PATCH", "/rest/config/options", slow)
    try:
        published = team.sync(0).published_file
        assert published is not None
        pair.a.api("POST", f"/rest/db/scan?folder={FOLDER_ID}")
        arriving = team.folders[1] / published
        temp = arriving.with_name(f".syncthing.{arriving.name}.tmp")
        wait_until(temp.exists, f"Syncthing's temp file {temp.name}",
                   log=lambda: f"{listing(team.folders[1])}\n{pair.logs()}")
        report = team.sync(1)
        assert (report.in_transit, report.received_changes) == (1, 0), \
            listing(team.folders[1])
        assert inc_id not in bo.incidents()
        seen = team.on(1, doctor.diagnose)
        assert [(s.name, s.kind) for s in seen.skipped] == [
            (f"{DEVICES_DIR}/{ada.device_id}/{temp.name}", "temp")]
        assert seen.ok  # a transfer under way is normal
    finally:
        pair.b.api("PATCH", "/rest/config/options",
                   {"maxRecvKbps": 0, "limitBandwidthInLan": False})
    pair.settle()
    assert team.sync(1).lines() == [f"1 new report from Ada Example: {inc_id}"]
    assert note_texts(bo, inc_id) == [bulky]
    assert canonical(ada) == canonical(bo)


def test_the_doctor_sees_syncthing_and_a_clock_ahead(pair: Pair, team: TwoFolders) -> None:
    ada, bo = team.laptops
    for n in (0, 1):
        seen = team.on(n, doctor.diagnose)
        assert seen.ok, seen.summary()
        assert seen.services[0].name == "Syncthing"
        assert seen.services[0].where == pair.daemons[n].folder.resolve()
    # Ada's clock runs 5½ minutes ahead: her next file is dated so, and Syncthing keeps
    # the date; on Bo's laptop the file arrives by Bo's clock.
    incidents.capture(ada, "Written on a laptop whose clock is ahead")
    published = team.sync(0).published_file
    assert published is not None
    now = time.time()
    os.utime(team.folders[0] / published, (now, now + 330))
    pair.settle()
    assert (team.folders[1] / published).stat().st_mtime == pytest.approx(now + 330, abs=1)
    seen = team.on(1, doctor.diagnose)
    assert [gap.member for gap in seen.clocks] == ["Ada Example"]
    assert seen.clocks[0].seconds > 300
    assert re.fullmatch(r"1 problem: a clock [56] minutes ahead on Ada Example's laptop",
                        seen.summary())
    assert team.on(0, doctor.diagnose).clocks == []  # Bo's clock is not ahead of Ada's
