"""Reading one e-mail sent to the CoC address: who wrote, when, and what they said.

A report that arrives by e-mail becomes a capture (source ``email``) without
being retyped. This module only turns the bytes of one message into the
fields of that capture; finding messages in ``.eml`` files, mbox files and
Maildir folders, and keeping the raw message as evidence, happen above it.

Rules, as decided for careterm:

* Python's own parser with ``email.policy.default`` (encoded words and
  charsets decoded by the standard library); no network, no mail server, no
  remote content: a link in the mail stays text.
* Reporter and contact come from ``From`` (display name, address); a
  ``Reply-To`` address, when set, is where an answer goes, so it is the
  contact. When comes from ``Date`` (``None`` when missing or unreadable);
  what is the subject, a blank line, and the plain-text body. A message with
  only HTML is turned into text here (tags dropped, block ends become line
  breaks, scripts and styles left out).
* The message is untrusted: its size is capped before parsing
  (:data:`MAX_MESSAGE_BYTES`, a team may lower it), and so is the number of
  parts walked (:data:`MAX_PARTS`: a mail with thousands of parts is named
  and skipped, not walked). Text is kept as written; control characters,
  bidi overrides and markup are made visible wherever it is shown
  (:mod:`careterm.core.textsafe`), never interpreted.
* ``Message-ID`` identifies a message (importing a mailbox twice adds
  nothing); ``In-Reply-To`` and ``References`` name the messages it answers,
  so a reply becomes a note on the report it belongs to.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from careterm.errors import InvalidInput

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
"""Largest message read (the team's default; bigger ones are named and skipped)."""
MAX_PARTS = 200
"""Most MIME parts walked in one message."""
MAX_BODY_CHARS = 100_000
"""Longest body text kept for "what happened" (the raw message keeps the rest)."""

_ID = re.compile(r"<[^<>\s]{1,998}>")


@dataclass(frozen=True)
class MailReport:
    """What one message says, ready for a capture."""

    message_id: str | None
    """``<…>`` as written in ``Message-ID`` (``None`` when the message has none)."""
    answers: tuple[str, ...]
    """Message ids named in ``In-Reply-To`` and ``References``, nearest first."""
    reporter: str | None
    contact: str | None
    when: datetime | None
    subject: str
    body: str
    attachments: tuple[str, ...] = field(default_factory=tuple)
    """Names of attached files (as the sender named them: untrusted text)."""

    @property
    def what(self) -> str:
        """The subject and the body as one text for "what happened"."""
        parts = [p for p in (self.subject.strip(), self.body.strip()) if p]
        return "\n\n".join(parts) or "(an empty e-mail)"


class _Text(HTMLParser):
    """HTML to plain text: tags dropped, block ends as line breaks, nothing fetched."""

    _BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                         "blockquote", "pre", "table", "ul", "ol", "hr"})
    _SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.out.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML body (no links followed, no images loaded)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out)
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _ids(value: str | None) -> list[str]:
    return _ID.findall(value or "")


def _header(message: Message, name: str) -> str | None:
    try:
        value = message.get(name)
    except Exception:  # a header the standard parser cannot decode
        return None
    return None if value is None else str(value)


def _address(message: Message, name: str) -> tuple[str | None, str | None]:
    value = _header(message, name)
    if not value:
        return None, None
    pairs = [(n, a) for n, a in getaddresses([value]) if n or a]
    if not pairs:
        return None, None
    display, address = pairs[0]
    return (display.strip() or None), (address.strip() or None)


def _when(message: Message) -> datetime | None:
    value = _header(message, "Date")
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _part_text(part: Message) -> str:
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else part.get_payload()
    except (LookupError, ValueError, AssertionError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def _collect(message: Message, plain: list[str], html: list[str], attachments: list[str]
             ) -> None:
    """Sort the leaf parts of ``message`` into plain text, HTML and attachment names."""
    for count, part in enumerate(message.walk(), start=1):
        if count > MAX_PARTS:
            raise InvalidInput(f"more than {MAX_PARTS} parts")
        if part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        if filename or disposition == "attachment":
            attachments.append(str(filename or "(unnamed attachment)"))
            continue
        kind = part.get_content_type()
        if kind == "text/plain":
            plain.append(_part_text(part))
        elif kind == "text/html":
            html.append(_part_text(part))


def parse_message(raw: bytes, *, limit: int = MAX_MESSAGE_BYTES) -> MailReport:
    """Read one message; raise :class:`InvalidInput` (a reason in a few words) when it is
    too big, has too many parts, or is not an e-mail at all."""
    if len(raw) > limit:
        raise InvalidInput(f"larger than the limit of {limit // (1024 * 1024)} MB")
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as error:  # the parser is lenient; anything it raises is a bad message
        raise InvalidInput(f"not a readable e-mail ({type(error).__name__})") from None
    if not isinstance(message, EmailMessage) or not message.keys():
        raise InvalidInput("not an e-mail: no headers")
    if _header(message, "From") is None and _header(message, "Subject") is None:
        raise InvalidInput("not an e-mail: no From and no Subject")
    plain: list[str] = []
    html: list[str] = []
    attachments: list[str] = []
    try:
        _collect(message, plain, html, attachments)
    except RecursionError:
        raise InvalidInput("parts nested too deeply") from None
    body = "\n\n".join(t.strip() for t in plain if t.strip())
    if not body and html:
        body = "\n\n".join(html_to_text(t) for t in html)
    if len(body) > MAX_BODY_CHARS:
        body = body[:MAX_BODY_CHARS] + "\n[… the rest is in the original message]"
    name, address = _address(message, "From")
    _reply_name, reply_to = _address(message, "Reply-To")
    message_ids = _ids(_header(message, "Message-ID"))
    answers = _ids(_header(message, "In-Reply-To"))
    for ref in reversed(_ids(_header(message, "References"))):
        if ref not in answers:
            answers.append(ref)
    return MailReport(
        message_id=message_ids[0] if message_ids else None,
        answers=tuple(answers),
        reporter=name or address,
        contact=reply_to or address,
        when=_when(message),
        subject=(_header(message, "Subject") or "").strip(),
        body=body,
        attachments=tuple(attachments),
    )
