"""Run the server on the embedded default: SQLite, the fake payment gateway, demo data.

    python -m booking_server                       # 127.0.0.1:8000, ./booking_core_demo.sqlite3
    uvicorn booking_server.main:app --factory      # the same through uvicorn's CLI
    BOOKING_CORE_DB_URL=memory: python -m booking_server   # no database at all

On start the database is migrated, and demo data is seeded when it holds no catalog and
no technicians yet. The SQLAlchemy adapter is imported only here, when a database URL is
used, so the server package itself (and its tests) work without it.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence

import attrs
from fastapi import FastAPI

from booking_core.bootstrap import BookingApp, build
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.testing import InMemoryStore, ScriptedPaymentGateway
from booking_server.app import create_app
from booking_server.demo_data import seed_if_empty
from booking_server.settings import Settings

__all__ = ["Storage", "app", "build_booking_app", "create_server", "main", "open_storage"]

logger = logging.getLogger("booking_server")


@attrs.frozen
class Storage:
    """An opened storage: the services' unit-of-work factory and how to close it."""

    unit_of_work: UnitOfWorkFactory
    close: Callable[[], None] = lambda: None


def open_storage(settings: Settings) -> Storage:
    """The storage named by ``settings.db_url``, migrated and ready.

    Raises:
        RuntimeError: if a database URL is given but booking-core-sqlalchemy is missing.
    """
    if settings.in_memory:
        return Storage(InMemoryStore().unit_of_work)
    try:
        from booking_core_sqlalchemy import SqlAlchemyStorage, migrate
    except ModuleNotFoundError as exc:
        if exc.name != "booking_core_sqlalchemy":
            raise  # the adapter is there but broken: show the real error
        raise RuntimeError(
            "The database storage needs booking-core-sqlalchemy: "
            "pip install -e adapters/sqlalchemy (or set BOOKING_CORE_DB_URL=memory:)."
        ) from exc
    migrate(settings.db_url)
    storage = SqlAlchemyStorage(settings.db_url)
    return Storage(storage.unit_of_work, storage.dispose)


def build_booking_app(storage: Storage) -> BookingApp:
    """The services over ``storage``, the system clock and the fake payment gateway."""
    # The embedded default takes payments through the deterministic fake gateway (DESIGN:
    # "Running it"); a production server wires a real payment adapter here instead.
    return build(uow=storage.unit_of_work, payments=ScriptedPaymentGateway())


def create_server(settings: Settings | None = None) -> FastAPI:
    """The ASGI app for ``settings`` (from the environment by default), seeded if empty."""
    settings = settings if settings is not None else Settings.from_env()
    storage = open_storage(settings)
    booking_app = build_booking_app(storage)
    if settings.seed_demo_data and seed_if_empty(booking_app) is not None:
        logger.info("seeded demo data into %s", settings.db_url)
    return create_app(booking_app, on_shutdown=[storage.close])


def app() -> FastAPI:
    """The factory for ``uvicorn booking_server.main:app --factory``."""
    return create_server()


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m booking_server [--host H] [--port P] [--db-url URL] [--no-seed]``."""
    import uvicorn

    defaults = Settings.from_env()
    parser = argparse.ArgumentParser(
        prog="python -m booking_server", description="Run the booking_core reference server."
    )
    parser.add_argument("--host", default=defaults.host, help="default: %(default)s")
    parser.add_argument("--port", type=int, default=defaults.port, help="default: %(default)s")
    parser.add_argument("--db-url", default=defaults.db_url, help="default: %(default)s")
    parser.add_argument(
        "--no-seed", action="store_true", help="do not seed demo data into an empty database"
    )
    args = parser.parse_args(argv)
    settings = Settings(
        db_url=args.db_url,
        host=args.host,
        port=args.port,
        seed_demo_data=defaults.seed_demo_data and not args.no_seed,
    )
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s:     %(name)s - %(message)s")
    logger.setLevel(logging.INFO)
    uvicorn.run(create_server(settings), host=settings.host, port=settings.port)
