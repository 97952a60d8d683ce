"""The team: sync through the shared folder and what builds on it.

* ``segments``: the shared folder's file formats (header, registrations,
  segments, key epochs, keyrings);
* ``sync``: the sync engine, with a small public API the others use;
* ``devices``: the team's laptops as this laptop sees them, and naming one;
* ``keyring``: writing key epochs and keyrings;
* ``keys``: passphrase changes (here and in the shared folder) and unlock;
* ``revoke``: removing a laptop from the team.

``team`` imports :mod:`careterm.store` and :mod:`careterm.core`, never a face.
Every file it writes goes through :mod:`careterm.store.files`.
"""
