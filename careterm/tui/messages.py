"""Messages between workers, screens and the app (always in the past tense).

Store work runs in threads (:mod:`careterm.tui.gateway`); it never touches a
widget, it returns one of these and the gateway posts it to the screen (or the
app) that asked, which reacts on the main thread. The unlock, setup and lock
screens' outcomes (:class:`StoreUnlocked`, :class:`StoreCreated`,
:class:`KeyRederived`, :class:`LockLifted`) are not handled by the screens:
they bubble up to the app.

Fields that hold reports or the store are left out of ``repr``: a message in a
log never carries what anyone typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from careterm.actions.incidents import Captured
from careterm.actions.mail import MailResult
from careterm.actions.settings import SettingChange, SettingNow
from careterm.core.model import Incident
from careterm.store.store import Store
from careterm.team.doctor import Diagnosis
from careterm.team.sync import SyncReport


@dataclass
class StoreUnlocked(Message):
    """The passphrase unlocked the store (the app shows the board)."""

    store: Store = field(repr=False)


@dataclass
class UnlockFailed(Message):
    """The store was not unlocked; ``reason`` says why in one line."""

    reason: str


@dataclass
class StoreCreated(Message):
    """A new store was created (``notice`` tells about the shared folder, if any)."""

    store: Store = field(repr=False)
    notice: str = ""


@dataclass
class StoreCreateFailed(Message):
    """Creating the store failed; nothing was written."""

    reason: str


@dataclass
class KeyRederived(Message):
    """The lock screen's passphrase opened the store again (``store`` holds the key)."""

    store: Store = field(repr=False)


@dataclass
class LockLifted(Message):
    """Demo: the lock screen goes away without a passphrase."""


@dataclass
class IncidentsRefreshed(Message):
    """The store was re-read: ``incidents`` is a fresh snapshot, ``versions`` each one's
    :attr:`~careterm.core.model.Incident.version` (worked out in the worker: at 10,000
    reports, reading them on the app's thread cost milliseconds of every arrival)."""

    incidents: dict[str, Incident] = field(repr=False)
    versions: dict[str, int] = field(repr=False)
    base: dict[str, int] | None = field(default=None, repr=False)
    """The ``versions`` of the read before this one (the same object), when there was one."""
    changed: frozenset[str] = frozenset()
    """The reports whose version differs from ``base`` (new ones included)."""


@dataclass
class SyncFinished(Message):
    """A sync through the shared folder ran: ``synced`` is its report, or ``failure``
    says why it did not run."""

    synced: SyncReport | None = field(default=None, repr=False)
    failure: str = ""


@dataclass
class RefreshFailed(Message):
    """Re-reading the store failed (the app keeps showing what it had)."""

    reason: str


@dataclass
class IncidentSaved(Message):
    """A captured report was stored."""

    captured: Captured = field(repr=False)


@dataclass
class IncidentSaveFailed(Message):
    """Storing a report failed; the form keeps everything that was typed."""

    reason: str


@dataclass
class IncidentUpdated(Message):
    """An action on an incident (acknowledge, note, edit, urgency, status) was stored."""

    incident_id: str
    description: str
    result: Any = field(default=None, repr=False)


@dataclass
class IncidentUpdateFailed(Message):
    """An action on an incident was refused or could not be stored."""

    incident_id: str
    reason: str


@dataclass
class DraftFound(Message):
    """A capture draft from an earlier session was found after unlocking."""

    record: dict[str, Any] = field(repr=False)


@dataclass
class DraftUnreadable(Message):
    """The capture draft could not be read; it was set aside, not overwritten."""

    reason: str


@dataclass
class DraftNotKept(Message):
    """The capture draft could not be written (the form on screen is unchanged)."""

    reason: str


@dataclass
class DraftNotDeleted(Message):
    """Deleting the capture draft failed (it is offered again after the next unlock)."""

    reason: str


@dataclass
class PrivacyToggled(Message):
    """Privacy mode was switched on or off (``private``): names and contacts are redrawn."""

    private: bool


@dataclass
class CaseworkSaved(Message):
    """A casework record (review, resolution, conversation, …) was stored from a form."""

    incident_id: str
    result: Any = field(default=None, repr=False)
    unknown: list[str] = field(default_factory=list, repr=False)
    """Member names typed on the form that are no known member of the team (a warning)."""


@dataclass
class CaseworkNeedsConfirm(Message):
    """A casework form's step needs the team's confirmation first (out of order, or
    against the reporter's wishes: :class:`careterm.actions.casework.NeedsForce`);
    confirmed, it is stored again with each of ``flags`` set."""

    reason: str
    flags: tuple[str, ...]


@dataclass
class CaseworkRefused(Message):
    """A casework form was refused (bad input) or could not be stored; the form stays open."""

    reason: str


@dataclass
class HandoverGathered(Message):
    """The handover page's lists were worked out (:func:`careterm.core.casework.handover`)."""

    handover: dict[str, Any] = field(repr=False)


@dataclass
class ReportGathered(Message):
    """The anonymised transparency report was rendered as Markdown."""

    markdown: str = field(repr=False)


@dataclass
class GatherFailed(Message):
    """Reading the store for a handover or report failed; ``reason`` in one line."""

    reason: str


@dataclass
class DoctorExamined(Message):
    """The folder doctor looked at the shared folder (:func:`careterm.team.doctor.diagnose`)."""

    diagnosis: Diagnosis = field(repr=False)


@dataclass
class DoctorFailed(Message):
    """The folder doctor could not run; ``reason`` in one line."""

    reason: str


@dataclass
class MailImported(Message):
    """E-mails were imported (:func:`careterm.actions.mail.import_mail`): what it did."""

    result: MailResult = field(repr=False)


@dataclass
class MailImportFailed(Message):
    """The e-mail import did not run (one line, e.g. the store is locked)."""

    reason: str


@dataclass
class MembersGathered(Message):
    """The team's members as this laptop knows them
    (:func:`careterm.team.members.known_members`), gathered to choose one for
    ``incident_id`` (its owner)."""

    incident_id: str
    members: list[str]


@dataclass
class SettingsRead(Message):
    """The team's settings were read (:func:`careterm.actions.settings.current_settings`):
    every setting, its value and who last changed it."""

    settings: list[SettingNow] = field(repr=False)


@dataclass
class SettingsChanged(Message):
    """A team setting was changed (:func:`careterm.actions.settings.change_settings`):
    what moved (empty: the setting already had that value, nothing was written)."""

    changes: list[SettingChange] = field(repr=False)


@dataclass
class SettingsFailed(Message):
    """Reading or changing the team's settings failed; ``reason`` in one line."""

    reason: str


@dataclass
class ErasureStatusRead(Message):
    """``careterm erase --status``'s lines (:func:`careterm.team.erasure.status_lines`)."""

    lines: list[str] = field(repr=False)


@dataclass
class ErasureStatusFailed(Message):
    """The erasure status could not be read; ``reason`` in one line."""

    reason: str
