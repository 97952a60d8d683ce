"""Team settings in the app: ``careterm settings`` on one screen (issue 13, part 6).

Every team setting, in display order, with its value and who changed it last and
when (or "default"): :func:`careterm.actions.settings.current_settings`, the same
rows ``careterm settings`` prints. The list follows
:data:`careterm.core.settings.SETTING_KEYS` as it is when the screen reads it, so a
setting added there appears here without an edit (its label from
``SETTING_LABELS``, its value from ``describe_setting``).

Enter (on a setting) asks for the new value in a small dialog
(:class:`SettingModal`, a :class:`~careterm.tui.screens.text_modal.TextModal`)
with the current value filled in. What is typed is checked with the very function
``careterm settings`` uses (:func:`careterm.core.settings.parse_changes`, the
setting's option): a bad value is one line in the dialog, which stays open, and
nothing is written. A good one is recorded through the app's store gateway
(:func:`careterm.actions.settings.change_settings`: one change of the team record,
synced like any other), said as ``old → new`` on the hint line, and the app reads
the store again (``Host.refresh_now``), so the board's stage clocks follow at once.
The event's first and last day are two settings typed as one range
(``2027-06-02..2027-06-06``), as on the command line. A setting this version has no
option for is shown but not offered for change.

The screen is a :class:`~careterm.tui.protocol.LiveScreen`: when the settings move
(another member changed one, and sync brought it) it reads them again. Privacy
mode changes nothing here: settings hold no names but members' (who changed
what), and members are not a report's parties (:mod:`careterm.views.privacy`).
Names are shown literally (``Text``, never markup).
"""

from __future__ import annotations

import inspect
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from careterm.actions import settings as settings_actions
from careterm.actions.settings import SettingNow
from careterm.core import clock
from careterm.core import settings as core_settings
from careterm.core.textsafe import visible
from careterm.errors import InvalidInput
from careterm.store.store import Store
from careterm.tui.messages import SettingsChanged, SettingsFailed, SettingsRead
from careterm.tui.protocol import host
from careterm.tui.screens.text_modal import TextModal
from careterm.tui.widgets.hint_line import HintLine
from careterm.tui.widgets.key_footer import KeyFooter
from careterm.views.detail import moment

SETTINGS_HINT = "enter changes one · esc back · the same as: careterm settings"

EVENT_KEYS = ("event_start", "event_end")
"""The event's days: two settings, typed as one range (``--event FIRST..LAST``)."""

_FORMS = {
    "duration": "a duration like 90s, 10m, 12h or 1d",
    "event": "the first and last day, like 2027-06-02..2027-06-06 ('none' clears)",
    "critical_alert": "on or off",
    "retention": "days after the event's last day, like 90d ('none' clears)",
}


def option_for(key: str) -> str | None:
    """The keyword of :func:`careterm.core.settings.parse_changes` that sets ``key`` (as
    ``careterm settings --OPTION``): the key itself, or the longest keyword the key
    starts with (``event`` sets ``event_start`` and ``event_end``, ``evidence_limit``
    sets ``evidence_limit_mb``); ``None`` when it has none."""
    accepted = inspect.signature(core_settings.parse_changes).parameters
    if key in accepted:
        return key
    prefixes = [name for name in accepted if key.startswith(name + "_")]
    return max(prefixes, key=len) if prefixes else None


def parse_setting(key: str, text: str) -> dict[str, Any]:
    """The stored values for ``text`` typed for ``key``: ``careterm settings``'s checks
    (:class:`InvalidInput` with one sentence, named after the setting, when bad)."""
    option = option_for(key)
    if option is None:
        raise InvalidInput(f"{label_of(key)}: this setting is changed with careterm settings")
    try:
        return core_settings.parse_changes(**{option: text})
    except InvalidInput as error:
        # "--ack: '5x' is not a duration…" → "acknowledge within: '5x' is not a duration…"
        said = str(error)
        for prefix in (f"--{option.replace('_', '-')}: ", f"{option}: "):
            if said.startswith(prefix):
                said = f"{label_of(key)}: {said[len(prefix):]}"
                break
        raise InvalidInput(said) from None


def label_of(key: str) -> str:
    """What the setting is called (its key when this version has no label for it)."""
    return core_settings.SETTING_LABELS.get(key, key.replace("_", " "))


def typed_form(key: str, settings: list[SettingNow]) -> str:
    """The current value as it is typed (the dialog starts with it)."""
    values = {s.key: s.value for s in settings}
    if key in EVENT_KEYS:
        start, end = values.get("event_start"), values.get("event_end")
        if not start:
            return ""
        return f"{start}..{end or start}"
    shown = core_settings.describe_setting(key, values.get(key))
    return "" if shown == "not set" else shown


def form_of(key: str) -> str:
    """What the dialog says a value looks like."""
    if key in core_settings.DURATION_KEYS:
        return _FORMS["duration"]
    if key in EVENT_KEYS:
        return _FORMS["event"]
    option = option_for(key) or key
    return _FORMS.get(key, f"as careterm settings --{option.replace('_', '-')} takes it")


def setting_row(setting: SettingNow, now: Any) -> Text:
    """One setting: its label and value, then who changed it last and when."""
    row = Text(no_wrap=False)
    row.append(label_of(setting.key), style="bold")
    row.append(": ")
    row.append(visible(core_settings.describe_setting(setting.key, setting.value),
                       one_line=True))
    if setting.by is None:
        row.append("\n  default (nobody changed it)", style="dim")
    else:
        row.append(f"\n  set by {visible(setting.by, one_line=True)}, "
                   f"{moment(setting.at, now)}", style="dim")
    if option_for(setting.key) is None:
        row.append(" · changed with careterm settings", style="dim")
    return row


