"""Reading one e-mail into the fields of a report (careterm.core.mailtext)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careterm.core.mailtext import MAX_PARTS, html_to_text, parse_message
from careterm.errors import InvalidInput


def _mail(**headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Robin Example <robin@example.org>")
    message["To"] = "coc@conference.example"
    message["Subject"] = headers.pop("Subject", "Incident at the evening social")
    message["Date"] = headers.pop("Date", "Tue, 02 Jun 2027 21:14:00 +0200")
    message["Message-ID"] = headers.pop("Message_ID", "<first.1@mail.example.org>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


def test_plain_mail_gives_reporter_contact_when_and_what() -> None:
    message = _mail()
    message.set_content("Someone from Exampleville kept following me around the venue.\n")
    report = parse_message(message.as_bytes())
    assert report.reporter == "Robin Example"
    assert report.contact == "robin@example.org"
    assert report.when == datetime(2027, 6, 2, 21, 14, tzinfo=timezone(timedelta(hours=2)))
    assert report.what.startswith("Incident at the evening social\n\nSomeone from Exampleville")
    assert report.message_id == "<first.1@mail.example.org>"
    assert report.answers == ()


def test_reply_to_is_the_contact_and_a_reply_names_what_it_answers() -> None:
    message = _mail(Reply_To="Robin (private) <robin.private@example.net>",
                    Message_ID="<second.2@mail.example.org>",
                    In_Reply_To="<first.1@mail.example.org>",
                    References="<zero.0@mail.example.org> <first.1@mail.example.org>")
    message.set_content("One more thing I remembered.")
    report = parse_message(message.as_bytes())
    assert report.reporter == "Robin Example"
    assert report.contact == "robin.private@example.net"
    assert report.answers == ("<first.1@mail.example.org>", "<zero.0@mail.example.org>")


def test_encoded_words_are_decoded_and_text_kept_literally() -> None:
    raw = (b"From: =?utf-8?q?J=C3=B6rdan_Example?= <jordan@example.org>\r\n"
           b"Subject: =?utf-8?b?W2JvbGQgcmVkXWhpWy9ib2xkIHJlZF0gG1szMW0=?=\r\n"
           b"Message-ID: <enc.3@mail.example.org>\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
           b"Text with \xe2\x80\xae bidi override.\r\n")
    report = parse_message(raw)
    assert report.reporter == "Jördan Example"
    assert report.subject == "[bold red]hi[/bold red] \x1b[31m"  # kept; shown safely later
    assert "\u202e" in report.body


def test_html_only_mail_becomes_text_without_fetching_anything() -> None:
    message = _mail()
    message.set_content("<html><head><style>p{color:red}</style>"
                        "<script>alert(1)</script></head><body><p>First line</p>"
                        "<p>See <a href='https://tracker.example/x.png'>this</a>"
                        "<img src='https://tracker.example/pixel.png'></p></body></html>",
                        subtype="html")
    report = parse_message(message.as_bytes())
    assert "First line\n" in report.body and "See this" in report.body
    assert "alert" not in report.body and "color" not in report.body
    assert "tracker.example" not in report.body


def test_plain_text_wins_over_html_alternative() -> None:
    message = _mail()
    message.set_content("the plain words")
    message.add_alternative("<p>the html words</p>", subtype="html")
    assert parse_message(message.as_bytes()).body == "the plain words"


def test_attachments_are_named_not_read_into_the_text() -> None:
    message = _mail()
    message.set_content("Screenshot attached.")
    message.add_attachment(b"\x89PNG fake", maintype="image", subtype="png",
                           filename="../../etc/passwd\x1b[2J.png")
    report = parse_message(message.as_bytes())
    assert report.body == "Screenshot attached."
    assert report.attachments == ("../../etc/passwd\x1b[2J.png",)


def test_missing_date_and_missing_message_id_are_none() -> None:
    raw = b"From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n"
    report = parse_message(raw)
    assert report.when is None and report.message_id is None
    assert report.reporter == "a@example.org" and report.contact == "a@example.org"


def test_date_without_zone_is_read_as_utc() -> None:
    raw = b"From: a@example.org\r\nSubject: hi\r\nDate: 2 Jun 2027 10:00:00 -0000\r\n\r\nx"
    assert parse_message(raw).when == datetime(2027, 6, 2, 10, 0, tzinfo=UTC)


def test_oversized_message_is_refused_before_parsing() -> None:
    with pytest.raises(InvalidInput, match="larger than the limit of 1 MB"):
        parse_message(b"From: a@example.org\r\n\r\n" + b"x" * (1024 * 1024), limit=1024 * 1024)


def test_thousands_of_parts_are_refused() -> None:
    message = _mail()
    message.set_content("body")
    for n in range(MAX_PARTS + 5):
        message.add_attachment(b"x", maintype="application", subtype="octet-stream",
                               filename=f"part{n}.bin")
    with pytest.raises(InvalidInput, match=f"more than {MAX_PARTS} parts"):
        parse_message(message.as_bytes())


def test_deep_nesting_is_refused_not_a_crash() -> None:
    depth = 3000
    boundary = [f"b{n}" for n in range(depth)]
    head = b"From: a@example.org\r\nSubject: deep\r\n"
    lines = [head + f'Content-Type: multipart/mixed; boundary="{boundary[0]}"\r\n\r\n'.encode()]
    for n in range(1, depth):
        lines.append(f'--{boundary[n - 1]}\r\nContent-Type: multipart/mixed; '
                     f'boundary="{boundary[n]}"\r\n\r\n'.encode())
    raw = b"".join(lines)
    with pytest.raises(InvalidInput):
        parse_message(raw)


@pytest.mark.parametrize("raw", [b"", b"\x00\x01\x02 not mail", b"just some words\n"])
def test_what_is_not_mail_is_named(raw: bytes) -> None:
    with pytest.raises(InvalidInput, match="not an e-mail"):
        parse_message(raw)


def test_html_to_text_keeps_paragraphs() -> None:
    assert html_to_text("<div>one</div><div>two<br>three</div>") == "one\n\ntwo\nthree"


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_either_parse_or_raise_invalid_input(raw: bytes) -> None:
    try:
        report = parse_message(raw)
    except InvalidInput:
        return
    assert isinstance(report.what, str) and report.what
