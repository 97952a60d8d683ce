"""``careterm doctor``: the state of the shared folder in plain words.

The work is :func:`careterm.team.doctor.diagnose` (reads only; nothing is
written). This handler prints its lines, or with ``--json`` its data for
scripts, and turns it into the exit code: 0 when all is well, 1 otherwise,
with the one-line summary on stderr (so ``careterm doctor --json | jq`` gets
clean JSON and a script can tell the problem without parsing it).
"""

from __future__ import annotations

import argparse

from careterm.cli.commands import command
from careterm.cli.output import notice, out
from careterm.cli.session import Session
from careterm.core.textsafe import safe_json
from careterm.team.doctor import diagnose


def _doctor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON object")


@command("doctor", "explain the state of the shared folder: sync service, laptops, skipped "
         "files, clocks", _doctor_arguments)
def cmd_doctor(args: argparse.Namespace, session: Session) -> int:
    """Diagnose the shared folder from this laptop; exit 1 when something needs a person."""
    diagnosis = diagnose(session.store())
    if args.json:
        out(safe_json(diagnosis.to_dict(), indent=2))
    else:
        for line in diagnosis.lines():
            out(line)
    if diagnosis.ok:
        return 0
    notice(diagnosis.summary())
    return 1
