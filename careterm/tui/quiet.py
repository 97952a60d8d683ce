"""Unexpected errors in the app: one line, never a traceback, never local variables.

Every careterm app (the board and the intake station's capture screen) mixes
:class:`QuietCrash` in before Textual's :class:`~textual.app.App`, so an
exception nothing handled ends the app with one line (:func:`stopped_line`),
said once the app has left the terminal, after the app's own
:meth:`QuietCrash._keep_draft_now` kept what was being typed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from rich.console import RenderableType
from textual.worker import WorkerFailed


class QuietCrash:
    """Textual's crash handling replaced (mix in before ``App``)."""

    stopped_by: str | None = None
    """The one line said when an unexpected error stopped the app."""
    _return_code: int | None
    _exception: BaseException | None
    _exception_event: Any
    _close_messages_no_wait: Any

    # Textual 8.2.8 (pinned) sends every exception nothing handled -- in a message
    # handler, a timer, a screen callback, a worker (wrapped in WorkerFailed) -- to the
    # private App._handle_exception, which ends in App._fatal_error: a rich Traceback
    # with show_locals=True, printed on the terminal when the app exits. Its locals are
    # the data key, the typed passphrase, the report being written: on the info desk's
    # screen and in the scrollback. Its driver's input thread, when it fails, calls
    # App.panic with a traceback too. These three overrides replace all of that with one
    # line and keep what Pilot relies on (App._exception and App._exception_event: a
    # test still sees the exception). Check them again whenever Textual is upgraded.

    def _handle_exception(self, error: Exception) -> None:
        """An exception nothing handled: keep the draft, stop with one line (never a
        traceback, never local variables)."""
        self._return_code = 1
        if self._exception is None:
            self._exception = error  # Pilot raises it again when a test ends
            self._exception_event.set()
        self._stop_unexpectedly(error)

    def _fatal_error(self) -> None:
        """Textual's crash report with local variables: never; one line instead."""
        self._return_code = 1
        self._stop_unexpectedly(sys.exc_info()[1])

    def panic(self, *renderables: RenderableType) -> None:
        """Textual's last resort (its terminal input failed), said in one line instead of
        what it would print (a traceback)."""
        self._return_code = 1
        self._stop_unexpectedly(None)

    def _stop_unexpectedly(self, error: BaseException | None) -> None:
        """Keep the report being typed as the sealed draft, then stop. The first error's
        line (:attr:`stopped_by`) is said by :func:`run_app` or :func:`run_demo` once the
        app has left the terminal (nothing goes to Textual's exit messages: rich would
        fold the line at the terminal's width)."""
        if self.stopped_by is None:
            self.stopped_by = stopped_line(error, self._keep_draft_now())
        self._close_messages_no_wait()

    def _keep_draft_now(self) -> bool | None:
        """Keep what was being typed (True kept, False could not be, ``None``: nothing)."""
        return None



def stopped_line(error: BaseException | None, draft_kept: bool | None) -> str:
    """The one line said when an unexpected error stopped the app: the exception's type
    and the careterm file it came from, never its message (it may quote what was typed);
    ``draft_kept``: whether the report being typed was kept (``None``: there was none)."""
    if isinstance(error, WorkerFailed) and isinstance(error.error, BaseException):
        error = error.error
    what = "in Textual" if error is None else f"{type(error).__name__}{_where(error)}"
    line = f"careterm: the app stopped after an unexpected error ({what})"
    if draft_kept is True:
        line += "; your draft is kept sealed"
    elif draft_kept is False:
        line += "; the report being typed could not be kept"
    return line


def _where(error: BaseException) -> str:
    """`` in FILE``: the innermost careterm file the error went through (else the
    innermost file), or nothing when it carries no traceback."""
    package = Path(__file__).resolve().parents[1]
    frames: list[FrameType] = []
    trace: TracebackType | None = error.__traceback__
    while trace is not None:
        frames.append(trace.tb_frame)
        trace = trace.tb_next
    if not frames:
        return ""
    files = [Path(frame.f_code.co_filename) for frame in frames]
    ours = [path for path in files if path.resolve().is_relative_to(package)]
    return f" in {(ours or files)[-1].name}"
