"""Privacy mode hides names, contacts and the reporter."""

from __future__ import annotations

from careterm.actions import incidents as actions
from careterm.store.store import Store
from careterm.views.privacy import initials, shown_value


class TestPrivacyMode:
    """Sensitive fields become initials or bullets; the rest stays readable."""

    def test_initials(self) -> None:
        assert initials("Ada Example") == "A.E."
        assert initials("bo") == "B."
        assert initials("+31 000 000") == "●"
        assert initials(None) == ""

    def test_shown_values(self, store: Store) -> None:
        inc = store.get(actions.capture(store, "Shouting in the hallway", who="Cy Placeholder",
                                        contact="cy@example.org", reporter="Di Fictional",
                                        where="Room Zeta").id)
        private = {name: shown_value(inc, name, True)
                   for name in ("what", "who", "contact", "reporter", "where")}
        assert private == {"what": "Shouting in the hallway", "who": "C.P.", "contact": "●●●",
                           "reporter": "D.F.", "where": "Room Zeta"}
        assert shown_value(inc, "contact", False) == "cy@example.org"
