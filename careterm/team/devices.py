"""The team's laptops as people see them: ``careterm devices``, and finding the one a person means.

A laptop is known by its registration in the shared folder (member, two-character
id tag, device id, verify key). What this laptop trusts about each one (the
registration it pinned, a removal, a refused registration) is decided by
:mod:`careterm.team.sync` and read through its :class:`~careterm.team.sync.FolderView`;
this module only lists the laptops (nothing is written) and resolves what a
person typed (a device id or a prefix of it, a tag, a member's name) to one of
them, for :mod:`careterm.team.revoke` and the command line.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from careterm.core import ids
from careterm.core.textsafe import visible
from careterm.errors import InvalidInput
from careterm.store.store import Store
from careterm.team.segments import EpochRecord
from careterm.team.sync import FolderView


@dataclass
class DeviceInfo:
    """A laptop registered in the team's shared folder, as this laptop sees it."""

    device_id: str
    member: str
    tag: str
    this_laptop: bool
    removal: EpochRecord | None
    """The record of its removal from the team, if it was removed."""
    refused: str | None
    """Why its files are refused (a registration the others cannot trust), if they are."""
    last_wrote: datetime | None
    files: int
    verify_key: bytes
    """The Ed25519 key of its registration (the one this laptop pinned)."""

    @property
    def status(self) -> str:
        """One word or phrase for people."""
        if self.this_laptop:
            return "this laptop"
        if self.removal is not None:
            return f"removed {self.removal.day} by {self.removal.by_member}"
        if self.refused:
            return "refused (registered after a removal with an old key)"
        return "member"


def team_devices(store: Store) -> list[DeviceInfo]:
    """Every laptop registered in the shared folder (read only: nothing is written).

    Raises like :func:`careterm.team.sync.sync` when there is no shared folder
    or it is unreachable.
    """
    view = FolderView(store)
    found = []
    for device_id in view.device_ids():
        reg = view.registration(device_id)
        if reg is None:
            continue
        files, last_wrote = view.published(device_id)
        found.append(DeviceInfo(device_id, reg.member, reg.tag, device_id == store.device_id,
                                view.removal(device_id), view.distrust(device_id), last_wrote,
                                files, reg.verify_key))
    return sorted(found, key=lambda d: (d.member.casefold(), d.device_id))


def resolve_device(devices: list[DeviceInfo], text: str) -> DeviceInfo:
    """The device ``text`` names: its device id (or a prefix of 4+), its tag, or its member.

    Raises :class:`InvalidInput` (one line) for this laptop itself, an unknown
    device, or a member name shared by several laptops.
    """
    wanted = text.strip()
    shown = visible(wanted, one_line=True)
    lowered = wanted.lower()
    matches = [d for d in devices if d.device_id == lowered]
    if not matches and len(lowered) >= 4:
        matches = [d for d in devices if d.device_id.startswith(lowered)]
    if not matches and len(wanted) == ids.TAG_LENGTH:
        with contextlib.suppress(ValueError):
            tag = ids.normalise(wanted)
            matches = [d for d in devices if d.tag == tag]
    if not matches:
        matches = [d for d in devices if d.member.casefold() == wanted.casefold()]
    if not matches:
        raise InvalidInput(f"no laptop {shown!r} in the team's shared folder; "
                           "'careterm devices' lists them")
    if len(matches) > 1:
        tags = ", ".join(sorted(f"{d.tag} ({d.device_id[:8]})" for d in matches))
        raise InvalidInput(f"{shown!r} names {len(matches)} laptops: give one tag or "
                           f"device id: {tags}")
    device = matches[0]
    if device.this_laptop:
        raise InvalidInput("that is this laptop: a laptop cannot remove itself; ask another "
                           "member to run 'careterm revoke' on theirs")
    return device
