"""Settings of the runnable server, read from the environment (never at import time).

=====================  ============================================  ==================
variable               meaning                                       default
=====================  ============================================  ==================
BOOKING_CORE_DB_URL    SQLAlchemy URL of the database, or            sqlite:///./booking_core_demo.sqlite3
                       ``memory:`` for in-memory storage
BOOKING_CORE_HOST      interface to listen on                        127.0.0.1
BOOKING_CORE_PORT      port to listen on                             8000
BOOKING_CORE_SEED      ``0`` to skip demo data on an empty database  1
=====================  ============================================  ==================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final

import attrs

__all__ = ["DEFAULT_DB_URL", "MEMORY_URL", "Settings"]

DEFAULT_DB_URL: Final = "sqlite:///./booking_core_demo.sqlite3"
#: The database URL that selects in-memory storage (data lost on exit; no adapter needed).
MEMORY_URL: Final = "memory:"

_FALSE: Final = frozenset({"0", "false", "no", "off"})


@attrs.frozen
class Settings:
    """Where the server stores its data and where it listens."""

    db_url: str = DEFAULT_DB_URL
    host: str = "127.0.0.1"
    port: int = 8000
    seed_demo_data: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``BOOKING_CORE_*`` variables (``os.environ`` by default).

        Raises:
            ValueError: if ``BOOKING_CORE_PORT`` is not a port number.
        """
        env = os.environ if environ is None else environ
        port_text = env.get("BOOKING_CORE_PORT", "8000").strip()
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"BOOKING_CORE_PORT must be a port number 1–65535; got {port_text!r}.")
        return cls(
            db_url=env.get("BOOKING_CORE_DB_URL", "").strip() or DEFAULT_DB_URL,
            host=env.get("BOOKING_CORE_HOST", "").strip() or "127.0.0.1",
            port=int(port_text),
            seed_demo_data=env.get("BOOKING_CORE_SEED", "1").strip().lower() not in _FALSE,
        )

    @property
    def in_memory(self) -> bool:
        """True when the data lives in memory only."""
        return self.db_url == MEMORY_URL
