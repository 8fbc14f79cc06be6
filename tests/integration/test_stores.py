"""Stores: profile, members (at most one store per technician), own prices, announcements,
and who may do each (INVARIANTS I25)."""

from __future__ import annotations

import attrs
import pendulum
import pytest

from booking_core.errors import (
    CurrencyMismatch,
    InvalidInput,
    MembershipConflict,
    NotFound,
    PermissionDenied,
)
from booking_core.ids import CustomerId, StoreId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.scheduling import WeeklyHours
from booking_core.scheduling.geo import GeoPoint
from booking_core.services.ordering import PlaceOrder
from booking_core.services.steps.carts import CartItem, CartRequest
from booking_core.stores import Audience, Store, StoreAddress, StoreDetails
from booking_core.testing.orders import HOME, OPERATOR, OrderWorld, at, order_world

ALICE = Actor("cus_alice", Role.CUSTOMER)


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


def _details(name: str = "Jing'an Spa") -> StoreDetails:
    return StoreDetails(
        name,
        StoreAddress("上海市", "静安区", "南京西路 1 号", GeoPoint(31.23, 121.45)),
        "Asia/Shanghai",
        WeeklyHours.every_day("10:00", "22:00"),
    )


@pytest.fixture
def world() -> OrderWorld:
    return order_world()


def _store(world: OrderWorld, *, prices_allowed: bool = True, name: str = "Jing'an") -> Store:
    return world.app.stores.create(_details(name), OPERATOR, own_prices_allowed=prices_allowed)


def _as(store: Store) -> Actor:
    return Actor(store.id, Role.STORE)


def _tech(technician_id: TechnicianId) -> Actor:
    return Actor(technician_id, Role.TECHNICIAN)


def _joined(world: OrderWorld, store: Store, technician_id: TechnicianId) -> None:
    world.app.stores.invite(store.id, technician_id, _as(store))
    world.app.stores.accept(store.id, technician_id, _tech(technician_id))


# -- the store ----------------------------------------------------------------------------


def test_the_platform_creates_a_store_anyone_reads_it(world: OrderWorld) -> None:
    store = _store(world)

    assert world.app.stores.get(store.id) == store
    assert store.version == 1
    assert world.app.stores.list() == [store]
    with pytest.raises(NotFound):
        world.app.stores.get(StoreId("sto_nope"))


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.TECHNICIAN, Role.STORE])
def test_only_the_platform_creates_stores(world: OrderWorld, role: Role) -> None:
    with pytest.raises(PermissionDenied):
        world.app.stores.create(_details(), Actor("x_1", role))


def test_a_store_edits_its_profile_another_store_cannot(world: OrderWorld) -> None:
    store, other = _store(world), _store(world, name="Bund")

    edited = world.app.stores.update_details(store.id, _details("Jing'an 2"), _as(store))
    with pytest.raises(PermissionDenied):
        world.app.stores.update_details(store.id, _details("Mine"), _as(other))
    with pytest.raises(PermissionDenied):
        world.app.stores.update_details(store.id, _details("Mine"), _tech(world.li))

    assert edited.details.name == "Jing'an 2"
    assert world.app.stores.update_details(store.id, _details("Ops"), OPERATOR).version == 3


def test_a_blank_name_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        _details(" ")


# -- members ------------------------------------------------------------------------------


def test_a_technician_joins_by_accepting_an_invitation(world: OrderWorld) -> None:
    store = _store(world)

    with pytest.raises(MembershipConflict):  # not invited
        world.app.stores.accept(store.id, world.li, _tech(world.li))
    invited = world.app.stores.invite(store.id, world.li, _as(store))
    joined = world.app.stores.accept(store.id, world.li, _tech(world.li))

    assert invited.invitations == {world.li}
    assert joined.profile.store_id == store.id
    assert world.app.technicians.get(world.li).profile.store_id == store.id
    assert world.app.stores.get(store.id).invitations == frozenset()
    assert [t.id for t in world.app.stores.members(store.id, _as(store))] == [world.li]


def test_joining_a_second_store_is_refused_until_he_leaves(world: OrderWorld) -> None:
    first, second = _store(world), _store(world, name="Bund")
    _joined(world, first, world.li)
    world.app.stores.invite(second.id, world.li, _as(second))

    with pytest.raises(MembershipConflict) as caught:
        world.app.stores.accept(second.id, world.li, _tech(world.li))
    assert caught.value.details["store_id"] == first.id
    assert world.app.technicians.get(world.li).profile.store_id == first.id

    world.app.stores.leave(first.id, world.li, _tech(world.li))
    moved = world.app.stores.accept(second.id, world.li, _tech(world.li))
    assert moved.profile.store_id == second.id


