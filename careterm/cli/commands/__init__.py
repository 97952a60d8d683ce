"""The subcommands, one module per area, and what makes a function one.

Each handler is decorated with :func:`command`, which turns it into a
:class:`Command` (name, one-line help, a function adding its arguments, the
handler) and registers nothing: :data:`careterm.cli.main.COMMANDS` lists every
command explicitly, in the order of ``--help``. A new subcommand is a handler
here plus one entry there.

Handlers take the parsed arguments and the :class:`~careterm.cli.session.Session`,
call :mod:`careterm.actions` (or the team and view modules) for every rule,
print through :mod:`careterm.cli.output` and return the exit code.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from careterm.cli.session import Session

Handler = Callable[[argparse.Namespace, Session], int]


Configure = Callable[[argparse.ArgumentParser], None]


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, one-line help, its arguments and its handler."""

    name: str
    help: str
    configure: Configure
    run: Handler


def command(name: str, help: str, configure: Configure | None = None
            ) -> Callable[[Handler], Command]:
    """Make the decorated handler the command ``careterm NAME`` (listed in ``main.COMMANDS``)."""
    def make(run: Handler) -> Command:
        return Command(name, help, configure or (lambda parser: None), run)
    return make


def choices(values: tuple[str, ...]) -> str:
    """``{a,b,c}``: the metavar of an argument that takes one of ``values``."""
    return "{" + ",".join(values) + "}"
