"""Database timeouts: a stalled database fails a command fast instead of hanging it.

PostgreSQL connections start with ``statement_timeout`` and ``lock_timeout`` set (and a
connect timeout); SQLite connections with ``busy_timeout``. When one of them runs out — or
the database cannot be reached at all — the driver's error becomes
:class:`~booking_core.errors.StorageUnavailable` (code ``storage_unavailable``), raised from
it, so that a server can answer 503 with ``Retry-After`` and the next command, once the
database is back, simply works.

What counts as "unavailable" (anything else keeps its own translation or stays an error):

* PostgreSQL SQLSTATE ``57014`` query_canceled (the statement timeout), ``55P03``
  lock_not_available (the lock timeout), class ``08`` connection exceptions, ``57P01``-``57P03``
  (the server is shutting down or starting), ``53300`` too many connections, and any error
  SQLAlchemy reports as a lost connection or that happens while connecting;
* SQLite ``SQLITE_BUSY`` / ``SQLITE_LOCKED`` ("database is locked") after the busy timeout.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Final

import attrs
from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.pool import ConnectionPoolEntry

from booking_core.errors import StorageUnavailable

__all__ = ["DatabaseTimeouts", "install_timeouts", "installed_timeouts", "pool_exhausted"]

_LOCK_TIMEOUT: Final = "55P03"
_STATEMENT_TIMEOUT: Final = "57014"
_UNREACHABLE_STATES: Final = frozenset({"57P01", "57P02", "57P03", "53300"})
_SQLITE_BUSY: Final = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
#: The engine execution option recording the timeouts installed on it (kept by the engine
#: itself, so no registry outlives it).
_OPTION: Final = "booking_core_timeouts"


def _positive(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or value < 1:
        raise ValueError(f"{attribute.name} is a whole number ≥ 1; got {value!r}.")


@attrs.frozen
class DatabaseTimeouts:
    """How long the database may keep a command waiting (documented in docs/storage.md).

    The defaults suit a web request: a command waits at most 5 s for a lock and 10 s for a
    statement, then fails with ``StorageUnavailable`` rather than holding its caller (and a
    worker thread) for the whole stall.

    Attributes:
        statement_ms: PostgreSQL ``statement_timeout``: the longest one statement may run.
        lock_ms: PostgreSQL ``lock_timeout``: the longest a statement waits for one lock
            (row, table or advisory lock).
        sqlite_busy_ms: SQLite ``busy_timeout``: the longest a unit of work waits for the
            database's write lock (units of work queue on it: ``BEGIN IMMEDIATE``).
        connect_s: PostgreSQL connect timeout in seconds.
        retry_after_s: What ``StorageUnavailable.retry_after_seconds`` advises.
    """

    statement_ms: int = attrs.field(default=10_000, validator=_positive)
    lock_ms: int = attrs.field(default=5_000, validator=_positive)
    sqlite_busy_ms: int = attrs.field(default=10_000, validator=_positive)
    connect_s: int = attrs.field(default=5, validator=_positive)
    retry_after_s: int = attrs.field(default=2, validator=_positive)


def install_timeouts(engine: Engine, timeouts: DatabaseTimeouts) -> None:
    """Set ``timeouts`` on every new connection of ``engine`` and translate their errors.

    Call it once, before the engine opens its first connection.
    """
    engine.update_execution_options(**{_OPTION: timeouts})
    if engine.dialect.name == "postgresql":
        event.listen(engine, "do_connect", _postgres_settings(timeouts))
    else:
        event.listen(engine, "connect", _sqlite_settings(timeouts))
    event.listen(engine, "handle_error", _translator(timeouts))


def _postgres_settings(timeouts: DatabaseTimeouts) -> Any:
    settings = f"-c statement_timeout={timeouts.statement_ms} -c lock_timeout={timeouts.lock_ms}"

    def set_on_connect(
        _dialect: Any, _record: ConnectionPoolEntry, _args: Any, params: dict[str, Any]
    ) -> None:
        # Startup options, not SET statements: nothing a rollback could undo, no round trip.
        # The caller's own options (a search_path, an application name) are kept before ours.
        own = params.get("options")
        params["options"] = f"{own} {settings}" if own else settings
        params.setdefault("connect_timeout", timeouts.connect_s)

    return set_on_connect


def _sqlite_settings(timeouts: DatabaseTimeouts) -> Any:
    def set_on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {timeouts.sqlite_busy_ms}")
        finally:
            cursor.close()

    return set_on_connect


def _reason(context: ExceptionContext) -> str | None:
    original = context.original_exception
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        return "busy" if code is not None and code & 0xFF in _SQLITE_BUSY else None
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate == _LOCK_TIMEOUT:
        return "lock_timeout"
    if sqlstate == _STATEMENT_TIMEOUT:
        return "statement_timeout"
    if context.is_disconnect or sqlstate in _UNREACHABLE_STATES:
        return "unreachable"
    if isinstance(sqlstate, str) and sqlstate.startswith("08"):
        return "unreachable"
    operational = getattr(context.dialect.loaded_dbapi, "OperationalError", ())
    if context.connection is None and isinstance(original, operational):
        return "unreachable"  # failed while connecting (refused, timed out, bad host)
    return None


def _translator(timeouts: DatabaseTimeouts) -> Any:
    messages = {
        "busy": (
            f"The database is busy: another writer held it for more than "
            f"{timeouts.sqlite_busy_ms} ms."
        ),
        "lock_timeout": (
            f"The database is busy: a lock this request needed was held for more than "
            f"{timeouts.lock_ms} ms."
        ),
        "statement_timeout": (f"The database did not answer within {timeouts.statement_ms} ms."),
        "unreachable": "The database cannot be reached right now.",
    }

    def translate(context: ExceptionContext) -> None:
        reason = _reason(context)
        if reason is None:
            return
        # No connection details or SQL in the message: it may reach a client.
        raise StorageUnavailable(
            f"{messages[reason]} Nothing was changed; try again in {timeouts.retry_after_s} s.",
            retry_after_seconds=timeouts.retry_after_s,
            details={"reason": reason},
        ) from context.original_exception  # the driver's own error

    return translate


def installed_timeouts(engine: Engine) -> DatabaseTimeouts | None:
    """The timeouts :func:`install_timeouts` set on ``engine``, or None if it was not called."""
    found = engine.get_execution_options().get(_OPTION)
    return found if isinstance(found, DatabaseTimeouts) else None


def pool_exhausted(engine: Engine) -> StorageUnavailable:
    """The error for a unit of work that found no free pooled connection of ``engine`` in
    time (raise it from SQLAlchemy's pool ``TimeoutError``)."""
    retry_after = (installed_timeouts(engine) or DatabaseTimeouts()).retry_after_s
    return StorageUnavailable(
        f"Every database connection is in use; try again in {retry_after} s.",
        retry_after_seconds=retry_after,
        details={"reason": "pool_exhausted"},
    )
