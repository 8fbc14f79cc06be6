"""The production defaults for the clock and id ports.

This module is the one place in the core that reads the system clock or a random source.
"""

from __future__ import annotations

import uuid

import pendulum
from pendulum import DateTime

__all__ = ["SystemClock", "UuidIds"]


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
