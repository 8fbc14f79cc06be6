"""A clock that only moves when told to."""

from __future__ import annotations

import threading

from pendulum import DateTime, Duration

from booking_core.timerange import ensure_aware

__all__ = ["FrozenClock"]


class FrozenClock:
    """Returns the same instant until :meth:`advance` or :meth:`set` moves it."""

    def __init__(self, at: DateTime) -> None:
        self._now = ensure_aware(at, "clock time")
        self._lock = threading.Lock()

    def now(self) -> DateTime:
        """The frozen instant."""
        with self._lock:
            return self._now

    def advance(self, by: Duration) -> DateTime:
        """Move forward by ``by`` and return the new instant."""
        with self._lock:
            self._now = self._now + by
            return self._now

    def set(self, at: DateTime) -> None:
        """Jump to ``at``."""
        with self._lock:
            self._now = ensure_aware(at, "clock time")
