"""Every write a member makes: capture, update, acknowledge, note, status,
casework records, bulk import and the demo's fictional reports.

``actions`` imports :mod:`careterm.store` and :mod:`careterm.core`, nothing higher.
"""
