"""The core never imports Textual: the CLI and sync run without a UI."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import careterm

UI_PACKAGES = ("careterm.tui", "careterm.cli")
UI_MODULES = {"careterm.__main__"}


def core_modules() -> list[str]:
    """Every careterm module outside the Textual faces."""
    names = []
    for info in pkgutil.walk_packages(careterm.__path__, "careterm."):
        ui_package = info.name.startswith(UI_PACKAGES)
        if info.name in UI_MODULES or ui_package:
            continue
        names.append(info.name)
    return names


class TestCoreIsFreeOfTextual:
    """Importing any core module leaves Textual unloaded."""

    def test_there_are_core_modules_to_check(self) -> None:
        assert {"careterm.core.model", "careterm.store.store", "careterm.store.crypto",
                "careterm.core.whentext", "careterm.actions.incidents", "careterm.team.sync",
                "careterm.views.board"} <= set(core_modules())

    def test_each_core_module_imports_without_textual(self) -> None:
        code = (
            "import importlib, sys\n"
            "bad = []\n"
            f"for name in {core_modules()!r}:\n"
            "    importlib.import_module(name)\n"
            "    if any(m == 'textual' or m.startswith('textual.') for m in sys.modules):\n"
            "        bad.append(name); break\n"
            "print(','.join(bad))\n"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True)
        assert result.stdout.strip() == "", f"imports Textual: {result.stdout.strip()}"

    def test_the_check_would_catch_textual(self) -> None:
        # Guard against a check that cannot fail: the app module does load Textual.
        result = subprocess.run(
            [sys.executable, "-c", "import textual, sys; print('textual' in sys.modules)"],
            capture_output=True, text=True, check=True)
        assert result.stdout.strip() == "True"
