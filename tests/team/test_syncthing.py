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

Skipped, with the reason, where Syncthing is not installed (``.ci/run``
installs it with apt-get when it runs as root). The daemons are stopped by
the module fixture's finalizer, whatever happened.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from careterm.actions import incidents
from careterm.core import clock
from careterm.store.store import Store
from careterm.team import doctor
from careterm.team import sync as team_sync
from careterm.team.segments import DEVICES_DIR, HEADER_FILE
from tests.support import MEMBERS, PASSPHRASE, Team, canonical

SYNCTHING = shutil.which("syncthing")

pytestmark = pytest.mark.skipif(
    SYNCTHING is None,
    reason="Syncthing is not installed (Debian: apt-get install syncthing; .ci/run installs "
           "it when it runs as root)")

FOLDER_ID = "careterm-tests"

LOOPBACK = "127.0.0.1"

WAIT = 30.0
"""Seconds any wait on Syncthing may take before the test fails."""

OPTIONS = {
    "globalAnnounceEnabled": "false",
    "localAnnounceEnabled": "false",
    "relaysEnabled": "false",
    "natEnabled": "false",
    "urAccepted": "-1",
    "crashReportingEnabled": "false",
    "autoUpgradeIntervalH": "0",
    "startBrowser": "false",
    "stunKeepaliveStartS": "0",
    "stunKeepaliveMinS": "0",
    "announceLANAddresses": "false",
    "restartOnWakeup": "false",
    "setLowPriority": "false",
    "reconnectionIntervalS": "1",
}
"""``<options>`` of each daemon (with ``listenAddress``): nothing but loopback."""

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """A TCP port nothing listens on, on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], Any], what: str, timeout: float = WAIT,
               log: Callable[[], str] = lambda: "") -> Any:
    """Poll ``condition()`` until it returns something true; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"Syncthing: still waiting after {timeout:.0f} s for {what}\n{log()}")
        time.sleep(0.05)