class SettingModal(TextModal):
    """Ask for a setting's new value (the current one filled in); a value
    ``careterm settings`` would refuse is said in the dialog, which stays open."""

    def __init__(self, key: str, current: str) -> None:
        super().__init__(f"{label_of(key)} (now {current or 'not set'})",
                         placeholder=form_of(key),
                         hint=f"{form_of(key)} · enter saves · esc cancels")
        self.key = key
        self.current = current

    def on_mount(self) -> None:
        """Start from the current value; a refusal wraps rather than being cut."""
        self.query_one("#text", Input).value = self.current
        hint = self.query_one(HintLine)
        hint.wraps = True
        hint.styles.height = "auto"

    def action_submit(self) -> None:
        """Keep the value only when it is one ``careterm settings`` takes."""
        value = self.query_one("#text", Input).value
        if not value.strip():
            super().action_submit()
            return
        try:
            parse_setting(self.key, value)
        except InvalidInput as error:
            self.query_one(HintLine).say(str(error), style="bold")
            return
        self.dismiss(value)


class SettingsScreen(Screen[None]):
    """The team's settings (``S``, or "Team settings" in the command palette)."""

    DEFAULT_CSS = """
    SettingsScreen #settings-title {
        height: auto;
        padding: 0 1;
        background: $primary-background;
    }
    SettingsScreen #settings-list { height: 1fr; }
    SettingsScreen #settings-hint { height: auto; }
    """
    BINDINGS = [
        Binding("escape", "back", "back"),
        Binding("q", "back", "back", show=False),
        Binding("S", "back", "back", show=False),
        Binding("enter", "change", "change", show=False),
        Binding("question_mark", "app.help", "help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.settings: list[SettingNow] | None = None
        """The settings shown (``None`` until they were read)."""

    def compose(self) -> ComposeResult:
        """A title, the settings (one option each), a hint line and the footer."""
        yield Static(Text("Team settings (shared with every laptop; any member may change "
                          "them)", style="bold"), id="settings-title")
        yield OptionList(id="settings-list")
        yield HintLine(Text(SETTINGS_HINT, style="dim"), id="settings-hint", wraps=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        """Read the settings."""
        self.query_one(OptionList).focus()
        self.read()

    def read(self, *, background: bool = False) -> None:
        """Read the settings in the gateway's worker (a newer read replaces one under way)."""
        host(self).gateway.run(self, _read_settings, SettingsFailed, background=background,
                               exclusive=True)

    def on_settings_read(self, message: SettingsRead) -> None:
        """Show the settings, keeping the highlighted one."""
        self.settings = message.settings
        options = self.query_one(OptionList)
        keep = options.highlighted
        now = clock.now()
        options.clear_options()
        options.add_options([Option(setting_row(s, now), id=s.key) for s in message.settings])
        if message.settings:
            options.highlighted = min(keep or 0, len(message.settings) - 1)

    def on_settings_failed(self, message: SettingsFailed) -> None:
        """Say why the settings were not read or changed; nothing was written."""
        self.hint(f"Not done: {message.reason}", style="bold")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a setting: ask for its new value."""
        event.stop()
        if event.option.id:
            self.ask_change(event.option.id)

    def action_change(self) -> None:
        """Change the highlighted setting."""
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            if option.id:
                self.ask_change(option.id)

    def ask_change(self, key: str) -> None:
        """Ask for the setting's new value, then record it (checked again, in the worker)."""
        if self.settings is None:
            return
        if option_for(key) is None:
            self.hint(f"{label_of(key)}: change it with careterm settings", style="bold")
            return

        def chosen(text: str | None) -> None:
            if text is None:
                return
            try:
                values = parse_setting(key, text)
            except InvalidInput as error:  # the dialog checked it; said all the same
                self.hint(str(error), style="bold")
                return
            host(self).gateway.run(self, lambda store: _change(store, values), SettingsFailed)

        self.app.push_screen(SettingModal(key, typed_form(key, self.settings)), chosen)

    def on_settings_changed(self, message: SettingsChanged) -> None:
        """Say what moved (old → new); the app reads the store and syncs."""
        if message.changes:
            self.hint("changed " + "; ".join(c.describe() for c in message.changes))
            host(self).refresh_now()
        else:
            self.hint("nothing changed: the setting already had this value")
        self.read()

    def action_back(self) -> None:
        """Back to where the user was."""
        self.dismiss()

    # ------------------------------------------------------------ LiveScreen

    def redraw(self, changed: set[str] | None = None) -> None:
        """Everything was read again, or the settings moved: read them again."""
        if changed is None:
            self.read(background=True)

    def tick(self) -> None:
        """The clock moved on: nothing to do (a minute-old "set by" may stay so)."""

    def hint(self, message: str, *, style: str = "") -> None:
        """Say something on the hint line."""
        self.query_one(HintLine).say(message, style=style)


def _read_settings(store: Store) -> SettingsRead:
    """In the gateway's worker: every setting with who last changed it."""
    return SettingsRead(settings_actions.current_settings(store))


def _change(store: Store, values: dict[str, Any]) -> SettingsChanged:
    """In the gateway's worker: record the settings that change."""
    return SettingsChanged(settings_actions.change_settings(store, values))
