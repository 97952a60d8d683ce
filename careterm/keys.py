"""Passphrase changes: re-wrap the data key here and in the team's shared folder.

The data key itself never changes with the passphrase, so nothing but the
small key envelope is rewritten. Other laptops keep working with the key they
have unlocked and need the new passphrase on their next unlock, because the
shared header they read then is wrapped under it.
"""

from __future__ import annotations

from pathlib import Path

from careterm.store import Store, change_passphrase, read_envelope


def change_passphrase_everywhere(home: Path, old: str, new: str) -> list[str]:
    """Change the passphrase of the store in ``home`` and of its shared folder's header.

    Returns lines saying what was changed. Raises ``WrongPassphrase`` (and
    changes nothing) when ``old`` is wrong.
    """
    data_key = read_envelope(home).unwrap(old)
    change_passphrase(home, old, new)
    lines = ["passphrase changed on this laptop"]
    store = Store.open_with_key(home, data_key)
    try:
        shared = store.meta.get("shared_dir")
        if shared:
            from careterm import sync

            sync.rewrap_shared_header(store, Path(shared), read_envelope(home))
            lines.append(f"passphrase changed in the shared folder {shared}; other laptops "
                         "need the new passphrase from their next unlock")
    finally:
        store.close()
    return lines