class Daemon:
    """One Syncthing daemon: its config folder, its synced folder, its ports."""

    def __init__(self, root: Path, name: str) -> None:
        self.name = name
        self.root = root
        self.home = root / f"{name}-config"
        self.folder = root / f"{name}-synced"
        self.folder.mkdir(parents=True)
        (self.folder / ".stfolder").mkdir()
        self.port = free_port()
        self.gui_port = free_port()
        self.api_key = secrets.token_urlsafe(24)
        self.process: subprocess.Popen[bytes] | None = None
        self._run("generate", "--home", str(self.home))  # keys and a config to edit
        self.device_id = self._run("serve", "--home", str(self.home), "--device-id").strip()

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env.update(STNODEFAULTFOLDER="1", STNOUPGRADE="1", STNORESTART="1",
                   HOME=str(self.root))
        return env

    def _run(self, *args: str) -> str:
        assert SYNCTHING is not None
        done = subprocess.run([SYNCTHING, *args], capture_output=True, text=True, timeout=60,
                              env=self._environment(), stdin=subprocess.DEVNULL)
        assert done.returncode == 0, f"syncthing {args[0]} failed: {done.stderr[-2000:]}"
        return done.stdout

    def configure(self, peer: Daemon) -> None:
        """Loopback only, the peer at its one address, the folder shared with it."""
        path = self.home / "config.xml"
        tree = ET.parse(path)
        top = tree.getroot()
        gui = top.find("gui")
        assert gui is not None
        gui.set("tls", "false")
        _child(gui, "address").text = f"{LOOPBACK}:{self.gui_port}"
        _child(gui, "apikey").text = self.api_key
        options = top.find("options")
        assert options is not None
        for name, value in {"listenAddress": f"tcp://{LOOPBACK}:{self.port}",
                            **OPTIONS}.items():
            for extra in options.findall(name)[1:]:
                options.remove(extra)
            _child(options, name).text = value
        for device in top.findall("device"):
            for address in device.findall("address"):
                device.remove(address)
            ET.SubElement(device, "address").text = f"tcp://{LOOPBACK}:{self.port}"
            device.set("name", self.name)
        # The peer and the folder start from Syncthing's own defaults (conflict copies
        # kept, as for anyone), then get what the README's setup guide says.
        other = copy.deepcopy(_child(_child(top, "defaults"), "device"))
        other.set("id", peer.device_id)
        other.set("name", peer.name)
        for address in other.findall("address"):
            other.remove(address)
        ET.SubElement(other, "address").text = f"tcp://{LOOPBACK}:{peer.port}"
        top.append(other)
        for unwanted in top.findall("folder"):  # a default folder, had one been made
            top.remove(unwanted)
        folder = copy.deepcopy(_child(_child(top, "defaults"), "folder"))
        folder.attrib.update({
            "id": FOLDER_ID, "label": "careterm", "path": str(self.folder),
            "type": "sendreceive", "rescanIntervalS": "60", "fsWatcherEnabled": "true",
            "fsWatcherDelayS": "1"})
        for device in folder.findall("device"):
            folder.remove(device)
        for device_id in (self.device_id, peer.device_id):
            ET.SubElement(folder, "device", {"id": device_id, "introducedBy": ""})
        top.insert(0, folder)
        tree.write(path)

    def start(self) -> None:
        """Run the daemon and wait until its REST API answers."""
        assert SYNCTHING is not None and self.process is None
        self.process = subprocess.Popen(
            [SYNCTHING, "serve", "--home", str(self.home), "--no-browser", "--no-restart",
             "--no-upgrade", "--logfile", str(self.home / "syncthing.log")],
            env=self._environment(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        wait_until(self._pong, f"daemon {self.name} to start", log=self.log)

    def _pong(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            pytest.fail(f"Syncthing daemon {self.name} exited ({self.process.returncode})\n"
                        f"{self.log()}")
        try:
            return self.api("GET", "/rest/system/ping") == {"ping": "pong"}
        except OSError:
            return False

    def stop(self) -> None:
        """Shut down through the REST API; terminate, then kill, if it does not exit."""
        process, self.process = self.process, None
        if process is None:
            return
        try:
            self.api("POST", "/rest/system/shutdown")
        except OSError:
            process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """A REST call on loopback with the API key; the decoded JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"http://{LOOPBACK}:{self.gui_port}{path}", data=data, method=method,
            headers={"X-API-Key": self.api_key, "Content-Type": "application/json"})
        with _NO_PROXY.open(request, timeout=15) as answer:
            text = answer.read()
        return json.loads(text) if text.strip() else None

    def status(self) -> dict[str, Any]:
        return self.api("GET", f"/rest/db/status?folder={FOLDER_ID}")

    def completion(self, device_id: str) -> dict[str, Any]:
        return self.api("GET", f"/rest/db/completion?folder={FOLDER_ID}&device={device_id}")

    def connected(self, device_id: str) -> bool:
        found = self.api("GET", "/rest/system/connections")["connections"].get(device_id, {})
        return bool(found.get("connected"))

    def log(self) -> str:
        try:
            return (self.home / "syncthing.log").read_text(errors="replace")[-3000:]
        except OSError:
            return "(no log)"


def _child(parent: ET.Element, tag: str) -> ET.Element:
    found = parent.find(tag)
    return found if found is not None else ET.SubElement(parent, tag)


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file Syncthing carries in ``folder`` (not its marker, nor its temp files)."""
    found = {}
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if rel.parts[0] == ".stfolder" or path.name.startswith(".syncthing."):
            continue
        if path.is_file():
            found[rel.as_posix()] = path.read_bytes()
    return found


class Pair:
    """Two daemons sharing one folder with each other."""

    def __init__(self, root: Path) -> None:
        self.a = Daemon(root, "a")
        self.b = Daemon(root, "b")
        self.a.configure(self.b)
        self.b.configure(self.a)
        self._names = itertools.count(1)

    @property
    def daemons(self) -> tuple[Daemon, Daemon]:
        return self.a, self.b

    def start(self) -> None:
        for daemon in self.daemons:
            if daemon.process is None:
                daemon.start()
        wait_until(lambda: self.a.connected(self.b.device_id)
                   and self.b.connected(self.a.device_id), "the daemons to connect",
                   log=self.logs)

    def stop(self) -> None:
        for daemon in self.daemons:
            daemon.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {d.name}\n{d.log()}" for d in self.daemons)

    def new_folder(self) -> tuple[Path, Path]:
        """A fresh sub-folder name: its path in A's folder and in B's."""
        name = f"care-{next(self._names)}"
        return self.a.folder / name, self.b.folder / name

    def settled(self) -> bool:
        for daemon, peer in ((self.a, self.b), (self.b, self.a)):
            status = daemon.status()
            if status["state"] != "idle" or status["needTotalItems"]:
                return False
            done = daemon.completion(peer.device_id)
            if done["completion"] < 100 or done["needItems"] or done["needDeletes"]:
                return False
        return _tree(self.a.folder) == _tree(self.b.folder)

    def settle(self, *, scan: bool = True) -> float:
        """Wait until both daemons hold the same files; the seconds it took. With
        ``scan`` both are asked to scan now, else the file-system watcher must notice."""
        started = time.monotonic()
        if scan:
            for daemon in self.daemons:
                daemon.api("POST", f"/rest/db/scan?folder={FOLDER_ID}")
        wait_until(self.settled, "both folders to hold the same files", log=self.logs)
        return time.monotonic() - started


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
