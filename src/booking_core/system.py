"""The production defaults for the clock and id ports.

This module is the one place in the core that reads the system clock or a random source.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

import pendulum
from pendulum import DateTime

__all__ = ["OrderedIds", "SystemClock", "UuidIds"]


class OrderedIds:
    """Ids that sort in the order they were minted in this process:
    ``<prefix>_<16 hex digits of a nanosecond count><8 random hex digits>``.

    The count is the system time, raised by one where needed so it always grows; the random
    tail keeps two processes apart. It needs no shared counter, so a second id source
    (the audit log's) leaves the app's own ids as they would have been.
    """

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def new_id(self, prefix: str) -> str:
        """A new id, after every id this source minted before."""
        with self._lock:
            self._last = max(time.time_ns(), self._last + 1)
            count = self._last
        return f"{prefix}_{count:016x}{os.urandom(4).hex()}"


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> DateTime:
        """The current instant in UTC."""
        return pendulum.now("UTC")


class UuidIds:
    """Random UUID4-based ids: ``<prefix>_<32 hex digits>``."""

    def new_id(self, prefix: str) -> str:
        """A new random id."""
        return f"{prefix}_{uuid.uuid4().hex}"
