"""Fault injection: storage that fails where a test says, to prove a command stores nothing
when a write blows up (a full disk, a NUL byte PostgreSQL refuses …)."""

from __future__ import annotations

from collections.abc import Callable, Collection

from pendulum import DateTime

from booking_core.ids import OrderId
from booking_core.orders.payments import MoneyMovement
from booking_core.ports.storage import MoneyMovementRepository
from booking_core.testing.memory import InMemoryStore, InMemoryUnitOfWork

__all__ = ["FailingMovements", "failing_movements"]


class FailingMovements:
    """A :class:`~booking_core.ports.storage.MoneyMovementRepository` whose next appends
    raise ``RuntimeError`` while ``failures`` holds messages (the last one first); then it
    hands every call to ``inner``.

    The list is shared, not copied: a test adds failures or checks they were used up.
    """

    def __init__(self, inner: MoneyMovementRepository, failures: list[str]) -> None:
        self._inner = inner
        self._failures = failures

    def append(self, movement: MoneyMovement) -> bool:
        if self._failures:
            raise RuntimeError(self._failures.pop())
        return self._inner.append(movement)

    def for_order(self, order_id: OrderId) -> list[MoneyMovement]:
        return self._inner.for_order(order_id)

    def between(self, start: DateTime, end: DateTime) -> list[MoneyMovement]:
        return self._inner.between(start, end)

    def find(self, keys: Collection[str]) -> list[MoneyMovement]:
        return self._inner.find(keys)


def failing_movements(
    store: InMemoryStore, failures: list[str]
) -> Callable[[], InMemoryUnitOfWork]:
    """A unit-of-work factory over ``store`` whose movements are :class:`FailingMovements`
    driven by ``failures``."""

    def unit_of_work() -> InMemoryUnitOfWork:
        uow = store.unit_of_work()
        uow.movements = FailingMovements(uow.movements, failures)
        return uow

    return unit_of_work
