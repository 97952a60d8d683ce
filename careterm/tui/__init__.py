"""The Textual app: lifecycle, timers and the lock; one gateway for store work in a
worker; messages; screens and widgets.

``tui`` may import every layer below it and never the CLI.
"""
