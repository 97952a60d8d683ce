"""``careterm mail``, ``attach`` and ``evidence`` as a CARE member uses them."""

from __future__ import annotations

import json
import mailbox
import os
from email.message import EmailMessage
from pathlib import Path

import pytest

from careterm.core.mailtext import MAX_PARTS

FIRST = "<report.1@mail.example.org>"


def _message(subject: str = "Followed at the evening social", body: str = "Someone from "
             "Exampleville kept following me.", message_id: str = FIRST, **headers: str
             ) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Robin Example <robin@example.org>")
    message["To"] = "coc@conference.example"
    message["Subject"] = subject
    message["Date"] = "Wed, 02 Jun 2027 21:14:00 +0200"
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def _mbox(path: Path, *messages: EmailMessage) -> Path:
    box = mailbox.mbox(path)
    for message in messages:
        box.add(message)
    box.flush()
    box.close()
    return path


def _reports(cli) -> list[dict]:
    return json.loads(cli("list", "--json", "--all").out)


def test_mbox_becomes_reports_and_importing_again_adds_nothing(cli, tmp_path: Path) -> None:
    shot = _message("Photo of the badge", "Badge attached.", "<report.2@mail.example.org>",
                    From="Sam Example <sam@example.net>", Reply_To="sam.private@example.net")
    shot.add_attachment(b"\x89PNG fake", maintype="image", subtype="png", filename="badge.png")
    box = _mbox(tmp_path / "coc.mbox", _message(), shot)
    result = cli("mail", str(box))
    assert result.code == 0, result.err
    assert "2 new" in result.out
    reports = {r["reporter"]: r for r in _reports(cli)}
    robin = reports["Robin Example"]
    assert robin["source"] == "email" and robin["contact"] == "robin@example.org"
    assert robin["what"].startswith("Followed at the evening social\n\nSomeone from")
    assert robin["when"] == "2027-06-02T21:14:00+02:00"
    assert robin["acknowledged_at"] is None and robin["urgency"] == "medium"
    assert reports["Sam Example"]["contact"] == "sam.private@example.net"
    again = cli("mail", str(box))
    assert again.code == 0 and "0 new" in again.out and "2 already imported" in again.out
    assert len(_reports(cli)) == 2


def test_the_original_message_is_kept_encrypted_as_first_evidence(cli, home: Path,
                                                                  tmp_path: Path) -> None:
    message = _message()
    message.add_attachment(b"PNGDATA-of-Exampleville", maintype="image", subtype="png",
                           filename="chat.png")
    raw = message.as_bytes()
    (tmp_path / "one.eml").write_bytes(raw)
    assert cli("mail", str(tmp_path / "one.eml")).code == 0
    [report] = _reports(cli)
    listing = cli("evidence", report["id"])
    assert "1  message.eml" in listing.out and "message/rfc822" in listing.out
    for path in home.rglob("*"):
        if path.is_file():
            assert b"Exampleville" not in path.read_bytes(), path
    saved = tmp_path / "copy.eml"
    result = cli("evidence", report["id"], "1", "--save", str(saved))
    assert result.code == 0 and "not encrypted" in result.err
    assert saved.read_bytes() == raw


def test_a_reply_becomes_a_note_on_its_report(cli, tmp_path: Path) -> None:
    cli("mail", str(_mbox(tmp_path / "a.mbox", _message())))
    reply = _message("Re: Followed", "It happened again at lunch.", "<reply.9@example.org>",
                     In_Reply_To=FIRST, References=FIRST)
    (tmp_path / "reply.eml").write_bytes(reply.as_bytes())
    result = cli("mail", str(tmp_path / "reply.eml"))
    assert result.code == 0 and "1 replies as notes" in result.out
    [report] = _reports(cli)
    assert any("It happened again at lunch." in n["text"] for n in report["notes"])


def test_bad_and_oversized_messages_are_named_and_the_rest_imported(cli, tmp_path: Path
                                                                    ) -> None:
    (tmp_path / "good.eml").write_bytes(_message().as_bytes())
    (tmp_path / "junk.eml").write_bytes(b"\x00\x01 not mail at all")
    big = _message("Huge", "x" * 2_000_000, "<big@example.org>")
    (tmp_path / "big.eml").write_bytes(big.as_bytes())
    many = _message("Parts", "many", "<parts@example.org>")
    for n in range(MAX_PARTS + 1):
        many.add_attachment(b"x", maintype="application", subtype="octet-stream",
                            filename=f"p{n}.bin")
    (tmp_path / "many.eml").write_bytes(many.as_bytes())
    result = cli("mail", str(tmp_path / "good.eml"), str(tmp_path / "junk.eml"),
                 str(tmp_path / "big.eml"), str(tmp_path / "many.eml"), "--limit-mb", "1")
    assert result.code == 2
    assert "junk.eml: not an e-mail" in result.err
    assert "big.eml: larger than the limit of 1 MB" in result.err
    assert f"many.eml: more than {MAX_PARTS} parts" in result.err
    assert "Traceback" not in result.err
    assert len(_reports(cli)) == 1


