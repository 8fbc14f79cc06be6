"""Stores: withdrawing an invitation, and a technician asking to join, which the store
approves or declines — still at most one store per technician (issue 10)."""

from __future__ import annotations

import pytest

from booking_core.errors import MembershipConflict, NotFound, PermissionDenied
from booking_core.ids import StoreId, TechnicianId
from booking_core.orders import Actor, Role
from booking_core.scheduling import WeeklyHours
from booking_core.scheduling.geo import GeoPoint
from booking_core.staff import StaffRole
from booking_core.stores import Store, StoreAddress, StoreDetails
from booking_core.testing.orders import OPERATOR, OrderWorld, order_world

FINANCE = Actor.platform("fin-1", StaffRole.FINANCE)


@pytest.fixture
def world() -> OrderWorld:
    return order_world()


def _store(world: OrderWorld, name: str = "Jing'an") -> Store:
    details = StoreDetails(
        name,
        StoreAddress("上海市", "静安区", "南京西路 1 号", GeoPoint(31.23, 121.45)),
        "Asia/Shanghai",
        WeeklyHours.every_day("10:00", "22:00"),
    )
    return world.app.stores.create(details, OPERATOR)


def _as(store: Store) -> Actor:
    return Actor(store.id, Role.STORE)


def _tech(technician_id: TechnicianId) -> Actor:
    return Actor(technician_id, Role.TECHNICIAN)


# -- invitations ------------------------------------------------------------------------


def test_a_withdrawn_invitation_cannot_be_accepted(world: OrderWorld) -> None:
    store = _store(world)
    world.app.stores.invite(store.id, world.li, _as(store))

    withdrawn = world.app.stores.withdraw_invitation(store.id, world.li, _as(store))

    assert withdrawn.invitations == frozenset()
    with pytest.raises(MembershipConflict):
        world.app.stores.accept(store.id, world.li, _tech(world.li))
    assert world.app.technicians.get(world.li).profile.store_id is None


def test_only_the_store_or_staff_with_the_stores_permission_withdraw_an_invitation(
    world: OrderWorld,
) -> None:
    store, other = _store(world), _store(world, "Bund")
    world.app.stores.invite(store.id, world.li, _as(store))

    for refused in (_as(other), _tech(world.li), FINANCE):
        with pytest.raises(PermissionDenied):
            world.app.stores.withdraw_invitation(store.id, world.li, refused)
    assert world.app.stores.get(store.id).invitations == {world.li}

    world.app.stores.withdraw_invitation(store.id, world.li, OPERATOR)
    with pytest.raises(MembershipConflict):  # nothing left to withdraw
        world.app.stores.withdraw_invitation(store.id, world.li, _as(store))


# -- requests to join -------------------------------------------------------------------


def test_a_technician_asks_to_join_and_the_store_takes_him_in(world: OrderWorld) -> None:
    store = _store(world)
    world.app.stores.invite(store.id, world.li, _as(store))

    asked = world.app.stores.request_to_join(store.id, world.li, _tech(world.li))
    joined = world.app.stores.approve_join_request(store.id, world.li, _as(store))

    assert asked.join_requests == {world.li}
    assert joined.profile.store_id == store.id
    # nothing stays pending for a member: his request, and the invitation he did not use
    after = world.app.stores.get(store.id)
    assert (after.join_requests, after.invitations) == (frozenset(), frozenset())
    assert [t.id for t in world.app.stores.members(store.id, _as(store))] == [world.li]


def test_a_declined_or_withdrawn_request_cannot_be_approved(world: OrderWorld) -> None:
    store = _store(world)
    world.app.stores.request_to_join(store.id, world.li, _tech(world.li))
    world.app.stores.request_to_join(store.id, world.wang, _tech(world.wang))

    declined = world.app.stores.decline_join_request(store.id, world.li, _as(store))
    withdrawn = world.app.stores.decline_join_request(store.id, world.wang, _tech(world.wang))

    assert (declined.join_requests, withdrawn.join_requests) == ({world.wang}, frozenset())
    for technician_id in (world.li, world.wang):
        with pytest.raises(MembershipConflict):
            world.app.stores.approve_join_request(store.id, technician_id, _as(store))
        assert world.app.technicians.get(technician_id).profile.store_id is None


def test_a_request_approved_after_he_joined_another_store_is_refused(world: OrderWorld) -> None:
    first, second = _store(world), _store(world, "Bund")
    world.app.stores.request_to_join(first.id, world.li, _tech(world.li))
    world.app.stores.request_to_join(second.id, world.li, _tech(world.li))
    world.app.stores.approve_join_request(first.id, world.li, _as(first))

    with pytest.raises(MembershipConflict) as caught:
        world.app.stores.approve_join_request(second.id, world.li, _as(second))

    assert caught.value.details["store_id"] == first.id
    assert world.app.technicians.get(world.li).profile.store_id == first.id
    assert world.app.stores.get(second.id).join_requests == {world.li}


def test_a_member_of_a_store_cannot_ask_to_join_one(world: OrderWorld) -> None:
    first, second = _store(world), _store(world, "Bund")
    world.app.stores.add_member(first.id, world.li, OPERATOR)

    for store in (first, second):
        with pytest.raises(MembershipConflict):
            world.app.stores.request_to_join(store.id, world.li, _tech(world.li))
    assert world.app.stores.get(second.id).join_requests == frozenset()


def test_who_asks_answers_and_withdraws_requests(world: OrderWorld) -> None:
    store, other = _store(world), _store(world, "Bund")

    for refused in (_tech(world.wang), _as(store), OPERATOR):
        with pytest.raises(PermissionDenied):  # he asks for himself only
            world.app.stores.request_to_join(store.id, world.li, refused)
    world.app.stores.request_to_join(store.id, world.li, _tech(world.li))
    for refused in (_as(other), _tech(world.wang), FINANCE, _tech(world.li)):
        with pytest.raises(PermissionDenied):
            world.app.stores.approve_join_request(store.id, world.li, refused)
    for refused in (_as(other), _tech(world.wang), FINANCE):
        with pytest.raises(PermissionDenied):
            world.app.stores.decline_join_request(store.id, world.li, refused)
    with pytest.raises(NotFound):
        world.app.stores.request_to_join(StoreId("sto_nope"), world.li, _tech(world.li))

    assert world.app.stores.approve_join_request(store.id, world.li, OPERATOR).profile.store_id
