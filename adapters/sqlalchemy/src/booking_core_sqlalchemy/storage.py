"""The storage: an engine and the units of work made from it."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, Self, TypeVar, overload

from sqlalchemy import URL, Connection, Engine
from sqlalchemy.exc import TimeoutError as SqlAlchemyTimeout

from booking_core.ports.storage import LockKey
from booking_core_sqlalchemy.engine import engine_from, is_memory_sqlite
from booking_core_sqlalchemy.mapping import ReadCache
from booking_core_sqlalchemy.migration import migrate
from booking_core_sqlalchemy.repositories import (
    ConnectionSource,
    SqlAlchemyAccountRepository,
    SqlAlchemyAgendaRepository,
    SqlAlchemyAnnouncementRepository,
    SqlAlchemyApplicationRepository,
    SqlAlchemyAuditLog,
    SqlAlchemyBookingRepository,
    SqlAlchemyBusyBlockRepository,
    SqlAlchemyCalendarFeedRepository,
    SqlAlchemyCampaignRepository,
    SqlAlchemyCategoryRepository,
    SqlAlchemyCommissionRepository,
    SqlAlchemyComplaintRepository,
    SqlAlchemyCouponRepository,
    SqlAlchemyCouponTemplateRepository,
    SqlAlchemyCustomerRepository,
    SqlAlchemyDispatchMetricsRepository,
    SqlAlchemyFeedSecretRepository,
    SqlAlchemyHoldingRepository,
    SqlAlchemyIdempotencyKeyRepository,
    SqlAlchemyJobRepository,
    SqlAlchemyLedgerRepository,
    SqlAlchemyLocks,
    SqlAlchemyMoneyMovementRepository,
    SqlAlchemyNotificationRepository,
    SqlAlchemyOrderRepository,
    SqlAlchemyOutboxRepository,
    SqlAlchemyPackageRepository,
    SqlAlchemyPaymentRepository,
    SqlAlchemyPointsRepository,
    SqlAlchemyPositionRepository,
    SqlAlchemyReferralRepository,
    SqlAlchemyRefundRepository,
    SqlAlchemyReviewRepository,
    SqlAlchemyRewardRepository,
    SqlAlchemyScheduleRepository,
    SqlAlchemyServiceRepository,
    SqlAlchemyStatementCheckRepository,
    SqlAlchemyStoreRepository,
    SqlAlchemyTechnicianRepository,
    SqlAlchemyTierRepository,
    SqlAlchemyWebhookInbox,
    SqlAlchemyWithdrawalRepository,
)
from booking_core_sqlalchemy.timeouts import DatabaseTimeouts, pool_exhausted

__all__ = ["SqlAlchemyStorage", "SqlAlchemyUnitOfWork"]

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class SqlAlchemyStorage:
    """booking_core's storage on SQLite or PostgreSQL.

    The schema must exist (run :func:`~booking_core_sqlalchemy.migrate` first, or use
    :meth:`create_sqlite`, which does). Give :attr:`unit_of_work` to
    ``booking_core.bootstrap.build(uow=...)``.

    Args:
        url_or_engine: A database URL (``sqlite:///app.db``,
            ``postgresql+psycopg://user@host/db``) — the storage then owns its engine — or an
            Engine you made (configure nothing on it; it is configured here, and
            :meth:`dispose` leaves it to you).
        engine_options: Extra ``create_engine`` arguments (pool size, echo …), URL only.
        timeouts: Statement, lock, busy and connect timeouts (default
            :class:`~booking_core_sqlalchemy.DatabaseTimeouts`); running out of one raises
            ``StorageUnavailable``. Ignored for an Engine already configured.
    """

    def __init__(
        self,
        url_or_engine: str | URL | Engine,
        *,
        engine_options: Mapping[str, Any] | None = None,
        timeouts: DatabaseTimeouts | None = None,
    ) -> None:
        self._owns_engine = not isinstance(url_or_engine, Engine)
        self.engine: Engine = engine_from(url_or_engine, engine_options, timeouts)
        self._postgres = self.engine.dialect.name == "postgresql"
        # In-memory SQLite is one connection shared by every thread: serialize its users.
        self._lock: AbstractContextManager[Any] = (
            threading.RLock() if is_memory_sqlite(self.engine.url) else nullcontext()
        )
        # Documents parsed by any of its units of work, remembered by their text.
        self._cache = ReadCache()

    @classmethod
    def create_sqlite(
        cls, path: str | os.PathLike[str] | None = None, *, migrate_schema: bool = True
    ) -> SqlAlchemyStorage:
        """Storage in the SQLite file at ``path`` (in memory when None), migrated to head.

        A file is what to use with several threads or processes; in memory, units of work
        take turns on one connection.
        """
        url = URL.create("sqlite", database=None if path is None else os.fspath(path))
        storage = cls(url)
        if migrate_schema:
            with storage._lock:
                migrate(storage.engine)
        return storage

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    def unit_of_work(self) -> SqlAlchemyUnitOfWork:
        """A new unit of work (this bound method is the services' ``UnitOfWorkFactory``)."""
        return SqlAlchemyUnitOfWork(
            self.engine, postgres=self._postgres, lock=self._lock, cache=self._cache
        )

    def dispose(self) -> None:
        """Close the pooled connections of the engine this storage made (not one given)."""
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.dispose()

    def __repr__(self) -> str:
        return f"SqlAlchemyStorage({self.engine.url!r})"


class _Lazy(Generic[R]):
    """A unit of work's repository, built on first access and then kept in the instance's
    ``__dict__`` (which shadows this non-data descriptor: later reads are plain lookups)."""

    def __init__(self, build: Callable[[SqlAlchemyUnitOfWork], R]) -> None:
        self._build = build
        self._name = ""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, instance: SqlAlchemyUnitOfWork, owner: type[Any]) -> R: ...
    def __get__(self, instance: SqlAlchemyUnitOfWork | None, owner: type[Any]) -> Self | R:
        if instance is None:
            return self
        built = self._build(instance)
        instance.__dict__[self._name] = built
        return built


class _RepositoryClass(Protocol[R_co]):
    def __call__(self, source: ConnectionSource, *, postgres: bool) -> R_co: ...


def _repository(cls: _RepositoryClass[R]) -> _Lazy[R]:
    return _Lazy(lambda uow: cls(uow, postgres=uow._postgres))


class SqlAlchemyUnitOfWork:
    """One database transaction: ``with uow: ...; uow.commit()``.

    Entering checks out a connection and begins (``BEGIN IMMEDIATE`` on SQLite: the write
    lock is held until the unit of work ends); leaving rolls back whatever was not committed
    and returns the connection. After :meth:`commit` or :meth:`rollback` the next statement
    begins a new transaction. One unit of work serves one thread and one command.

    Repositories are built on first use (a read-only command builds the two or three it
    reads); their statements were built once, at import.
    """

    categories = _repository(SqlAlchemyCategoryRepository)
    services = _repository(SqlAlchemyServiceRepository)
    technicians = _Lazy(
        lambda uow: SqlAlchemyTechnicianRepository(uow, postgres=uow._postgres, cache=uow._cache)
    )
    schedules = _repository(SqlAlchemyScheduleRepository)
    agendas = _Lazy(
        lambda uow: SqlAlchemyAgendaRepository(uow, postgres=uow._postgres, cache=uow._cache)
    )
    customers = _repository(SqlAlchemyCustomerRepository)
    orders = _repository(SqlAlchemyOrderRepository)
    reviews = _repository(SqlAlchemyReviewRepository)
    outbox = _repository(SqlAlchemyOutboxRepository)
    jobs = _repository(SqlAlchemyJobRepository)
    payments = _repository(SqlAlchemyPaymentRepository)
    refunds = _repository(SqlAlchemyRefundRepository)
    movements = _repository(SqlAlchemyMoneyMovementRepository)
    webhooks = _repository(SqlAlchemyWebhookInbox)
    statements = _repository(SqlAlchemyStatementCheckRepository)
    complaints = _repository(SqlAlchemyComplaintRepository)
    applications = _repository(SqlAlchemyApplicationRepository)
    stores = _repository(SqlAlchemyStoreRepository)
    announcements = _repository(SqlAlchemyAnnouncementRepository)
    accounts = _repository(SqlAlchemyAccountRepository)
    audit = _repository(SqlAlchemyAuditLog)
    notifications = _repository(SqlAlchemyNotificationRepository)
    dispatch_metrics = _repository(SqlAlchemyDispatchMetricsRepository)
    referrals = _repository(SqlAlchemyReferralRepository)
    commissions = _repository(SqlAlchemyCommissionRepository)
    points = _repository(SqlAlchemyPointsRepository)
    tiers = _repository(SqlAlchemyTierRepository)
    rewards = _repository(SqlAlchemyRewardRepository)
    withdrawals = _repository(SqlAlchemyWithdrawalRepository)
    positions = _repository(SqlAlchemyPositionRepository)
    coupon_templates = _repository(SqlAlchemyCouponTemplateRepository)
    coupons = _repository(SqlAlchemyCouponRepository)
    campaigns = _repository(SqlAlchemyCampaignRepository)
    ledger = _repository(SqlAlchemyLedgerRepository)
    idempotency_keys = _repository(SqlAlchemyIdempotencyKeyRepository)
    busy_blocks = _repository(SqlAlchemyBusyBlockRepository)
    calendar_feeds = _repository(SqlAlchemyCalendarFeedRepository)
    feed_secrets = _repository(SqlAlchemyFeedSecretRepository)
    packages = _repository(SqlAlchemyPackageRepository)
    holdings = _repository(SqlAlchemyHoldingRepository)
    locks = _Lazy(lambda uow: SqlAlchemyLocks(uow, postgres=uow._postgres, held=uow._held_locks))
    bookings = _Lazy(
        lambda uow: SqlAlchemyBookingRepository(uow, postgres=uow._postgres, locks=uow.locks)
    )

    _postgres: bool
    _cache: ReadCache

    def __init__(
        self,
        engine: Engine,
        *,
        postgres: bool,
        lock: AbstractContextManager[Any],
        cache: ReadCache | None = None,
    ) -> None:
        self._engine = engine
        self._cache = ReadCache() if cache is None else cache
        self._lock = lock
        self._connection: Connection | None = None
        self._postgres = postgres
        # The keys taken with locks.take in the open transaction (its end releases them).
        self._held_locks: set[LockKey] = set()

    @property
    def connection(self) -> Connection:
        """The connection of the open transaction (for your own statements in it)."""
        if self._connection is None:
            raise RuntimeError("Use the unit of work inside 'with uow:'.")
        return self._connection

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("This unit of work is in use; make a new one per command.")
        self._lock.__enter__()
        try:
            try:
                connection = self._engine.connect()
            except SqlAlchemyTimeout as exc:  # no pooled connection came free in time
                raise pool_exhausted(self._engine) from exc
            try:
                connection.begin()
            except BaseException:
                connection.close()
                raise
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        self._connection = connection
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        self._held_locks.clear()
        try:
            if connection is not None:
                connection.close()  # rolls back anything not committed
        finally:
            self._lock.__exit__(None, None, None)

    def commit(self) -> None:
        """Make every change of this unit of work durable, atomically."""
        try:
            self.connection.commit()
        finally:
            self._held_locks.clear()  # released with the transaction

    def rollback(self) -> None:
        """Discard every change since the last commit."""
        try:
            self.connection.rollback()
        finally:
            self._held_locks.clear()


if TYPE_CHECKING:
    # The unit of work implements the port (checked by mypy, not at run time).
    from booking_core.ports.storage import UnitOfWorkFactory

    def _implements_the_port(storage: SqlAlchemyStorage) -> UnitOfWorkFactory:
        return storage.unit_of_work
