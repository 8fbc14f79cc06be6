"""A stalled database fails a command fast with StorageUnavailable, and the storage recovers.

PostgreSQL: a lock held by another connection runs into ``lock_timeout`` (SQLSTATE 55P03), a
slow statement into ``statement_timeout`` (57014), a server that is not there into the
connect timeout. SQLite: a write transaction held by another connection runs into
``busy_timeout`` ("database is locked"). Each becomes ``StorageUnavailable`` (code
``storage_unavailable``) raised from the driver's error, within the configured time.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, Engine, text

from booking_core.catalog import Category
from booking_core.errors import StorageUnavailable
from booking_core.ids import CategoryId
from booking_core_sqlalchemy import (
    VERSION_TABLE,
    DatabaseTimeouts,
    SqlAlchemyStorage,
    create_engine,
    migrate,
)
from booking_core_sqlalchemy.tables import metadata

QUICK = DatabaseTimeouts(statement_ms=1_500, lock_ms=300, sqlite_busy_ms=300, connect_s=2)


def _add_category(storage: SqlAlchemyStorage, n: int) -> None:
    with storage.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId(f"cat_{n}"), f"Category {n}"))
        uow.commit()


def _names(storage: SqlAlchemyStorage) -> list[str]:
    with storage.unit_of_work() as uow:
        return [c.name for c in uow.categories.list()]


def _fails_fast(storage: SqlAlchemyStorage, n: int, within: float) -> StorageUnavailable:
    began = time.monotonic()
    with pytest.raises(StorageUnavailable) as caught:
        _add_category(storage, n)
    elapsed = time.monotonic() - began
    assert elapsed < within, f"took {elapsed:.2f} s"
    return caught.value


# -- defaults ---------------------------------------------------------------------------------


def test_default_timeouts_are_set_on_every_sqlite_connection(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        with engine.connect() as connection:
            busy = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    finally:
        engine.dispose()

    assert busy == DatabaseTimeouts().sqlite_busy_ms == 10_000


@pytest.mark.postgres
def test_default_timeouts_are_set_on_every_postgres_connection(pg_server: URL) -> None:
    defaults = create_engine(pg_server)
    configured = create_engine(
        pg_server,
        timeouts=DatabaseTimeouts(statement_ms=1234, lock_ms=567),
        connect_args={"options": "-c application_name=h4_timeouts"},
    )
    try:
        with defaults.connect() as connection:
            default_values = [
                connection.execute(text(f"SHOW {name}")).scalar()
                for name in ("statement_timeout", "lock_timeout")
            ]
        with configured.connect() as connection:
            configured_values = [
                connection.execute(text(f"SHOW {name}")).scalar()
                for name in ("statement_timeout", "lock_timeout", "application_name")
            ]
    finally:
        defaults.dispose()
        configured.dispose()

    assert default_values == ["10s", "5s"]
    # The caller's own options are kept next to the timeouts.
    assert configured_values == ["1234ms", "567ms", "h4_timeouts"]


def test_timeouts_must_be_positive() -> None:
    with pytest.raises(ValueError, match="lock_ms"):
        DatabaseTimeouts(lock_ms=0)


# -- SQLite: a writer holding the lock ---------------------------------------------------------


@pytest.fixture
def quick_sqlite(tmp_path: Path) -> Iterator[tuple[SqlAlchemyStorage, Path]]:
    path = tmp_path / "quick.sqlite3"
    migrate(f"sqlite:///{path}")
    storage = SqlAlchemyStorage(f"sqlite:///{path}", timeouts=QUICK)
    yield storage, path
    storage.dispose()


def test_sqlite_write_lock_held_elsewhere_fails_fast_then_recovers(
    quick_sqlite: tuple[SqlAlchemyStorage, Path],
) -> None:
    storage, path = quick_sqlite
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock

    try:
        error = _fails_fast(storage, 1, within=3.0)
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert error.error_code == "storage_unavailable"
    assert error.retry_after_seconds >= 1
    assert isinstance(error.__cause__, sqlite3.OperationalError)  # the driver's error
    assert "locked" in str(error.__cause__)
    _add_category(storage, 2)  # the lock is gone: the same storage works again
    assert _names(storage) == ["Category 2"]


# -- PostgreSQL: locks, slow statements, no server -------------------------------------------


@pytest.fixture
def quick_pg(pg_engine: Engine) -> Iterator[SqlAlchemyStorage]:
    """Storage with short timeouts over the session's PostgreSQL schema, emptied first."""
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with pg_engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names}"))
    engine = create_engine(pg_engine.url, timeouts=QUICK, connect_args=_connect_args(pg_engine))
    yield SqlAlchemyStorage(engine)
    engine.dispose()


