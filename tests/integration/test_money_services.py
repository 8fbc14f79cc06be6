"""Money use cases through the real services over in-memory storage: quotes with their
coupon explanations, coupon templates and wallets, campaigns and their budgets, and the
journal entries of an order (captured, completed, refunded)."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pendulum
import pytest

from booking_core.bootstrap import BookingApp, build
from booking_core.customers import CustomerDetails
from booking_core.errors import (
    CampaignBudgetExceeded,
    CouponLimitReached,
    CouponNotApplicable,
    CouponNotClaimable,
    CouponUnavailable,
    IdempotencyConflict,
    InvalidLedgerEntry,
    NotFound,
    PermissionDenied,
    RefundExceedsCaptured,
)
from booking_core.ids import CategoryId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.ledger import Account, OrderParties
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.pricing import (
    Cart,
    CartLine,
    PricingRules,
    RejectionReason,
    TierDiscount,
)
from booking_core.promotions import (
    Campaign,
    CampaignId,
    CampaignOffer,
    CouponBenefit,
    CouponId,
    CouponStatus,
    CouponTemplate,
    CouponTemplateId,
    CouponTerms,
    IssueChannel,
    Validity,
)
from booking_core.services.pricing import StaticPricingRules
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds

NOW = pendulum.datetime(2026, 3, 2, 9, 0, tz="Asia/Shanghai")
PLATFORM = Actor("adm_1", Role.PLATFORM)
ALICE = Actor("cus_alice", Role.CUSTOMER)
BOB = Actor("cus_bob", Role.CUSTOMER)
TUINA = CartLine(ServiceId("svc_tuina"), CategoryId("cat_massage"), Money(19900, "CNY"))
CART = Cart.of(TUINA)
ORDER = OrderId("ord_1")
PARTIES = OrderParties(TechnicianId("tec_li"))


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


def threshold_template(template_id: str, min_spend: int, amount: int) -> CouponTemplate:
    return CouponTemplate(
        id=CouponTemplateId(template_id),
        name=f"满{min_spend // 100}减{amount // 100}",
        terms=CouponTerms(CouponBenefit.threshold(min_spend=cny(min_spend), amount=cny(amount))),
        validity=Validity.days_after_issue(7),
    )


def weekend_campaign(budget: int = 10000) -> Campaign:
    return Campaign(
        id=CampaignId("cmp_weekend"),
        name="周末8折",
        offer=CampaignOffer.percent_off(Decimal("0.2")),
        starts_at=NOW,
        ends_at=NOW.add(days=2),
        budget=cny(budget),
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def app(clock: FrozenClock) -> BookingApp:
    return build(
        uow=InMemoryStore().unit_of_work,
        payments=ScriptedPaymentGateway(),
        clock=clock,
        ids=SequentialIds(),
        pricing_rules=StaticPricingRules(
            PricingRules("CNY", tier_discounts=(TierDiscount("gold", Decimal("0.05")),))
        ),
    )


@pytest.fixture
def stocked(app: BookingApp) -> BookingApp:
    """A 20 % campaign and two coupons in Alice's wallet: 满150减20 and 满200减30."""
    app.campaigns.create(PLATFORM, weekend_campaign())
    for template in (
        threshold_template("tpl_150", 15000, 2000),
        threshold_template("tpl_200", 20000, 3000),
    ):
        app.coupons.create_template(PLATFORM, template)
        app.coupons.claim(ALICE, template.id)
    return app


# -- quotes ----------------------------------------------------------------------------------


