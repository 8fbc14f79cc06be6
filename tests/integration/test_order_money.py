"""The order flow and the money services together, through the real services over in-memory
storage: checkout prices the order with the customer's coupon and reserves it, a capture uses
the coupon and is posted, a completion is split between technician and platform with the
platform-funded coupon as promotion expense, a refund reverses every party in proportion,
and a cancelled or expired order gives its coupon and campaign discounts back."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pendulum
import pytest

from booking_core.errors import CouponNotApplicable, NotFound
from booking_core.ids import CustomerId, OrderId
from booking_core.ledger import RateRule, RateTable, SplitRates
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.orders.complaint import Decision, Remedy
from booking_core.orders.policy import PaymentMode
from booking_core.ports.payments import WebhookKind
from booking_core.pricing import Cart, CartLine
from booking_core.promotions import (
    Campaign,
    CampaignId,
    CampaignOffer,
    Coupon,
    CouponBenefit,
    CouponId,
    CouponStatus,
    CouponTemplate,
    CouponTemplateId,
    CouponTerms,
    Funding,
    Validity,
)
from booking_core.services.aftersales import FileComplaint
from booking_core.testing.orders import CUSTOMER, OPERATOR, OrderWorld, at, order_world


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


def template(
    template_id: str,
    benefit: CouponBenefit,
    *,
    validity: Validity | None = None,
    funded_by: Funding = Funding.PLATFORM,
) -> CouponTemplate:
    return CouponTemplate(
        CouponTemplateId(template_id),
        template_id,
        CouponTerms(benefit, funded_by=funded_by),
        validity or Validity.days_after_issue(7),
        per_customer_limit=None,
    )


def claim(world: OrderWorld, coupon: CouponTemplate, customer: Actor = CUSTOMER) -> CouponId:
    if coupon.id not in {stock.template.id for stock in world.app.coupons.templates()}:
        world.app.coupons.create_template(OPERATOR, coupon)
    return world.app.coupons.claim(customer, coupon.id).id


#: 满150减20, paid by the platform: a 199.00 tuina costs the customer 179.00.
TWENTY_OFF = template("tpl_150_20", CouponBenefit.threshold(min_spend=cny(15000), amount=cny(2000)))


def coupon(world: OrderWorld, coupon_id: CouponId) -> Coupon:
    with world.uow() as uow:
        return uow.coupons.get(coupon_id)


def payment_key(world: OrderWorld, order_id: OrderId, n: int = 0) -> str:
    attempts, _ = world.app.payments.money_of(order_id, OPERATOR)
    return attempts[n].key


def refund_key(world: OrderWorld, order_id: OrderId, n: int = 0) -> str:
    _, refunds = world.app.payments.money_of(order_id, OPERATOR)
    return refunds[n].key


def complete(world: OrderWorld, order_id: OrderId) -> None:
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")


@pytest.fixture
def world() -> OrderWorld:
    return order_world()


# -- checkout --------------------------------------------------------------------------------


def test_checkout_prices_the_order_with_the_coupon_and_reserves_it(world: OrderWorld) -> None:
    # given a 满150减20 coupon in the customer's wallet
    coupon_id = claim(world, TWENTY_OFF)

    # when the customer books Li's 199.00 tuina with it
    order_id = world.place(at(3, 10), coupon=coupon_id)

    # then the order costs 179.00, keeps its quote, and holds the coupon
    order = world.get(order_id)
    assert (order.price, order.upfront, order.coupon_id) == (cny(17900), cny(17900), coupon_id)
    assert order.quote is not None
    (line,) = order.quote.lines
    assert (line.base, line.coupon, line.payable, line.platform_funded) == (
        cny(19900),
        cny(2000),
        cny(17900),
        cny(2000),
    )
    held = coupon(world, coupon_id)
    assert (held.status, held.order_id) == (CouponStatus.RESERVED, order_id)
    assert world.journal(order_id) == []  # nothing is posted before money moves


def test_the_checkout_price_is_what_the_quote_showed(world: OrderWorld) -> None:
    # given the customer's coupon and the quote he was shown for the tuina
    coupon_id = claim(world, TWENTY_OFF)
    with world.uow() as uow:
        service = uow.services.get(world.tuina)
    shown = world.app.quotes.price(
        Cart.of(CartLine(service.id, service.category_id, service.price)),
        CustomerId("cus_1"),
        coupon_id=coupon_id,
        actor=Actor.customer("cus_1"),
    ).quote

    # when he books it with the coupon
    order = world.get(world.place(at(3, 10), coupon=coupon_id))

    # then he is charged exactly that
    assert order.price == shown.payable == cny(17900)
    assert order.quote is not None
    assert order.quote.lines == shown.lines


def test_a_coupon_that_does_not_apply_fails_the_checkout_and_stores_nothing(
    world: OrderWorld,
) -> None:
    # given a 满200减30 coupon, which a 199.00 tuina does not reach
    coupon_id = claim(
        world,
        template("tpl_200_30", CouponBenefit.threshold(min_spend=cny(20000), amount=cny(3000))),
    )

    # when the customer tries to book with it
    with pytest.raises(CouponNotApplicable) as refused:
        world.place(at(3, 10), coupon=coupon_id)

    # then nothing is stored: no order, the coupon is free, the time is free
    assert refused.value.details["reason"] == "min_spend_not_met"
    assert world.app.ordering.list_orders(CUSTOMER) == []
    assert coupon(world, coupon_id).status is CouponStatus.AVAILABLE
    assert world.get(world.place(at(3, 10))).price == cny(19900)


def test_someone_elses_coupon_is_not_found_and_stays_theirs(world: OrderWorld) -> None:
    # given a coupon in another customer's wallet
    theirs = claim(world, TWENTY_OFF, Actor("cus_2", Role.CUSTOMER))

    # when cus_1 tries to book with it
    with pytest.raises(NotFound) as refused:
        world.place(at(3, 10), coupon=theirs)

    # then it is not found, and it is untouched
    assert refused.value.error_code == "coupon_not_found"
    assert coupon(world, theirs).status is CouponStatus.AVAILABLE
    assert world.app.ordering.list_orders(CUSTOMER) == []


def test_a_coupon_held_by_one_order_cannot_price_another(world: OrderWorld) -> None:
    # given an order holding the customer's coupon
    coupon_id = claim(world, TWENTY_OFF)
    first = world.place(at(3, 10), coupon=coupon_id)

    # when he books a second order with the same coupon
    with pytest.raises(CouponNotApplicable):
        world.place(at(3, 14), coupon=coupon_id)

    # then the coupon stays with the first order
    assert coupon(world, coupon_id).order_id == first
    assert len(world.app.ordering.list_orders(CUSTOMER)) == 1


# -- payment captured --------------------------------------------------------------------------


def test_a_capture_uses_the_coupon_and_posts_the_payment_once(world: OrderWorld) -> None:
    # given an order with the 20.00 coupon
    coupon_id = claim(world, TWENTY_OFF)
    order_id = world.place(at(3, 10), coupon=coupon_id)

    # when the customer pays, and the gateway's answer comes again by webhook and by a
    # replayed API answer
    result = world.app.payments.pay(order_id, CUSTOMER)
    key = payment_key(world, order_id)
    webhook = world.gateway.notification(WebhookKind.PAYMENT_CAPTURED, key)
    world.app.payments.handle_webhook(*webhook)
    world.app.payments.handle_webhook(*webhook)
    world.app.payments.apply_payment(world.gateway.get_payment(key), source="webhook")

    # then 179.00 was charged, the coupon is used, and the capture is posted once
    assert result.amount == cny(17900)
    used = coupon(world, coupon_id)
    assert (used.status, used.order_id) == (CouponStatus.USED, order_id)
    assert world.journal(order_id) == [
        (f"pay:{key}", {"payments_clearing": 17900, "customer_funds": -17900})
    ]
    assert world.balances() == {"payments_clearing": 17900, "customer_funds": -17900}


def test_a_deposit_and_a_balance_are_each_posted_under_their_key(world: OrderWorld) -> None:
    # given a deposit order with the coupon: 30 % of 179.00 now, the rest on arrival
    order_id = world.place(at(3, 10), mode=PaymentMode.DEPOSIT, coupon=claim(world, TWENTY_OFF))

    # when the deposit and later the balance are paid and the order completes
    world.app.payments.pay(order_id, CUSTOMER)
    world.fire_on_schedule(order_id, "accept", "depart", "arrive")
    world.app.payments.pay(order_id, CUSTOMER)
    world.fire_on_schedule(order_id, "start_service", "complete")

    # then each capture is its own entry and the settlement covers both
    assert world.journal(order_id)[:2] == [
        (f"pay:{order_id}:dep:1", {"payments_clearing": 5370, "customer_funds": -5370}),
        (f"pay:{order_id}:bal:1", {"payments_clearing": 12530, "customer_funds": -12530}),
    ]
    assert world.journal(order_id)[2][1]["customer_funds"] == 17900


# -- completion --------------------------------------------------------------------------------


def test_completion_splits_the_order_and_books_the_coupon_as_promotion_expense(
    world: OrderWorld,
) -> None:
    # given a paid 179.00 order with the platform's 20.00 coupon (default rates: 70 % to the
    # technician)
    order_id = world.paid_order(at(2, 10), coupon=claim(world, TWENTY_OFF))

    # when Li completes it
    complete(world, order_id)

    # then 199.00 is shared as if paid in full: Li 139.30, the platform 59.70, and the
    # platform's 20.00 is promotion expense
    technician = f"technician_payable:{world.li}"
    assert world.journal(order_id)[1] == (
        f"done:{order_id}:1",
        {
            "customer_funds": 17900,
            "promotion_expense": 2000,
            technician: -13930,
            "platform_revenue": -5970,
        },
    )
    assert world.balances() == {
        "payments_clearing": 17900,
        technician: -13930,
        "platform_revenue": -5970,
        "promotion_expense": 2000,
    }
    assert sum(world.balances().values()) == 0


def test_the_auto_complete_job_settles_the_order_by_the_configured_rates() -> None:
    # given rates giving Li 60 % of tuina, and a paid order with the coupon in service
    tuina = order_world().tuina  # ids are sequential: every world names it alike
    rates = RateTable(
        SplitRates(Decimal("0.7")), (RateRule(SplitRates(Decimal("0.6")), service_id=tuina),)
    )
    world = order_world(rates=rates)
    order_id = world.paid_order(at(2, 10), coupon=claim(world, TWENTY_OFF))
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service")

    # when nobody completes it and the job runs after its end and the grace
    world.clock.set(at(2, 12, 1))
    runs = world.run_jobs()

    # then the system completed it and the books split 199.00 by 60 %
    assert "auto_complete:done" in runs
    assert world.get(order_id).state == "completed"
    assert world.journal(order_id)[-1] == (
        f"done:{order_id}:1",
        {
            "customer_funds": 17900,
            "promotion_expense": 2000,
            f"technician_payable:{world.li}": -11940,
            "platform_revenue": -7960,
        },
    )


def test_an_order_the_coupon_pays_in_full_uses_it_and_settles_at_completion(
    world: OrderWorld,
) -> None:
    # given a 199.00 voucher: nothing to pay, the order waits for Li at once
    voucher = claim(world, template("tpl_free", CouponBenefit.amount_off(cny(19900))))
    order_id = world.place(at(2, 10), coupon=voucher)
    assert (world.get(order_id).price, world.get(order_id).state) == (
        cny(0),
        "pending_acceptance",
    )

    # when Li does the service
    complete(world, order_id)

    # then the coupon is used and the platform pays the whole settlement
    assert coupon(world, voucher).status is CouponStatus.USED
    assert world.journal(order_id) == [
        (
            f"done:{order_id}:1",
            {
                "promotion_expense": 19900,
                f"technician_payable:{world.li}": -13930,
                "platform_revenue": -5970,
            },
        )
    ]


# -- refunds -----------------------------------------------------------------------------------


def test_a_customer_cancellation_with_a_fee_refunds_the_rest_and_returns_the_coupon(
    world: OrderWorld,
) -> None:
    # given a paid 179.00 order with the coupon, cancelled 3 hours before the start (30 %)
    coupon_id = claim(world, TWENTY_OFF)
    order_id = world.paid_order(at(3, 10), coupon=coupon_id)
    world.clock.set(at(3, 7))

    # when the customer cancels, and the refund's answer is replayed
    result = world.app.cancellation.cancel(order_id, CUSTOMER)
    key = refund_key(world, order_id)
    world.app.payments.apply_refund(world.gateway.get_refund(key), source="webhook")

    # then 53.70 is kept and earned (Li 37.59, the platform 16.11 — nothing subsidised),
    # 125.30 goes back and is posted once, and the coupon is free again
    technician = f"technician_payable:{world.li}"
    assert (result.quote.fee, result.quote.refund) == (cny(5370), cny(12530))
    assert world.journal(order_id)[1:] == [
        (
            f"fee:{order_id}:1",
            {"customer_funds": 5370, technician: -3759, "platform_revenue": -1611},
        ),
        (f"refund:{key}", {"customer_funds": 12530, "payments_clearing": -12530}),
    ]
    assert world.balances() == {
        "payments_clearing": 5370,
        technician: -3759,
        "platform_revenue": -1611,
    }
    returned = coupon(world, coupon_id)
    assert (returned.status, returned.order_id) == (CouponStatus.AVAILABLE, None)
    # and it prices the next order
    assert world.get(world.place(at(4, 10), coupon=coupon_id)).price == cny(17900)


def order_funds(world: OrderWorld, order_id: OrderId) -> int:
    """What the books hold for the order in customer funds (credit negative)."""
    return sum(entry.get("customer_funds", 0) for _, entry in world.journal(order_id))


def test_a_retained_cancellation_fee_is_earned_by_the_technician_and_the_platform(
    world: OrderWorld,
) -> None:
    # given a 199.00 tuina with Li, paid in full, cancelled 3 hours before the start (30 %)
    order_id = world.paid_order(at(3, 10))
    world.clock.set(at(3, 7))

    # when the customer cancels, and the refund's answer arrives twice
    result = world.app.cancellation.cancel(order_id, CUSTOMER)
    technician = f"technician_payable:{world.li}"
    fee_entry = (
        f"fee:{order_id}:1",
        {"customer_funds": 5970, technician: -4179, "platform_revenue": -1791},
    )
    assert world.journal(order_id)[1] == fee_entry  # posted with the cancellation
    key = refund_key(world, order_id)
    for _ in range(2):
        world.app.payments.apply_refund(world.gateway.get_refund(key), source="webhook")

    # then 59.70 is kept and shared by the 70/30 rates (Li 41.79, the platform 17.91),
    # 139.30 goes back out of customer funds only, each posted once
    assert (result.quote.fee, result.quote.refund) == (cny(5970), cny(13930))
    assert world.journal(order_id) == [
        (
            f"pay:{payment_key(world, order_id)}",
            {"payments_clearing": 19900, "customer_funds": -19900},
        ),
        fee_entry,
        (f"refund:{key}", {"customer_funds": 13930, "payments_clearing": -13930}),
    ]
    assert world.get(order_id).state == "partially_refunded"
    assert order_funds(world, order_id) == 0
    assert world.balances() == {
        "payments_clearing": 5970,
        technician: -4179,
        "platform_revenue": -1791,
    }


def test_a_no_show_fee_is_earned_like_a_completed_order() -> None:
    # given rates giving Li 60 % of tuina, and a paid 199.00 order Li arrived for
    tuina = order_world().tuina
    rates = RateTable(
        SplitRates(Decimal("0.7")), (RateRule(SplitRates(Decimal("0.6")), service_id=tuina),)
    )
    world = order_world(rates=rates)
    order_id = world.paid_order(at(2, 10))
    world.fire(order_id, "accept", "depart", "arrive")
    world.clock.set(at(2, 10, 30))

    # when Li records a no-show (charged as a cancellation at the start: 100 %)
    result = world.app.cancellation.record_no_show(order_id, world.tech)

    # then all 199.00 is kept, nothing goes back, and it is shared 119.40 / 79.60
    technician = f"technician_payable:{world.li}"
    assert (result.quote.fee, result.quote.refund, result.refunds) == (cny(19900), cny(0), ())
    assert world.journal(order_id)[1:] == [
        (
            f"fee:{order_id}:1",
            {"customer_funds": 19900, technician: -11940, "platform_revenue": -7960},
        )
    ]
    assert order_funds(world, order_id) == 0
    assert world.balances() == {
        "payments_clearing": 19900,
        technician: -11940,
        "platform_revenue": -7960,
    }


def test_a_fee_kept_when_no_technician_is_assigned_is_platform_revenue(world: OrderWorld) -> None:
    # given a paid 199.00 order Li rejected, waiting for another technician
    order_id = world.paid_order(at(3, 10))
    world.fire(order_id, "reject")
    assert world.get(order_id).technician_id is None

    # when the customer cancels 3 hours before the start and the refund succeeds
    world.clock.set(at(3, 7))
    world.app.cancellation.cancel(order_id, CUSTOMER)
    key = refund_key(world, order_id)
    world.app.payments.apply_refund(world.gateway.get_refund(key), source="webhook")

    # then the 59.70 kept is all the platform's
    assert world.journal(order_id)[1:] == [
        (f"fee:{order_id}:1", {"customer_funds": 5970, "platform_revenue": -5970}),
        (f"refund:{key}", {"customer_funds": 13930, "payments_clearing": -13930}),
    ]
    assert world.balances() == {"payments_clearing": 5970, "platform_revenue": -5970}


def test_a_complaint_refunding_a_kept_fee_reverses_its_shares(world: OrderWorld) -> None:
    # given a 199.00 order cancelled 3 hours before the start, 139.30 refunded, 59.70 kept
    order_id = world.paid_order(at(3, 10))
    world.clock.set(at(3, 7))
    world.app.cancellation.cancel(order_id, CUSTOMER)
    world.app.payments.apply_refund(
        world.gateway.get_refund(refund_key(world, order_id)), source="webhook"
    )

    # when the platform decides a complaint for the customer: everything still refundable
    complaint = world.app.aftersales.file(
        FileComplaint(order_id, CustomerId("cus_1"), "I had no choice", Remedy.FULL_REFUND),
        Actor.customer("cus_1"),
    )
    world.app.aftersales.take_up(complaint.id, OPERATOR)
    world.app.aftersales.resolve(complaint.id, OPERATOR, decision=Decision.FULL_REFUND)

    # then the fee is given back by Li and the platform in their shares; the books are empty
    key = refund_key(world, order_id, 1)
    assert world.journal(order_id)[-1] == (
        f"refund:{key}",
        {
            f"technician_payable:{world.li}": 4179,
            "platform_revenue": 1791,
            "payments_clearing": -5970,
        },
    )
    assert world.balances() == {}


def test_a_refund_after_completion_reverses_every_party_in_proportion(
    world: OrderWorld,
) -> None:
    # given a completed 179.00 order with the platform's 20.00 coupon
    order_id = world.paid_order(at(2, 10), coupon=claim(world, TWENTY_OFF))
    complete(world, order_id)

    # when the platform refunds 66.00 after a complaint
    complaint = world.app.aftersales.file(
        FileComplaint(order_id, CustomerId("cus_1"), "Ended early", Remedy.APOLOGY),
        Actor.customer("cus_1"),
    )
    world.app.aftersales.take_up(complaint.id, OPERATOR)
    world.app.aftersales.resolve(
        complaint.id, OPERATOR, decision=Decision.PARTIAL_REFUND, refund=cny(6600)
    )

    # then Li gives back 51.36, the platform 22.01, and 7.37 of the subsidy comes back:
    # 13930, 5970 and -2000 shared over 6600 by largest remainder
    technician = f"technician_payable:{world.li}"
    key = refund_key(world, order_id)
    assert world.journal(order_id)[-1] == (
        f"refund:{key}",
        {
            technician: 5136,
            "platform_revenue": 2201,
            "promotion_expense": -737,
            "payments_clearing": -6600,
        },
    )
    assert world.balances() == {
        "payments_clearing": 11300,
        technician: -8794,
        "platform_revenue": -3769,
        "promotion_expense": 1263,
    }
    assert world.get(order_id).state == "partially_refunded"


def test_a_full_refund_after_completion_leaves_every_account_of_the_order_at_zero(
    world: OrderWorld,
) -> None:
    # given a completed order with the coupon
    order_id = world.paid_order(at(2, 10), coupon=claim(world, TWENTY_OFF))
    complete(world, order_id)

    # when the platform refunds all of it
    complaint = world.app.aftersales.file(
        FileComplaint(order_id, CustomerId("cus_1"), "Never again", Remedy.FULL_REFUND),
        Actor.customer("cus_1"),
    )
    world.app.aftersales.take_up(complaint.id, OPERATOR)
    world.app.aftersales.resolve(complaint.id, OPERATOR, decision=Decision.FULL_REFUND)

    # then the books hold nothing for it
    assert world.get(order_id).state == "refunded"
    assert world.balances() == {}


# -- cancellation and expiry -------------------------------------------------------------------


def test_an_order_left_unpaid_expires_and_returns_its_coupon(world: OrderWorld) -> None:
    # given an unpaid order holding the coupon
    coupon_id = claim(world, TWENTY_OFF)
    order_id = world.place(at(3, 10), coupon=coupon_id)

    # when the unpaid timeout passes and the job runs twice
    world.clock.advance(timedelta(minutes=16))
    world.run_jobs()
    world.run_jobs()

    # then the order is cancelled, the coupon is back once, and the books are untouched
    assert world.get(order_id).state == "cancelled"
    returned = coupon(world, coupon_id)
    assert (returned.status, returned.order_id) == (CouponStatus.AVAILABLE, None)
    assert world.journal(order_id) == []


def test_a_coupon_returned_after_its_end_comes_back_expired(world: OrderWorld) -> None:
    # given a coupon valid for ten more minutes, holding an unpaid order
    now = world.clock.now()
    short = template(
        "tpl_short",
        CouponBenefit.threshold(min_spend=cny(15000), amount=cny(2000)),
        validity=Validity.between(now, now.add(minutes=10)),
    )
    coupon_id = claim(world, short)
    order_id = world.place(at(3, 10), coupon=coupon_id)

    # when the order expires unpaid after the coupon's end
    world.clock.advance(timedelta(minutes=16))
    world.run_jobs()

    # then the coupon comes back expired, not usable
    assert world.get(order_id).state == "cancelled"
    assert coupon(world, coupon_id).status is CouponStatus.EXPIRED


@pytest.mark.parametrize("who", ["technician", "platform"])
def test_a_full_refund_cancellation_returns_everything(world: OrderWorld, who: str) -> None:
    # given a paid order with the coupon
    coupon_id = claim(world, TWENTY_OFF)
    order_id = world.paid_order(at(3, 10), coupon=coupon_id)

    # when Li or the platform cancels it
    world.app.cancellation.cancel(order_id, world.tech if who == "technician" else OPERATOR)

    # then the customer has all 179.00 back, the books are at zero, the coupon is free
    assert world.get(order_id).state == "refunded"
    assert world.balances() == {}
    assert coupon(world, coupon_id).status is CouponStatus.AVAILABLE


# -- campaigns ---------------------------------------------------------------------------------


def weekend(world: OrderWorld, budget: int = 10000) -> Campaign:
    now = world.clock.now()
    return world.app.campaigns.create(
        OPERATOR,
        Campaign(
            CampaignId("cmp_weekend"),
            "周末8折",
            CampaignOffer.percent_off(Decimal("0.2")),
            starts_at=now,
            ends_at=now.add(days=7),
            budget=cny(budget),
        ),
    )


def test_a_campaign_is_charged_at_checkout_and_given_back_on_cancellation(
    world: OrderWorld,
) -> None:
    # given a 20 % campaign with 100.00 of budget
    weekend(world)

    # when a tuina is booked, and cancelled by the platform
    order_id = world.paid_order(at(3, 10))
    spent = world.app.campaigns.get(CampaignId("cmp_weekend")).spent
    world.app.cancellation.cancel(order_id, OPERATOR)

    # then 39.80 was taken off and charged to the budget, and given back
    assert world.get(order_id).price == cny(15920)
    assert spent == cny(3980)
    assert world.app.campaigns.get(CampaignId("cmp_weekend")).remaining == cny(10000)


def test_a_campaign_discount_is_promotion_expense_at_completion(world: OrderWorld) -> None:
    # given a 20 % campaign and a paid order priced by it
    weekend(world)
    order_id = world.paid_order(at(2, 10))

    # when Li completes it
    complete(world, order_id)

    # then the settlement is on 199.00, 39.80 of it paid by the platform
    assert world.journal(order_id)[-1][1] == {
        "customer_funds": 15920,
        "promotion_expense": 3980,
        f"technician_payable:{world.li}": -13930,
        "platform_revenue": -5970,
    }


# -- modification ------------------------------------------------------------------------------


def test_a_dearer_service_is_priced_again_with_the_coupon(world: OrderWorld) -> None:
    # given a paid tuina with the coupon (179.00)
    order_id = world.paid_order(at(3, 9), coupon=claim(world, TWENTY_OFF))

    # when the customer changes to the 299.00 SPA
    result = world.app.modification.change_service(order_id, CUSTOMER, world.spa)

    # then it costs 279.00, the difference of 100.00 is charged and posted
    assert result.order.price == cny(27900)
    assert result.payment is not None
    assert result.payment.amount == cny(10000)
    assert world.balances() == {"payments_clearing": 27900, "customer_funds": -27900}


def test_a_change_the_coupon_does_not_cover_is_refused_and_changes_nothing(
    world: OrderWorld,
) -> None:
    # given a paid tuina with the 满150减20 coupon
    coupon_id = claim(world, TWENTY_OFF)
    order_id = world.paid_order(at(3, 10), coupon=coupon_id)
    before = world.get(order_id)

    # when the customer tries the 99.00 foot massage, below the coupon's minimum
    with pytest.raises(CouponNotApplicable):
        world.app.modification.change_service(order_id, CUSTOMER, world.foot)

    # then nothing changed
    after = world.get(order_id)
    assert (after.service_id, after.price, after.version) == (
        before.service_id,
        before.price,
        before.version,
    )
    assert coupon(world, coupon_id).status is CouponStatus.USED


def test_a_new_time_keeps_the_quote(world: OrderWorld) -> None:
    # given a paid order priced by a campaign that has since ended
    weekend(world)
    order_id = world.paid_order(at(3, 10))
    world.app.campaigns.update(
        OPERATOR,
        Campaign(
            CampaignId("cmp_weekend"),
            "周末8折",
            CampaignOffer.percent_off(Decimal("0.2")),
            starts_at=world.clock.now(),
            ends_at=world.clock.now().add(minutes=1),
            budget=cny(10000),
        ),
    )
    world.clock.advance(pendulum.duration(minutes=5))

    # when the customer moves it by an hour
    order = world.app.modification.change_time(order_id, CUSTOMER, at(3, 11))

    # then the price stands and nothing more is charged
    assert order.price == cny(15920)
    assert world.app.campaigns.get(CampaignId("cmp_weekend")).spent == cny(3980)


def test_an_order_stored_without_a_quote_is_settled_at_its_price(world: OrderWorld) -> None:
    # given a paid order stored before quotes were kept (as rows from before revision 0003)
    order_id = world.paid_order(at(2, 10))
    with world.uow() as uow:
        order = uow.orders.get(order_id)
        order.quote = None
        uow.orders.save(order)
        uow.commit()

    # when Li completes it
    complete(world, order_id)

    # then it is settled as one line at its price, without discounts
    assert world.journal(order_id)[-1] == (
        f"done:{order_id}:1",
        {
            "customer_funds": 19900,
            f"technician_payable:{world.li}": -13930,
            "platform_revenue": -5970,
        },
    )


def test_a_change_after_a_cheaper_one_refunds_nothing_more(world: OrderWorld) -> None:
    # given a paid 199.00 tuina changed to the 99.00 foot massage (100.00 back)
    order_id = world.paid_order(at(3, 9))
    world.app.modification.change_service(order_id, CUSTOMER, world.foot)

    # when the customer then moves it by an hour
    world.app.modification.change_time(order_id, CUSTOMER, at(3, 10))

    # then nothing more goes back: the books hold the 99.00 the order costs
    assert world.movements(order_id) == [("captured", 19900), ("refunded", 10000)]
    assert world.balances() == {"payments_clearing": 9900, "customer_funds": -9900}


def test_a_dearer_change_after_a_cheaper_one_charges_the_whole_difference(
    world: OrderWorld,
) -> None:
    # given a paid 199.00 tuina changed to the 99.00 foot massage (100.00 back)
    order_id = world.paid_order(at(3, 9))
    world.app.modification.change_service(order_id, CUSTOMER, world.foot)

    # when the customer changes to the 299.00 SPA
    result = world.app.modification.change_service(order_id, CUSTOMER, world.spa)

    # then 200.00 is charged, so the books hold the SPA's 299.00
    assert result.payment is not None
    assert result.payment.amount == cny(20000)
    assert world.balances() == {"payments_clearing": 29900, "customer_funds": -29900}
