"""Predictable ids for tests and demos."""

from __future__ import annotations

import itertools
import threading

__all__ = ["SequentialIds"]


class SequentialIds:
    """Ids ``<prefix>_0001``, ``<prefix>_0002`` … (one counter, thread-safe)."""

    def __init__(self, start: int = 1) -> None:
        self._counter = itertools.count(start)
        self._lock = threading.Lock()

    def new_id(self, prefix: str) -> str:
        """The next id."""
        with self._lock:
            return f"{prefix}_{next(self._counter):04d}"