def test_a_quote_applies_the_campaign_and_explains_every_coupon(stocked: BookingApp) -> None:
    alice = CustomerId(ALICE.id)

    priced = stocked.quotes.price(
        CART, alice, coupon_id=CouponId("cpn_0001"), actor=Actor.customer(alice)
    )

    (line,) = priced.quote.lines
    assert (line.base, line.campaign, line.coupon, line.payable) == (
        cny(19900),
        cny(3980),
        cny(2000),
        cny(13920),
    )
    assert priced.quote.platform_funded == cny(5980)
    assert priced.best_coupon_id == "cpn_0001"
    applies, rejected = priced.coupons
    assert (applies.coupon_id, applies.discount, applies.applies) == ("cpn_0001", cny(2000), True)
    assert rejected.rejection is not None
    assert (rejected.coupon_id, rejected.rejection.reason) == (
        "cpn_0002",
        RejectionReason.MIN_SPEND_NOT_MET,
    )
    assert rejected.rejection.shortfall == cny(4080)


def test_a_member_price_beats_no_campaign_and_a_wrong_coupon_is_explained(
    app: BookingApp,
) -> None:
    app.coupons.create_template(PLATFORM, threshold_template("tpl_200", 20000, 3000))
    app.coupons.claim(ALICE, CouponTemplateId("tpl_200"))
    gold = CustomerId(ALICE.id)
    app.customers.register(CustomerDetails("Alice"), ALICE)
    app.customers.set_tier(gold, "gold", PLATFORM)

    with pytest.raises(CouponNotApplicable) as raised:
        app.quotes.price(CART, gold, coupon_id=CouponId("cpn_0001"), actor=ALICE)
    priced = app.quotes.price(CART, gold, actor=ALICE)

    assert raised.value.details["reason"] == "min_spend_not_met"
    assert (priced.quote.tier_discount, priced.quote.payable) == (cny(995), cny(18905))
    assert priced.best_coupon_id is None


def test_someone_elses_coupon_is_not_found(stocked: BookingApp) -> None:
    with pytest.raises(NotFound) as raised:
        stocked.quotes.price(CART, CustomerId(BOB.id), coupon_id=CouponId("cpn_0001"), actor=BOB)

    assert raised.value.error_code == "coupon_not_found"


# -- coupon templates, claims and wallets -----------------------------------------------------


def test_only_the_platform_creates_templates_and_only_customers_claim(app: BookingApp) -> None:
    template = threshold_template("tpl_150", 15000, 2000)

    with pytest.raises(PermissionDenied):
        app.coupons.create_template(ALICE, template)
    app.coupons.create_template(PLATFORM, template)
    with pytest.raises(PermissionDenied):
        app.coupons.claim(PLATFORM, template.id)

    assert [s.template for s in app.coupons.templates()] == [template]


def test_claims_hold_the_limit_and_admins_issue_beyond_it(app: BookingApp) -> None:
    template = attrs.evolve(
        threshold_template("tpl_150", 15000, 2000),
        stock=3,
        channels=frozenset({IssueChannel.CLAIM, IssueChannel.ADMIN}),
    )
    app.coupons.create_template(PLATFORM, template)
    app.coupons.claim(ALICE, template.id)

    with pytest.raises(CouponLimitReached):
        app.coupons.claim(ALICE, template.id)
    issued = app.coupons.issue(PLATFORM, template.id, CustomerId(ALICE.id))

    (stock,) = app.coupons.templates()
    assert (stock.issued, stock.left) == (2, 1)
    assert issued.customer_id == ALICE.id
    assert [w.coupon.id for w in app.coupons.wallet(ALICE)] == [
        "cpn_0001",
        "cpn_0003",  # the refused claim used up an id, never a coupon
    ]


def test_a_stopped_template_issues_nothing(app: BookingApp) -> None:
    template = threshold_template("tpl_150", 15000, 2000)
    app.coupons.create_template(PLATFORM, template)

    stopped = app.coupons.set_template_active(PLATFORM, template.id, active=False)

    assert stopped.active is False
    with pytest.raises(CouponNotClaimable):
        app.coupons.claim(ALICE, template.id)


