"""A link between two reports made on one laptop shows on the other, both ways."""

from __future__ import annotations

from careterm.actions import incidents
from careterm.actions.links import link_reports
from careterm.core.related import linked_ids, related
from tests.support import Team, canonical


def test_a_link_made_on_one_laptop_shows_on_the_other(team_of_two: Team) -> None:
    ada, bo = team_of_two.laptops
    first = next(iter(ada.incidents()))
    second = incidents.capture(bo, "Cornered again, near the cloakroom", who="J. Smith").id
    third = incidents.capture(bo, "Someone else entirely").id
    team_of_two.sync_all()
    assert link_reports(ada, first, third)
    assert link_reports(bo, second, first)  # at the same time, on the other laptop
    team_of_two.sync_all()
    for laptop in (ada, bo):
        seen = laptop.incidents()
        assert linked_ids(seen[first], seen) == sorted([second, third])
        assert linked_ids(seen[third], seen) == [first]
        assert linked_ids(seen[second], seen) == [first]
    assert canonical(ada) == canonical(bo)
    incidents.update(ada, first, who="Jordan Smith")
    team_of_two.sync_all()
    seen = bo.incidents()
    assert related(seen[first], seen) == [second]