def test_the_platform_adds_and_transfers_without_invitation(world: OrderWorld) -> None:
    first, second = _store(world), _store(world, name="Bund")
    world.app.stores.add_member(first.id, world.li, OPERATOR)

    with pytest.raises(MembershipConflict):
        world.app.stores.add_member(second.id, world.li, OPERATOR)
    with pytest.raises(MembershipConflict):
        world.app.stores.add_member(first.id, world.li, OPERATOR)  # a member already
    moved = world.app.stores.add_member(second.id, world.li, OPERATOR, transfer=True)

    assert moved.profile.store_id == second.id
    assert world.app.stores.members(first.id, OPERATOR) == []


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.TECHNICIAN, Role.STORE])
def test_only_the_platform_adds_members_without_consent(world: OrderWorld, role: Role) -> None:
    store = _store(world)
    actor = _as(store) if role is Role.STORE else Actor(world.li, role)

    with pytest.raises(PermissionDenied):
        world.app.stores.add_member(store.id, world.li, actor)


def test_who_may_invite_accept_list_and_remove(world: OrderWorld) -> None:
    store, other = _store(world), _store(world, name="Bund")

    with pytest.raises(PermissionDenied):
        world.app.stores.invite(store.id, world.li, _as(other))
    with pytest.raises(PermissionDenied):
        world.app.stores.invite(store.id, world.li, _tech(world.li))
    world.app.stores.invite(store.id, world.li, _as(store))
    with pytest.raises(PermissionDenied):  # another technician accepting for him
        world.app.stores.accept(store.id, world.li, _tech(world.wang))
    with pytest.raises(PermissionDenied):  # the store accepting for him
        world.app.stores.accept(store.id, world.li, _as(store))
    world.app.stores.accept(store.id, world.li, _tech(world.li))
    for outsider in (_as(other), _tech(world.li), ALICE):
        with pytest.raises(PermissionDenied):
            world.app.stores.members(store.id, outsider)
    with pytest.raises(PermissionDenied):  # another store removing him
        world.app.stores.leave(store.id, world.li, _as(other))
    with pytest.raises(PermissionDenied):  # another technician removing him
        world.app.stores.leave(store.id, world.li, _tech(world.wang))

    removed = world.app.stores.leave(store.id, world.li, _as(store))

    assert removed.profile.store_id is None
    with pytest.raises(MembershipConflict):  # not a member any more
        world.app.stores.leave(store.id, world.li, OPERATOR)


def test_his_own_profile_edit_cannot_touch_his_store_prices(world: OrderWorld) -> None:
    store = _store(world)
    _joined(world, store, world.li)
    world.app.stores.set_prices(store.id, {world.tuina: cny(15900)}, _as(store))
    profile = world.app.technicians.get(world.li).profile

    edited = world.app.technicians.update_profile(
        world.li, attrs.evolve(profile, store_prices={}, skills={"tuina"}), _tech(world.li)
    )

    assert edited.profile.store_prices == {world.tuina: cny(15900)}


# -- own prices ---------------------------------------------------------------------------


def test_checkout_and_quote_use_the_store_price_below_his_own(world: OrderWorld) -> None:
    store = _store(world)
    _joined(world, store, world.li)
    world.app.stores.set_prices(
        store.id, {world.tuina: cny(15900), world.spa: cny(25900)}, _as(store)
    )
    profile = world.app.technicians.get(world.li).profile
    world.app.technicians.update_profile(
        world.li, attrs.evolve(profile, prices={world.spa: cny(27900)}), _tech(world.li)
    )
    customer = CustomerId(ALICE.id)

    def quoted(service: object) -> Money:
        request = CartRequest((CartItem(service),), technician_id=world.li)  # type: ignore[arg-type]
        return world.app.quotes.price(request, customer, actor=ALICE).quote.payable

    tuina = world.app.ordering.place_order(
        PlaceOrder(customer, world.li, world.tuina, at(3, 10), location=HOME), ALICE
    )
    spa = world.app.ordering.place_order(
        PlaceOrder(customer, world.li, world.spa, at(3, 14), location=HOME), ALICE
    )
    foot = world.app.ordering.place_order(
        PlaceOrder(customer, world.li, world.foot, at(4, 10), location=HOME), ALICE
    )

    # store price, his own price over the store's, the catalog price without either
    assert (tuina.price, quoted(world.tuina)) == (cny(15900), cny(15900))
    assert (spa.price, quoted(world.spa)) == (cny(27900), cny(27900))
    assert (foot.price, quoted(world.foot)) == (cny(9900), cny(9900))


