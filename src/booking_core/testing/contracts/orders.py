"""Order races every storage adapter must decide the same way (INVARIANTS I7, I15).

Mix :class:`OrderRaceContract` into a ``Test*`` class that provides a ``uow_factory``
fixture over empty storage; the races run the real services in ``race_workers`` threads
released together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import pytest

from booking_core.errors import BookingError
from booking_core.orders import Actor, Role
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.testing.orders import CUSTOMER, OPERATOR, OrderWorld, at, order_world
from booking_core.testing.payments import Outcome

__all__ = ["OrderRaceContract", "at_once", "race"]

_T = TypeVar("_T")


def at_once(workers: int, attempt: Callable[[int], _T]) -> list[_T | Exception]:
    """Run ``attempt(n)`` in ``workers`` threads released at once; what each returned, or
    the exception it raised."""
    barrier = threading.Barrier(workers)
    results: list[_T | Exception] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        barrier.wait()
        outcome: _T | Exception
        try:
            outcome = attempt(n)
        except Exception as exc:  # reported by the caller
            outcome = exc
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def race(workers: int, attempt: Callable[[int], object]) -> list[str]:
    """Run ``attempt(n)`` in ``workers`` threads released at once; ``ok`` or the error code
    of each (anything that is not a BookingError is reported as ``unexpected …``)."""

    def outcome(n: int) -> str:
        try:
            attempt(n)
        except BookingError as exc:
            return exc.error_code
        return "ok"

    return [r if isinstance(r, str) else f"unexpected {r!r}" for r in at_once(workers, outcome)]


_LOSERS = {"transition_not_allowed", "concurrent_update"}


class OrderRaceContract:
    """Concurrent commands on one order: exactly one of the conflicting ones wins."""

    race_workers = 20

    @pytest.fixture
    def world(self, uow_factory: UnitOfWorkFactory) -> OrderWorld:
        return order_world(uow=uow_factory)

    def test_two_accepts_exactly_one_wins(self, world: OrderWorld) -> None:
        order_id = world.paid_order(at(3, 10))
        actors = [world.tech, OPERATOR]

        results = race(
            self.race_workers,
            lambda n: world.app.ordering.transition(order_id, "accept", actors[n % 2]),
        )

        assert results.count("ok") == 1, results
        assert set(results) - {"ok"} <= _LOSERS, results
        order = world.get(order_id)
        assert order.state == "accepted"
        assert [r.event for r in order.timeline].count("accept") == 1

    def test_cancel_racing_accept_exactly_one_wins(self, world: OrderWorld) -> None:
        order_id = world.paid_order(at(3, 10))
        seen = world.get(order_id).version
        technician = Actor(world.li, Role.TECHNICIAN)

        def attempt(n: int) -> object:
            event, actor = ("cancel", CUSTOMER) if n % 2 else ("accept", technician)
            return world.app.ordering.transition(order_id, event, actor, expected_version=seen)

        results = race(self.race_workers, attempt)

        assert results.count("ok") == 1, results
        assert set(results) - {"ok"} <= _LOSERS, results
        order = world.get(order_id)
        events = [r.event for r in order.timeline]
        assert events.count("accept") + events.count("cancel") == 1
        refunds = [m for m in world.movements(order_id) if m[0] == "refunded"]
        assert refunds == ([("refunded", 19900)] if "cancel" in events else [])

    def test_concurrent_reconciliations_apply_a_payment_once(self, world: OrderWorld) -> None:
        order_id = world.place(at(3, 10))
        world.gateway.script(Outcome.UNKNOWN_THEN_APPROVE)
        world.app.payments.pay(order_id, CUSTOMER)

        results = race(self.race_workers, lambda n: world.app.payments.reconcile(order_id))

        assert set(results) == {"ok"}, results
        assert world.movements(order_id) == [("captured", 19900)]
        order = world.get(order_id)
        assert (order.state, order.paid_amount.amount) == ("pending_acceptance", 19900)
        assert [r.event for r in order.timeline] == ["pay"]
