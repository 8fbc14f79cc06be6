"""The storage contract of order placement: idempotency keys and the anti-hoarding count.

:class:`PlacementStorageContract` is part of
:class:`~booking_core.testing.contracts.StorageContract` (which inherits it); mix it in on
its own to run just these cases against a ``uow_factory`` fixture over empty storage.
"""

from __future__ import annotations

import threading
import time

import pendulum

from booking_core.ids import BookingId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Order, OrderState
from booking_core.orders.hoarding import UnpaidCount
from booking_core.orders.idempotency import IdempotencyRecord
from booking_core.ports.storage import LockKey, UnitOfWorkFactory
from booking_core.testing.contracts.orders import at_once, race
from booking_core.timerange import TimeRange

__all__ = ["PlacementStorageContract"]

_T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="UTC")
_LI = TechnicianId("tec_li")
_WANG = TechnicianId("tec_wang")


def _record(
    n: int,
    *,
    actor: str = "cus_1",
    key: str = "key-1",
    fingerprint: str = "f" * 64,
    created_minutes: int = 0,
    hours: int = 24,
) -> IdempotencyRecord:
    created = _T0.add(minutes=created_minutes)
    return IdempotencyRecord(
        actor_id=actor,
        key=key,
        fingerprint=fingerprint,
        order_id=OrderId(f"ord_{n}"),
        created_at=created,
        expires_at=created.add(hours=hours),
    )


def _order(
    n: int,
    *,
    customer: str = "cus_1",
    technician: TechnicianId = _LI,
    state: OrderState = OrderState.PENDING_PAYMENT,
    paid: int | None = None,
) -> Order:
    start = _T0.add(days=1, hours=n)
    order = Order.place(
        order_id=OrderId(f"ord_{n}"),
        customer_id=CustomerId(customer),
        technician_id=technician,
        service_id=ServiceId("svc_1"),
        booking_id=BookingId(f"bkg_{n}"),
        slot=TimeRange(start, start.add(hours=1)),
        time_zone="Asia/Shanghai",
        price=Money(19900, "CNY"),
        at=_T0,
    )
    order.pull_events()
    order.state = state.value
    order.paid = None if paid is None else Money(paid, "CNY")
    return order


