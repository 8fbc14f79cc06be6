"""The order races and the job queue contract on SQLite and PostgreSQL (I7, I15).

Two accepts, a cancel racing an accept, concurrent reconciliations: 20 threads each,
exactly one winner; concurrent job workers never share a job (``FOR UPDATE SKIP LOCKED``
on PostgreSQL, the serialized writer on SQLite).
"""

from __future__ import annotations

import pytest

from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.testing.contracts import JobQueueContract, OrderRaceContract
from booking_core_sqlalchemy import SqlAlchemyStorage


class TestSqlAlchemyOrderRaces(OrderRaceContract):
    @pytest.fixture
    def uow_factory(self, storage: SqlAlchemyStorage) -> UnitOfWorkFactory:
        return storage.unit_of_work


class TestSqlAlchemyJobQueue(JobQueueContract):
    @pytest.fixture
    def uow_factory(self, storage: SqlAlchemyStorage) -> UnitOfWorkFactory:
        return storage.unit_of_work
