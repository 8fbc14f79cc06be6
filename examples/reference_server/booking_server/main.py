"""Run the server on the embedded default: SQLite, the fake payment gateway, demo data.

    python -m booking_server                       # 127.0.0.1:8000, ./booking_core_demo.sqlite3
    uvicorn booking_server.main:app --factory      # the same through uvicorn's CLI
    BOOKING_CORE_DB_URL=memory: python -m booking_server   # no database at all
    python -m booking_server backup PATH           # subcommands: see SUBCOMMANDS

On start the database is migrated, and demo data is seeded when it holds no catalog and
no technicians yet. Without ``BOOKING_CORE_TOKEN_SECRET`` access tokens are signed with a
random key per start, and the demo accounts (one per role, demo-only passwords) are seeded
and printed; one-time codes are printed to the console. Without
``BOOKING_CORE_WEBHOOK_SECRET`` the server runs in demo mode: a random webhook secret is
made at each start and never printed. The database URL is only ever shown with its
password masked. Rate limits are on (in memory) unless ``BOOKING_CORE_RATE_LIMITS=off``; a
Redis named for them must answer at start. The SQLAlchemy adapter is imported only here,
when a database URL is used, so the server package itself (and its tests) work without it.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Final

import attrs
from fastapi import FastAPI

from booking_core.bootstrap import BookingApp, build
from booking_core.ports.calendars import CalendarSource
from booking_core.ports.payments import PaymentGateway
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.routing import PaymentRouting
from booking_core.testing import InMemoryStore, ScriptedPaymentGateway
from booking_server.app import create_app
from booking_server.auth import AccountService, AuthConfig, build_accounts
from booking_server.backup import backup_command, restore_command
from booking_server.console_notifier import ConsoleNotifier
from booking_server.demo_accounts import demo_accounts_text, ensure_demo_accounts
from booking_server.demo_data import seed_if_empty
from booking_server.notifying import address_book, channels_for
from booking_server.providers import load_providers
from booking_server.ratelimit import RateLimits
from booking_server.settings import Settings, mask_url
from booking_server.worker import EmbeddedWorker, worker_command

__all__ = [
    "SUBCOMMANDS",
    "Storage",
    "app",
    "build_booking_app",
    "build_server_accounts",
    "create_server",
    "main",
    "open_rate_limits",
    "open_storage",
    "resolve_webhook_secret",
]

logger = logging.getLogger("booking_server")

#: ``python -m booking_server NAME ...``: each takes the arguments after NAME and returns
#: the exit status. Any other first argument runs the server.
SUBCOMMANDS: Final[Mapping[str, Callable[[Sequence[str]], int]]] = {
    "backup": backup_command,
    "restore": restore_command,
    "worker": worker_command,
}


@attrs.frozen
class Storage:
    """An opened storage: the services' unit-of-work factory, how to close it, and how
    many requests may use it at once (None: the thread pool's default)."""

    unit_of_work: UnitOfWorkFactory
    close: Callable[[], None] = lambda: None
    threads: int | None = None


def open_storage(settings: Settings) -> Storage:
    """The storage named by ``settings.db_url``, migrated and ready.

    Raises:
        RuntimeError: if a database URL is given but booking-core-sdk-sqlalchemy is missing.
    """
    if settings.in_memory:
        return Storage(InMemoryStore().unit_of_work)
    try:
        from booking_core_sqlalchemy import DatabaseTimeouts, SqlAlchemyStorage, migrate
    except ModuleNotFoundError as exc:
        if exc.name != "booking_core_sqlalchemy":
            raise  # the adapter is there but broken: show the real error
        raise RuntimeError(
            "The database storage needs booking-core-sdk-sqlalchemy: "
            "pip install -e adapters/sqlalchemy (or set BOOKING_CORE_DB_URL=memory:)."
        ) from exc
    migrate(settings.db_url)
    timeouts = DatabaseTimeouts(
        statement_ms=settings.db_statement_ms,
        lock_ms=settings.db_lock_ms,
        sqlite_busy_ms=settings.db_busy_ms,
    )
    storage = SqlAlchemyStorage(settings.db_url, timeouts=timeouts)
    # On SQLite every unit of work takes the write lock (BEGIN IMMEDIATE): a second thread
    # could only wait for it, in busy-timeout sleeps, and contend for the GIL meanwhile.
    threads = 1 if storage.engine.dialect.name == "sqlite" else None
    return Storage(storage.unit_of_work, storage.dispose, threads)


def build_booking_app(
    storage: Storage, *, webhook_secret: bytes, settings: Settings | None = None
) -> BookingApp:
    """The services over ``storage`` and the system clock; payments (and withdrawals)
    through the providers of the ``settings``' payments file, or else the fake payment
    gateway, which verifies webhooks with ``webhook_secret``; notifications in the inbox
    and on the channels
    ``settings`` name (default: the console); orders placed without a technician
    dispatched as ``settings`` say (default: auto-assign)."""
    settings = settings if settings is not None else Settings()
    # Without a payments file the embedded default takes payments through the deterministic
    # fake gateway (DESIGN: "Running it").
    payments: PaymentGateway | PaymentRouting = ScriptedPaymentGateway(secret=webhook_secret)
    payouts = None
    if settings.payments_file is not None:
        providers = load_providers(settings.payments_file)
        payments, payouts = providers.payments, providers.payouts
    return build(
        uow=storage.unit_of_work,
        payments=payments,
        payouts=payouts,
        channels=channels_for(settings),
        address_book=address_book(storage.unit_of_work),
        dispatch_policy=settings.dispatch_policy(),
        calendar_source=calendar_source() if settings.calendar_feeds else None,
    )


def calendar_source() -> CalendarSource:
    """Technicians' own iCalendar feeds read over HTTP(S) (``BOOKING_CORE_CALENDAR_FEEDS=on``,
    which needs the ``ical`` extra, booking-core-sdk-ical). Off, feeds can be registered but
    are never read (busy blocks pushed through the API still count).

    Raises:
        RuntimeError: the extra is not installed.
    """
    try:
        from booking_core_ical import IcalCalendarSource
    except ImportError as missing:
        raise RuntimeError(
            "BOOKING_CORE_CALENDAR_FEEDS=on needs the ical extra: "
            'pip install "booking-core-sdk-server[ical]".'
        ) from missing
    return IcalCalendarSource()


def resolve_webhook_secret(settings: Settings) -> bytes:
    """The configured webhook secret, or in demo mode a random one made now (never shown)."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.encode()
    logger.info(
        "demo mode: no BOOKING_CORE_WEBHOOK_SECRET, so webhooks are verified with a random "
        "secret made for this run"
    )
    return secrets.token_bytes(32)


def create_server(settings: Settings | None = None) -> FastAPI:
    """The ASGI app for ``settings`` (from the environment by default), seeded if empty."""
    settings = settings if settings is not None else Settings.from_env()
    rate_limits = open_rate_limits(settings)  # first: a Redis that is down opens nothing
    storage = open_storage(settings)
    booking_app = build_booking_app(
        storage, webhook_secret=resolve_webhook_secret(settings), settings=settings
    )
    if settings.seed_demo_data and seed_if_empty(booking_app) is not None:
        logger.info("seeded demo data into %s", mask_url(settings.db_url))
    accounts = build_server_accounts(booking_app, settings)
    if settings.seed_demo_data and settings.demo_accounts:
        # Printed, not logged: demo data for whoever started the server, not secrets.
        sys.stdout.write(demo_accounts_text(ensure_demo_accounts(booking_app, accounts)) + "\n")
        sys.stdout.flush()
    # The worker stops before the storage closes (shutdown callbacks run in order).
    worker = EmbeddedWorker(booking_app) if settings.worker == "embedded" else None
    return create_app(
        booking_app,
        on_startup=[worker.start] if worker is not None else [],
        on_shutdown=[worker.stop, storage.close] if worker is not None else [storage.close],
        max_body_bytes=settings.max_body_bytes,
        threads=storage.threads,
        rate_limits=rate_limits,
        accounts=accounts,
    )


def build_server_accounts(booking_app: BookingApp, settings: Settings) -> AccountService:
    """The account service ``settings`` describe: the configured token secret and
    lifetimes, or in demo mode a random secret made now (never shown). One-time codes are
    printed to the console: this server has no SMS gateway (a deployment wires its own
    :class:`~booking_core.ports.notifier.Notifier`)."""
    if settings.token_secret is None:
        logger.info(
            "demo mode: no BOOKING_CORE_TOKEN_SECRET, so access tokens are signed with a "
            "random key made for this run"
        )
    config = AuthConfig(
        token_secret=settings.token_secret or secrets.token_urlsafe(48),
        access_token_minutes=settings.access_token_minutes,
        session_days=settings.session_days,
    )
    return build_accounts(booking_app, config=config, notifier=ConsoleNotifier())


def open_rate_limits(settings: Settings) -> RateLimits | None:
    """The rate limits ``settings`` name (None when off), their storage checked.

    Raises:
        RuntimeError: if the rate limit storage (Redis) does not answer.
    """
    if not settings.rate_limits:
        return None
    rate_limits = RateLimits.from_settings(settings)
    if not rate_limits.check_storage():
        raise RuntimeError(
            "The rate limit storage does not answer: "
            f"{mask_url(settings.rate_limit_storage)} (BOOKING_CORE_RATE_LIMIT_STORAGE); "
            "start it, or use memory:// or BOOKING_CORE_RATE_LIMITS=off."
        )
    return rate_limits


def app() -> FastAPI:
    """The factory for ``uvicorn booking_server.main:app --factory``."""
    return create_server()


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m booking_server [--host H] [--port P] [--db-url URL] [--no-seed]``, or a
    subcommand (:data:`SUBCOMMANDS`), which exits with its status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    subcommand = SUBCOMMANDS.get(arguments[0]) if arguments else None
    if subcommand is not None:
        raise SystemExit(subcommand(arguments[1:]))
    _serve(arguments)


def _serve(argv: Sequence[str]) -> None:
    """Run the server: ``[--host H] [--port P] [--db-url URL] [--no-seed]``."""
    import uvicorn

    defaults = Settings.from_env()
    parser = argparse.ArgumentParser(
        prog="python -m booking_server", description="Run the booking_core reference server."
    )
    parser.add_argument("--host", default=defaults.host, help="default: %(default)s")
    parser.add_argument("--port", type=int, default=defaults.port, help="default: %(default)s")
    parser.add_argument(
        "--db-url",
        default=defaults.db_url,
        help=f"default: {mask_url(defaults.db_url).replace('%', '%%')} (BOOKING_CORE_DB_URL)",
    )
    parser.add_argument(
        "--no-seed", action="store_true", help="do not seed demo data into an empty database"
    )
    args = parser.parse_args(argv)
    # evolve: every setting the command line does not name stays as the environment says.
    settings = attrs.evolve(
        defaults,
        db_url=args.db_url,
        host=args.host,
        port=args.port,
        seed_demo_data=defaults.seed_demo_data and not args.no_seed,
    )
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s:     %(name)s - %(message)s")
    logger.setLevel(logging.INFO)
    uvicorn.run(create_server(settings), host=settings.host, port=settings.port)
