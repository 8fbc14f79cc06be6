"""Settings of the runnable server, read from the environment (never at import time).

==============================  ===========================================  ======================
variable                        meaning                                      default
==============================  ===========================================  ======================
BOOKING_CORE_DB_URL             SQLAlchemy URL of the database, or           sqlite:///./booking_core_demo.sqlite3
                                ``memory:`` for in-memory storage
BOOKING_CORE_HOST               interface to listen on                       127.0.0.1
BOOKING_CORE_PORT               port to listen on                            8000
BOOKING_CORE_SEED               ``0`` to skip demo data on an empty database  1
BOOKING_CORE_WEBHOOK_SECRET     the payment provider's webhook signing       none: demo mode, a
                                secret (at least 32 characters)              random one per start
BOOKING_CORE_MAX_BODY_BYTES     largest request body taken (413 beyond)      1048576 (1 MiB)
BOOKING_CORE_DB_STATEMENT_MS    PostgreSQL ``statement_timeout`` (ms)         10000
BOOKING_CORE_DB_LOCK_MS         PostgreSQL ``lock_timeout`` (ms)              5000
BOOKING_CORE_DB_BUSY_MS         SQLite ``busy_timeout`` (ms)                  10000
==============================  ===========================================  ======================

No secret has a default. Without ``BOOKING_CORE_WEBHOOK_SECRET`` the server runs in demo
mode: it makes a random webhook secret at every start and never shows it, so no webhook
can be forged with a value read from the source. The database URL is shown with its
password masked (:func:`mask_url`) wherever the server prints or logs it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Final

import attrs

__all__ = [
    "DEFAULT_DB_URL",
    "DEFAULT_MAX_BODY_BYTES",
    "MEMORY_URL",
    "MIN_SECRET_LENGTH",
    "Settings",
    "mask_url",
]

DEFAULT_DB_URL: Final = "sqlite:///./booking_core_demo.sqlite3"
#: The database URL that selects in-memory storage (data lost on exit; no adapter needed).
MEMORY_URL: Final = "memory:"
#: The largest request body the server reads by default: 1 MiB.
DEFAULT_MAX_BODY_BYTES: Final = 1024 * 1024
#: The shortest webhook secret accepted (an HMAC key shorter than this is guessable).
MIN_SECRET_LENGTH: Final = 32

_FALSE: Final = frozenset({"0", "false", "no", "off"})
# ``scheme://user:password@host`` → the password; and ``password=`` in a query string.
_URL_PASSWORD: Final = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@?#]*):[^@/?#]*@")
_QUERY_PASSWORD: Final = re.compile(r"(?i)(?P<head>[?&](?:password|passwd|pwd)=)[^&#]*")


def mask_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for logs, ``--help`` and reprs)."""
    masked = _URL_PASSWORD.sub(r"\g<head>:***@", url)
    return _QUERY_PASSWORD.sub(r"\g<head>***", masked)


def _masked(url: str) -> str:
    return repr(mask_url(url))


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip() or str(default)
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{name} must be a positive whole number; got {text!r}.")
    return int(text)


@attrs.frozen
class Settings:
    """Where the server stores its data, where it listens, its secrets and limits.

    The repr masks the database password and leaves the webhook secret out.
    """

    db_url: str = attrs.field(default=DEFAULT_DB_URL, repr=_masked)
    host: str = "127.0.0.1"
    port: int = 8000
    seed_demo_data: bool = True
    #: None: demo mode (a random secret per start); see :meth:`from_env`.
    webhook_secret: str | None = attrs.field(default=None, repr=False)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: Database timeouts in milliseconds: a stalled database answers 503, never hangs.
    db_statement_ms: int = 10_000
    db_lock_ms: int = 5_000
    db_busy_ms: int = 10_000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``BOOKING_CORE_*`` variables (``os.environ`` by default).

        Raises:
            ValueError: if ``BOOKING_CORE_PORT`` is not a port number,
                ``BOOKING_CORE_WEBHOOK_SECRET`` is shorter than 32 characters, or
                ``BOOKING_CORE_MAX_BODY_BYTES`` or a ``BOOKING_CORE_DB_*_MS`` timeout is
                not a positive integer.
        """
        env = os.environ if environ is None else environ
        port_text = env.get("BOOKING_CORE_PORT", "8000").strip()
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"BOOKING_CORE_PORT must be a port number 1–65535; got {port_text!r}.")
        secret = env.get("BOOKING_CORE_WEBHOOK_SECRET", "").strip() or None
        if secret is not None and len(secret) < MIN_SECRET_LENGTH:
            # Never echo the value: it is a secret even when it is a bad one.
            raise ValueError(
                f"BOOKING_CORE_WEBHOOK_SECRET must be at least {MIN_SECRET_LENGTH} characters "
                f"(it has {len(secret)}); unset it to run in demo mode with a random one."
            )
        defaults = cls()
        return cls(
            db_url=env.get("BOOKING_CORE_DB_URL", "").strip() or DEFAULT_DB_URL,
            host=env.get("BOOKING_CORE_HOST", "").strip() or "127.0.0.1",
            port=int(port_text),
            seed_demo_data=env.get("BOOKING_CORE_SEED", "1").strip().lower() not in _FALSE,
            webhook_secret=secret,
            max_body_bytes=_positive(env, "BOOKING_CORE_MAX_BODY_BYTES", defaults.max_body_bytes),
            db_statement_ms=_positive(
                env, "BOOKING_CORE_DB_STATEMENT_MS", defaults.db_statement_ms
            ),
            db_lock_ms=_positive(env, "BOOKING_CORE_DB_LOCK_MS", defaults.db_lock_ms),
            db_busy_ms=_positive(env, "BOOKING_CORE_DB_BUSY_MS", defaults.db_busy_ms),
        )

    @property
    def in_memory(self) -> bool:
        """True when the data lives in memory only."""
        return self.db_url == MEMORY_URL

    @property
    def demo_mode(self) -> bool:
        """True when no webhook secret is configured: a random one is made per start."""
        return self.webhook_secret is None
