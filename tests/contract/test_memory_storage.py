"""The in-memory storage passes the storage contracts."""

import pytest

from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.testing import InMemoryStore
from booking_core.testing.contracts import MoneyStorageContract, StorageContract


class TestInMemoryStorage(StorageContract):
    @pytest.fixture
    def uow_factory(self) -> UnitOfWorkFactory:
        return InMemoryStore().unit_of_work


class TestInMemoryMoneyStorage(MoneyStorageContract):
    @pytest.fixture
    def uow_factory(self) -> UnitOfWorkFactory:
        return InMemoryStore().unit_of_work
