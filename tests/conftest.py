"""Shared fixtures: a frozen clock, fictional people, and stores over both storages."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from dateutil import tz

from careterm import clock
from careterm.store import Store

# New stores in tests use cheap Argon2id limits; every store records its own
# limits, so this never weakens a real store (see careterm.crypto).
os.environ.setdefault("CARETERM_KDF_LIMITS", "test-only-min")

CONFERENCE_TZ = tz.gettz("Europe/Amsterdam")
FROZEN_AT = datetime(2026, 11, 25, 14, 30, tzinfo=CONFERENCE_TZ)
"""Wednesday 25 November 2026, 14:30 at the (fictional) venue."""
PASSPHRASE = "correct horse battery staple"


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
