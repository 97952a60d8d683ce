"""The merge is a CRDT: any order, any grouping, any repetition gives the same incidents.

Hypothesis generates change records from three laptops editing the same few
incidents (same fields, same clock stamps, notes, acknowledgements), then
folds them shuffled, duplicated and split into batches, and through stores
that receive the batches in different orders as sync would deliver them.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from careterm.core.model import Fold
from careterm.store.store import Store
from tests.support import FROZEN_AT

DEVICES = ("a1a1a1a1a1a1a1a1", "b2b2b2b2b2b2b2b2", "c3c3c3c3c3c3c3c3")
MEMBERS = {"a1a1a1a1a1a1a1a1": "Ada Example", "b2b2b2b2b2b2b2b2": "Bo Sample",
           "c3c3c3c3c3c3c3c3": "Cy Person"}
INCIDENTS = ("AA0001", "AA0002", "BB0001")

values = {
    "where": st.sampled_from(["Room Zeta", "Hall Omega", "Foyer", {"mark": "unknown"}, None]),
    "urgency": st.sampled_from(["critical", "high", "medium", "low"]),
    "status": st.sampled_from(["new", "acknowledged", "in-review", "closed"]),
    "what": st.text(max_size=12),
    "who": st.sampled_from(["a fictional attendee", {"mark": "declined"}, None]),
    "ongoing": st.sampled_from(["yes", "no", "unknown", None]),
    "category": st.sampled_from(["harassment", "other"]),
    "when": st.sampled_from([None, (FROZEN_AT - timedelta(minutes=10)).isoformat()]),
}

operation = st.one_of(
    st.builds(lambda d: ("set", d),
              st.dictionaries(st.sampled_from(sorted(values)), st.none(), min_size=1,
                              max_size=3).flatmap(
                  lambda keys: st.fixed_dictionaries({k: values[k] for k in keys}))),
    st.builds(lambda t: ("note", {"text": t}), st.text(max_size=10)),
    st.builds(lambda v: ("ack", {"via": v}), st.sampled_from(["in-person", "phone"])),
    st.builds(lambda t: ("conflict", {"member": t}), st.sampled_from(["Ada", "Bo"])),
)


@st.composite
def change_sets(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Changes from three laptops whose clocks collide often (ties exercise tie-breaks)."""
    changes = []
    for dev in DEVICES:
        for seq in range(1, draw(st.integers(0, 8)) + 1):
            op, data = draw(operation)
            wall = 1_764_077_400_000 + draw(st.integers(0, 3)) * 1000
            minute = draw(st.integers(0, 30))
            changes.append({
                "cid": f"{dev}:{seq}", "inc": draw(st.sampled_from(INCIDENTS)), "op": op,
                "data": data, "hlc": f"{wall:015d}.{draw(st.integers(0, 2)):05d}",
                "dev": dev, "by": MEMBERS[dev],
                "at": (FROZEN_AT + timedelta(minutes=minute)).isoformat(),
            })
    return changes


def canonical(incidents: dict[str, Any]) -> dict[str, Any]:
    """Every field of every incident (notes, history, entries, changes included)."""
    return {inc_id: dataclasses.asdict(inc) for inc_id, inc in sorted(incidents.items())}


def fold_batches(*batches: list[dict[str, Any]]) -> dict[str, Any]:
    """Fold batches one after the other into one fold, as successive syncs do."""
    folder = Fold()
    for batch in batches:
        folder.apply(batch)
    return canonical(folder.incidents)


@settings(max_examples=150, deadline=None)
@given(change_sets(), st.randoms(use_true_random=False))
def test_order_does_not_matter(changes: list[dict[str, Any]], rng: Any) -> None:
    shuffled = list(changes)
    rng.shuffle(shuffled)
    assert fold_batches(shuffled) == fold_batches(changes)


@settings(max_examples=150, deadline=None)
@given(change_sets(), st.randoms(use_true_random=False))
def test_repetition_does_not_matter(changes: list[dict[str, Any]], rng: Any) -> None:
    repeated = changes + [rng.choice(changes) for _ in range(len(changes))] if changes else []
    rng.shuffle(repeated)
    assert fold_batches(repeated) == fold_batches(changes)
    assert fold_batches(changes, changes, repeated) == fold_batches(changes)


@settings(max_examples=150, deadline=None)
@given(change_sets(), st.randoms(use_true_random=False), st.integers(1, 4))
def test_grouping_does_not_matter(changes: list[dict[str, Any]], rng: Any,
                                  parts: int) -> None:
    cuts = sorted(rng.randint(0, len(changes)) for _ in range(parts))
    bounds = [0, *cuts, len(changes)]
    batches = [changes[lo:hi] for lo, hi in zip(bounds, bounds[1:], strict=False)]
    reordered = list(batches)
    rng.shuffle(reordered)
    whole = fold_batches(changes)
    assert fold_batches(*batches) == whole
    assert fold_batches(*reordered) == whole
    # (a + b) + c == a + (b + c): merge the first two batches first, or the last two.
    a, b, c = changes[: len(changes) // 3], changes[len(changes) // 3: 2 * len(changes) // 3], \
        changes[2 * len(changes) // 3:]
    assert fold_batches(a + b, c) == fold_batches(a, b + c) == whole


@settings(max_examples=40, deadline=None)
@given(change_sets(), st.randoms(use_true_random=False))
def test_stores_receiving_batches_in_any_order_and_twice_agree(changes: list[dict[str, Any]],
                                                               rng: Any) -> None:
    by_device = [[c for c in changes if c["dev"] == dev] for dev in DEVICES]
    first, second = Store.in_memory(tag="ZZ"), Store.in_memory(tag="ZY")
    for batch in by_device:
        first.add_foreign(batch)
    deliveries = by_device + by_device
    rng.shuffle(deliveries)
    for batch in deliveries:
        second.add_foreign(batch)
    assert canonical(first.incidents()) == canonical(second.incidents())
    assert canonical(first.incidents()) == fold_batches(changes)
    assert sorted(c["cid"] for c in second.changes()) == sorted(c["cid"] for c in changes)


@settings(max_examples=60, deadline=None)
@given(change_sets())
def test_a_losing_value_stays_in_the_history(changes: list[dict[str, Any]]) -> None:
    incidents = Fold()
    incidents.apply(changes)
    for change in changes:
        if change["op"] != "set":
            continue
        incident = incidents.incidents[change["inc"]]
        for name, value in change["data"].items():
            assert value in [v.value for v in incident.history[name]]
