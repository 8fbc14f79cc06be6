"""The clock port: the only way the core learns the time."""

from __future__ import annotations

from typing import Protocol

from pendulum import DateTime

__all__ = ["Clock"]


class Clock(Protocol):
    """Tells the current instant."""

    def now(self) -> DateTime:
        """The current instant, timezone-aware (any zone; the core converts as needed)."""
        ...
