"""E-mail and evidence in the app: "Import e-mail…" and the incident view's evidence list."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from textual.widgets import Input

from careterm.actions import evidence, incidents
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.incident_screen import IncidentScreen
from careterm.tui.screens.text_modal import TextModal
from careterm.tui.widgets.incident_detail import incident_text
from tests.support import PASSPHRASE, run_async, settle, wait_for


def _store(tmp_path: Path) -> Store:
    return Store.create(tmp_path / "home", PASSPHRASE, member="Ada Example",
                        team="Example Con CARE")


def _mail(tmp_path: Path) -> Path:
    message = EmailMessage()
    message["From"] = "Robin Example <robin@example.org>"
    message["Subject"] = "Followed after the keynote"
    message["Message-ID"] = "<keynote.1@mail.example.org>"
    message.set_content("Someone kept following me from Hall Omega to the lifts.")
    path = tmp_path / "keynote.eml"
    path.write_bytes(message.as_bytes())
    return path


@run_async
async def test_import_e_mail_from_the_palette_puts_reports_on_the_board(tmp_path: Path
                                                                        ) -> None:
    store = _store(tmp_path)
    path = _mail(tmp_path)
    (tmp_path / "junk.eml").write_bytes(b"\x00 not mail")
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        app.action_import_mail()
        await wait_for(pilot, lambda: isinstance(app.screen, TextModal))
        await settle(pilot, app)
        app.screen.query_one("#text", Input).value = str(path)
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(i.source == "email"
                                          for i in app.incidents.values()))
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        [report] = app.incidents.values()
        assert report.reporter == "Robin Example" and not report.acknowledged
        assert any("1 new" in str(n.message) for n in app._notifications)
        # The same mailbox again adds nothing; a bad file is named.
        app.action_import_mail()
        await wait_for(pilot, lambda: isinstance(app.screen, TextModal))
        await settle(pilot, app)
        app.screen.query_one("#text", Input).value = str(tmp_path / "junk.eml")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("junk.eml: not an e-mail" in str(n.message)
                                          for n in app._notifications))
        assert len(app.incidents) == 1


@run_async
async def test_the_incident_view_lists_evidence_without_opening_it(tmp_path: Path) -> None:
    store = _store(tmp_path)
    captured = incidents.capture(store, "Photos taken without consent in Hall Omega")
    evidence.attach_bytes(store, captured.id, b"\x89PNG...", "badge\x1b[31m.png",
                          "photo of the badge")
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, app)
        app.open_incident(captured.id)
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await settle(pilot, app)
    text = incident_text(store.get(captured.id), store.get(captured.id).created_at,
                         store.team_settings(), 100).plain
    assert "Evidence (1)" in text
    assert "1. badge␛[31m.png (7 bytes, image/png)" in text and "photo of the badge" in text
    assert "\x1b" not in text