def test_maildir_and_things_that_are_not_mail_folders(cli, tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "Maildir")
    box.add(_message())
    box.add(_message("Second", "another", "<second@example.org>"))
    box.close()
    assert "2 new" in cli("mail", str(tmp_path / "Maildir")).out
    (tmp_path / "plain").mkdir()
    fifo = tmp_path / "pipe.eml"
    os.mkfifo(fifo)
    result = cli("mail", str(tmp_path / "plain"), str(fifo), str(tmp_path / "missing.eml"))
    assert result.code == 2
    assert "not a Maildir" in result.err and "not a regular file" in result.err
    assert "no such file" in result.err


def test_header_and_body_text_is_shown_literally(cli, tmp_path: Path) -> None:
    raw = (b"From: =?utf-8?q?=1B]0;pwned=07Robin?= <robin@example.org>\r\n"
           b"Subject: [bold red]alarm[/bold red] \xe2\x80\xae reversed\r\n"
           b"Message-ID: <lit@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           b"body \x1b[2J cleared?\r\n")
    (tmp_path / "lit.eml").write_bytes(raw)
    assert cli("mail", str(tmp_path / "lit.eml")).code == 0
    [report] = _reports(cli)
    shown = cli("show", report["id"]).out
    assert "\x1b" not in shown and "\u202e" not in shown
    assert "[bold red]alarm[/bold red]" in shown and "␛" in shown


def test_attach_refuses_what_is_not_a_regular_file_or_too_big(cli, tmp_path: Path) -> None:
    cli("capture", "--what", "Unwanted photos were taken in Hall Omega")
    [report] = _reports(cli)
    result = cli("attach", report["id"], "/dev/zero")
    assert result.code == 2 and "not a regular file" in result.err
    (tmp_path / "note.txt").write_text("chat log from Exampleville")
    done = cli("attach", report["id"], str(tmp_path / "note.txt"), "--note", "the chat")
    assert done.code == 0 and "evidence 1" in done.out
    assert "the chat" in cli("evidence", report["id"]).out
    assert "evidence added: note.txt" in cli("show", report["id"]).out


@pytest.mark.parametrize("args", [("evidence", "ID", "1"), ("evidence", "ID", "7", "--save",
                                                              "x")])
def test_evidence_usage_errors_are_one_line(cli, args: tuple[str, ...]) -> None:
    cli("capture", "--what", "Someone shouted in Hall Omega")
    [report] = _reports(cli)
    result = cli(*(report["id"] if a == "ID" else a for a in args))
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1


def test_evidence_goes_into_backups_and_export_but_never_the_report(cli, home: Path,
                                                                    tmp_path: Path) -> None:
    cli("capture", "--what", "Unwanted photos were taken in Hall Omega")
    [report] = _reports(cli)
    (tmp_path / "photo-of-badge.jpg").write_bytes(b"JPEG bytes of a badge")
    cli("attach", report["id"], str(tmp_path / "photo-of-badge.jpg"), "--note", "badge")
    exported = cli("export", report["id"]).out
    assert "## Evidence" in exported and "photo-of-badge.jpg" in exported
    assert "JPEG bytes" not in exported
    public = cli("report").out + cli("report", "--format", "json").out
    assert "photo-of-badge" not in public and "evidence" not in public.lower()
    backup = tmp_path / "backup.ctb"
    assert cli("backup", str(backup)).code == 0
    assert b"JPEG bytes" not in backup.read_bytes()
    restored = tmp_path / "restored"
    result = cli("--home", str(restored), "restore", str(backup))
    assert result.code == 0, result.err
    saved = tmp_path / "again.jpg"
    again = cli("--home", str(restored), "evidence", report["id"], "1", "--save", str(saved))
    assert again.code == 0, again.err
    assert saved.read_bytes() == b"JPEG bytes of a badge"


def test_the_team_sets_the_mail_urgency_and_the_evidence_limit(cli, tmp_path: Path) -> None:
    result = cli("settings", "--mail-urgency", "high", "--evidence-limit", "1MB")
    assert result.code == 0, result.err
    shown = cli("settings").out
    assert "urgency of a report that arrives by e-mail" in shown and "high" in shown
    assert "largest evidence file" in shown and "1 MB" in shown
    (tmp_path / "one.eml").write_bytes(_message().as_bytes())
    cli("mail", str(tmp_path / "one.eml"))
    [report] = _reports(cli)
    assert report["urgency"] == "high"
    (tmp_path / "big.png").write_bytes(b"x" * (1024 * 1024 + 1))
    refused = cli("attach", report["id"], str(tmp_path / "big.png"))
    assert refused.code == 2 and "evidence limit of 1 MB" in refused.err
    for bad in (("--mail-urgency", "urgent"), ("--evidence-limit", "0"),
                ("--evidence-limit", "5GB")):
        wrong = cli("settings", *bad)
        assert wrong.code == 2 and len(wrong.err.strip().splitlines()) == 1
    assert "high" in cli("settings").out  # nothing changed by the refused values
