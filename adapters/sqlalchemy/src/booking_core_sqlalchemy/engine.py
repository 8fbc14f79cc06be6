"""Engines configured for booking_core: SQLite serialized writers, PostgreSQL as is.

SQLite: the sqlite3 driver's own transaction handling is switched off and every transaction
begins with ``BEGIN IMMEDIATE`` (SQLAlchemy's documented recipe for SQLite transactions), so
a unit of work holds the database's single write lock from its first statement to its end.
Writers queue on ``busy_timeout`` instead of failing with "database is locked", and readers
outside a unit of work are never blocked thanks to write-ahead logging.

Both: the timeouts of :class:`~booking_core_sqlalchemy.timeouts.DatabaseTimeouts` are set on
every connection, and running out of one raises ``StorageUnavailable`` (see that module).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import URL, Connection, Engine, event, make_url
from sqlalchemy import create_engine as _sa_create_engine
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from booking_core.errors import InvalidText
from booking_core_sqlalchemy.timeouts import DatabaseTimeouts, install_timeouts, installed_timeouts

__all__ = ["SQLITE_BUSY_TIMEOUT_MS", "configure_engine", "create_engine", "is_memory_sqlite"]

#: How long a SQLite writer waits for the write lock by default (then StorageUnavailable).
SQLITE_BUSY_TIMEOUT_MS: Final = DatabaseTimeouts().sqlite_busy_ms

SUPPORTED_DIALECTS: Final = frozenset({"sqlite", "postgresql"})


def is_memory_sqlite(url: URL) -> bool:
    """True for an in-memory SQLite URL (``sqlite://``, ``sqlite:///:memory:``)."""
    database = url.database or ""
    return url.get_backend_name() == "sqlite" and (
        database in ("", ":memory:") or "mode=memory" in str(url)
    )


def create_engine(
    url: str | URL, *, timeouts: DatabaseTimeouts | None = None, **options: Any
) -> Engine:
    """An engine for ``url`` with booking_core's settings (``options`` go to SQLAlchemy).

    SQLite files get a busy timeout, WAL, foreign keys and ``BEGIN IMMEDIATE``;
    in-memory SQLite gets one shared connection (StaticPool), which
    :class:`~booking_core_sqlalchemy.SqlAlchemyStorage` then serializes with a lock.
    PostgreSQL connections get a statement, lock and connect timeout. ``timeouts``
    (default :class:`~booking_core_sqlalchemy.timeouts.DatabaseTimeouts`) sets them.
    """
    url = make_url(url)
    # SQL parameters are user input (names, addresses, phone numbers): keep them out of
    # exception messages and therefore out of logs.
    options.setdefault("hide_parameters", True)
    if url.get_backend_name() == "sqlite":
        connect_args: dict[str, Any] = {"check_same_thread": False}
        connect_args.update(options.pop("connect_args", {}))
        if is_memory_sqlite(url):
            options.setdefault("poolclass", StaticPool)
        engine = _sa_create_engine(url, connect_args=connect_args, **options)
    else:
        options.setdefault("pool_pre_ping", True)
        engine = _sa_create_engine(url, **options)
    configure_engine(engine, timeouts)
    return engine


def configure_engine(engine: Engine, timeouts: DatabaseTimeouts | None = None) -> Engine:
    """Install booking_core's per-connection settings on ``engine`` (idempotent: an engine
    configured once keeps its first ``timeouts``).

    Call it before the engine opens its first connection: already pooled SQLite
    connections keep the driver's legacy transaction handling.

    Raises:
        ValueError: if the engine is neither SQLite nor PostgreSQL.
    """
    if engine.dialect.name not in SUPPORTED_DIALECTS:
        raise ValueError(
            f"booking_core_sqlalchemy supports SQLite and PostgreSQL; got {engine.dialect.name!r}."
        )
    if installed_timeouts(engine) is not None:  # the engine records it: no registry here
        return engine
    event.listen(engine, "handle_error", _translate_unstorable_text)
    # First, so that SQLite's busy timeout already holds for the PRAGMAs below.
    install_timeouts(engine, timeouts or DatabaseTimeouts())
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _translate_unstorable_text(context: ExceptionContext) -> None:
    # PostgreSQL text cannot hold NUL (psycopg refuses it with a DataError before sending)
    # and UTF-8 cannot hold a lone surrogate (UnicodeEncodeError): both are the caller's bad
    # input, not a storage failure. SQLite stores both, so callers should refuse them first.
    original = context.original_exception
    data_error = getattr(context.dialect.loaded_dbapi, "DataError", ())
    if isinstance(original, UnicodeEncodeError) or (
        isinstance(original, data_error) and "NUL" in str(original)
    ):
        raise InvalidText(
            "A text holds a NUL character or a lone surrogate, which the database cannot "
            "store; remove it."
        ) from original


def _on_sqlite_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    assert isinstance(dbapi_connection, sqlite3.Connection)
    # Let SQLAlchemy emit BEGIN itself (see _on_sqlite_begin), as its SQLite docs recommend.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")  # answers "memory" for in-memory databases
        cursor.execute("PRAGMA synchronous = NORMAL")  # durable enough with WAL, much faster
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock now: a unit of work never starts reading and then
    # fails to upgrade to writing (SQLITE_BUSY with no retry); writers simply queue.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def engine_from(
    url_or_engine: str | URL | Engine,
    options: Mapping[str, Any] | None,
    timeouts: DatabaseTimeouts | None = None,
) -> Engine:
    """``url_or_engine`` itself (configured) or a new engine for it."""
    if isinstance(url_or_engine, Engine):
        if options:
            raise TypeError("engine options apply only when a URL is given, not an Engine")
        return configure_engine(url_or_engine, timeouts)
    return create_engine(url_or_engine, timeouts=timeouts, **dict(options or {}))
