"""Pseudonyms: the team gives a person in a report a name to be shown instead (issue 15).

``careterm alias ID NAME PSEUDONYM`` records that in this report NAME is shown as
PSEUDONYM ("Person A", "the sponsor's employee"). It is an add-only ``alias``
list entry ``{"name", "pseudonym"}``, so it syncs and merges like a conversation;
the latest pseudonym given for a name counts
(:func:`careterm.core.casework.aliases`). The real name stays in the record:
privacy mode, the handover and pseudonymised exports replace it wherever it
appears (:mod:`careterm.views.privacy`). The timeline says "pseudonym given to a
person: shown as Person A", never the name.

A pseudonym that holds a word of the name it hides ("Jordan's friend" for
"Jordan Example") would show the name it is meant to hide: refused.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from careterm.core.casework import aliases
from careterm.core.validate import required_text, same_person_key
from careterm.errors import InvalidInput
from careterm.store.store import Store

MAX_ALIAS = 200
"""Longest name or pseudonym accepted (a person, not a statement)."""


def _words(text: str) -> set[str]:
    """The words of ``text`` as compared: no accents, no case, letters and digits only."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                    if not unicodedata.combining(ch)).casefold()
    cleaned = "".join(ch if ch.isalnum() else " " for ch in plain)
    return {word for word in cleaned.split() if len(word) >= 2}


def give_alias(store: Store, incident_id: str, name: str, pseudonym: str) -> bool:
    """Record that in report ``incident_id`` the person ``name`` is shown as ``pseudonym``;
    False when that pseudonym is already the one in force for that name."""
    real = required_text(name, "name")
    shown = required_text(pseudonym, "pseudonym")
    for text, what in ((real, "name"), (shown, "pseudonym")):
        if len(text) > MAX_ALIAS:
            raise InvalidInput(f"{what}: at most {MAX_ALIAS} characters (a person, not a "
                               "statement)")
    if _words(real) & _words(shown):
        raise InvalidInput("pseudonym: it holds a word of the name it hides, so it would "
                           "show the name; choose words of its own (e.g. 'Person A')")
    changed: list[bool] = []

    def build(maker: Any) -> None:
        incident = store.get(incident_id)
        current = dict((same_person_key(n), p) for n, p in aliases(incident))
        if current.get(same_person_key(real)) == shown:
            changed.append(False)
            return
        maker.add(incident.id, "alias", {"name": real, "pseudonym": shown})
        changed.append(True)

    store.transact(build)
    return changed[0]
