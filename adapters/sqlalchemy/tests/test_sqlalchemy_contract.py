"""The shipped storage contracts, run unchanged on SQLite (file and memory) and PostgreSQL."""

from __future__ import annotations

import pytest

from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.testing.contracts import MoneyStorageContract, StorageContract
from booking_core_sqlalchemy import SqlAlchemyStorage


class TestSqliteStorage(StorageContract):
    """A SQLite file: writers serialized by BEGIN IMMEDIATE."""

    @pytest.fixture
    def uow_factory(self, sqlite_storage: SqlAlchemyStorage) -> UnitOfWorkFactory:
        return sqlite_storage.unit_of_work


class TestInMemorySqliteStorage(StorageContract):
    """In-memory SQLite: one shared connection, units of work take turns."""

    @pytest.fixture
    def uow_factory(self) -> UnitOfWorkFactory:
        return SqlAlchemyStorage.create_sqlite().unit_of_work


@pytest.mark.postgres
class TestPostgresStorage(StorageContract):
    """PostgreSQL: the exclusion constraint refuses overlaps."""

    @pytest.fixture
    def uow_factory(self, pg_storage: SqlAlchemyStorage) -> UnitOfWorkFactory:
        return pg_storage.unit_of_work


class TestSqliteMoneyStorage(MoneyStorageContract):
    """Coupons, campaigns and the journal on a SQLite file (BEGIN IMMEDIATE serializes)."""

    @pytest.fixture
    def uow_factory(self, sqlite_storage: SqlAlchemyStorage) -> UnitOfWorkFactory:
        return sqlite_storage.unit_of_work


class TestInMemorySqliteMoneyStorage(MoneyStorageContract):
    """Coupons, campaigns and the journal on in-memory SQLite."""

    @pytest.fixture
    def uow_factory(self) -> UnitOfWorkFactory:
        return SqlAlchemyStorage.create_sqlite().unit_of_work


@pytest.mark.postgres
class TestPostgresMoneyStorage(MoneyStorageContract):
    """Coupons, campaigns and the journal on PostgreSQL (row locks and unique keys)."""

    @pytest.fixture
    def uow_factory(self, pg_storage: SqlAlchemyStorage) -> UnitOfWorkFactory:
        return pg_storage.unit_of_work
