"""A couple's massage for the last free pair, on SQLite and PostgreSQL (issue 15): of
customers racing for the same two technicians at the same time — naming them in either
order — exactly one gets the whole party, the others get nothing at all."""

from __future__ import annotations

from booking_core.errors import BookingError
from booking_core.ids import CustomerId, ServiceId, TechnicianId
from booking_core.orders import Actor
from booking_core.services.ordering import PartyPlacement, PlaceParty
from booking_core.testing.contracts.orders import at_once
from booking_core.testing.orders import HOME, OrderWorld, at, order_world
from booking_core.timerange import TimeRange
from booking_core_sqlalchemy import SqlAlchemyStorage

CUSTOMERS = 6


def _attempt(world: OrderWorld, service: ServiceId, n: int) -> PartyPlacement:
    # Half name Li first, half Wang first: locks taken in one order keep them from
    # deadlocking on each other's bookings.
    pair = (world.li, world.wang) if n % 2 else (world.wang, world.li)
    customer = f"cus_{n}"
    command = PlaceParty(CustomerId(customer), service, pair, at(3, 12), location=HOME)
    return world.app.ordering.place_party(command, Actor.customer(customer))


def _bookings(world: OrderWorld, technician: TechnicianId) -> list[str | None]:
    with world.uow() as uow:
        found = uow.bookings.list_active(technician, TimeRange(at(3, 0), at(4, 0)))
    return [b.order_id for b in found]


def test_customers_racing_for_the_last_pair_one_wins_it_whole(
    storage: SqlAlchemyStorage,
) -> None:
    world = order_world(uow=storage.unit_of_work)
    couples = world.couples_service()

    results = at_once(CUSTOMERS, lambda n: _attempt(world, couples, n))

    won = [r for r in results if isinstance(r, PartyPlacement)]
    lost = [r for r in results if not isinstance(r, PartyPlacement)]
    assert len(won) == 1, results
    assert {r.error_code for r in lost if isinstance(r, BookingError)} <= {
        "slot_taken",
        "slot_unavailable",
    }, results
    assert len(lost) == CUSTOMERS - 1
    li_order, wang_order = sorted(won[0].orders, key=lambda o: o.technician_id or "")
    assert _bookings(world, world.li) == [li_order.id]
    assert _bookings(world, world.wang) == [wang_order.id]
    with world.uow() as uow:
        placed = [
            o.id
            for n in range(CUSTOMERS)
            for o in uow.orders.list_for_customer(CustomerId(f"cus_{n}"))
        ]
    assert sorted(placed) == sorted(o.id for o in won[0].orders)
