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
BOOKING_CORE_RATE_LIMITS        ``on`` or ``off``: rate limits on signing     on
                                in, codes and orders (429 beyond)
BOOKING_CORE_RATE_LIMIT_STORAGE where they are counted: ``memory://`` (per    memory://
                                process) or a Redis URL (``redis://…``)
BOOKING_CORE_RATE_LIMIT_LOGIN   sign-in attempts per login name or phone      5/minute;30/hour
BOOKING_CORE_RATE_LIMIT_LOGIN_IP  sign-in attempts per client IP              30/minute
BOOKING_CORE_RATE_LIMIT_CODES   one-time codes sent per phone                 5/hour;10/day
BOOKING_CORE_RATE_LIMIT_CODES_IP  one-time codes sent per client IP           20/hour
BOOKING_CORE_RATE_LIMIT_ORDERS  orders placed per customer                    10/minute;100/day
BOOKING_CORE_TOKEN_SECRET       the key that signs access tokens (at least    none: demo mode, a
                                32 characters)                               random one per start
BOOKING_CORE_ACCESS_TOKEN_MINUTES  how long an access token is good for       15
BOOKING_CORE_SESSION_DAYS       how long a sign-in lasts at most, however     30
                                often it is refreshed
BOOKING_CORE_WORKER             ``embedded`` (a worker thread in the server)  embedded
                                or ``off`` (run ``python -m booking_server
                                worker`` or procrastinate beside it)
BOOKING_CORE_CHANNELS           push channels beside the in-app inbox:        console
                                ``console``, ``email`` (comma-separated;
                                empty: the inbox only)
BOOKING_CORE_SMTP_HOST          the SMTP server of the ``email`` channel      none
BOOKING_CORE_SMTP_PORT          its port                                      25
BOOKING_CORE_SMTP_SENDER        the From address                              booking@localhost
BOOKING_CORE_SMTP_USERNAME      login, if the server wants one                none
BOOKING_CORE_SMTP_PASSWORD      its password (never shown)                    none
BOOKING_CORE_SMTP_STARTTLS      ``on`` to upgrade the connection with TLS     off
BOOKING_CORE_DISPATCH_MODE      how orders placed without a technician find   auto
                                one: ``auto``, ``offer``, ``grab`` or
                                ``manual`` (docs/dispatch.md)
BOOKING_CORE_DISPATCH_OFFER_SECONDS  how long an offer stands (``offer``)     60
BOOKING_CORE_DISPATCH_BROADCAST_SIZE  how many of the best candidates a       20
                                grab broadcast reaches (``grab``)
BOOKING_CORE_PAYMENTS_FILE      a TOML file of the payment providers, their  none: the fake
                                credentials (in files) and routes by channel  gateway (demo)
                                (:mod:`booking_server.providers`)
==============================  ===========================================  ======================

No secret has a default. Without ``BOOKING_CORE_WEBHOOK_SECRET`` the server runs in demo
mode: it makes a random webhook secret at every start and never shows it, so no webhook
can be forged with a value read from the source. Likewise without
``BOOKING_CORE_TOKEN_SECRET`` access tokens are signed with a random key made at start
(sign-ins do not outlive the process), and only then are the demo accounts, whose
passwords are printed at start, seeded. The database URL is shown with its password
masked (:func:`mask_url`) wherever the server prints or logs it.

Rate limits use the ``limits`` library's syntax, several joined with ``;`` (see
:mod:`booking_server.ratelimit`); a malformed one stops the server at start with an error
naming the variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Final

import attrs

from booking_core.dispatch.plan import DispatchPlan, DispatchPolicy
from booking_core.orders.dispatching import DispatchMode
from booking_server.ratelimit import check_storage_url, parse_rate_limits

