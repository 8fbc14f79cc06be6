"""Customers: their record, who may touch it, and the facts checkout prices with.

The must-show of the people issue: a gold member's tier price, a new-customer coupon (新人券)
and a member-only coupon (会员专享) apply at checkout exactly as the quote showed — the
customer's facts come from storage for both, never from the caller.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

import pytest

from booking_core.customers import CustomerDetails
from booking_core.errors import (
    ConcurrentUpdate,
    CouponNotApplicable,
    DuplicateEntity,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from booking_core.ids import CustomerId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.pricing import PricingRules, TierDiscount
from booking_core.promotions import (
    CouponBenefit,
    CouponId,
    CouponTemplate,
    CouponTemplateId,
    CouponTerms,
    Eligibility,
    Validity,
)
from booking_core.scheduling.geo import GeoPoint
from booking_core.services.customers import NewAddress
from booking_core.services.ordering import PlaceOrder
from booking_core.services.pricing import StaticPricingRules
from booking_core.services.steps.carts import CartItem, CartRequest
from booking_core.testing.orders import HOME, OPERATOR, OrderWorld, at, order_world

ALICE = Actor("cus_alice", Role.CUSTOMER)
BOB = Actor("cus_bob", Role.CUSTOMER)
ALICE_ID = CustomerId(ALICE.id)
TECHNICIAN = Actor("tec_1", Role.TECHNICIAN)
GOLD = StaticPricingRules(
    PricingRules("CNY", tier_discounts=(TierDiscount("gold", Decimal("0.15")),))
)


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


@pytest.fixture
def world() -> OrderWorld:
    return order_world(pricing_rules=GOLD)


def _template(template_id: str, amount: int, eligibility: Eligibility) -> CouponTemplate:
    return CouponTemplate(
        CouponTemplateId(template_id),
        template_id,
        CouponTerms(CouponBenefit.amount_off(cny(amount)), eligibility=eligibility),
        Validity.days_after_issue(7),
    )


def _claimed(world: OrderWorld, template: CouponTemplate, who: Actor = ALICE) -> CouponId:
    world.app.coupons.create_template(OPERATOR, template)
    return world.app.coupons.claim(who, template.id).id


# -- checkout prices with the stored customer ------------------------------------------------


@pytest.mark.parametrize("kind", ["tier price", "new-customer coupon", "member-only coupon"])
def test_checkout_charges_what_the_quote_showed_for_the_stored_customer(
    world: OrderWorld, kind: str
) -> None:
    # Given Alice, registered, a gold member (set by the platform) and new (nothing paid)
    app = world.app
    app.customers.register(CustomerDetails("Alice"), ALICE)
    app.customers.set_tier(ALICE_ID, "gold", OPERATOR)
    coupon_id: CouponId | None = None
    if kind == "new-customer coupon":
        coupon_id = _claimed(world, _template("tpl_new", 3000, Eligibility.new_customers()))
    elif kind == "member-only coupon":
        coupon_id = _claimed(world, _template("tpl_gold", 1000, Eligibility.members_of(["gold"])))

    # When she asks for a quote with Li, then books the same thing
    request = CartRequest((CartItem(world.tuina),), technician_id=world.li)
    shown = app.quotes.price(request, ALICE_ID, coupon_id=coupon_id, actor=ALICE).quote
    order = app.ordering.place_order(
        PlaceOrder(ALICE_ID, world.li, world.tuina, at(3, 10), location=HOME, coupon_id=coupon_id),
        ALICE,
    )

    # Then the tier price (199.00 less 15 % = 169.15) and the coupon apply to both alike
    off = {"tier price": 0, "new-customer coupon": 3000, "member-only coupon": 1000}[kind]
    assert shown.tier_discount == cny(2985)
    assert shown.payable == cny(19900 - 2985 - off)
    assert order.price == shown.payable


def test_a_new_customer_coupon_stops_applying_once_an_order_of_hers_is_paid(
    world: OrderWorld,
) -> None:
    # Given Alice, who has paid one order (pay on completion counts only once captured)
    app = world.app
    first = app.ordering.place_order(
        PlaceOrder(ALICE_ID, world.wang, world.foot, at(3, 9), location=HOME), ALICE
    )
    request = CartRequest((CartItem(world.tuina),), technician_id=world.li)
    coupon_id = _claimed(world, _template("tpl_new", 3000, Eligibility.new_customers()))
    # (still new while the first order is unpaid)
    assert app.customers.standing(ALICE_ID, ALICE).is_new
    app.ordering.pay_in_full(first.id, ALICE)

    # When she quotes and books with the new-customer coupon, then both refuse it alike
    with pytest.raises(CouponNotApplicable) as quoted:
        app.quotes.price(request, ALICE_ID, coupon_id=coupon_id, actor=ALICE)
    with pytest.raises(CouponNotApplicable) as booked:
        app.ordering.place_order(
            PlaceOrder(
                ALICE_ID, world.li, world.tuina, at(3, 12), location=HOME, coupon_id=coupon_id
            ),
            ALICE,
        )
    assert quoted.value.details["reason"] == booked.value.details["reason"] == "new_customers_only"
    assert not app.customers.standing(ALICE_ID, ALICE).is_new


def test_an_unregistered_customer_books_at_the_plain_price(world: OrderWorld) -> None:
    order = world.app.ordering.place_order(
        PlaceOrder(ALICE_ID, world.li, world.tuina, at(3, 10), location=HOME), ALICE
    )

    assert order.price == cny(19900)


# -- the record and who may touch it ---------------------------------------------------------


def test_a_customer_keeps_his_profile_address_book_and_favourites(world: OrderWorld) -> None:
    app = world.app
    details = CustomerDetails(
        "Alice",
        avatar_url="https://example.com/alice.png",
        birthday=_dt.date(1990, 5, 17),
        time_zone="Asia/Shanghai",
        phone="+8613812345678",
    )
    registered = app.customers.register(details, ALICE)
    home = NewAddress("Home", "上海市", "黄浦区", "南京东路 1 号", GeoPoint(31.23, 121.47))
    office = NewAddress("Office", "上海市", "浦东新区", "世纪大道 100 号", GeoPoint(31.24, 121.51))

    app.customers.add_address(ALICE_ID, home, ALICE)
    with_office = app.customers.add_address(ALICE_ID, office, ALICE)
    office_id = with_office.addresses[1].id
    app.customers.set_default_address(ALICE_ID, office_id, ALICE)
    app.customers.update_favourites(ALICE_ID, ALICE, add_technicians=[world.li])
    after = app.customers.remove_address(ALICE_ID, with_office.addresses[0].id, ALICE)

    assert registered.version == 1
    assert after.details == details
    assert [a.label for a in after.addresses] == ["Office"]
    assert after.default_address is not None
    assert after.default_address.id == office_id
    assert after.favourite_technicians == {world.li}
    assert app.customers.get(ALICE_ID, OPERATOR) == after


def test_removing_the_default_address_passes_it_on(world: OrderWorld) -> None:
    app = world.app
    app.customers.register(CustomerDetails("Alice"), ALICE)
    first = app.customers.add_address(
        ALICE_ID, NewAddress("Home", "上海市", "黄浦区", "1 号", GeoPoint(31.23, 121.47)), ALICE
    )
    both = app.customers.add_address(
        ALICE_ID, NewAddress("Gym", "上海市", "静安区", "2 号", GeoPoint(31.22, 121.45)), ALICE
    )

    left = app.customers.remove_address(ALICE_ID, first.addresses[0].id, ALICE)

    assert first.default_address_id == first.addresses[0].id  # the first one is the default
    assert left.default_address_id == both.addresses[1].id


@pytest.mark.parametrize("actor", [BOB, TECHNICIAN], ids=lambda a: a.id)
def test_only_the_customer_edits_and_only_he_and_the_platform_read(
    world: OrderWorld, actor: Actor
) -> None:
    app = world.app
    app.customers.register(CustomerDetails("Alice"), ALICE)
    address = NewAddress("Home", "上海市", "黄浦区", "1 号", GeoPoint(31.23, 121.47))

    for attempt in (
        lambda: app.customers.get(ALICE_ID, actor),
        lambda: app.customers.update_details(ALICE_ID, CustomerDetails("Mallory"), actor),
        lambda: app.customers.add_address(ALICE_ID, address, actor),
        lambda: app.customers.set_tier(ALICE_ID, "gold", actor),
        lambda: app.customers.set_tier(ALICE_ID, "gold", ALICE),  # not even himself
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert app.customers.get(ALICE_ID, ALICE).details.nickname == "Alice"
    assert app.customers.get(ALICE_ID, ALICE).tier is None


def test_bad_input_is_refused_with_its_field_and_stores_nothing(world: OrderWorld) -> None:
    app = world.app
    with pytest.raises(InvalidInput) as phone:
        CustomerDetails("Alice", phone="138 1234 5678")
    with pytest.raises(InvalidInput) as avatar:
        CustomerDetails("Alice", avatar_url="http://insecure.example.com/a.png")
    app.customers.register(CustomerDetails("Alice"), ALICE)
    with pytest.raises(InvalidInput) as contact:
        app.customers.add_address(
            ALICE_ID,
            NewAddress("Home", "上海市", "黄浦区", "1 号", HOME, contact_phone="12345"),
            ALICE,
        )
    with pytest.raises(InvalidInput) as tier:
        app.customers.set_tier(ALICE_ID, " ", OPERATOR)
    with pytest.raises(NotFound) as unknown:
        app.customers.update_favourites(ALICE_ID, ALICE, add_technicians=[TechnicianId("tec_x")])
    with pytest.raises(DuplicateEntity):
        app.customers.register(CustomerDetails("Alice again"), ALICE)

    assert phone.value.details["field"] == "phone"
    assert avatar.value.details["field"] == "avatar_url"
    assert contact.value.details["field"] == "phone"
    assert tier.value.details["field"] == "tier"
    assert unknown.value.error_code == "technician_not_found"
    stored = app.customers.get(ALICE_ID, ALICE)
    assert (stored.version, stored.addresses, stored.tier) == (1, (), None)


def test_two_edits_of_one_read_do_not_both_land(world: OrderWorld) -> None:
    app = world.app
    app.customers.register(CustomerDetails("Alice"), ALICE)
    with world.uow() as uow:
        read = uow.customers.get(ALICE_ID)
        uow.customers.save(read)
        uow.commit()
    with world.uow() as uow, pytest.raises(ConcurrentUpdate):
        uow.customers.save(read)
