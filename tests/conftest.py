"""Shared fixtures: a frozen clock, fictional people, and stores over both storages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from careterm.actions import incidents
from careterm.cli.main import main
from careterm.core import clock
from careterm.store.store import Store
from tests.support import FROZEN_AT, PASSPHRASE, Result, Team


@pytest.fixture
def frozen_clock() -> Iterator[clock.FrozenClock]:
    """Freeze careterm's clock at :data:`FROZEN_AT`; tests may ``advance`` it."""
    frozen = clock.freeze(FROZEN_AT)
    yield frozen
    clock.set_clock(None)


@pytest.fixture(params=["memory", "encrypted"])
def store(request: pytest.FixtureRequest, tmp_path: Path, frozen_clock: clock.FrozenClock
          ) -> Iterator[Store]:
    """A store for the fictional member "Ada Example", in memory and encrypted on disk."""
    if request.param == "memory":
        opened = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    else:
        opened = Store.create(tmp_path / "home", PASSPHRASE, member="Ada Example",
                              team="Example Con CARE", meta={"device_tag": "AA"})
    yield opened
    opened.close()


@pytest.fixture
def home(tmp_path: Path, frozen_clock: clock.FrozenClock) -> Path:
    """A careterm home holding an encrypted store (member "Ada Example")."""
    path = tmp_path / "home"
    Store.create(path, PASSPHRASE, member="Ada Example", team="Example Con CARE").close()
    return path


@pytest.fixture
def cli(home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run ``careterm --home HOME ...`` in this process (frozen clock, test passphrase).

    The passphrase is set again before every call: careterm takes it out of the
    environment when it reads it, as it would at a real command line.
    """
    monkeypatch.delenv("CARETERM_HOME", raising=False)

    def run(*args: str) -> Result:
        monkeypatch.setenv("CARETERM_PASSPHRASE", PASSPHRASE)
        code = main(["--home", str(home), *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def team(tmp_path: Path, frozen_clock: clock.FrozenClock) -> Iterator[Team]:
    """An empty team; call ``team.add()`` for each laptop."""
    made = Team(tmp_path, frozen_clock)
    yield made
    made.close()


@pytest.fixture
def team_of_two(tmp_path: Path, frozen_clock: clock.FrozenClock) -> Iterator[Team]:
    """Ada (who set the folder up) and Bo, with one report Ada captured, both synced."""
    team = Team(tmp_path, frozen_clock)
    ada = team.add()
    team.add()
    incidents.capture(ada, "Someone was cornered near Room Zeta")
    team.sync_all()
    yield team
    team.close()


@pytest.fixture
def team_of_three(tmp_path: Path, frozen_clock: clock.FrozenClock) -> Iterator[Team]:
    """Ada, Bo and Cy, each with one report, all synced."""
    team = Team(tmp_path, frozen_clock)
    for _ in range(3):
        team.add()
    for n, laptop in enumerate(team.laptops):
        incidents.capture(laptop, f"Report from laptop {n} before the removal")
    team.sync_all()
    yield team
    team.close()
