"""The order flow and the books together on SQLite and PostgreSQL: a booking with a coupon,
its payment (replayed), completion, a refund after a complaint, and a cancellation with a
fee — every journal entry exact, every coupon where it belongs, the balances summing to zero,
and the order's quote stored and read back."""

from __future__ import annotations

from booking_core.ids import CustomerId, OrderId
from booking_core.money import Money
from booking_core.orders import Actor
from booking_core.orders.complaint import Decision, Remedy
from booking_core.ports.payments import WebhookKind
from booking_core.promotions import (
    CouponBenefit,
    CouponStatus,
    CouponTemplate,
    CouponTemplateId,
    CouponTerms,
    Validity,
)
from booking_core.services.aftersales import FileComplaint
from booking_core.testing.orders import CUSTOMER, OPERATOR, OrderWorld, at, order_world
from booking_core_sqlalchemy import SqlAlchemyStorage

TWENTY_OFF = CouponTemplate(
    CouponTemplateId("tpl_150_20"),
    "满150减20",
    CouponTerms(CouponBenefit.threshold(min_spend=Money(15000, "CNY"), amount=Money(2000, "CNY"))),
    Validity.days_after_issue(7),
    per_customer_limit=None,
)


def _refund_key(world: OrderWorld, order_id: OrderId) -> str:
    _, refunds = world.app.payments.money_of(order_id, OPERATOR)
    return refunds[-1].key


def test_a_coupon_order_is_paid_completed_and_refunded_in_balanced_books(
    storage: SqlAlchemyStorage,
) -> None:
    # given the order world on the database and a 满150减20 coupon in the customer's wallet
    world = order_world(uow=storage.unit_of_work)
    world.app.coupons.create_template(OPERATOR, TWENTY_OFF)
    kept = world.app.coupons.claim(CUSTOMER, TWENTY_OFF.id).id
    returned = world.app.coupons.claim(CUSTOMER, TWENTY_OFF.id).id

    # when one order with a coupon is paid (the webhook comes twice), completed and refunded
    # 66.00 after a complaint
    done = world.place(at(2, 10), coupon=kept)
    world.app.payments.pay(done, CUSTOMER)
    webhook = world.gateway.notification(WebhookKind.PAYMENT_CAPTURED, f"{done}:ful:1")
    world.app.payments.handle_webhook(*webhook)
    world.app.payments.handle_webhook(*webhook)
    world.fire_on_schedule(done, "accept", "depart", "arrive", "start_service", "complete")
    complaint = world.app.aftersales.file(
        FileComplaint(done, CustomerId("cus_1"), "Ended early", Remedy.APOLOGY),
        Actor.customer("cus_1"),
    )
    world.app.aftersales.take_up(complaint.id, OPERATOR)
    world.app.aftersales.resolve(
        complaint.id, OPERATOR, decision=Decision.PARTIAL_REFUND, refund=Money(6600, "CNY")
    )
    # ... and another, paid, is cancelled by the customer 3 hours before its start (30 % fee)
    cancelled = world.paid_order(at(3, 10), coupon=returned)
    world.clock.set(at(3, 7))
    world.app.cancellation.cancel(cancelled, CUSTOMER)

    # then the first order's books are exact
    technician = f"technician_payable:{world.li}"
    assert world.journal(done) == [
        (f"pay:{done}:ful:1", {"payments_clearing": 17900, "customer_funds": -17900}),
        (
            f"done:{done}:1",
            {
                "customer_funds": 17900,
                "promotion_expense": 2000,
                technician: -13930,
                "platform_revenue": -5970,
            },
        ),
        (
            f"refund:{_refund_key(world, done)}",
            {
                technician: 5136,
                "platform_revenue": 2201,
                "promotion_expense": -737,
                "payments_clearing": -6600,
            },
        ),
    ]
    # and so are the second's: 53.70 kept and earned (Li 37.59, the platform 16.11), 125.30
    # back out of customer funds
    assert world.journal(cancelled) == [
        (f"pay:{cancelled}:ful:1", {"payments_clearing": 17900, "customer_funds": -17900}),
        (
            f"fee:{cancelled}:1",
            {"customer_funds": 5370, technician: -3759, "platform_revenue": -1611},
        ),
        (
            f"refund:{_refund_key(world, cancelled)}",
            {"customer_funds": 12530, "payments_clearing": -12530},
        ),
    ]
    balances = world.balances()
    assert balances == {
        "payments_clearing": 11300 + 5370,
        technician: -8794 - 3759,
        "platform_revenue": -3769 - 1611,
        "promotion_expense": 1263,
    }
    assert sum(balances.values()) == 0
    # and the coupons: used by the completed order, back in the wallet from the cancelled one
    with storage.unit_of_work() as uow:
        statuses = {
            c.id: (c.status, c.order_id) for c in uow.coupons.list_for_customer(CustomerId("cus_1"))
        }
        stored = uow.orders.get(done)
    assert statuses == {
        kept: (CouponStatus.USED, done),
        returned: (CouponStatus.AVAILABLE, None),
    }
    assert stored.price == Money(17900, "CNY")
    assert stored.quote is not None
    assert (stored.coupon_id, stored.quote.platform_funded) == (kept, Money(2000, "CNY"))
