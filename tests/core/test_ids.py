"""Incident ids: short, readable aloud, unique across laptops."""

from __future__ import annotations

import pytest

from careterm.actions import incidents as actions
from careterm.core import ids
from careterm.store.store import Store


class TestIds:
    """Crockford base32 ids made of a device tag and a counter."""

    def test_encode_decode(self) -> None:
        for n in (0, 1, 31, 32, 1000, ids.MAX_COUNTER):
            assert ids.decode(ids.encode(n, 4)) == n

    def test_lookalikes_are_forgiven(self) -> None:
        assert ids.normalise("7k-oo1l") == "7K0011"

    def test_rejects_non_ids(self) -> None:
        with pytest.raises(ValueError):
            ids.normalise("U!")

    def test_two_laptops_capturing_at_once_never_collide(self, frozen_clock) -> None:
        one = Store.in_memory(member="Ada Example", tag="AB")
        two = Store.in_memory(member="Bo Sample", tag=ids.new_device_tag({"AB"}))
        made_one = {actions.capture(one, f"r{n}").id for n in range(100)}
        made_two = {actions.capture(two, f"r{n}").id for n in range(100)}
        assert not made_one & made_two
        assert all(len(i) == 6 for i in made_one | made_two)

    def test_device_tag_avoids_taken_tags(self) -> None:
        every = [ids.encode(n, 2) for n in range(1024)]
        laptops = [t for t in every if not t.startswith(ids.STATION_TAG_PREFIX)]
        taken = set(laptops) - {laptops[17]}
        assert ids.new_device_tag(taken) == laptops[17]

    def test_laptops_never_get_a_station_tag(self) -> None:
        assert not any(ids.new_device_tag().startswith(ids.STATION_TAG_PREFIX)
                       for _ in range(500))
        with pytest.raises(RuntimeError, match="no device tags left"):
            ids.new_device_tag({t for t in (ids.encode(n, 2) for n in range(1024))
                                if not t.startswith(ids.STATION_TAG_PREFIX)})

    def test_station_tags_are_the_first_free_z_tag(self) -> None:
        assert ids.new_station_tag() == "Z0"
        assert ids.new_station_tag({"Z0", "Z1", "Z3"}) == "Z2"
