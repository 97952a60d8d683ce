"""Messages that workers post back to the screens (always in the past tense).

Workers run disk and crypto work in threads; they never touch widgets, they
post one of these and the screen (or the app) reacts on the main thread.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message

from careterm.actions.incidents import Captured
from careterm.core.model import Incident
from careterm.store.store import Store


class StoreUnlocked(Message):
    """The passphrase unlocked the store."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store


class UnlockFailed(Message):
    """The store was not unlocked; ``reason`` says why in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class StoreCreated(Message):
    """A new store was created (``notice`` tells about the shared folder, if any)."""

    def __init__(self, store: Store, notice: str = "") -> None:
        super().__init__()
        self.store = store
        self.notice = notice


class StoreCreateFailed(Message):
    """Creating the store failed; nothing was written."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class IncidentsRefreshed(Message):
    """The store was re-read; ``incidents`` is a fresh snapshot, ``changed`` the ids
    that changed since the previous refresh."""

    def __init__(self, incidents: dict[str, Incident], changed: set[str],
                 initial: bool = False) -> None:
        super().__init__()
        self.incidents = incidents
        self.changed = changed
        self.initial = initial


class RefreshFailed(Message):
    """Re-reading the store failed (the app keeps showing what it had)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class IncidentSaved(Message):
    """A captured report was stored."""

    def __init__(self, captured: Captured) -> None:
        super().__init__()
        self.captured = captured


class IncidentSaveFailed(Message):
    """Storing a report failed; the form keeps everything that was typed."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class IncidentUpdated(Message):
    """An action on an incident (acknowledge, note, edit, urgency, status) was stored."""

    def __init__(self, incident_id: str, description: str, result: Any = None) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.description = description
        self.result = result


class IncidentUpdateFailed(Message):
    """An action on an incident was refused or could not be stored."""

    def __init__(self, incident_id: str, reason: str) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.reason = reason


class DraftFound(Message):
    """A capture draft from an earlier session was found after unlocking."""

    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__()
        self.record = record


class DraftUnreadable(Message):
    """The capture draft could not be read; it was set aside, not overwritten."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class LockLifted(Message):
    """The passphrase matched: the lock screen goes away."""


class PrivacyToggled(Message):
    """Privacy mode was switched on or off (``private``): names and contacts are redrawn."""

    def __init__(self, private: bool) -> None:
        super().__init__()
        self.private = private


class CaseworkSaved(Message):
    """A casework record (review, resolution, conversation, …) was stored from a form."""

    def __init__(self, incident_id: str, description: str, result: Any = None) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.description = description
        self.result = result


class CaseworkRefused(Message):
    """A casework form was refused (bad input) or could not be stored; the form stays open."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class HandoverGathered(Message):
    """The handover page's lists were worked out (:func:`careterm.core.casework.handover`)."""

    def __init__(self, handover: dict[str, Any]) -> None:
        super().__init__()
        self.handover = handover


class ReportGathered(Message):
    """The anonymised transparency report was rendered as Markdown."""

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown


class GatherFailed(Message):
    """Reading the store for a handover or report failed; ``reason`` in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
