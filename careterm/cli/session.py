"""One command run's session: the home folder, the passphrase, the store once opened.

The passphrase comes from ``$CARETERM_PASSPHRASE`` (scripts, tests) or a
prompt without echo; a new passphrase (``passphrase``, ``revoke``) from
``$CARETERM_NEW_PASSPHRASE`` or a prompt asked twice. The store is opened
only when a command first needs it, so bad input is refused before anyone is
asked for a passphrase, and :meth:`Session.close` drops the decrypted data and
keys when the command ends, whatever happened.

Either variable is taken out of ``os.environ`` the moment it is read (and
both by :func:`drop_passphrases_from_environment` when the app starts: it asks
on its own screen), so no process careterm starts afterwards inherits a
passphrase. Each is read at most once per process. Not ours to clear: the copy
of the starting environment the system shows the same user in
``/proc/PID/environ`` for as long as the process runs.

A passphrase a command sets (``init``, ``passphrase``, ``revoke``) that is
short (:func:`is_short_passphrase`) is taken, with :data:`SHORT_PASSPHRASE_WARNING`
on stderr once the command has used it: the passphrase is the only thing between
a copy of the store or the shared folder and the reports, and a copy can be
guessed at offline for as long as someone likes. The warning never quotes it.
"""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path

from careterm.core.casework import screen_recused
from careterm.core.model import Incident
from careterm.core.textsafe import has_invalid_utf8
from careterm.errors import InvalidInput, NoStore
from careterm.store import station
from careterm.store.store import Store, default_home, has_store
from careterm.team import keys
from careterm.team.members import known_members

PASSPHRASE_ENV = "CARETERM_PASSPHRASE"
"""Environment variable the passphrase is read from (else a prompt without echo)."""


NEW_PASSPHRASE_ENV = "CARETERM_NEW_PASSPHRASE"
"""Environment variable a new passphrase is read from (else a prompt, asked twice)."""


SHORT_PASSPHRASE_WORDS = 4
SHORT_PASSPHRASE_CHARACTERS = 16
"""A passphrase with fewer words than this and fewer characters than that is short."""


SHORT_PASSPHRASE_WARNING = (
    f"warning: this passphrase is short (fewer than {SHORT_PASSPHRASE_WORDS} words or "
    f"{SHORT_PASSPHRASE_CHARACTERS} characters); anyone who copies the store or the shared "
    "folder can try guesses offline, so a longer one protects the reports better "
    "('careterm passphrase' changes it)")
"""What ``init``, ``passphrase`` and ``revoke`` say about a short new passphrase."""


def is_short_passphrase(passphrase: str) -> bool:
    """True when ``passphrase`` has neither enough words nor enough characters."""
    text = passphrase.strip()
    return (len(text.split()) < SHORT_PASSPHRASE_WORDS
            and len(text) < SHORT_PASSPHRASE_CHARACTERS)


def _take_from_environment(name: str) -> str | None:
    """The variable's value, removed from the environment so no child process inherits it."""
    return os.environ.pop(name, None)


def drop_passphrases_from_environment() -> None:
    """Remove both passphrase variables unread (the app asks on its own screen)."""
    for name in (PASSPHRASE_ENV, NEW_PASSPHRASE_ENV):
        _take_from_environment(name)


def read_passphrase(*, new: bool = False, prompt: str = "careterm passphrase") -> str:
    """The team passphrase from ``$CARETERM_PASSPHRASE`` or a prompt without echo.

    ``new`` (creating a store) asks twice and refuses an empty passphrase. The
    variable is read once: it is gone from the environment afterwards.
    """
    passphrase = (None if prompt != "careterm passphrase"
                  else _take_from_environment(PASSPHRASE_ENV))
    if passphrase is None:
        try:
            passphrase = getpass.getpass(f"{prompt}: ")
            if new and getpass.getpass("the same passphrase again: ") != passphrase:
                raise InvalidInput("the two passphrases differ; nothing was created")
        except EOFError:
            raise InvalidInput(f"no passphrase given (type it at the prompt or set "
                               f"{PASSPHRASE_ENV})") from None
    if has_invalid_utf8(passphrase):
        raise InvalidInput("the passphrase is not valid UTF-8 text")
    if new and not passphrase:
        raise InvalidInput("the passphrase is empty; choose a passphrase for the team")
    return passphrase


def read_new_passphrase(prompt: str) -> str:
    """A replacement passphrase from ``$CARETERM_NEW_PASSPHRASE`` (then gone from the
    environment), else asked twice."""
    new = _take_from_environment(NEW_PASSPHRASE_ENV)
    if new is None:
        return read_passphrase(new=True, prompt=prompt)
    if not new:
        raise InvalidInput("the new passphrase is empty")
    return new


class Session:
    """What one command run needs: the parsed arguments, the home, the store once opened."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.home = Path(args.home).expanduser() if args.home else default_home()
        self._store: Store | None = None

    def store(self) -> Store:
        """The unlocked store (asks for the passphrase the first time)."""
        if self._store is None:
            if not has_store(self.home):
                if station.is_station(self.home):
                    raise InvalidInput(station.NOT_FOR_STATIONS)
                raise NoStore(self.home)
            self._store = keys.unlock(self.home, read_passphrase())
        return self._store

    def incidents(self) -> dict[str, Incident]:
        """Every report as this laptop's member may see it: the one place the CLI reads
        reports for showing (``list``, ``show``, ``export``…), each one the team recused
        the member from replaced by a stub
        (:func:`careterm.core.casework.screen_recused`)."""
        store = self.store()
        return screen_recused(store.incidents(), store.member)

    def incident(self, incident_id: str) -> Incident:
        """One report as :meth:`incidents` shows it (a stub when recused)."""
        store = self.store()
        found = store.get(incident_id)
        return screen_recused({found.id: found}, store.member)[found.id]

    def known_members(self) -> list[str]:
        """The team's members as this laptop knows them: its own member, the members of
        the laptops registered in the shared folder (not removed ones) and everyone who
        recorded a change (:func:`careterm.team.members.known_members`). Names typed for
        ``--members`` and the like are checked against these (a warning, never a
        refusal)."""
        return known_members(self.store())  # the app's dialogs gather them the same way

    def adopt(self, store: Store) -> None:
        """Use a store this command created (closed at the end like an opened one)."""
        self._store = store

    def close(self) -> None:
        """Close the store, dropping decrypted data and keys."""
        if self._store is not None:
            self._store.close()
            self._store = None