def _connect_args(engine: Engine) -> dict[str, object]:
    with engine.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar()
    return {"options": f"-csearch_path={schema},public"}


@pytest.mark.postgres
def test_postgres_table_lock_held_elsewhere_fails_fast_then_recovers(
    quick_pg: SqlAlchemyStorage, pg_engine: Engine
) -> None:
    holder = pg_engine.connect()
    transaction = holder.begin()
    holder.execute(text("LOCK TABLE categories IN ACCESS EXCLUSIVE MODE"))

    try:
        error = _fails_fast(quick_pg, 1, within=3.0)
    finally:
        transaction.rollback()
        holder.close()

    assert error.error_code == "storage_unavailable"
    assert getattr(error.__cause__, "sqlstate", None) == "55P03"  # lock_not_available
    _add_category(quick_pg, 2)
    assert _names(quick_pg) == ["Category 2"]


@pytest.mark.postgres
def test_postgres_row_lock_held_by_a_concurrent_command_fails_fast(
    quick_pg: SqlAlchemyStorage,
) -> None:
    _add_category(quick_pg, 1)
    locked, release = threading.Event(), threading.Event()

    def hold_row_lock() -> None:
        with quick_pg.unit_of_work() as uow:
            uow.connection.execute(text("SELECT 1 FROM categories WHERE id = 'cat_1' FOR UPDATE"))
            locked.set()
            release.wait(10)

    holder = threading.Thread(target=hold_row_lock)
    holder.start()
    try:
        assert locked.wait(10)
        began = time.monotonic()
        with pytest.raises(StorageUnavailable), quick_pg.unit_of_work() as uow:
            uow.connection.execute(text("UPDATE categories SET name = 'x' WHERE id = 'cat_1'"))
        assert time.monotonic() - began < 3.0
    finally:
        release.set()
        holder.join()

    with quick_pg.unit_of_work() as uow:
        uow.connection.execute(text("UPDATE categories SET name = 'Renamed' WHERE id = 'cat_1'"))
        uow.commit()
    assert _names(quick_pg) == ["Renamed"]


@pytest.mark.postgres
def test_postgres_slow_statement_is_cancelled_by_the_statement_timeout(
    quick_pg: SqlAlchemyStorage,
) -> None:
    began = time.monotonic()
    with pytest.raises(StorageUnavailable) as caught, quick_pg.unit_of_work() as uow:
        uow.connection.execute(text("SELECT pg_sleep(30)"))

    assert time.monotonic() - began < 5.0
    assert getattr(caught.value.__cause__, "sqlstate", None) == "57014"  # query_canceled
    _add_category(quick_pg, 3)
    assert _names(quick_pg) == ["Category 3"]


def test_a_database_that_is_not_there_is_unavailable() -> None:
    # Nothing listens on port 1: the connection is refused at once.
    storage = SqlAlchemyStorage("postgresql+psycopg://nobody@127.0.0.1:1/none", timeouts=QUICK)
    try:
        error = _fails_fast(storage, 1, within=5.0)
    finally:
        storage.dispose()

    assert error.error_code == "storage_unavailable"
    assert error.__cause__ is not None
    assert "nobody" not in error.message  # no connection details in what a client sees


#: The advisory lock key migrate() takes ("booking"; booking_core_sqlalchemy.migration).
MIGRATION_LOCK = 0x626F6F6B696E67


@pytest.mark.postgres
def test_migrate_waits_for_a_concurrent_migration_past_the_request_timeouts(
    pg_server: URL, pg_engine: Engine
) -> None:
    # Request timeouts are for requests: a deploy's migrate() queues behind another one
    # (the advisory lock) and may run long DDL, so it lifts them for its own transaction.
    schema = f"bc_timeouts_{uuid.uuid4().hex[:12]}"
    with pg_engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    quick = create_engine(
        pg_server, timeouts=QUICK, connect_args={"options": f"-csearch_path={schema},public"}
    )
    holder = pg_engine.connect()
    holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
    holder.commit()
    releaser = threading.Timer(
        1.0,
        lambda: holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK}),
    )
    releaser.start()
    try:
        migrate(quick)  # waits ~1 s for the lock: longer than QUICK.lock_ms

        with quick.connect() as connection:
            assert connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    finally:
        releaser.join()
        holder.close()
        quick.dispose()
        with pg_engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
