"""The Textual app through Pilot, and snapshots (slow: run alone with pytest tests/tui)."""