class PlacementStorageContract:
    """Idempotency keys (:class:`~booking_core.ports.storage.IdempotencyKeyRepository`) and
    :meth:`~booking_core.ports.storage.CustomerRepository.standing` under the customer's lock
    (:meth:`~booking_core.ports.storage.Locks.take`)."""

    concurrency_workers = 20

    # -- idempotency keys --------------------------------------------------------------

    def test_a_claimed_key_returns_its_record_to_the_next_claim(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        first = _record(1)
        with uow_factory() as uow:
            assert uow.idempotency_keys.claim(first) is None
            uow.commit()

        with uow_factory() as uow:
            held = uow.idempotency_keys.claim(_record(2, fingerprint="e" * 64, created_minutes=5))

        assert held == first
        with uow_factory() as uow:
            assert uow.idempotency_keys.get("cus_1", "key-1", _T0.add(hours=23)) == first

    def test_a_rolled_back_claim_frees_the_key(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            assert uow.idempotency_keys.claim(_record(1)) is None
            uow.rollback()

        with uow_factory() as uow:
            assert uow.idempotency_keys.claim(_record(2)) is None
            uow.commit()

        with uow_factory() as uow:
            held = uow.idempotency_keys.get("cus_1", "key-1", _T0)
        assert held is not None
        assert held.order_id == "ord_2"

    def test_keys_are_scoped_to_the_actor(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            assert uow.idempotency_keys.claim(_record(1, actor="cus_1")) is None
            assert uow.idempotency_keys.claim(_record(2, actor="cus_2")) is None
            assert uow.idempotency_keys.claim(_record(3, actor="cus_1", key="key-2")) is None
            uow.commit()

        with uow_factory() as uow:
            found = [
                uow.idempotency_keys.get(actor, key, _T0)
                for actor, key in (("cus_1", "key-1"), ("cus_2", "key-1"), ("cus_1", "key-2"))
            ]
        assert [r.order_id if r else None for r in found] == ["ord_1", "ord_2", "ord_3"]

    def test_an_expired_record_is_ignored_replaced_and_purged(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            assert uow.idempotency_keys.claim(_record(1, hours=1)) is None
            assert uow.idempotency_keys.claim(_record(2, key="key-2", hours=3)) is None
            uow.commit()
        renewed = _record(3, fingerprint="e" * 64, created_minutes=60)

        with uow_factory() as uow:
            assert uow.idempotency_keys.get("cus_1", "key-1", _T0.add(minutes=59)) is not None
            assert uow.idempotency_keys.get("cus_1", "key-1", _T0.add(minutes=60)) is None
            assert uow.idempotency_keys.claim(renewed) is None  # expired exactly now
            uow.commit()

        with uow_factory() as uow:
            assert uow.idempotency_keys.get("cus_1", "key-1", _T0.add(hours=2)) == renewed
            assert uow.idempotency_keys.purge_expired(_T0.add(hours=3)) == 1  # key-2 only
            uow.commit()
        with uow_factory() as uow:
            assert uow.idempotency_keys.get("cus_1", "key-2", _T0) is None
            assert uow.idempotency_keys.get("cus_1", "key-1", _T0.add(hours=2)) == renewed

    def test_concurrent_claims_of_one_key_store_exactly_one_record(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        stored: list[int] = []
        lock = threading.Lock()

        def claim(n: int) -> str:
            with uow_factory() as uow:
                held = uow.idempotency_keys.claim(_record(100 + n))
                if held is not None:
                    return f"held {held.order_id}"
                time.sleep(0.1)  # hold the claim a moment: the others must not slip in
                uow.commit()
            with lock:
                stored.append(100 + n)
            return "stored"

        results = at_once(self.concurrency_workers, claim)

        assert len(stored) == 1, results
        winner = f"held ord_{stored[0]}"
        # A loser either found the winner's record or was told the key is in flight.
        outcomes = {r if isinstance(r, str) else type(r).__name__ for r in results}
        assert outcomes <= {"stored", winner, "IdempotencyKeyInFlight"}, results
        with uow_factory() as uow:
            held = uow.idempotency_keys.get("cus_1", "key-1", _T0)
        assert held is not None
        assert held.order_id == f"ord_{stored[0]}"

    # -- the anti-hoarding count -------------------------------------------------------

    def test_standing_counts_open_orders_with_nothing_captured(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            for order in (
                _order(1),  # awaiting payment: counts
                _order(2, state=OrderState.ACCEPTED, paid=0),  # pay on arrival: counts
                _order(3, state=OrderState.IN_SERVICE, technician=_WANG),  # counts
                _order(4, state=OrderState.PENDING_ACCEPTANCE, paid=5970),  # deposit paid
                _order(5, state=OrderState.ACCEPTED, paid=19900),  # paid
                _order(6, state=OrderState.CANCELLED),  # closed
                _order(7, state=OrderState.COMPLETED),  # closed
                _order(8, customer="cus_2"),  # someone else's
            ):
                uow.orders.add(order)
            uow.commit()

        with uow_factory() as uow:
            uow.locks.take(LockKey.customer(CustomerId("cus_1")))
            li = uow.customers.standing(CustomerId("cus_1"), technician_id=_LI).unpaid
            wang = uow.customers.standing(CustomerId("cus_1"), technician_id=_WANG).unpaid
            nobody = uow.customers.standing(CustomerId("cus_3"), technician_id=_LI).unpaid

        assert li == UnpaidCount(total=3, with_technician=2)
        assert wang == UnpaidCount(total=3, with_technician=1)
        assert nobody == UnpaidCount(total=0, with_technician=0)

    def test_the_customer_lock_serializes_count_then_add(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        # Each worker books with its own technician, so only the customer's lock can stop
        # two of them from both counting zero: exactly one may add.
        refused: list[int] = []

        def add_if_none_open(n: int) -> None:
            with uow_factory() as uow:
                uow.locks.take(LockKey.customer(CustomerId("cus_1")))
                technician = TechnicianId(f"tec_{n}")
                if uow.customers.standing(
                    CustomerId("cus_1"), technician_id=technician
                ).unpaid.total:
                    refused.append(n)
                    return
                time.sleep(0.01)  # widen the window a missing lock would let others into
                uow.orders.add(_order(200 + n, technician=technician))
                uow.commit()

        results = race(self.concurrency_workers, add_if_none_open)

        assert results.count("ok") == self.concurrency_workers, results
        assert len(refused) == self.concurrency_workers - 1
        with uow_factory() as uow:
            assert len(uow.orders.list_for_customer(CustomerId("cus_1"))) == 1
