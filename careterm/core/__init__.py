"""Pure rules: the vocabulary, the incident model and its fold, triage, the workflow,
casework readers, the timeline, clocks, ids, time parsing and literal text.

No disk, no Textual: ``core`` imports nothing of careterm but :mod:`careterm.errors`.
"""
