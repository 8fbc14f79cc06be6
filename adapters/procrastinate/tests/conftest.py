"""Fixtures: a PostgreSQL database of this adapter's own, with the core's schema and
procrastinate's, emptied before each test.

The server is the one named by ``BOOKING_CORE_PG_URL`` (default: the local ``test``
database's server). When it is unreachable the tests are skipped — unless ``CI`` is set,
where they fail: CI must never pass by silently skipping the database that matters most.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import procrastinate
import pytest
from sqlalchemy import URL, make_url, text
from sqlalchemy.exc import DBAPIError

from booking_core.errors import StorageUnavailable
from booking_core_procrastinate import apply_schema
from booking_core_sqlalchemy import SqlAlchemyStorage, create_engine, migrate
from booking_core_sqlalchemy.tables import metadata

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DATABASE = "booking_procrastinate_test"
PROCRASTINATE_TABLES = (
    "procrastinate_jobs",
    "procrastinate_periodic_defers",
    "procrastinate_events",
    "procrastinate_workers",
)


def conninfo(url: URL) -> str:
    """The libpq connection string procrastinate's psycopg connector takes."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[URL]:
    """A fresh database ``booking_procrastinate_test``, migrated, with procrastinate's
    schema; dropped after the session. Skips (or fails under CI) without PostgreSQL."""
    server = make_url(os.environ.get("BOOKING_CORE_PG_URL") or DEFAULT_PG_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    except (DBAPIError, StorageUnavailable) as exc:  # the server is not there
        admin.dispose()
        reason = (
            f"PostgreSQL at {server.render_as_string(hide_password=True)} is unreachable "
            f"(set BOOKING_CORE_PG_URL): {exc.__class__.__name__}: {exc.__cause__ or exc}"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason}. CI is set, so the PostgreSQL tests must run.", pytrace=False)
        pytest.skip(reason)
    url = server.set(database=DATABASE)
    try:
        migrate(url)
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(url)))
        with app.open():
            apply_schema(app)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def storage(pg_url: URL) -> Iterator[SqlAlchemyStorage]:
    """Storage over the adapter's database, every table (and procrastinate's) emptied."""
    names = [f'"{table.name}"' for table in metadata.sorted_tables]
    engine = create_engine(pg_url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(names + list(PROCRASTINATE_TABLES))}"))
    engine.dispose()
    found = SqlAlchemyStorage(pg_url, engine_options={"pool_size": 10})
    yield found
    found.dispose()