def test_new_prices_reach_members_and_leaving_drops_them(world: OrderWorld) -> None:
    store = _store(world)
    _joined(world, store, world.li)
    world.app.stores.set_prices(store.id, {world.tuina: cny(15900)}, _as(store))
    _joined(world, store, world.wang)  # joins after: gets them too

    world.app.stores.set_prices(store.id, {world.tuina: cny(14900)}, OPERATOR)
    both = [world.app.technicians.get(t).profile.store_prices for t in (world.li, world.wang)]
    world.app.stores.leave(store.id, world.wang, _tech(world.wang))

    assert both == [{world.tuina: cny(14900)}] * 2
    assert world.app.technicians.get(world.wang).profile.store_prices == {}
    world.app.stores.allow_own_prices(store.id, False, OPERATOR)  # forbidding drops them
    assert world.app.technicians.get(world.li).profile.store_prices == {}
    assert world.app.stores.get(store.id).prices == {}


def test_prices_only_where_the_platform_allows_them(world: OrderWorld) -> None:
    store = _store(world, prices_allowed=False)

    with pytest.raises(PermissionDenied):
        world.app.stores.set_prices(store.id, {world.tuina: cny(15900)}, _as(store))
    with pytest.raises(PermissionDenied):
        world.app.stores.allow_own_prices(store.id, True, _as(store))
    world.app.stores.allow_own_prices(store.id, True, OPERATOR)
    allowed = world.app.stores.set_prices(store.id, {world.tuina: cny(15900)}, _as(store))

    assert allowed.prices == {world.tuina: cny(15900)}


def test_prices_of_another_store_a_wrong_currency_or_an_unknown_service(
    world: OrderWorld,
) -> None:
    store, other = _store(world), _store(world, name="Bund")

    with pytest.raises(PermissionDenied):
        world.app.stores.set_prices(store.id, {world.tuina: cny(1)}, _as(other))
    with pytest.raises(CurrencyMismatch):
        world.app.stores.set_prices(store.id, {world.tuina: Money(100, "USD")}, _as(store))
    with pytest.raises(NotFound):
        world.app.stores.set_prices(store.id, {"svc_nope": cny(1)}, _as(store))  # type: ignore[dict-item]
    with pytest.raises(InvalidInput):
        world.app.stores.set_prices(store.id, {world.tuina: cny(-1)}, _as(store))


# -- announcements ------------------------------------------------------------------------


def test_announcements_reach_their_audience(world: OrderWorld) -> None:
    store = _store(world)
    _joined(world, store, world.li)
    publish = world.app.stores.publish
    publish(store.id, Audience.TECHNICIANS, "Training", "Friday 10:00", _as(store))
    world.clock.advance(pendulum.duration(minutes=1))
    publish(store.id, Audience.CUSTOMERS, "Member day", "20 % off on Tuesdays", _as(store))
    world.clock.advance(pendulum.duration(minutes=1))
    publish(store.id, Audience.BOTH, "Closed", "Closed on 1 May", OPERATOR)

    def titles(actor: Actor) -> list[str]:
        return [a.title for a in world.app.stores.announcements(store.id, actor)]

    assert titles(_as(store)) == titles(OPERATOR) == ["Closed", "Member day", "Training"]
    assert titles(_tech(world.li)) == ["Closed", "Training"]
    assert titles(_tech(world.wang)) == titles(ALICE) == ["Closed", "Member day"]
    assert titles(Actor("tec_nobody", Role.TECHNICIAN)) == ["Closed", "Member day"]


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.TECHNICIAN, Role.STORE])
def test_only_the_store_or_the_platform_publishes(world: OrderWorld, role: Role) -> None:
    store = _store(world)
    _joined(world, store, world.li)
    actor = Actor(world.li if role is Role.TECHNICIAN else "sto_other", role)

    with pytest.raises(PermissionDenied):
        world.app.stores.publish(store.id, Audience.BOTH, "Hi", "Hello", actor)
