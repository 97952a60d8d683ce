"""Privacy mode: what the board and incident view show when someone stands beside the desk.

Names, contacts and the reporter are reduced to initials or a bullet; what
happened, where and the urgency stay, so the team can still work.
"""

from __future__ import annotations

from careterm.core.model import Incident

PRIVATE_FIELDS = ("who", "contact", "reporter")
"""Fields hidden in privacy mode."""
BULLET = "●"


def initials(text: str | None) -> str:
    """``"Ada Example"`` → ``"A.E."``; anything without letters → a bullet."""
    if not text:
        return ""
    letters = [word[0].upper() + "." for word in text.split() if word[:1].isalpha()]
    return "".join(letters[:3]) or BULLET


def private_value(name: str, value: str | None) -> str:
    """The value of ``name`` as privacy mode shows it."""
    if not value:
        return ""
    if name == "contact":
        return BULLET * 3
    return initials(value)


def shown_value(incident: Incident, name: str, private: bool) -> str:
    """A field's text for display, redacted when ``private`` and the field is sensitive."""
    value = getattr(incident, name, None)
    if isinstance(value, str) or value is None:
        text = value or ""
    else:
        text = str(value)
    if private and name in PRIVATE_FIELDS:
        return private_value(name, text)
    return text
