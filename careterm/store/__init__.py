"""This laptop's encrypted files: the one safe-write module (files), crypto, the
TinyDB storage and store, the capture draft and backups.

``store`` imports :mod:`careterm.core` (and :mod:`careterm.errors`), nothing higher.
"""
