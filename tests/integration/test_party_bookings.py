"""Services for several technicians at once — a couple's massage booked as a party
(issue 15): offered only where enough technicians are free together, placed all or none,
each technician with his own price and his own travel, each seat an order of its own."""

from __future__ import annotations

from typing import Any

import pytest

from booking_core.errors import InvalidParty, NotFound, SlotTaken
from booking_core.ids import CustomerId, ServiceId, TechnicianId
from booking_core.orders import Actor, OrderState, Party, Role
from booking_core.scheduling import WeeklyHours
from booking_core.scheduling.geo import GeoPoint
from booking_core.services.availability import SlotSearch
from booking_core.services.ordering import PlaceOrder, PlaceParty
from booking_core.services.technicians import RegisterTechnician
from booking_core.testing.orders import (
    CUSTOMER,
    HOME,
    LOCAL_ZONE,
    OPERATOR,
    OrderWorld,
    at,
    order_world,
)
from booking_core.timerange import TimeRange

# Jing'an Temple, about 3 km from HOME: travel between them takes minutes.
JINGAN = GeoPoint(31.2235, 121.4452)
TUESDAY = TimeRange(at(3, 0), at(4, 0))


@pytest.fixture
def world() -> OrderWorld:
    return order_world()


@pytest.fixture
def couples(world: OrderWorld) -> ServiceId:
    return world.couples_service()


def _party(world: OrderWorld, service: ServiceId, **changes: Any) -> PlaceParty:
    fields: dict[str, Any] = {
        "customer_id": CustomerId("cus_1"),
        "service_id": service,
        "technician_ids": (world.li, world.wang),
        "start": at(3, 12),
        "location": HOME,
    }
    fields.update(changes)
    return PlaceParty(**fields)


def _bookings(world: OrderWorld, technician: TechnicianId) -> list[str]:
    """His active bookings on Tuesday: ``HH:mm order`` each."""
    with world.uow() as uow:
        found = uow.bookings.list_active(technician, TUESDAY)
    return sorted(f"{b.slot.start.in_timezone(LOCAL_ZONE):%H:%M} {b.order_id}" for b in found)


def _order_count(world: OrderWorld) -> int:
    with world.uow() as uow:
        return len(uow.orders.list_for_customer(CustomerId("cus_1")))


def _starts(world: OrderWorld, service: ServiceId) -> dict[str, list[str]]:
    found = world.app.availability.search(SlotSearch(service, at(3, 0).date()))
    return {
        f"{s.slot.start.in_timezone(LOCAL_ZONE):%H:%M}": [o.technician_id for o in s.technicians]
        for s in found
    }


def test_a_party_service_is_offered_only_where_enough_technicians_are_free_together(
    world: OrderWorld, couples: ServiceId
) -> None:
    before = _starts(world, couples)
    assert before["14:00"] == [world.li, world.wang]
    # Every technician's starts lie on one grid (the 30-minute clock grid of the 90-minute
    # step), so starts where both are free are found wherever they are.
    assert list(before)[:4] == ["09:00", "09:30", "10:00", "10:30"]
    # Wang's 14:00 tuina (60 min) blocks every couple's start whose 90 minutes plus 15
    # before and 10 after reach into it.
    world.app.ordering.place_order(
        PlaceOrder(CustomerId("cus_2"), world.wang, world.tuina, at(3, 14)),
        Actor.customer("cus_2"),
    )

    after = _starts(world, couples)

    for gone in ("12:30", "13:00", "13:30", "14:00", "14:30", "15:00"):
        assert gone in before
        assert gone not in after, gone
    assert after["12:00"] == [world.li, world.wang]
    assert after["15:30"] == [world.li, world.wang]
    # A tuina for one is still offered by Li alone at 14:00: the rule is the service's.
    assert _starts(world, world.tuina)["14:00"] == [world.li]


def test_a_party_places_one_order_per_technician_each_at_his_own_price(
    world: OrderWorld, couples: ServiceId
) -> None:
    placement = world.app.ordering.place_party(_party(world, couples), CUSTOMER)

    li, wang = placement.orders
    assert not placement.replayed
    assert (li.technician_id, wang.technician_id) == (world.li, world.wang)
    assert li.party == Party(placement.party_id, 2, 0)
    assert wang.party == Party(placement.party_id, 2, 1)
    assert (li.price.amount, wang.price.amount) == (19900, 21900)
    assert li.slot == wang.slot == TimeRange(at(3, 12), at(3, 13, 30))
    assert li.state == wang.state == OrderState.PENDING_PAYMENT
    assert _bookings(world, world.li) == [f"12:00 {li.id}"]
    assert _bookings(world, world.wang) == [f"12:00 {wang.id}"]
    listed = world.app.ordering.party(placement.party_id, CUSTOMER)
    assert [o.id for o in listed] == [li.id, wang.id]
    # A technician sees his own seat; a stranger sees nothing.
    mine = world.app.ordering.party(placement.party_id, Actor(world.wang, Role.TECHNICIAN))
    assert [o.id for o in mine] == [wang.id]
    with pytest.raises(NotFound):
        world.app.ordering.party(placement.party_id, Actor.customer("cus_9"))