def test_the_wallet_shows_a_coupon_past_its_end_as_expired(
    stocked: BookingApp, clock: FrozenClock
) -> None:
    clock.advance(pendulum.duration(days=8))

    wallet = stocked.coupons.wallet(ALICE)

    assert [(w.coupon.id, w.status) for w in wallet] == [
        ("cpn_0001", CouponStatus.EXPIRED),
        ("cpn_0002", CouponStatus.EXPIRED),
    ]
    assert wallet[0].coupon.status is CouponStatus.AVAILABLE


# -- the coupon in the order flow ------------------------------------------------------------


def test_a_coupon_is_reserved_at_checkout_used_on_payment_and_returned_once(
    stocked: BookingApp,
) -> None:
    alice = CustomerId(ALICE.id)
    coupon_id = CouponId("cpn_0001")

    reserved = stocked.coupons.reserve_for_order(
        order_id=ORDER, customer_id=alice, coupon_id=coupon_id
    )
    again = stocked.coupons.reserve_for_order(
        order_id=ORDER, customer_id=alice, coupon_id=coupon_id
    )
    with pytest.raises(CouponUnavailable):
        stocked.coupons.reserve_for_order(
            order_id=OrderId("ord_2"), customer_id=alice, coupon_id=coupon_id
        )
    used = stocked.coupons.consume_for_order(ORDER)
    replayed = stocked.coupons.consume_for_order(ORDER)
    returned = stocked.coupons.release_for_order(ORDER)
    second = stocked.coupons.release_for_order(ORDER)

    assert (reserved.status, again) == (CouponStatus.RESERVED, reserved)
    assert [c.status for c in used] == [CouponStatus.USED]
    assert replayed == []
    assert [(c.id, c.status, c.order_id) for c in returned] == [
        ("cpn_0001", CouponStatus.AVAILABLE, None)
    ]
    assert second == []


def test_only_the_holder_reserves_a_coupon(stocked: BookingApp) -> None:
    with pytest.raises(NotFound):
        stocked.coupons.reserve_for_order(
            order_id=ORDER, customer_id=CustomerId(BOB.id), coupon_id=CouponId("cpn_0001")
        )


# -- campaigns -------------------------------------------------------------------------------


def test_a_paid_order_charges_the_budget_and_a_cancelled_one_gives_it_back(
    stocked: BookingApp,
) -> None:
    quote = stocked.quotes.price(CART, CustomerId(ALICE.id), actor=ALICE).quote

    (charged,) = stocked.campaigns.charge_order(ORDER, quote)
    (back,) = stocked.campaigns.refund_order(ORDER, quote)

    assert charged.spent == cny(3980)
    assert back.spent == cny(0)


def test_a_budget_is_never_overspent(stocked: BookingApp) -> None:
    quote = stocked.quotes.price(CART, CustomerId(ALICE.id), actor=ALICE).quote
    stocked.campaigns.charge_order(ORDER, quote)
    stocked.campaigns.charge_order(OrderId("ord_2"), quote)

    with pytest.raises(CampaignBudgetExceeded):
        stocked.campaigns.charge_order(OrderId("ord_3"), quote)

    assert stocked.campaigns.get(CampaignId("cmp_weekend")).remaining == cny(2040)


def test_updating_a_campaign_keeps_what_it_spent(stocked: BookingApp) -> None:
    quote = stocked.quotes.price(CART, CustomerId(ALICE.id), actor=ALICE).quote
    stocked.campaigns.charge_order(ORDER, quote)

    updated = stocked.campaigns.update(PLATFORM, weekend_campaign(budget=50000))

    assert (updated.budget, updated.spent) == (cny(50000), cny(3980))
    with pytest.raises(PermissionDenied):
        stocked.campaigns.update(ALICE, weekend_campaign())


# -- the journal -----------------------------------------------------------------------------


