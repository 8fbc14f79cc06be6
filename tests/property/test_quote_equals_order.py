"""The quote and the order agree: for any technician price, campaign and coupon, what
``app.quotes.price`` shows for a ``CartRequest`` is what checkout charges (issue 9 item 4).

Both build their cart with ``booking_core.services.steps.carts.build_cart``; before that,
the server's ``POST /quotes`` priced the catalog price, so a technician selling at his own
259.00 was quoted 199.00 and charged 259.00. The people issue adds tier and new-customer
status to this property (the customer's tier and whether he is new come from storage, for
the quote as for checkout; before, checkout priced everyone as a non-member who is not
new, so a gold member was quoted 169.10 and charged 199.00), the loyalty issue points.
The stores issue adds a store's own price (below the technician's own price, above the
catalog's), which both read from the technician's record.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking_core.customers import CustomerDetails
from booking_core.errors import BookingError
from booking_core.ids import CustomerId
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.pricing import PointsPolicy, PricingRules, Quote, TierDiscount
from booking_core.promotions import Campaign, CouponTemplate, IssueChannel
from booking_core.scheduling import WeeklyHours
from booking_core.scheduling.geo import GeoPoint
from booking_core.services.ordering import PlaceOrder
from booking_core.services.pricing import StaticPricingRules
from booking_core.services.steps.carts import CartItem, CartRequest
from booking_core.stores import StoreAddress, StoreDetails
from booking_core.testing.orders import HOME, OPERATOR, OrderWorld, at, order_world
from booking_core.testing.strategies import campaigns, coupon_templates

CUSTOMER = CustomerId("cus_7")


TIERS = StaticPricingRules(
    PricingRules(
        "CNY",
        tier_discounts=(
            TierDiscount("gold", Decimal("0.15")),
            TierDiscount("silver", Decimal("0.05")),
        ),
        # One point per yuan paid: what the order earns must be what the quote promised.
        points=PointsPolicy(Money(1, "CNY"), earn_rate=Decimal("0.01")),
    )
)


def _world() -> OrderWorld:
    return order_world(pricing_rules=TIERS)


def _as_customer(world: OrderWorld, *, tier: str | None, new: bool) -> None:
    """Register the customer with ``tier``; unless ``new``, give him a paid order."""
    actor = Actor(CUSTOMER, Role.CUSTOMER)
    world.app.customers.register(CustomerDetails("Qi"), actor)
    world.app.customers.set_tier(CUSTOMER, tier, OPERATOR)
    if not new:
        earlier = world.app.ordering.place_order(
            PlaceOrder(CUSTOMER, world.wang, world.foot, at(3, 9), location=HOME), actor
        )
        world.app.ordering.pay_in_full(earlier.id, actor)


def _in_store(world: OrderWorld, store_price: int | None) -> None:
    """Put Li in a store that sells tuina at ``store_price`` (None: no store)."""
    if store_price is None:
        return
    details = StoreDetails(
        "Jing'an Spa",
        StoreAddress("上海市", "静安区", "南京西路 1 号", GeoPoint(31.23, 121.45)),
        "Asia/Shanghai",
        WeeklyHours.every_day("10:00", "22:00"),
    )
    store = world.app.stores.create(details, OPERATOR, own_prices_allowed=True)
    world.app.stores.add_member(store.id, world.li, OPERATOR)
    world.app.stores.set_prices(store.id, {world.tuina: Money(store_price, "CNY")}, OPERATOR)


def _own_price(world: OrderWorld, own_price: int | None) -> None:
    if own_price is not None:
        profile = world.app.technicians.get(world.li).profile
        profile = attrs.evolve(profile, prices={world.tuina: Money(own_price, "CNY")})
        world.app.technicians.update_profile(world.li, profile, OPERATOR)


def _lines(priced: Quote) -> list[tuple[object, ...]]:
    return [
        (line.service_id, line.base, line.campaign, line.coupon, line.payable)
        for line in priced.lines
    ]


@pytest.mark.parametrize(
    ("own_price", "store_price", "expected"),
    [
        (None, None, 19900),
        (25900, None, 25900),
        (9900, None, 9900),
        (None, 15900, 15900),
        (25900, 15900, 25900),
    ],
)
def test_a_quote_for_a_technician_shows_his_price(
    own_price: int | None, store_price: int | None, expected: int
) -> None:
    # Given Li, who sells tuina (catalog 199.00) at his own price or not, in a store with
    # its own price or not
    world = _world()
    _in_store(world, store_price)
    _own_price(world, own_price)

    # When the customer asks for a quote with Li and then books him
    request = CartRequest((CartItem(world.tuina),), technician_id=world.li)
    quoted = world.app.quotes.price(request, CUSTOMER, actor=Actor(CUSTOMER, Role.CUSTOMER)).quote
    order = world.app.ordering.place_order(
        PlaceOrder(CUSTOMER, world.li, world.tuina, at(3, 10), location=HOME),
        Actor(CUSTOMER, Role.CUSTOMER),
    )

    # Then the quote showed his price, and the order costs exactly that and earns the
    # points promised (one per whole yuan)
    assert quoted.payable == Money(expected, "CNY")
    assert order.price == quoted.payable
    assert order.quote is not None
    assert order.quote.points_earned == quoted.points_earned == expected // 100


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.data(),
    own_price=st.none() | st.integers(1, 60_000),
    store_price=st.none() | st.integers(1, 60_000),
    use_coupon=st.booleans(),
    tier=st.sampled_from([None, "gold", "silver"]),
    new=st.booleans(),
)
def test_for_any_price_campaign_coupon_and_customer_the_quote_is_the_order(
    data: st.DataObject,
    own_price: int | None,
    store_price: int | None,
    use_coupon: bool,
    tier: str | None,
    new: bool,
) -> None:
    # Given a technician price and a store price (or not), a live campaign, maybe a coupon in
    # the wallet of a customer with a tier (or none) who is new or has paid an order before
    world = _world()
    app = world.app
    _as_customer(world, tier=tier, new=new)
    _in_store(world, store_price)
    _own_price(world, own_price)
    scope_ids = {
        "service_ids": (world.tuina, world.spa),
        "category_ids": tuple(c.id for c in app.catalog.list_categories()),
    }
    campaign: Campaign = data.draw(campaigns(around=at(2, 8), **scope_ids))
    app.campaigns.create(OPERATOR, campaign)
    coupon_id = None
    if use_coupon:
        template: CouponTemplate = data.draw(coupon_templates(around=at(2, 8), **scope_ids))
        template = attrs.evolve(
            template,
            active=True,
            channels=frozenset({IssueChannel.ADMIN}),
            issuable_from=None,
            issuable_until=None,
            stock=None,
        )
        app.coupons.create_template(OPERATOR, template)
        try:
            coupon_id = app.coupons.issue(OPERATOR, template.id, CUSTOMER).id
        except BookingError:
            coupon_id = None  # not issuable now (e.g. its validity has ended): no coupon

    # When the customer asks for a quote with Li, then books the same thing
    request = CartRequest((CartItem(world.tuina),), technician_id=world.li)
    command = PlaceOrder(
        CUSTOMER, world.li, world.tuina, at(3, 10), location=HOME, coupon_id=coupon_id
    )
    actor = Actor(CUSTOMER, Role.CUSTOMER)
    refused: BookingError | None = None
    try:
        quoted = app.quotes.price(request, CUSTOMER, coupon_id=coupon_id, actor=actor)
    except BookingError as error:
        refused = error
    if refused is not None:
        # Then a coupon the quote refuses, checkout refuses for the same reason
        with pytest.raises(type(refused)) as at_checkout:
            app.ordering.place_order(command, actor)
        assert at_checkout.value.code == refused.code
        assert at_checkout.value.details.get("reason") == refused.details.get("reason")
        return
    order = app.ordering.place_order(command, actor)

    # Then the order costs what the quote showed, line by line
    assert order.quote is not None
    assert order.price == quoted.quote.payable
    assert _lines(order.quote) == _lines(quoted.quote)
    assert order.quote.points_earned == quoted.quote.points_earned
