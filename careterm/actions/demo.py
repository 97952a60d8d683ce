"""Realistic, clearly fictional reports for the demo and for load tests.

Every name, place and contact here is invented ("Ada Example", "Room Zeta",
"Hallway near Track 2"). :func:`seed_demo` fills a store with reports in every
urgency and status, some acknowledged, some waiting for minutes or hours, with
notes, so the board looks like the second day of a real conference.

Reports go in through the same core actions every face uses
(:func:`careterm.actions.incidents.capture_many` for the bulk, then acknowledge, note
and status); times are set relative to :func:`careterm.core.clock.now`, so a
frozen clock gives the same demo every time.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.core import clock
from careterm.core.vocabulary import URGENCIES
from careterm.store.store import Store

MAX_DEMO_INCIDENTS = 10_000
DEMO_MEMBERS = ("Ada Example", "Bo Sample", "Cy Placeholder")
"""Fictional CARE members who take the demo reports."""
WHATS = (
    "Repeated unwelcome comments about someone's appearance at the coffee break",
    "Attendee followed a speaker from the talk to the hotel lobby and kept asking for a date",
    "Slide with an offensive joke about a nationality in a lightning talk",
    "Keeps messaging a volunteer in the conference chat after being asked to stop",
    "Loud argument near the registration desk, one person shoved the other",
    "Unwanted touching on the shoulder and back during the evening social",
    "Photos taken of attendees without consent during the workshop",
    "Group mocking a newcomer's accent during the sprint",
    "Sexist remark during the keynote Q&A, audience laughed",
    "Badge with an insulting word written on it, worn openly",
    "Person blocked the door of a small meeting room and would not let someone leave",
    "Derogatory comments about someone's pronouns at a lunch table",
    "Stranger kept sitting next to the reporter in every talk after being told no",
    "Shouting at a volunteer at the cloakroom",
    "Inappropriate images shared in the conference chat",
    "Speaker interrupted repeatedly by the same audience member",
)
WHO = (
    "Dee Fictional (attendee, red hoodie)", "a tall attendee with a green lanyard (name unknown)",
    "Eli Demo (speaker)", "two attendees from the same company", "Fay Testcase (volunteer)",
    "Gus Mock", "someone in a grey blazer, badge hidden", "Hana Specimen and a friend",
)
WHERE = (
    "Room Zeta", "Hallway near Track 2", "Coffee area by Room Alpha", "Registration desk",
    "Sprint room Beta", "Evening social, Hall Omega", "Conference chat (#general)",
    "Lobby of the Example Hotel", "Cloakroom", "Lunch area, table 4",
)
CONTACTS = (
    "ivy.reporter@example.org", "+00 0000 0001 (fictional)", "via the info desk",
    "Signal: @jo.sample (fictional)", "room 412, Example Hotel",
)
REPORTERS = ("Ivy Reporter", "Jo Sample", "Kim Placeholder", "Lee Example")
WHENS = ("10 min ago", "just now", "during the 11:00 talk", "yesterday 21:00", "this morning",
         "30 min ago", "at lunch", "an hour ago", "14:05")
NOTES = (
    "Spoke with the reporter in the quiet room; they want no action for now, just awareness.",
    "Reporter asked for an escort to the hotel tonight; arranged with a volunteer.",
    "Witness Bo Sample confirms the remark; will talk again after lunch.",
    "Asked the reporter whether they want us to contact a friend: they declined.",
    "Reviewed the slide deck: the joke is on slide 14.",
    "Two CARE members will speak with the reported person after the session.",
)
_DEMO_RESOLUTION = "stop-behaviour"
_DEMO_INFORMED_HOW = "in person at the info desk"
_DEMO_INFORMED_TOLD = "The person was asked to stop; we will keep an eye out."
ACK_VIA_CHOICES = ("in-person", "in-person", "email", "phone")


@dataclass
class _Plan:
    """One demo report: what to capture and what happens to it afterwards."""

    age_minutes: float
    member: str
    fields: dict[str, Any]
    marks: dict[str, str] = field(default_factory=dict)
    support: dict[str, str] = field(default_factory=dict)
    ack_after: float | None = None
    ack_via: str = "in-person"
    notes: list[tuple[float, str]] = field(default_factory=list)
    status: str | None = None


_CURATED: tuple[tuple[float, str | None, str, float | None, str | None, dict[str, str]], ...] = (
    (3, "critical", "yes", None, None, {}),                 # critical: alert at once
    (34, "medium", "no", None, None, {"who": "unknown"}),   # past twice the target: alert
    (19, "high", "unknown", None, None, {}),                # past the target: warning
    (6, "low", "no", None, None, {"contact": "declined"}),  # waiting
    (12, None, "yes", None, None, {}),                      # ongoing → raised to high
    (95, "critical", "no", 4, "in-review", {}),
    (180, "high", "no", 9, "needs-info", {}),
    (260, "medium", "no", 12, "decided", {"reporter": "declined"}),
    (400, "low", "no", 25, "informed", {}),
    (1500, "medium", "no", 14, "closed", {}),
    (48, "medium", "no", 7, None, {"when": "unknown"}),
    (75, "low", "unknown", 30, "in-review", {}),
)


def _make_plan(index: int, rng: random.Random, members: tuple[str, ...]) -> _Plan:
    what = WHATS[index % len(WHATS)] if index < len(WHATS) else rng.choice(WHATS)
    fields: dict[str, Any] = {
        "who": rng.choice(WHO), "when": rng.choice(WHENS), "where": rng.choice(WHERE),
        "contact": rng.choice(CONTACTS), "reporter": rng.choice(REPORTERS),
        "source": rng.choice(("in-person", "in-person", "email", "staff", "observed")),
    }
    marks: dict[str, str] = {}
    if index < len(_CURATED):
        age, urgency, ongoing, ack_after, status, marks = _CURATED[index]
        marks = dict(marks)
    else:
        age = rng.uniform(1, 180) if rng.random() < 0.6 else rng.uniform(180, 4320)
        urgency = rng.choices(URGENCIES, weights=(1, 3, 5, 3))[0]
        ongoing = rng.choice(("no", "no", "no", "unknown", "yes"))
        acked = rng.random() < (0.5 if age < 30 else 0.9)
        ack_after = min(age * rng.uniform(0.05, 0.6), 45) if acked else None
        status = (rng.choice(("acknowledged", "in-review", "needs-info", "decided",
                              "informed", "closed")) if acked else None)
        if rng.random() < 0.15:
            marks[rng.choice(("who", "where", "contact", "reporter"))] = rng.choice(
                ("unknown", "declined"))
    for name in marks:
        fields.pop(name, None)
    fields["what"] = what
    fields["ongoing"] = ongoing
    if urgency:
        fields["urgency"] = urgency
    support: dict[str, str] = {}
    if rng.random() < 0.3:
        support[rng.choice(("escort", "friend", "police"))] = rng.choice(
            ("requested", "done", "declined"))
    plan = _Plan(age, members[index % len(members)], fields, marks, support, ack_after,
                 rng.choice(ACK_VIA_CHOICES), status=status)
    if ack_after is not None and rng.random() < 0.7:
        plan.notes.append((ack_after + (age - ack_after) * rng.uniform(0.1, 0.9),
                           rng.choice(NOTES)))
    return plan


@contextlib.contextmanager
def _clock_at(at: datetime) -> Iterator[None]:
    """Let the core stamp what is recorded now as if it happened ``at``."""
    previous = getattr(clock, "_clock", None)
    clock.set_clock(lambda: at)
    try:
        yield
    finally:
        clock.set_clock(previous)


def _as_member(store: Store, member: str) -> None:
    if store.member != member:
        store.update_meta(member=member)


def seed_demo(store: Store, count: int = 12, seed: int = 2026,
              members: tuple[str, ...] | None = None) -> list[str]:
    """Fill ``store`` with ``count`` fictional reports; return their ids (oldest first).

    ``members`` (fictional CARE members) take turns as the member who took a
    report; by default only the store's own member. The store's member is
    the same afterwards as before.
    """
    if not 0 <= count <= MAX_DEMO_INCIDENTS:
        raise ValueError(f"count must be between 0 and {MAX_DEMO_INCIDENTS:,}")
    rng = random.Random(seed)
    own = store.member
    members = members or (own,)
    now = clock.now()
    plans = sorted((_make_plan(i, rng, members) for i in range(count)),
                   key=lambda p: -p.age_minutes)
    # Reports captured in the same minute by the same member go in one write,
    # so 10,000 reports take a few dozen writes, not 10,000.
    buckets: list[tuple[datetime, str, list[_Plan]]] = []
    bulk = count > _INDIVIDUAL_CAPTURES
    for plan in plans:
        at = now - timedelta(minutes=plan.age_minutes)
        if bulk and buckets and at - buckets[-1][0] < _BULK_BUCKET:
            buckets[-1][2].append(plan)
        else:
            member = members[len(buckets) % len(members)] if bulk else plan.member
            buckets.append((at, member, [plan]))
        plan.member = buckets[-1][1]
    ids: list[str] = []
    made: list[tuple[str, _Plan, datetime]] = []
    try:
        for at, member, group in buckets:
            _as_member(store, member)
            rows = [incidents.prepare_capture(p.fields.pop("what"), marks=p.marks or None,
                                              support=p.support or None, **p.fields)
                    for p in group]
            with _clock_at(at):
                new_ids = incidents.capture_many(store, rows)
            ids.extend(new_ids)
            made.extend((inc_id, plan, at) for inc_id, plan in zip(new_ids, group, strict=True))
        _follow_up(store, made, now)
    finally:
        _as_member(store, own)
    return ids


_INDIVIDUAL_CAPTURES = 50
"""Up to this many reports each get their own capture (and own minute); more are
captured in batches, one write per :data:`_BULK_BUCKET` of reporting time."""
_BULK_BUCKET = timedelta(hours=3)
_INDIVIDUAL_FOLLOW_UPS = 60
"""Follow-ups (acks, notes, status) done one core action at a time; beyond this
they are batched in one write so a 10,000-report demo stays quick."""


def _follow_up(store: Store, made: list[tuple[str, _Plan, datetime]], now: datetime) -> None:
    events: list[tuple[datetime, str, str, Any, str]] = []
    for inc_id, plan, created in made:
        if plan.ack_after is None:
            continue
        ack_at = min(created + timedelta(minutes=plan.ack_after), now)
        events.append((ack_at, inc_id, "ack", plan.ack_via, plan.member))
        for after, text in plan.notes:
            events.append((min(created + timedelta(minutes=after), now), inc_id, "note", text,
                           plan.member))
        if plan.status and plan.status != "acknowledged":
            status_at = min(ack_at + (now - ack_at) / 2, now)
            events.append((status_at, inc_id, "status", plan.status, plan.member))
    events.sort(key=lambda e: (e[0], e[1]))
    limit = _INDIVIDUAL_FOLLOW_UPS if len(made) <= _INDIVIDUAL_CAPTURES else 0
    individual, batched = events[:limit], events[limit:]
    for at, inc_id, kind, value, member in individual:
        _as_member(store, member)
        with _clock_at(at):
            if kind == "ack":
                incidents.acknowledge(store, inc_id, value)
            elif kind == "note":
                incidents.add_note(store, inc_id, value)
            elif value in ("decided", "informed", "closed"):
                # The workflow needs a review before a resolution, a resolution before
                # "decided", an inform record before "informed", and both before
                # "closed"; recording them moves the status.
                incidents.change_status(store, inc_id, "in-review")
                casework_actions.record_resolution(store, inc_id, _DEMO_RESOLUTION)
                if value in ("informed", "closed"):
                    casework_actions.record_informed(store, inc_id, _DEMO_INFORMED_HOW,
                                             _DEMO_INFORMED_TOLD)
                if value == "closed":
                    incidents.change_status(store, inc_id, value)
            else:
                incidents.change_status(store, inc_id, value)
    if batched:
        _follow_up_batched(store, batched)


def _follow_up_batched(store: Store, events: list[tuple[datetime, str, str, Any, str]]) -> None:
    """The same changes the core actions make, in one write (members kept per change)."""

    def build(maker: Any) -> None:
        for at, inc_id, kind, value, member in events:
            with _clock_at(at):
                if kind == "ack":
                    change = maker.add(inc_id, "ack", {"via": value})
                    maker.add(inc_id, "set", {"status": "acknowledged"})["by"] = member
                elif kind == "note":
                    change = maker.add(inc_id, "note", {"text": value})
                elif value in ("decided", "informed", "closed"):
                    maker.add(inc_id, "set", {"status": "in-review"})["by"] = member
                    change = maker.add(inc_id, "set", {"resolutions": [_DEMO_RESOLUTION],
                                                       "resolution_other": None,
                                                       "status": "decided"})
                    if value in ("informed", "closed"):
                        maker.add(inc_id, "inform", {"how": _DEMO_INFORMED_HOW,
                                                     "told": _DEMO_INFORMED_TOLD})["by"] = member
                        maker.add(inc_id, "set", {"status": "informed"})["by"] = member
                    if value == "closed":
                        maker.add(inc_id, "set", {"status": "closed"})["by"] = member
                else:
                    change = maker.add(inc_id, "set", {"status": value})
            change["by"] = member

    store.transact(build)
