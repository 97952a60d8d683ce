"""Errors careterm explains to a person in one line.

Each carries the exit code the command line uses: 2 for bad input or usage,
1 for a store that cannot be opened or used.
"""

from __future__ import annotations


class CaretermError(Exception):
    """A problem careterm can explain in one line."""

    exit_code = 1


class InvalidInput(CaretermError):
    """What the user typed cannot be accepted as it is."""

    exit_code = 2


class UnknownIncident(InvalidInput):
    """No incident has that id."""

    def __init__(self, incident_id: str) -> None:
        super().__init__(f"no incident with id {incident_id!r}")


class WrongPassphrase(CaretermError):
    """The passphrase does not unlock this store."""

    def __init__(self) -> None:
        super().__init__("wrong passphrase: the store was not unlocked")


class StoreDamaged(CaretermError):
    """A file failed authentication: damaged, truncated or tampered with."""

    def __init__(self, path: object, detail: str = "") -> None:
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"{path} is damaged or has been tampered with{extra}; "
            "careterm will not change it. Restore it from a backup or another laptop."
        )
        self.path = path


class NoStore(CaretermError):
    """There is no careterm store in this home yet."""

    def __init__(self, home: object) -> None:
        super().__init__(
            f"no careterm store in {home}; create one with 'careterm init --member NAME'")


class StoreExists(InvalidInput):
    """``init`` was asked to create a store where one already is."""

    def __init__(self, home: object) -> None:
        super().__init__(f"a careterm store already exists in {home}; it was left as it is")


class StorageFailed(CaretermError):
    """The disk refused a write (full, read-only, gone). Nothing was lost."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"could not save to {path}: {reason}; nothing was changed, try again")
