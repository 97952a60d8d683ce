"""Text both faces show: board rows and filters, the incident detail, JSON records,
the transparency report, the Markdown export and privacy masking.

``views`` imports :mod:`careterm.core` only: it reads incidents, never the disk.
"""
