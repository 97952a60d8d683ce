"""E-mail intake: messages sent to the CoC address become reports (``careterm mail``).

Input is what a mail client exports, read with Python's standard
:mod:`mailbox`: single ``.eml`` files, an mbox file, or a Maildir folder
(``cur``/``new``/``tmp``). No network, no mail server. Each message is read
as untrusted input: a file that is not a regular file is named and skipped,
a message over the size limit is skipped before it is parsed, and parsing
is :func:`careterm.core.mailtext.parse_message` (bounded parts, no remote
content).

What a message becomes:

* a **new report**: source ``email``, reporter and contact from the sender,
  when from ``Date``, what from the subject and body, urgency ``medium``
  (the team's ``mail_urgency`` setting, synced like the stage targets), unacknowledged so it
  escalates like any other; the raw message, attachments included, is kept
  encrypted as the report's first piece of evidence
  (:mod:`careterm.actions.evidence`);
* a **note** on an existing report, when it answers (``In-Reply-To`` /
  ``References``) a message already imported; the reply's raw message is
  kept as evidence too;
* **nothing**, when its ``Message-ID`` (or, without one, the SHA-256 of its
  bytes) was imported before: importing the same mailbox twice adds nothing.

The message id is recorded on the report (``mail_ids``) and in the note, so
every laptop knows what was imported once the changes sync.
"""

from __future__ import annotations

import hashlib
import mailbox
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from careterm.actions.evidence import evidence_record
from careterm.actions.incidents import prepare_capture
from careterm.core import clock
from careterm.core.mailtext import MAX_MESSAGE_BYTES, MailReport, parse_message
from careterm.core.model import Incident
from careterm.core.textsafe import visible
from careterm.errors import InvalidInput
from careterm.store import evidence as evidence_files
from careterm.store.store import Store

MAX_MESSAGES = 100_000
"""Most messages read from one mbox or Maildir."""


