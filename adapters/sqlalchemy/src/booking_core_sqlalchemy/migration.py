"""Running the shipped Alembic migrations from code: :func:`migrate`.

The migrations live in ``booking_core_sqlalchemy/migrations``; no ``alembic.ini`` is needed.
Their version is kept in ``booking_core_alembic_version`` so that an application's own
Alembic history in the same database is left alone.
"""

from __future__ import annotations

from typing import Any, Final

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Engine, text

from booking_core_sqlalchemy.engine import engine_from

__all__ = ["VERSION_TABLE", "alembic_config", "migrate"]

#: The table Alembic records booking_core's schema revision in.
VERSION_TABLE: Final = "booking_core_alembic_version"

#: Key of the PostgreSQL advisory lock that serializes concurrent ``migrate()`` calls.
_MIGRATION_LOCK: Final = 0x626F6F6B696E67  # "booking"


def alembic_config(**attributes: Any) -> Config:
    """An Alembic ``Config`` for the shipped migrations (``attributes`` go to env.py).

    Pass ``connection=`` to run on an open connection — what :func:`migrate` does. With it
    you can use any Alembic command, e.g. ``command.downgrade(cfg, "base")``.
    """
    config = Config()
    config.set_main_option("script_location", "booking_core_sqlalchemy:migrations")
    config.attributes.update(attributes)
    return config


def migrate(url_or_engine: str | URL | Engine, *, revision: str = "head") -> None:
    """Bring the database's booking_core schema to ``revision`` (latest by default).

    Idempotent: on an up-to-date database it changes nothing. Safe to call from several
    processes at once (PostgreSQL: an advisory lock, waited for without the request
    timeouts; SQLite: the write lock, within the busy timeout).
    """
    owned = not isinstance(url_or_engine, Engine)
    engine = engine_from(url_or_engine, None)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # The request timeouts (booking_core_sqlalchemy.timeouts) are not for a
                # deploy: it may wait for another migrate() and run long DDL. SET LOCAL
                # lifts them for this transaction only.
                connection.execute(text("SET LOCAL statement_timeout = 0"))
                connection.execute(text("SET LOCAL lock_timeout = 0"))
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                )
            command.upgrade(alembic_config(connection=connection), revision)
    finally:
        if owned:
            engine.dispose()
