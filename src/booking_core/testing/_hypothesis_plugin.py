"""The ``hypothesis`` entry point: registers booking_core's strategies for ``st.from_type``.

Hypothesis runs this hook while it is being imported, possibly because
``booking_core.testing.strategies`` is importing it; so the strategies are looked up
lazily (``st.deferred``) instead of imported here.
"""

from __future__ import annotations

import importlib
from typing import Any


def _lazy(name: str) -> Any:
    from hypothesis import strategies as st

    def build() -> Any:
        return getattr(importlib.import_module("booking_core.testing.strategies"), name)()

    return st.deferred(build)


def _hypothesis_setup_hook() -> None:
    from hypothesis import strategies as st

    from booking_core.money import Money
    from booking_core.scheduling.weekly_hours import WeeklyHours
    from booking_core.timerange import TimeRange

    st.register_type_strategy(Money, _lazy("moneys"))
    st.register_type_strategy(TimeRange, _lazy("time_ranges"))
    st.register_type_strategy(WeeklyHours, _lazy("weekly_hours"))
