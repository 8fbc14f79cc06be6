"""An order placed with an address-book entry keeps a copy of it and of whom to call."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.audit import AuditQuery
from booking_core.customers import CustomerDetails
from booking_core.errors import InvalidInput, NotFound, PermissionDenied
from booking_core.ids import CustomerId, OrderId
from booking_core.orders import Actor, OrderContact, Role
from booking_core.ports.storage import OrderQuery
from booking_core.scheduling.geo import GeoPoint
from booking_core.services.customers import NewAddress
from booking_core.services.ordering import PlaceOrder
from booking_core.staff import StaffRole
from booking_core.testing.orders import HOME, OrderWorld, at, order_world

ALICE = Actor("cus_alice", Role.CUSTOMER)
ALICE_ID = CustomerId(ALICE.id)
# Near HOME (inside the technicians' service area) but not at it: the order must be served
# at the address's point, not at a default.
FLAT = GeoPoint(31.2310, 121.4745)


@pytest.fixture
def world() -> OrderWorld:
    world = order_world()
    world.app.customers.register(CustomerDetails("Alice", phone="+8613812345678"), ALICE)
    return world


def _add(world: OrderWorld, address: NewAddress) -> str:
    return world.app.customers.add_address(ALICE_ID, address, ALICE).addresses[-1].id


def test_the_order_copies_the_address_and_is_served_at_its_point(world: OrderWorld) -> None:
    flat = _add(
        world, NewAddress("Flat", "上海市", "黄浦区", "南京东路 1 号 12 楼", FLAT, "上海市")
    )
    order = world.app.ordering.place_order(
        PlaceOrder(ALICE_ID, world.li, world.tuina, at(3, 10), address_id=flat), ALICE
    )
    # Editing the book later does not move the order.
    world.app.customers.remove_address(ALICE_ID, flat, ALICE)

    stored = world.app.ordering.get_order(order.id, ALICE)
    assert stored.destination == FLAT
    assert stored.contact == OrderContact(
        phone="+8613812345678",
        name=None,
        province="上海市",
        city="上海市",
        district="黄浦区",
        detail="南京东路 1 号 12 楼",
        address_id=flat,
    )


def test_the_addresses_own_contact_wins_over_the_customers_phone(world: OrderWorld) -> None:
    mums = _add(
        world,
        NewAddress(
            "Mum's", "上海市", "徐汇区", "漕溪北路 88 号", FLAT, "", "王女士", "+8613900001111"
        ),
    )
    order = world.app.ordering.place_order(
        PlaceOrder(ALICE_ID, world.li, world.tuina, at(3, 10), address_id=mums), ALICE
    )

    assert order.contact is not None
    assert (order.contact.phone, order.contact.name) == ("+8613900001111", "王女士")


def test_a_bad_address_is_refused_and_nothing_is_booked(world: OrderWorld) -> None:
    flat = _add(world, NewAddress("Flat", "上海市", "黄浦区", "南京东路 1 号", FLAT))
    with pytest.raises(NotFound) as unknown:
        world.app.ordering.place_order(
            PlaceOrder(ALICE_ID, world.li, world.tuina, at(3, 10), address_id="addr_nope"), ALICE
        )
    with pytest.raises(InvalidInput) as elsewhere:
        world.app.ordering.place_order(
            PlaceOrder(ALICE_ID, world.li, world.tuina, at(3, 10), location=HOME, address_id=flat),
            ALICE,
        )

    assert unknown.value.error_code == "address_not_found"
    assert elsewhere.value.details["field"] == "location"
    assert world.app.ordering.find_orders(OrderQuery(), ALICE) == []


# -- who sees the copy, full or masked (ContactService) --------------------------------------

CS = Actor.platform("cs_1", StaffRole.CUSTOMER_SERVICE)
FINANCE = Actor.platform("fin_1", StaffRole.FINANCE)
AUDITOR = Actor.platform("root", StaffRole.SUPER_ADMIN)


def _paid_with_contact(world: OrderWorld) -> OrderId:
    flat = _add(
        world, NewAddress("Flat", "上海市", "黄浦区", "南京东路 1 号 12 楼", FLAT, "上海市")
    )
    order = world.app.ordering.place_order(
        PlaceOrder(ALICE_ID, world.li, world.tuina, at(3, 10), address_id=flat), ALICE
    )
    world.app.payments.pay(order.id, ALICE)
    return order.id


def _reveals(world: OrderWorld) -> list[tuple[str, str | None]]:
    entries = world.app.audit.entries(AUDITOR, AuditQuery(action="order.contact"))
    return [(e.actor_id, e.reason) for e in entries]


def test_the_technician_sees_it_in_full_from_acceptance_until_the_window_closes(
    world: OrderWorld,
) -> None:
    order_id = _paid_with_contact(world)
    contacts = world.app.contacts
    before = contacts.view(order_id, world.tech)
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")
    during = contacts.view(order_id, world.tech)
    world.clock.advance(pendulum.duration(minutes=contacts.policy.reveal_after_completion_minutes))
    after = contacts.view(order_id, world.tech)

    assert (before.revealed, before.phone, before.address) == (
        False,
        "138****5678",
        "上海市 黄浦区",
    )
    assert (during.revealed, during.phone, during.address) == (
        True,
        "+8613812345678",
        "上海市 黄浦区 南京东路 1 号 12 楼",
    )
    assert during.location == FLAT
    assert not after.revealed
    # The customer always sees his own; no one's look is audited but a platform reveal.
    assert contacts.view(order_id, ALICE).revealed
    assert _reveals(world) == []


def test_staff_see_it_masked_unless_they_record_a_reason(world: OrderWorld) -> None:
    order_id = _paid_with_contact(world)
    contacts = world.app.contacts

    masked = contacts.view(order_id, CS)
    revealed = contacts.view(order_id, CS, reason="客户来电: 技师找不到门牌")
    with pytest.raises(PermissionDenied) as refused:
        contacts.view(order_id, FINANCE, reason="curious")

    assert not masked.revealed
    assert revealed.revealed
    assert revealed.phone == "+8613812345678"
    assert refused.value.details["required_permission"] == "contact"
    # Exactly the one reveal is on record, with its reason; the refused one left nothing.
    assert _reveals(world) == [("cs_1", "客户来电: 技师找不到门牌")]


def test_others_do_not_learn_the_order_exists_and_an_order_without_a_copy_says_so(
    world: OrderWorld,
) -> None:
    order_id = _paid_with_contact(world)
    bare = world.app.ordering.place_order(
        PlaceOrder(ALICE_ID, world.li, world.tuina, at(3, 15, 5), location=HOME), ALICE
    )

    with pytest.raises(NotFound) as hidden:
        world.app.contacts.view(order_id, Actor.customer("cus_bob"))
    with pytest.raises(NotFound) as missing:
        world.app.contacts.view(bare.id, ALICE)

    assert hidden.value.error_code == "order_not_found"
    assert missing.value.error_code == "contact_not_found"
