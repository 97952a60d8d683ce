"""The command line: parser, exit codes and one module of commands per area.

``cli`` may import every layer below it; it starts the app through one function
(:func:`careterm.tui.app.run`, in :mod:`careterm.cli.commands.app`) and never
imports the TUI otherwise.
"""
