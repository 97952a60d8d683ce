"""Two Syncthing daemons on this machine, on loopback only (tests and the bench).

Used by ``tests/team/test_syncthing.py`` (careterm over a real Syncthing) and
``bench/syncthing_bench.py`` (save-to-board time through it). A :class:`Pair`
is two daemons, each with its own config folder and its own synced folder,
sharing that one folder (:data:`FOLDER_ID`) with the other.

**Loopback only.** Nothing may leave the machine: each daemon listens on
``tcp://127.0.0.1:<free port>`` and serves its GUI/REST API on
``127.0.0.1:<free port>`` (with an API key); global and local discovery,
relays, NAT traversal (UPnP/NAT-PMP, and with it STUN), usage reporting,
crash reporting, auto-upgrade (also ``STNOUPGRADE``) and the browser are
switched off in ``config.xml`` (:data:`OPTIONS`); the other device's only
address is ``tcp://127.0.0.1:<its port>``; ``*_proxy`` variables are removed
from the daemons' environment and the REST client ignores them too. The folder
is send & receive with the file-system watcher on, its delay
:attr:`Pair.watcher_delay` seconds (1 by default), as the README's setup guide
says.

Waiting is on the REST API, never a fixed sleep (:func:`wait_until`, bounded by
:data:`WAIT`; it raises :class:`SyncthingTimeout`, an ``AssertionError``, so a
test fails with the daemons' logs). Whoever starts a pair stops it
(:meth:`Pair.stop`), whatever happened. :data:`SYNCTHING` is ``None`` where
Syncthing is not installed.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

SYNCTHING = shutil.which("syncthing")
"""The ``syncthing`` program, or ``None`` (Debian: ``apt-get install syncthing``)."""


class SyncthingTimeout(AssertionError):
    """A wait on Syncthing took too long, or a daemon exited (with the logs)."""


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
            raise SyncthingTimeout(f"Syncthing: still waiting after {timeout:.0f} s for "
                                   f"{what}\n{log()}")
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
        if done.returncode != 0:
            raise SyncthingTimeout(f"syncthing {args[0]} failed: {done.stderr[-2000:]}")
        return done.stdout

    def configure(self, peer: Daemon, watcher_delay: int = 1) -> None:
        """Loopback only, the peer at its one address, the folder shared with it (the
        file-system watcher on, with ``watcher_delay`` seconds of delay)."""
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
            "fsWatcherDelayS": str(watcher_delay)})
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
            raise SyncthingTimeout(f"Syncthing daemon {self.name} exited "
                                   f"({self.process.returncode})\n{self.log()}")
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


def tree(folder: Path) -> dict[str, bytes]:
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

    def __init__(self, root: Path, *, watcher_delay: int = 1) -> None:
        self.watcher_delay = watcher_delay
        """Syncthing's file-system watcher delay (``fsWatcherDelayS``), in seconds."""
        self.a = Daemon(root, "a")
        self.b = Daemon(root, "b")
        self.a.configure(self.b, watcher_delay)
        self.b.configure(self.a, watcher_delay)
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
        """Stop both daemons (the second even when stopping the first failed)."""
        try:
            self.a.stop()
        finally:
            self.b.stop()

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
        return tree(self.a.folder) == tree(self.b.folder)

    def settle(self, *, scan: bool = True) -> float:
        """Wait until both daemons hold the same files; the seconds it took. With
        ``scan`` both are asked to scan now, else the file-system watcher must notice."""
        started = time.monotonic()
        if scan:
            for daemon in self.daemons:
                daemon.api("POST", f"/rest/db/scan?folder={FOLDER_ID}")
        wait_until(self.settled, "both folders to hold the same files", log=self.logs)
        return time.monotonic() - started