@dataclass
class MailResult:
    """What one ``careterm mail`` run did."""

    new_reports: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    """(report id, where the reply was found)."""
    duplicates: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(where, why) for each message not imported."""


def _message_key(raw: bytes, report: MailReport) -> str:
    return report.message_id or "sha256:" + hashlib.sha256(raw).hexdigest()


def imported_ids(incidents: dict[str, Incident]) -> dict[str, str]:
    """Every message key already imported → the report it went to."""
    found: dict[str, str] = {}
    for incident in incidents.values():
        for key in incident.extra.get("mail_ids") or ():
            if isinstance(key, str):
                found[key] = incident.id
        for entry in incident.entries.get("note", ()):
            key = entry.data.get("mail_id")
            if isinstance(key, str):
                found[key] = incident.id
    return found


def _regular_size(path: Path) -> int:
    info = os.stat(path, follow_symlinks=False)
    if stat.S_ISLNK(info.st_mode):
        raise InvalidInput("a link; give the file itself")
    if not stat.S_ISREG(info.st_mode):
        raise InvalidInput("not a regular file")
    return info.st_size


def _read_limited(path: Path, limit: int) -> bytes:
    size = _regular_size(path)
    if size > limit:
        raise InvalidInput(f"larger than the limit of {limit // (1024 * 1024)} MB")
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"larger than the limit of {limit // (1024 * 1024)} MB")
    return data


def _is_maildir(path: Path) -> bool:
    return path.is_dir() and all((path / sub).is_dir() for sub in ("cur", "new"))


def _is_mbox(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(5) == b"From "


def messages(path: Path, limit: int) -> Iterator[tuple[str, bytes | InvalidInput]]:
    """``(where, raw bytes or the reason it cannot be read)`` for each message at ``path``."""
    label = visible(str(path), one_line=True)
    try:
        if _is_maildir(path):
            yield from _maildir(path, label, limit)
            return
        if path.is_dir():
            yield label, InvalidInput("a folder that is not a Maildir (no cur/ and new/)")
            return
        _regular_size(path)
        if not _is_mbox(path):
            yield label, _read_or_reason(path, limit)
            return
        box = mailbox.mbox(path, create=False)
        keys = list(box.iterkeys())
    except FileNotFoundError:
        yield label, InvalidInput("no such file or folder")
        return
    except InvalidInput as exc:
        yield label, exc
        return
    except (OSError, mailbox.Error) as exc:
        yield label, InvalidInput(getattr(exc, "strerror", None) or str(exc))
        return
    for number, key in enumerate(keys[:MAX_MESSAGES], start=1):
        where = f"{label} (message {number})"
        try:
            raw = box.get_bytes(key)
        except (OSError, KeyError, mailbox.Error) as exc:
            yield where, InvalidInput(f"unreadable: {exc}")
            continue
        if len(raw) > limit:
            yield where, InvalidInput(f"larger than the limit of {limit // (1024 * 1024)} MB")
        else:
            yield where, raw
    if len(keys) > MAX_MESSAGES:
        yield label, InvalidInput(f"more than {MAX_MESSAGES} messages; the rest were not read")


def _maildir(path: Path, label: str, limit: int) -> Iterator[tuple[str, bytes | InvalidInput]]:
    """A Maildir holds one message per file in ``new/`` and ``cur/`` (``tmp/`` is mail
    still being delivered, left alone)."""
    files = sorted((sub, entry.name) for sub in ("new", "cur")
                   for entry in os.scandir(path / sub) if not entry.name.startswith("."))
    for count, (sub, name) in enumerate(files, start=1):
        if count > MAX_MESSAGES:
            yield label, InvalidInput(f"more than {MAX_MESSAGES} messages; the rest were "
                                      "not read")
            return
        where = f"{label}/{sub}/{visible(name, one_line=True)}"
        yield where, _read_or_reason(path / sub / name, limit)


def _read_or_reason(path: Path, limit: int) -> bytes | InvalidInput:
    try:
        return _read_limited(path, limit)
    except InvalidInput as exc:
        return exc
    except OSError as exc:
        return InvalidInput(exc.strerror or str(exc))


def _note_text(report: MailReport) -> str:
    sender = report.reporter or "the sender"
    return f"E-mail from {sender}: {report.what}"


def _file_name(report: MailReport) -> str:
    return "message.eml"


def import_mail(store: Store, paths: list[Path], *, limit: int = MAX_MESSAGE_BYTES,
                urgency: str | None = None) -> MailResult:
    """Import every message found at ``paths`` (see the module notes)."""
    result = MailResult()
    known = imported_ids(store.incidents())
    chosen_urgency = urgency or store.team_settings().mail_urgency
    for path in paths:
        for where, raw in messages(path, limit):
            if isinstance(raw, InvalidInput):
                result.skipped.append((where, str(raw)))
                continue
            try:
                report = parse_message(raw, limit=limit)
            except InvalidInput as exc:
                result.skipped.append((where, str(exc)))
                continue
            key = _message_key(raw, report)
            if key in known:
                result.duplicates += 1
                continue
            parent = next((known[a] for a in report.answers if a in known), None)
            try:
                if parent is not None:
                    _add_reply(store, parent, key, report, raw)
                    result.notes.append((parent, where))
                    known[key] = parent
                else:
                    new_id = _add_report(store, key, report, raw, chosen_urgency)
                    result.new_reports.append(new_id)
                    known[key] = new_id
            except InvalidInput as exc:
                result.skipped.append((where, str(exc)))
    return result


def _evidence(store: Store, raw: bytes, report: MailReport) -> dict[str, Any]:
    record = evidence_record(raw, _file_name(report), "the e-mail as it arrived")
    record["type"] = "message/rfc822"
    evidence_files.keep(store, record["id"], raw)
    return record


def _add_report(store: Store, key: str, report: MailReport, raw: bytes, urgency: str) -> str:
    prepared = prepare_capture(report.what, reporter=report.reporter, contact=report.contact,
                               source="email", urgency=urgency)
    data = dict(prepared.data)
    if report.when is not None:
        data["when"] = report.when.isoformat()
        data["when_text"] = "e-mail sent " + report.when.strftime("%Y-%m-%d %H:%M %z")
    data["mail_ids"] = [key]
    record = _evidence(store, raw, report)
    made: list[str] = []

    def build(maker: Any) -> None:
        inc_id = maker.new_incident_id()
        maker.add(inc_id, "set", {**data, "created_at": clock.now().isoformat(),
                                  "created_by": store.member})
        maker.add(inc_id, "evidence", record)
        made.append(inc_id)

    store.transact(build)
    return made[0]


def _add_reply(store: Store, incident_id: str, key: str, report: MailReport,
               raw: bytes) -> None:
    record = _evidence(store, raw, report)

    def build(maker: Any) -> None:
        maker.add(incident_id, "note", {"text": _note_text(report), "mail_id": key})
        maker.add(incident_id, "evidence", record)

    store.transact(build)
