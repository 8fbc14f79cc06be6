"""Hypothesis profiles for every test tree (tests/, adapters/*/tests, examples/*/tests).

pytest loads this file for any test under the repository root, so the profiles live here
once. Which profile runs:

* nothing set: Hypothesis's own choice — ``default`` locally (random, with the example
  database) and, when the ``CI`` variable is set, its built-in ``ci`` profile
  (derandomized: every CI run tries the same examples, so CI is deterministic);
* ``BOOKING_CORE_HYPOTHESIS_PROFILE=soak`` (what ``nox -s soak`` sets): random, no deadline,
  failures saved to ``.hypothesis/`` and printed as a reproduction blob, and
  :data:`SOAK_FACTOR` × the examples of every property and stateful test — also of those
  that name their own ``max_examples``. The seed comes from ``--hypothesis-seed``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import HealthCheck, is_hypothesis_test, settings

PROFILE_ENV = "BOOKING_CORE_HYPOTHESIS_PROFILE"
SOAK = "soak"
SOAK_FACTOR = 20

settings.register_profile(
    SOAK,
    settings.get_profile("default"),
    derandomize=False,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)

if os.environ.get(PROFILE_ENV):
    settings.load_profile(os.environ[PROFILE_ENV])


def scaled(current: settings, factor: int) -> settings:
    """``current`` with ``factor`` × its examples (everything else kept)."""
    return settings(current, max_examples=current.max_examples * factor)


def scale_examples(items: Iterable[pytest.Item], factor: int) -> int:
    """Give every Hypothesis test among ``items`` ``factor`` × its examples; how many.

    A ``@given`` test keeps its settings on the wrapped function (Hypothesis reads them
    there at each run; ``@settings`` refuses to be applied twice, so they are replaced in
    place). A state machine's ``TestCase`` reads its ``settings`` class attribute. Each
    test or class is scaled once, however many items share it.
    """
    done: set[int] = set()
    for item in items:
        test: Any = getattr(item, "obj", None)
        if test is None or not is_hypothesis_test(test):
            continue
        machine_case: Any = getattr(item, "cls", None)
        if getattr(test, "_hypothesis_state_machine_class", None) is not None and machine_case:
            if id(machine_case) not in done:
                done.add(id(machine_case))
                machine_case.settings = scaled(machine_case.settings, factor)
            continue
        inner = getattr(test, "__func__", test)
        if id(inner) in done:
            continue
        if not hasattr(inner, "_hypothesis_internal_use_settings"):
            # A Hypothesis upgrade moved the settings: fail loudly rather than soak at 1×.
            raise pytest.UsageError(f"cannot scale the examples of {item.nodeid}")
        done.add(id(inner))
        inner._hypothesis_internal_use_settings = scaled(
            inner._hypothesis_internal_use_settings, factor
        )
    return len(done)


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say when the soak profile is on (Hypothesis itself prints the profile's values)."""
    if settings.get_current_profile_name() == SOAK:
        return f"hypothesis soak: {SOAK_FACTOR}x the examples of every property/stateful test"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under the soak profile, multiply the examples of every Hypothesis test."""
    if settings.get_current_profile_name() == SOAK:
        scale_examples(items, SOAK_FACTOR)
