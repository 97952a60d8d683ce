"""The team: sync through the shared folder (segments, the sync engine), the
team's laptops, key epochs and keyrings, passphrase changes and revoke.

``team`` imports :mod:`careterm.store` and :mod:`careterm.core`, never a face.
"""
