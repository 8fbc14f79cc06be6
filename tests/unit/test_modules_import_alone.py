"""Each port and notification module imports on its own, first thing in a fresh
interpreter (an import cycle between them hides while something else is imported first)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import booking_core.notifications
import booking_core.ports

MODULES = sorted(
    info.name
    for package in (booking_core.ports, booking_core.notifications)
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
)


@pytest.mark.parametrize("module", MODULES)
def test_the_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr
