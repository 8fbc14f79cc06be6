"""Dispatch races with real threads on SQLite and PostgreSQL (issue 12).

* 64 technicians, all online and reached by the broadcast, grab one order at once: exactly
  one wins; every other is told ``order_already_taken``; the winner holds the order's only
  active booking.
* One technician grabs two overlapping orders at once: he wins at most one (his own agenda
  refuses the other, ``slot_taken``), and the other stays open for anyone else to grab.
* Customers race to place orders without a technician when fewer technicians are free than
  customers: as many orders are placed as technicians are free, the others are told
  ``no_technician_available``; no technician ever has two orders on overlapping time.

Who takes an order is decided under the order's lock (``LockKey.order``: an advisory lock
on PostgreSQL, the single writer on SQLite), his time under his own lock and, on PostgreSQL,
the bookings' exclusion constraint.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import combinations

import pytest

from booking_core.dispatch.plan import DispatchPlan
from booking_core.errors import NoTechnicianAvailable, OrderAlreadyTaken, SlotTaken
from booking_core.ids import CustomerId, OrderId, TechnicianId
from booking_core.orders import Actor, Order, OrderState
from booking_core.orders.dispatching import DispatchMode
from booking_core.scheduling import Booking, TechnicianProfile, WeeklyHours, WorkStatus
from booking_core.scheduling.geo import ServiceArea
from booking_core.services.ordering import PlaceOrder
from booking_core.services.technicians import RegisterTechnician
from booking_core.testing.contracts.orders import at_once
from booking_core.testing.dispatch import DispatchWorld, dispatch_world, north_of
from booking_core.testing.orders import HOME, LOCAL_ZONE, OPERATOR, at
from booking_core.timerange import TimeRange
from booking_core_sqlalchemy import SqlAlchemyStorage

pytestmark = pytest.mark.slow

GRABBERS = 64
#: Every booking any of these tests makes lies within this week.
WEEK = TimeRange(at(2, 0), at(9, 0))


def _crowd(storage: SqlAlchemyStorage, count: int) -> DispatchWorld:
    """A grab world with ``count`` online technicians within 3.2 km of the customer's home
    (each serving 10 km around his spot), every one of them reached by a broadcast."""
    world = dispatch_world(
        DispatchPlan(mode=DispatchMode.GRAB, broadcast_size=count, radius_km=10),
        technicians=0,
        uow=storage.unit_of_work,
    )
    hours = WeeklyHours.every_day("09:00", "21:00")
    offered = frozenset({world.world.tuina})
    for n in range(count):
        spot = north_of(HOME, 0.05 * (n + 1))
        profile = TechnicianProfile(
            service_area=ServiceArea(spot, 10.0), rating=Decimal(50 - n % 10) / 10
        )
        registered = world.app.technicians.register(
            RegisterTechnician(f"T{n}", LOCAL_ZONE, hours, offered, profile), OPERATOR
        )
        world.app.schedules.set_status(OPERATOR, registered.id, WorkStatus.ONLINE)
        world.technicians.append(registered.id)
    return world


def _active_bookings(world: DispatchWorld) -> list[Booking]:
    with world.world.uow() as uow:
        return uow.bookings.list_active_many(list(world.technicians), WEEK)


def _of_order(world: DispatchWorld, order_id: OrderId) -> list[Booking]:
    return [b for b in _active_bookings(world) if b.order_id == order_id]


def _assert_no_overlapping_time(world: DispatchWorld) -> None:
    """No technician has two active bookings whose blocked ranges overlap (I1)."""
    bookings = _active_bookings(world)
    for first, second in combinations(bookings, 2):
        if first.technician_id == second.technician_id:
            assert not first.blocked.overlaps(second.blocked), (first, second)


def test_of_64_technicians_grabbing_one_order_exactly_one_wins(
    storage: SqlAlchemyStorage,
) -> None:
    world = _crowd(storage, GRABBERS)
    order_id = world.place()
    world.world.run_jobs()  # the broadcast
    assert len(world.world.get(order_id).dispatch.broadcast) == GRABBERS  # type: ignore[union-attr]

    results = at_once(
        GRABBERS, lambda n: world.app.dispatch.grab(order_id, world.actor(world.technicians[n]))
    )

    won = [r for r in results if isinstance(r, Order)]
    lost = [r for r in results if not isinstance(r, Order)]
    assert len(won) == 1, results
    assert len(lost) == GRABBERS - 1
    assert all(isinstance(r, OrderAlreadyTaken) for r in lost), lost
    assert {r.error_code for r in lost if isinstance(r, OrderAlreadyTaken)} == {
        "order_already_taken"
    }
    winner = won[0].technician_id
    stored = world.world.get(order_id)
    assert stored.technician_id == winner
    assert stored.state == OrderState.ACCEPTED
    assert stored.dispatch is not None
    assert stored.dispatch.assigned_by is DispatchMode.GRAB
    bookings = _of_order(world, order_id)
    assert [(b.id, b.technician_id) for b in bookings] == [(stored.booking_id, winner)]
    with world.world.uow() as uow:
        counts = uow.dispatch_metrics.get_many(list(world.technicians))
    assert {t: m.grabbed for t, m in counts.items() if m.grabbed} == {winner: 1}
    assert {t: m.assigned for t, m in counts.items() if m.assigned} == {winner: 1}


@pytest.mark.parametrize("day", [3, 4, 5])
def test_one_technician_grabbing_two_overlapping_orders_wins_at_most_one(
    storage: SqlAlchemyStorage, day: int
) -> None:
    # Two customers want tuina at the same hour: the orders' time is held on T0 and T1.
    world = dispatch_world(
        DispatchPlan(mode=DispatchMode.GRAB, broadcast_size=4), uow=storage.unit_of_work
    )
    orders = [world.place(at(day, 10), customer=c) for c in ("cus_1", "cus_2")]
    world.world.run_jobs()
    t2, t3 = world.technicians[2], world.technicians[3]
    assert {world.world.get(o).dispatch.holder for o in orders} == set(world.technicians[:2])  # type: ignore[union-attr]

    results = at_once(2, lambda n: world.app.dispatch.grab(orders[n], world.actor(t3)))

    won = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if not isinstance(r, Order)]
    assert len(won) == 1, results
    assert [type(r) for r in refused] == [SlotTaken], refused
    assert [r.error_code for r in refused if isinstance(r, SlotTaken)] == ["slot_taken"]
    (left,) = [o for o in orders if o != won[0].id]
    still = world.world.get(left)
    assert (still.technician_id, still.state) == (None, OrderState.PENDING_ACCEPTANCE)
    assert len(_of_order(world, left)) == 1  # still held where it was
    assert [b.order_id for b in _active_bookings(world) if b.technician_id == t3] == [won[0].id]

    taken = world.app.dispatch.grab(left, world.actor(t2))

    assert (taken.technician_id, taken.state) == (t2, OrderState.ACCEPTED)
    assert [b.technician_id for b in _of_order(world, left)] == [t2]
    _assert_no_overlapping_time(world)


@pytest.mark.parametrize(("free", "customers"), [(1, 2), (1, 8), (2, 6)])
def test_customers_racing_for_fewer_free_technicians_never_share_one(
    storage: SqlAlchemyStorage, free: int, customers: int
) -> None:
    world = dispatch_world(technicians=free, uow=storage.unit_of_work)

    def place(n: int) -> Order:
        customer = f"cus_{n + 1}"
        return world.world.app.ordering.place_order(
            PlaceOrder(CustomerId(customer), None, world.world.tuina, at(3, 10), location=HOME),
            Actor.customer(customer),
        )

    results = at_once(customers, place)

    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if not isinstance(r, Order)]
    assert len(placed) == free, results
    assert all(isinstance(r, NoTechnicianAvailable) for r in refused), refused
    assert {r.error_code for r in refused if isinstance(r, NoTechnicianAvailable)} == {
        "no_technician_available"
    }
    holders: list[TechnicianId | None] = []
    for order in placed:
        stored = world.world.get(order.id)
        assert stored.dispatch is not None
        holders.append(stored.dispatch.holder)
        assert [b.technician_id for b in _of_order(world, order.id)] == [stored.dispatch.holder]
    assert sorted(h for h in holders if h is not None) == sorted(world.technicians)
    with world.world.uow() as uow:
        stored_orders = [
            o.id
            for n in range(customers)
            for o in uow.orders.list_for_customer(CustomerId(f"cus_{n + 1}"))
        ]
    assert sorted(stored_orders) == sorted(o.id for o in placed)
    _assert_no_overlapping_time(world)