def test_a_party_is_placed_whole_or_not_at_all(world: OrderWorld, couples: ServiceId) -> None:
    # Wang is busy from 13:00, inside the 12:00 couple's massage's clean-up: Li is free, but
    # a couple's massage needs both.
    world.app.ordering.place_order(
        PlaceOrder(CustomerId("cus_2"), world.wang, world.tuina, at(3, 13)),
        Actor.customer("cus_2"),
    )

    with pytest.raises(SlotTaken):
        world.app.ordering.place_party(_party(world, couples), CUSTOMER)

    assert _bookings(world, world.li) == []
    assert _order_count(world) == 0
    assert world.outbox().count("OrderPlaced") == 1  # cus_2's only


def test_each_technician_travels_from_his_own_previous_job(
    world: OrderWorld, couples: ServiceId
) -> None:
    # Li's 09:00 tuina is at Jing'an; Wang starts the day free.
    world.app.ordering.place_order(
        PlaceOrder(CustomerId("cus_2"), world.li, world.tuina, at(3, 9), location=JINGAN),
        Actor.customer("cus_2"),
    )

    li, wang = world.app.ordering.place_party(
        _party(world, couples, start=at(3, 11)), CUSTOMER
    ).orders

    with world.uow() as uow:
        li_booking = uow.bookings.get(li.booking_id)
        wang_booking = uow.bookings.get(wang.booking_id)
    assert li_booking.travel_minutes > 0
    assert wang_booking.travel_minutes == 0
    # Each blocks preparation, slot and clean-up; Li also his way over.
    assert wang_booking.blocked == TimeRange(at(3, 10, 45), at(3, 12, 40))
    assert li_booking.blocked.start == at(3, 10, 45).subtract(minutes=li_booking.travel_minutes)


@pytest.mark.parametrize(
    ("technicians", "needed", "asked"),
    [((0,), 2, 1), ((0, 1, 2), 2, 3)],
)
def test_a_party_of_the_wrong_size_is_refused_before_anything_is_stored(
    world: OrderWorld,
    couples: ServiceId,
    technicians: tuple[int, ...],
    needed: int,
    asked: int,
) -> None:
    pool = (world.li, world.wang, TechnicianId("tch_zhao"))
    command = _party(world, couples, technician_ids=tuple(pool[n] for n in technicians))

    with pytest.raises(InvalidParty) as refused:
        world.app.ordering.place_party(command, CUSTOMER)

    assert refused.value.code == "invalid_party"
    assert refused.value.details == {"service_id": couples, "needed": needed, "asked": asked}
    assert _bookings(world, world.li) == []


def test_a_service_for_two_is_not_placed_as_one_order_nor_a_service_for_one_as_a_party(
    world: OrderWorld, couples: ServiceId
) -> None:
    with pytest.raises(InvalidParty) as single:
        world.app.ordering.place_order(
            PlaceOrder(CustomerId("cus_1"), world.li, couples, at(3, 12), location=HOME),
            CUSTOMER,
        )
    with pytest.raises(InvalidParty) as party:
        world.app.ordering.place_party(_party(world, world.tuina), CUSTOMER)

    assert "place a party of 2 technicians" in single.value.message
    assert single.value.details["needed"] == 2
    assert party.value.details == {"service_id": world.tuina, "needed": 1, "asked": 2}
    assert _bookings(world, world.li) == []
    assert _order_count(world) == 0


@pytest.mark.parametrize("count", [0, 9])
def test_a_party_of_no_technicians_or_more_than_any_service_needs_is_refused(count: int) -> None:
    with pytest.raises(InvalidParty, match="2 to 8 technicians"):
        PlaceParty(
            CustomerId("cus_1"),
            ServiceId("svc_x"),
            tuple(TechnicianId(f"tec_{n}") for n in range(count)),
            at(3, 12),
        )


def test_a_technician_named_twice_is_refused() -> None:
    with pytest.raises(InvalidParty, match="names one twice"):
        PlaceParty(
            CustomerId("cus_1"),
            ServiceId("svc_x"),
            (TechnicianId("a"), TechnicianId("a")),
            at(3, 12),
        )


def test_a_retried_party_gets_the_same_orders(world: OrderWorld, couples: ServiceId) -> None:
    command = _party(world, couples, idempotency_key="party-7f3a")

    first = world.app.ordering.place_party(command, CUSTOMER)
    again = world.app.ordering.place_party(command, CUSTOMER)

    assert again.replayed
    assert [o.id for o in again.orders] == [o.id for o in first.orders]
    assert _order_count(world) == 2


def test_a_seat_changes_its_technician_alone_but_not_its_time(
    world: OrderWorld, couples: ServiceId
) -> None:
    li, _ = world.app.ordering.place_party(_party(world, couples), CUSTOMER).orders
    zhao = world.app.technicians.register(
        RegisterTechnician(
            "Zhao", LOCAL_ZONE, WeeklyHours.every_day("09:00", "21:00"), frozenset({couples})
        ),
        OPERATOR,
    ).id

    with pytest.raises(InvalidParty) as refused:
        world.app.modification.change_time(li.id, CUSTOMER, at(3, 15))
    moved = world.app.modification.change_technician(li.id, OPERATOR, zhao).order

    assert refused.value.details["change"] == "time"
    assert moved.technician_id == zhao
    assert moved.party == li.party
    assert _bookings(world, world.li) == []
    assert _bookings(world, zhao) == [f"12:00 {li.id}"]