__all__ = [
    "CHANNELS",
    "DEFAULT_DB_URL",
    "DEFAULT_MAX_BODY_BYTES",
    "DISPATCH_MODES",
    "MEMORY_URL",
    "MIN_OFFER_SECONDS",
    "MIN_SECRET_LENGTH",
    "WORKER_MODES",
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

#: How the server runs its background work (see :attr:`Settings.worker`).
WORKER_MODES: Final = ("embedded", "off")
#: The push channels the server wires from settings.
CHANNELS: Final = ("console", "email")
#: How orders placed without a technician find one (see :attr:`Settings.dispatch_mode`).
DISPATCH_MODES: Final = tuple(mode.value for mode in DispatchMode)
#: The shortest offer the core takes (``DispatchPlan.offer_seconds``).
MIN_OFFER_SECONDS: Final = 5
_FALSE: Final = frozenset({"0", "false", "no", "off"})
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
# The Settings fields read from BOOKING_CORE_<FIELD IN CAPITALS>.
_RATE_LIMIT_FIELDS: Final = (
    "rate_limit_storage",
    "rate_limit_login",
    "rate_limit_login_ip",
    "rate_limit_codes",
    "rate_limit_codes_ip",
    "rate_limit_orders",
)
# ``scheme://user:password@host`` → the password; and ``password=`` in a query string.
_URL_PASSWORD: Final = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@?#]*):[^@/?#]*@")
_QUERY_PASSWORD: Final = re.compile(r"(?i)(?P<head>[?&](?:password|passwd|pwd)=)[^&#]*")


def mask_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for logs, ``--help`` and reprs)."""
    masked = _URL_PASSWORD.sub(r"\g<head>:***@", url)
    return _QUERY_PASSWORD.sub(r"\g<head>***", masked)


def _masked(url: str) -> str:
    return repr(mask_url(url))


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    text = env.get(name, "").strip().lower()
    if not text:
        return default
    if text not in _TRUE | _FALSE:
        raise ValueError(f"{name} must be on or off; got {text!r}.")
    return text in _TRUE


def _limits_of(setting: str) -> Callable[[object, object, str], None]:
    # A validator: a Settings(...) made in code is checked as well as one from the env.
    def valid(_: object, __: object, value: str) -> None:
        parse_rate_limits(value, setting=setting)

    return valid


def _storage_url(_: object, __: object, url: str) -> None:
    check_storage_url(url, setting="BOOKING_CORE_RATE_LIMIT_STORAGE")


def _token_secret(env: Mapping[str, str]) -> str | None:
    secret = env.get("BOOKING_CORE_TOKEN_SECRET", "").strip() or None
    if secret is not None and len(secret) < MIN_SECRET_LENGTH:
        # Never echo the value: it is a secret even when it is a bad one.
        raise ValueError(
            f"BOOKING_CORE_TOKEN_SECRET must be at least {MIN_SECRET_LENGTH} characters "
            f"(it has {len(secret)}); unset it to run in demo mode with a random one."
        )
    return secret


def _names_tuple(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(names)


def _names(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    text = env.get(name)
    if text is None:
        return default
    return tuple(part.strip().lower() for part in text.split(",") if part.strip())


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
    #: Rate limits (see :mod:`booking_server.ratelimit`); off: none at all.
    rate_limits: bool = True
    rate_limit_storage: str = attrs.field(default="memory://", repr=_masked, validator=_storage_url)
    rate_limit_login: str = attrs.field(
        default="5/minute;30/hour", validator=_limits_of("BOOKING_CORE_RATE_LIMIT_LOGIN")
    )
    rate_limit_login_ip: str = attrs.field(
        default="30/minute", validator=_limits_of("BOOKING_CORE_RATE_LIMIT_LOGIN_IP")
    )
    rate_limit_codes: str = attrs.field(
        default="5/hour;10/day", validator=_limits_of("BOOKING_CORE_RATE_LIMIT_CODES")
    )
    rate_limit_codes_ip: str = attrs.field(
        default="20/hour", validator=_limits_of("BOOKING_CORE_RATE_LIMIT_CODES_IP")
    )
    rate_limit_orders: str = attrs.field(
        default="10/minute;100/day", validator=_limits_of("BOOKING_CORE_RATE_LIMIT_ORDERS")
    )
    #: None: demo mode (a random token secret per start: tokens die with the process).
    token_secret: str | None = attrs.field(default=None, repr=False)
    access_token_minutes: int = 15
    session_days: int = 30
    #: ``embedded``: a worker runs in the server process; ``off``: run ``python -m
    #: booking_server worker`` (or procrastinate) beside it.
    worker: str = attrs.field(default="embedded", validator=attrs.validators.in_(WORKER_MODES))
    #: The push channels beside the inbox: ``console`` and/or ``email`` (comma-separated).
    channels: tuple[str, ...] = attrs.field(default=("console",), converter=_names_tuple)
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "booking@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = attrs.field(default=None, repr=False)
    smtp_starttls: bool = False
    #: How orders placed without a technician find one: ``auto`` (the best free candidate
    #: gets it), ``offer`` (to one at a time, each for ``dispatch_offer_seconds``), ``grab``
    #: (broadcast to the best ``dispatch_broadcast_size``; the first grab wins) or
    #: ``manual`` (a dispatcher assigns it).
    dispatch_mode: str = "auto"
    dispatch_offer_seconds: int = 60
    dispatch_broadcast_size: int = 20
    #: The TOML file of the payment providers (:mod:`booking_server.providers`); None: the
    #: fake gateway, as in the demo.
    payments_file: str | None = None
    #: Read technicians' own iCalendar feeds over HTTP(S) (the ``ical`` extra); off: feeds
    #: are kept but never read, pushed busy blocks count either way.
    calendar_feeds: bool = False

    def __attrs_post_init__(self) -> None:
        unknown = set(self.channels) - set(CHANNELS)
        if unknown:
            raise ValueError(
                f"BOOKING_CORE_CHANNELS names {', '.join(sorted(unknown))}; the server wires "
                f"{', '.join(CHANNELS)} (others are wired in code: docs/operations.md)."
            )
        if "email" in self.channels and not self.smtp_host:
            raise ValueError(
                "The email channel needs BOOKING_CORE_SMTP_HOST (and BOOKING_CORE_SMTP_PORT, "
                "BOOKING_CORE_SMTP_SENDER)."
            )
        if self.dispatch_mode not in DISPATCH_MODES:
            raise ValueError(
                f"BOOKING_CORE_DISPATCH_MODE must be one of {', '.join(DISPATCH_MODES)}; "
                f"got {self.dispatch_mode!r}."
            )
        if self.dispatch_offer_seconds < MIN_OFFER_SECONDS:
            raise ValueError(
                f"BOOKING_CORE_DISPATCH_OFFER_SECONDS must be at least {MIN_OFFER_SECONDS}; "
                f"got {self.dispatch_offer_seconds}."
            )
        if self.dispatch_broadcast_size < 1:
            raise ValueError(
                "BOOKING_CORE_DISPATCH_BROADCAST_SIZE must be a positive whole number; "
                f"got {self.dispatch_broadcast_size}."
            )

    def dispatch_policy(self) -> DispatchPolicy:
        """The dispatch policy these settings describe: one plan for every order."""
        plan = DispatchPlan(
            mode=DispatchMode(self.dispatch_mode),
            offer_seconds=self.dispatch_offer_seconds,
            broadcast_size=self.dispatch_broadcast_size,
        )
        return DispatchPolicy(default=plan)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``BOOKING_CORE_*`` variables (``os.environ`` by default).

        Raises:
            ValueError: if ``BOOKING_CORE_PORT`` is not a port number,
                ``BOOKING_CORE_WEBHOOK_SECRET`` is shorter than 32 characters, or
                ``BOOKING_CORE_MAX_BODY_BYTES`` or a ``BOOKING_CORE_DB_*_MS`` timeout is
                not a positive integer, or a ``BOOKING_CORE_RATE_LIMIT*`` setting is
                malformed.
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
            rate_limits=_switch(env, "BOOKING_CORE_RATE_LIMITS", defaults.rate_limits),
            calendar_feeds=_switch(env, "BOOKING_CORE_CALENDAR_FEEDS", defaults.calendar_feeds),
            token_secret=_token_secret(env),
            access_token_minutes=_positive(
                env, "BOOKING_CORE_ACCESS_TOKEN_MINUTES", defaults.access_token_minutes
            ),
            session_days=_positive(env, "BOOKING_CORE_SESSION_DAYS", defaults.session_days),
            worker=env.get("BOOKING_CORE_WORKER", "").strip().lower() or defaults.worker,
            channels=_names(env, "BOOKING_CORE_CHANNELS", defaults.channels),
            smtp_host=env.get("BOOKING_CORE_SMTP_HOST", "").strip() or None,
            smtp_port=_positive(env, "BOOKING_CORE_SMTP_PORT", defaults.smtp_port),
            smtp_sender=env.get("BOOKING_CORE_SMTP_SENDER", "").strip() or defaults.smtp_sender,
            smtp_username=env.get("BOOKING_CORE_SMTP_USERNAME", "").strip() or None,
            smtp_password=env.get("BOOKING_CORE_SMTP_PASSWORD", "") or None,
            smtp_starttls=_switch(env, "BOOKING_CORE_SMTP_STARTTLS", defaults.smtp_starttls),
            dispatch_mode=env.get("BOOKING_CORE_DISPATCH_MODE", "").strip().lower()
            or defaults.dispatch_mode,
            dispatch_offer_seconds=_positive(
                env, "BOOKING_CORE_DISPATCH_OFFER_SECONDS", defaults.dispatch_offer_seconds
            ),
            dispatch_broadcast_size=_positive(
                env, "BOOKING_CORE_DISPATCH_BROADCAST_SIZE", defaults.dispatch_broadcast_size
            ),
            payments_file=env.get("BOOKING_CORE_PAYMENTS_FILE", "").strip() or None,
            **{
                field: env.get(f"BOOKING_CORE_{field.upper()}", "").strip()
                or getattr(defaults, field)
                for field in _RATE_LIMIT_FIELDS
            },
        )

    @property
    def in_memory(self) -> bool:
        """True when the data lives in memory only."""
        return self.db_url == MEMORY_URL

    @property
    def demo_accounts(self) -> bool:
        """True when no token secret is configured: demo accounts with known passwords may
        be seeded (never on a server whose tokens outlive the process)."""
        return self.token_secret is None

    @property
    def demo_mode(self) -> bool:
        """True when no webhook secret is configured: a random one is made per start."""
        return self.webhook_secret is None
