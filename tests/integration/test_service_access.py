"""Who may do what is the services' (DESIGN: "who may do what is the core's"): an app that
calls a service directly, with no HTTP server in front, gets the same refusals.

Each check here once lived in a router of the reference server; every test calls the
service itself with the wrong actor and expects the refusal, and that nothing was stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from booking_core.errors import NotFound, PermissionDenied
from booking_core.ids import CategoryId, CustomerId, OrderId
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.orders.complaint import Remedy
from booking_core.pricing import Cart, CartLine
from booking_core.promotions import (
    Campaign,
    CampaignId,
    CampaignOffer,
    CouponBenefit,
    CouponTemplate,
    CouponTemplateId,
    CouponTerms,
    Validity,
)
from booking_core.scheduling import WeeklyHours
from booking_core.services.aftersales import FileComplaint
from booking_core.services.catalog import CreateCategory, CreateService
from booking_core.services.holds import HoldSlot
from booking_core.services.ordering import PlaceOrder
from booking_core.services.reviews import SubmitReview
from booking_core.services.technicians import RegisterTechnician
from booking_core.testing.orders import CUSTOMER, HOME, OPERATOR, OrderWorld, at, order_world

TECHNICIAN = Actor("tec_x", Role.TECHNICIAN)
STORE = Actor("sto_1", Role.STORE)
OTHER_CUSTOMER = Actor("cus_2", Role.CUSTOMER)
NOT_PLATFORM = [CUSTOMER, TECHNICIAN, STORE, Actor.system()]
NOT_CUSTOMER = [OPERATOR, TECHNICIAN, STORE, Actor.system()]


@pytest.fixture
def world() -> OrderWorld:
    return order_world()


def _refused(call: Callable[[], Any], actor: Actor) -> PermissionDenied:
    with pytest.raises(PermissionDenied) as caught:
        call()
    assert caught.value.code == "permission_denied"
    assert actor.role.value in caught.value.message or actor.id in caught.value.message
    return caught.value


# --- the platform's: catalog and technicians (were the server's require_platform) ----------


@pytest.mark.parametrize("actor", NOT_PLATFORM, ids=lambda a: a.role.value)
def test_only_the_platform_creates_categories(world: OrderWorld, actor: Actor) -> None:
    # given the world's one category
    before = world.app.catalog.list_categories()

    # when someone else creates one, then it is refused and nothing is stored
    _refused(lambda: world.app.catalog.create_category(CreateCategory("Spa"), actor), actor)
    assert world.app.catalog.list_categories() == before


@pytest.mark.parametrize("actor", NOT_PLATFORM, ids=lambda a: a.role.value)
def test_only_the_platform_creates_services(world: OrderWorld, actor: Actor) -> None:
    # given the catalog's services
    before = world.app.catalog.list_services()
    category = before[0].category_id
    command = CreateService(CategoryId(category), "Cupping", 30, Money(9900, "CNY"))

    # when someone else creates one, then it is refused and nothing is stored
    _refused(lambda: world.app.catalog.create_service(command, actor), actor)
    assert world.app.catalog.list_services() == before


def test_the_platform_still_manages_the_catalog(world: OrderWorld) -> None:
    # given the platform

    # when it creates a category and a service in it
    category = world.app.catalog.create_category(CreateCategory("Spa"), OPERATOR)
    service = world.app.catalog.create_service(
        CreateService(category.id, "Cupping", 30, Money(9900, "CNY")), OPERATOR
    )

    # then both are stored
    assert world.app.catalog.get_service(service.id).category_id == category.id


@pytest.mark.parametrize("actor", NOT_PLATFORM, ids=lambda a: a.role.value)
def test_only_the_platform_registers_technicians(world: OrderWorld, actor: Actor) -> None:
    # given the world's technicians
    before = world.app.technicians.list()
    command = RegisterTechnician("Zhao", "Asia/Shanghai", WeeklyHours.every_day("09:00", "18:00"))

    # when someone else registers one, then it is refused and nothing is stored
    _refused(lambda: world.app.technicians.register(command, actor), actor)
    assert world.app.technicians.list() == before


# --- the platform's: promotions and the books (the server checked them a second time) -----


def _template() -> CouponTemplate:
    return CouponTemplate(
        CouponTemplateId("tpl_x"),
        "10 off",
        CouponTerms(CouponBenefit.amount_off(Money(1000, "CNY"))),
        Validity.days_after_issue(7),
    )


def _campaign() -> Campaign:
    return Campaign(
        CampaignId("cmp_x"),
        "weekend",
        CampaignOffer.special_price(Money(9900, "CNY")),
        starts_at=at(2, 0),
        ends_at=at(9, 0),
    )


_PLATFORM_CALLS: dict[str, Callable[[OrderWorld, Actor], object]] = {
    "create_template": lambda w, a: w.app.coupons.create_template(a, _template()),
    "set_template_active": lambda w, a: w.app.coupons.set_template_active(
        a, CouponTemplateId("tpl_x"), active=False
    ),
    "issue_coupon": lambda w, a: w.app.coupons.issue(
        a, CouponTemplateId("tpl_x"), CustomerId("cus_1")
    ),
    "create_campaign": lambda w, a: w.app.campaigns.create(a, _campaign()),
    "update_campaign": lambda w, a: w.app.campaigns.update(a, _campaign()),
    "ledger_balances": lambda w, a: w.app.ledger.balances(a, "CNY"),
    "ledger_order_position": lambda w, a: w.app.ledger.order_position(a, OrderId("ord_x")),
}


@pytest.mark.parametrize("call", sorted(_PLATFORM_CALLS))
@pytest.mark.parametrize("actor", NOT_PLATFORM, ids=lambda a: a.role.value)
def test_promotions_and_the_books_are_the_platforms(
    world: OrderWorld, call: str, actor: Actor
) -> None:
    # given a template and a campaign the platform made
    world.app.coupons.create_template(OPERATOR, _template())
    world.app.campaigns.create(OPERATOR, _campaign())

    # when someone else manages them or reads the books, then it is refused
    _refused(lambda: _PLATFORM_CALLS[call](world, actor), actor)


# --- a customer's own: orders, holds, reviews, complaints, quotes, the wallet -------------


def _booking(customer: str = "cus_1") -> Callable[[OrderWorld], PlaceOrder]:
    return lambda w: PlaceOrder(CustomerId(customer), w.li, w.tuina, at(3, 10), location=HOME)


@pytest.mark.parametrize("actor", NOT_CUSTOMER, ids=lambda a: a.role.value)
def test_only_a_customer_places_orders(world: OrderWorld, actor: Actor) -> None:
    # given a booking for cus_1, sent by someone who is not a customer
    command = _booking()(world)

    # when it is placed, then it is refused and the time stays free
    _refused(lambda: world.app.ordering.place(command, actor), actor)
    _refused(lambda: world.app.ordering.place_order(command, actor), actor)
    assert world.app.ordering.place(command, CUSTOMER).order.customer_id == "cus_1"


def test_a_customer_places_orders_only_for_himself(world: OrderWorld) -> None:
    # given a booking for cus_1

    # when cus_2 places it, then it is refused
    denied = _refused(
        lambda: world.app.ordering.place(_booking()(world), OTHER_CUSTOMER), OTHER_CUSTOMER
    )
    assert denied.details == {"customer_id": "cus_1"}


@pytest.mark.parametrize("actor", [*NOT_CUSTOMER, OTHER_CUSTOMER], ids=lambda a: a.id)
def test_only_the_customer_himself_holds_slots(world: OrderWorld, actor: Actor) -> None:
    # given a hold asked for cus_1
    command = HoldSlot(CustomerId("cus_1"), world.li, world.tuina, at(3, 10))

    # when someone else asks, then it is refused and the slot is still offered
    _refused(lambda: world.app.holds.hold(command, actor), actor)
    assert world.app.holds.hold(command, CUSTOMER).holder == "cus_1"


@pytest.mark.parametrize("actor", NOT_CUSTOMER, ids=lambda a: a.role.value)
def test_only_a_customer_releases_holds(world: OrderWorld, actor: Actor) -> None:
    # given cus_1's hold
    hold = world.app.holds.hold(
        HoldSlot(CustomerId("cus_1"), world.li, world.tuina, at(3, 10)), CUSTOMER
    )

    # when someone who is no customer releases it, then it is refused and the hold stays
    _refused(lambda: world.app.holds.release(hold.id, actor), actor)
    assert world.app.holds.get(hold.id, CUSTOMER).active


def test_a_customer_releases_only_his_own_hold(world: OrderWorld) -> None:
    # given cus_1's hold
    hold = world.app.holds.hold(
        HoldSlot(CustomerId("cus_1"), world.li, world.tuina, at(3, 10)), CUSTOMER
    )

    # when cus_2 releases it, then it is refused; and cus_2 cannot even see it
    with pytest.raises(PermissionDenied):
        world.app.holds.release(hold.id, OTHER_CUSTOMER)
    with pytest.raises(NotFound):
        world.app.holds.get(hold.id, OTHER_CUSTOMER)
    assert world.app.holds.get(hold.id, CUSTOMER).active


def _completed(world: OrderWorld) -> OrderId:
    order_id = world.paid_order(at(2, 10))
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")
    return order_id


@pytest.mark.parametrize("actor", [*NOT_CUSTOMER, OTHER_CUSTOMER], ids=lambda a: a.id)
def test_only_the_customer_himself_reviews(world: OrderWorld, actor: Actor) -> None:
    # given cus_1's completed order and a review in his name
    command = SubmitReview(_completed(world), CustomerId("cus_1"), 1, "sent by someone else")

    # when someone else submits it, then it is refused and no review is stored
    _refused(lambda: world.app.reviews.submit(command, actor), actor)
    assert world.app.reviews.for_technician(world.li) == []


@pytest.mark.parametrize("actor", [*NOT_CUSTOMER, OTHER_CUSTOMER], ids=lambda a: a.id)
def test_only_the_customer_himself_files_complaints(world: OrderWorld, actor: Actor) -> None:
    # given cus_1's completed order and a complaint in his name
    order_id = _completed(world)
    command = FileComplaint(order_id, CustomerId("cus_1"), "Ended early", Remedy.APOLOGY)

    # when someone else files it, then it is refused and the platform's queue stays empty
    _refused(lambda: world.app.aftersales.file(command, actor), actor)
    assert world.app.aftersales.pending(OPERATOR) == []


@pytest.mark.parametrize("actor", [*NOT_CUSTOMER, OTHER_CUSTOMER], ids=lambda a: a.id)
def test_only_the_customer_himself_prices_with_his_wallet(world: OrderWorld, actor: Actor) -> None:
    # given a cart priced for cus_1 (the quote explains each coupon in his wallet)
    service = world.app.catalog.get_service(world.tuina)
    cart = Cart.of(CartLine(service.id, service.category_id, service.price))
    customer = CustomerId("cus_1")

    # when someone else prices it, then it is refused
    _refused(lambda: world.app.quotes.price(cart, customer, actor=actor), actor)
    assert world.app.quotes.price(cart, customer, actor=CUSTOMER).quote.payable == service.price


@pytest.mark.parametrize("actor", NOT_CUSTOMER, ids=lambda a: a.role.value)
def test_only_a_customer_has_a_wallet(world: OrderWorld, actor: Actor) -> None:
    # given someone who is not a customer

    # when he reads "his" wallet, then it is refused
    _refused(lambda: world.app.coupons.wallet(actor), actor)
    assert world.app.coupons.wallet(CUSTOMER) == []
