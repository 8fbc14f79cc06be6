"""A store opens the orders of its technicians — the ones it lists — and takes none of
their steps; another store, or a former one, sees nothing (INVARIANTS I25)."""

from __future__ import annotations

import pytest

from booking_core.errors import NotFound, PermissionDenied
from booking_core.ids import StoreId
from booking_core.orders import Actor, Role
from booking_core.ports.storage import OrderQuery
from booking_core.scheduling import WeeklyHours
from booking_core.scheduling.geo import GeoPoint
from booking_core.stores import StoreAddress, StoreDetails
from booking_core.testing.orders import LOCAL_ZONE, OPERATOR, OrderWorld, order_world


def _store(world: OrderWorld, name: str) -> Actor:
    details = StoreDetails(
        name,
        StoreAddress("上海市", "静安区", "南京西路 1 号", GeoPoint(31.23, 121.45)),
        LOCAL_ZONE,
        WeeklyHours.every_day("10:00", "22:00"),
    )
    return Actor(world.app.stores.create(details, OPERATOR).id, Role.STORE)


@pytest.fixture
def world() -> OrderWorld:
    return order_world()


def test_his_store_opens_his_orders_and_another_store_does_not(world: OrderWorld) -> None:
    jingan, bund = _store(world, "静安店"), _store(world, "外滩店")
    world.app.stores.add_member(StoreId(jingan.id), world.li, OPERATOR)
    order_id = world.paid_order()

    seen = world.app.ordering.get_order(order_id, jingan)
    by_number = world.app.ordering.find_by_number(seen.number, jingan)
    listed = world.app.ordering.find_orders(OrderQuery(), jingan)

    assert seen.id == by_number.id == order_id
    assert [o.id for o in listed] == [order_id]
    with pytest.raises(NotFound):
        world.app.ordering.get_order(order_id, bund)
    with pytest.raises(PermissionDenied):
        world.app.ordering.transition(order_id, "accept", jingan)
    assert world.get(order_id).state == "pending_acceptance"


def test_a_store_he_left_no_longer_opens_his_orders(world: OrderWorld) -> None:
    jingan = _store(world, "静安店")
    world.app.stores.add_member(StoreId(jingan.id), world.li, OPERATOR)
    order_id = world.paid_order()
    world.app.stores.leave(StoreId(jingan.id), world.li, OPERATOR)

    with pytest.raises(NotFound):
        world.app.ordering.get_order(order_id, jingan)