def test_an_order_is_captured_settled_and_refunded_in_proportion(stocked: BookingApp) -> None:
    quote = stocked.quotes.price(
        CART,
        CustomerId(ALICE.id),
        coupon_id=CouponId("cpn_0001"),
        actor=ALICE,
    ).quote
    stocked.ledger.record_payment_captured(ORDER, cny(13920), key="pay-1")

    done = stocked.ledger.record_order_completed(ORDER, PARTIES, quote)
    refund = stocked.ledger.record_refund(ORDER, cny(6960), key="refund-1")

    assert {str(p.account): p.amount.amount for p in done.postings} == {
        "customer_funds": 13920,
        "promotion_expense": 5980,
        "technician_payable:tec_li": -13930,
        "platform_revenue": -5970,
    }
    assert {str(p.account): p.amount.amount for p in refund.postings} == {
        "technician_payable:tec_li": 6965,
        "platform_revenue": 2985,
        "promotion_expense": -2990,
        "payments_clearing": -6960,
    }
    assert stocked.ledger.balances(PLATFORM, "CNY") == {
        (Account.payments_clearing(), "CNY"): cny(6960),
        (Account.technician_payable(TechnicianId("tec_li")), "CNY"): cny(-6965),
        (Account.platform_revenue(), "CNY"): cny(-2985),
        (Account.promotion_expense(), "CNY"): cny(2990),
    }


def test_replayed_postings_record_nothing_new(stocked: BookingApp) -> None:
    quote = stocked.quotes.price(CART, CustomerId(ALICE.id), actor=ALICE).quote
    first = stocked.ledger.record_payment_captured(ORDER, cny(15920), key="pay-1")
    done = stocked.ledger.record_order_completed(ORDER, PARTIES, quote)

    again = stocked.ledger.record_payment_captured(ORDER, cny(15920), key="pay-1")
    settled_again = stocked.ledger.record_order_completed(ORDER, PARTIES, quote)
    with pytest.raises(IdempotencyConflict):
        stocked.ledger.record_payment_captured(ORDER, cny(1), key="pay-1")

    assert (again, settled_again) == (first, done)
    assert [t.id for t in stocked.ledger.order_position(PLATFORM, ORDER)] == [
        "pay:pay-1",
        "done:ord_1:1",
    ]


def test_a_refund_before_completion_settles_what_is_left(stocked: BookingApp) -> None:
    quote = stocked.quotes.price(CART, CustomerId(ALICE.id), actor=ALICE).quote
    stocked.ledger.record_payment_captured(ORDER, cny(15920), key="pay-1")
    stocked.ledger.record_refund(ORDER, cny(5920), key="refund-1")

    done = stocked.ledger.record_order_completed(ORDER, PARTIES, quote)

    assert {str(p.account): p.amount.amount for p in done.postings} == {
        "customer_funds": 10000,
        "promotion_expense": 3980,
        "technician_payable:tec_li": -9786,
        "platform_revenue": -4194,
    }
    with pytest.raises(RefundExceedsCaptured):
        stocked.ledger.record_refund(ORDER, cny(10001), key="refund-2")


def test_a_fully_refunded_order_is_not_settled(stocked: BookingApp) -> None:
    quote = stocked.quotes.price(CART, CustomerId(ALICE.id), actor=ALICE).quote
    stocked.ledger.record_payment_captured(ORDER, cny(15920), key="pay-1")
    stocked.ledger.record_refund(ORDER, cny(15920), key="refund-1")

    with pytest.raises(InvalidLedgerEntry) as raised:
        stocked.ledger.record_order_completed(ORDER, PARTIES, quote)

    assert raised.value.details["reason"] == "fully_refunded"
    assert stocked.ledger.balances(PLATFORM) == {}


def test_only_the_platform_sees_the_books(stocked: BookingApp) -> None:
    with pytest.raises(PermissionDenied):
        stocked.ledger.balances(ALICE)
    with pytest.raises(PermissionDenied):
        stocked.ledger.order_position(ALICE, ORDER)
