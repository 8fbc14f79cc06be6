"""Fixtures: a migrated SQLite file per test; one PostgreSQL schema per session, emptied per test.

PostgreSQL is the server named by ``BOOKING_CORE_PG_URL`` (default: the local ``test``
database). When it is unreachable the PostgreSQL tests are skipped — unless ``CI`` is set,
where they fail: CI must never pass by silently skipping the database that matters most.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, Engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from booking_core_sqlalchemy import SqlAlchemyStorage, create_engine, migrate
from booking_core_sqlalchemy.tables import metadata

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_url() -> URL:
    """The PostgreSQL server the tests use."""
    return make_url(os.environ.get("BOOKING_CORE_PG_URL") or DEFAULT_PG_URL)


@pytest.fixture(scope="session")
def pg_server() -> URL:
    """The reachable PostgreSQL URL; skips (or fails under CI) when there is none."""
    url = pg_url()
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = (
            f"PostgreSQL at {url.render_as_string(hide_password=True)} is unreachable "
            f"(set BOOKING_CORE_PG_URL): {exc.__class__.__name__}: {exc.orig or exc}"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason}. CI is set, so the PostgreSQL tests must run.", pytrace=False)
        pytest.skip(reason)
    finally:
        engine.dispose()
    return url


def fresh_pg_schema(server: URL) -> tuple[Engine, str]:
    """An engine whose ``search_path`` starts at a new, empty schema (and its name)."""
    schema = f"bc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server)
    try:
        with admin.begin() as connection:
            # In public, once: created by a migration inside a test schema, the extension
            # (and every exclusion constraint using it) would vanish when that schema is dropped.
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public"))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        admin.dispose()
    engine = create_engine(
        server,
        connect_args={"options": f"-csearch_path={schema},public"},
        pool_size=25,
        max_overflow=10,
    )
    return engine, schema


def drop_pg_schema(server: URL, engine: Engine, schema: str) -> None:
    """Drop a schema made by :func:`fresh_pg_schema`."""
    engine.dispose()
    admin = create_engine(server)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def pg_engine(pg_server: URL) -> Iterator[Engine]:
    """An engine on a migrated schema of its own, dropped after the session."""
    engine, schema = fresh_pg_schema(pg_server)
    try:
        migrate(engine)
        yield engine
    finally:
        drop_pg_schema(pg_server, engine, schema)


@pytest.fixture
def pg_storage(pg_engine: Engine) -> Iterator[SqlAlchemyStorage]:
    """Storage over the session's PostgreSQL schema, emptied before the test."""
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with pg_engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names}"))
    storage = SqlAlchemyStorage(pg_engine)
    yield storage
    storage.dispose()


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """Where the test's SQLite database lives."""
    return tmp_path / "booking.sqlite3"


@pytest.fixture
def sqlite_storage(sqlite_path: Path) -> Iterator[SqlAlchemyStorage]:
    """Storage over a new, migrated SQLite file."""
    storage = SqlAlchemyStorage.create_sqlite(sqlite_path)
    yield storage
    storage.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def storage(request: pytest.FixtureRequest) -> SqlAlchemyStorage:
    """Each test once on a SQLite file and once on PostgreSQL."""
    fixture = "sqlite_storage" if request.param == "sqlite" else "pg_storage"
    found: SqlAlchemyStorage = request.getfixturevalue(fixture)
    return found


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty SQLite file or an empty PostgreSQL schema."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
        yield engine
        engine.dispose()
        return
    server: URL = request.getfixturevalue("pg_server")
    engine, schema = fresh_pg_schema(server)
    try:
        yield engine
    finally:
        drop_pg_schema(server, engine, schema)
