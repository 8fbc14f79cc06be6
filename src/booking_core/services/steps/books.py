"""The money side of the order flow (FEATURES M1–M4, C17; INVARIANTS I8, I13, I15, I16).

The order services call :class:`OrderBooks` inside the unit of work of their own command,
so an order's money moves in the same transaction as the order:

==========================  ===============================================================
order command               what the books do in its unit of work
==========================  ===============================================================
place (checkout)            price one unit of the service at the technician's price with
                            the rules in force, the customer's coupon and the points he
                            redeems; reserve the coupon; charge the campaign discounts to
                            their budgets
modify (time, service,      give the campaign discounts back, price again with the order's
technician)                 coupon and the points it holds, charge the new campaign
                            discounts
payment captured            use the order's coupon; post ``payment_captured`` (id
                            ``pay:<payment key>``)
completed                   post ``order_completed`` (id ``done:<order>:1``): technician,
                            store and platform by the :class:`RateTable`, the platform-funded
                            discounts as promotion expense
refund succeeded            post ``refund_issued`` (id ``refund:<refund key>``), reversing
                            every party in proportion
cancelled (also unpaid,     return the coupon (once; past its end it comes back expired)
no-show)                    and give the campaign discounts back; a fee kept (customer
                            cancellation, no-show) posts ``cancellation_fee_retained`` (id
                            ``fee:<order>:1``): technician, store and platform by the
                            :class:`RateTable`, all platform when no technician was assigned
==========================  ===============================================================

Each posting is idempotent by its transaction id, and each runs only when the order flow
applies a money movement for the first time, so a replayed capture, refund or webhook posts
nothing new.
"""

from __future__ import annotations

import attrs
from pendulum import DateTime

from booking_core.catalog import Service
from booking_core.errors import InvalidLedgerEntry, NotFound, PointsNotRedeemable
from booking_core.ids import OrderId, ServiceId
from booking_core.ledger import OrderParties, RateTable, Transaction
from booking_core.money import Money
from booking_core.orders import Order
from booking_core.orders.payments import PaymentAttempt, RefundRecord
from booking_core.ports.pricing import PricingRulesSource
from booking_core.ports.storage import UnitOfWork
from booking_core.pricing import CustomerProfile, Quote, QuoteLine, quote
from booking_core.promotions import CouponId
from booking_core.scheduling import Technician
from booking_core.services.campaigns import campaign_spend
from booking_core.services.pricing import rules_with_campaigns
from booking_core.services.steps.carts import build_cart
from booking_core.services.steps.coupons import (
    consume_order_coupons,
    release_order_coupons,
    reserve_coupon,
)
from booking_core.services.steps.ledger import (
    held_for_order,
    post_cancellation_fee,
    post_order_completed,
    post_payment_captured,
    post_refund,
)

__all__ = ["OrderBooks", "list_price_quote", "visit_quote"]


def list_price_quote(order: Order) -> Quote:
    """A one-line quote at the order's price without discounts: how an order stored before
    quotes were kept is settled."""
    price = order.price
    zero = Money.zero(price.currency)
    line = QuoteLine(0, order.service_id, 1, price, zero, zero, zero, zero, zero, price, zero, None)
    return Quote(price.currency, order.placed_at, (line,), zero)


def visit_quote(service_id: ServiceId, value: Money, at: DateTime) -> Quote:
    """A one-line quote at a package visit's allocated value: how an order a visit pays is
    priced (no discount applies on top; it earns points and commissions on that value)."""
    zero = Money.zero(value.currency)
    line = QuoteLine(0, service_id, 1, value, zero, zero, zero, zero, zero, value, zero, None)
    return Quote(value.currency, at, (line,), zero)


class OrderBooks:
    """Prices orders, moves their coupons and campaign budgets, and posts their journal
    entries — always inside the unit of work the order command holds.

    Args:
        rules: Where tier discounts, 满减 offers and the points policy come from (the same
            source as :class:`~booking_core.services.pricing.QuoteService`'s, so checkout
            charges what the quote showed); stored campaigns are added on every pricing.
        rates: How a completed order is split.
    """

    def __init__(self, rules: PricingRulesSource, rates: RateTable) -> None:
        self._rules = rules
        self._rates = rates

    # -- pricing -------------------------------------------------------------------------

    def checkout(
        self,
        uow: UnitOfWork,
        *,
        order_id: OrderId,
        customer: CustomerProfile,
        technician: Technician,
        service: Service,
        coupon_id: CouponId | None,
        at: DateTime,
        points: int = 0,
    ) -> Quote:
        """Price the order for ``customer`` (his standing's facts: tier, new or not, and the
        points he holds when he redeems some), redeeming at most ``points``; reserve its
        coupon and charge its campaign discounts. The points themselves are taken by the
        caller (:class:`~booking_core.services.steps.points.OrderPoints`), for the quote's
        ``points_redeemed``.

        Raises:
            NotFound: (``coupon_not_found``) no such coupon, or it is someone else's.
            CouponNotApplicable: the coupon does not apply (``details["reason"]``).
            PointsNotRedeemable: more points than ``customer`` holds, or points cannot pay.
            CouponUnavailable, ConcurrentUpdate: the coupon was taken meanwhile.
            CampaignBudgetExceeded: a campaign budget ran out meanwhile.
        """
        priced = self._price(uow, technician, service, customer, coupon_id, order_id, at, points)
        if coupon_id is not None:
            reserve_coupon(
                uow, coupon_id=coupon_id, customer_id=customer.id, order_id=order_id, at=at
            )
        self._charge_campaigns(uow, priced)
        return priced

    def reprice(
        self, uow: UnitOfWork, order: Order, technician: Technician, service: Service, at: DateTime
    ) -> Quote:
        """The order's new quote after a change of time, service or technician, with its
        coupon and the points it holds (spent at checkout, so they are his to redeem here);
        the campaign budgets are charged for the new quote instead of the old.

        Raises:
            CouponNotApplicable: the order's coupon does not apply to the change.
            PointsNotRedeemable: the new price cannot take all the points the order holds
                (a cap); nothing changes — cancel and book again instead.
            CampaignBudgetExceeded: as :meth:`checkout`.
        """
        if order.quote is not None:
            self._give_back_campaigns(uow, order.quote)
        # His standing now, this order aside (a paid order does not make its own customer
        # "not new" for its own coupon).
        customer = uow.customers.standing(order.customer_id, excluding_order=order.id)
        held = order.quote.points_redeemed if order.quote is not None else 0
        profile = customer.pricing_profile()
        if held:
            profile = attrs.evolve(profile, points_balance=held)
        priced = self._price(
            uow, technician, service, profile, order.coupon_id, order.id, at, held
        )  # fmt: skip
        if priced.points_redeemed != held:
            # Giving back part of a spend is a refund's job, not a change's.
            raise PointsNotRedeemable(
                f"The new price takes {priced.points_redeemed} of the {held} points the order "
                "redeemed; cancel and book again instead.",
                details={"points": held, "redeemable": priced.points_redeemed},
            )
        self._charge_campaigns(uow, priced)
        return priced

    def point_value(self, currency: str, at: DateTime) -> Money:
        """What one point is worth in ``currency`` under the rules in force (zero: points
        do not pay there)."""
        policy = self._rules.rules_for(currency, at).points
        return policy.value_per_point if policy is not None else Money.zero(currency)

    def _price(
        self,
        uow: UnitOfWork,
        technician: Technician,
        service: Service,
        customer: CustomerProfile,
        coupon_id: CouponId | None,
        order_id: OrderId,
        at: DateTime,
        points: int = 0,
    ) -> Quote:
        cart = build_cart([(service, 1)], technician)
        coupon = None
        if coupon_id is not None:
            coupon = uow.coupons.get(coupon_id)
            if coupon.customer_id != customer.id:
                raise NotFound("coupon", coupon_id)
        rules = rules_with_campaigns(self._rules.rules_for(cart.currency, at), uow.campaigns.list())
        return quote(cart, customer, rules, at=at, coupon=coupon, points=points, order_id=order_id)

    @staticmethod
    def _charge_campaigns(uow: UnitOfWork, priced: Quote) -> None:
        for campaign_id, amount in campaign_spend(priced).items():
            uow.campaigns.spend(campaign_id, amount)

    @staticmethod
    def _give_back_campaigns(uow: UnitOfWork, priced: Quote) -> None:
        for campaign_id, amount in campaign_spend(priced).items():
            uow.campaigns.give_back(campaign_id, amount)

    # -- the lifecycle -------------------------------------------------------------------

    def captured(
        self, uow: UnitOfWork, order: Order, attempt: PaymentAttempt, at: DateTime
    ) -> Transaction:
        """A payment of the order was captured (applied for the first time): use its coupon
        and post the capture.

        Raises:
            IdempotencyConflict: the payment key was posted with another amount.
            ConcurrentUpdate: the coupon or the order's books changed meanwhile (retry).
        """
        consume_order_coupons(uow, order.id, at)
        amount = attempt.captured_amount
        return post_payment_captured(uow, order.id, amount, key=attempt.key, at=at)[0]

    def refunded(self, uow: UnitOfWork, record: RefundRecord, at: DateTime) -> Transaction:
        """A refund succeeded (applied for the first time): post it, reversing every party
        of the order in proportion.

        Raises:
            RefundExceedsCaptured: the books hold less for the order than the refund.
            IdempotencyConflict, ConcurrentUpdate: as :meth:`captured`.
        """
        return post_refund(uow, record.order_id, record.amount, key=record.key, at=at)[0]

    def completed(self, uow: UnitOfWork, order: Order, at: DateTime) -> Transaction | None:
        """The order completed: use a coupon still reserved (an order nothing was due for)
        and settle what the books hold for it by the rates. An order refunded in full before
        completion, or one nothing was paid or subsidised for, has nothing to settle (None).

        Raises:
            InvalidLedgerEntry: the rates give a store share to a technician without a store.
            ConcurrentUpdate: as :meth:`captured`.
        """
        consume_order_coupons(uow, order.id, at)
        if order.technician_id is None:  # the chart completes only an assigned order
            return None
        priced = order.quote if order.quote is not None else list_price_quote(order)
        held = held_for_order(uow.ledger.for_order(order.id), priced.currency)
        if held == 0 and not priced.platform_funded:
            return None  # nothing held (fully refunded, or free) and nothing subsidised
        technician = uow.technicians.get(order.technician_id)
        parties = OrderParties(technician.id, technician.profile.store_id)
        try:
            return post_order_completed(uow, order.id, parties, priced, rates=self._rates, at=at)
        except InvalidLedgerEntry as exc:
            if exc.details.get("reason") == "fully_refunded":
                return None
            raise

    def cancelled(self, uow: UnitOfWork, order: Order, at: DateTime) -> Transaction | None:
        """The order was cancelled (by anyone, unpaid or as a no-show): return its coupon
        once, give its campaign discounts back to the budgets and post the fee it keeps.

        The fee (``order.cancellation_fee``, when above zero) is earned as if the order had
        completed for that amount: shared by the rates between its technician, his store and
        the platform — all of it to the platform when no technician was assigned (see
        :func:`~booking_core.services.ledger.post_cancellation_fee`, id ``fee:<order>:1``).
        The rest of what was captured stays in customer funds until its refund succeeds.
        Returns the fee's entry, or None when nothing is kept.

        Raises:
            InvalidLedgerEntry: the books hold less than the fee, or the rates give a store
                share to a technician without a store.
            ConcurrentUpdate: as :meth:`captured`.
        """
        release_order_coupons(uow, order.id, at)
        if order.quote is not None:
            self._give_back_campaigns(uow, order.quote)
        if order.held_amount.amount > 0:
            return None  # the fee comes from a hold first: posted when it is captured
        return self.fee_kept(uow, order, at)

    def fee_kept(self, uow: UnitOfWork, order: Order, at: DateTime) -> Transaction | None:
        """Post the fee the cancelled order keeps (see :meth:`cancelled`); a cancellation
        fee taken from a hold is posted here once the hold's capture is applied."""
        fee = order.cancellation_fee
        if fee is None or fee.amount <= 0:
            return None  # nothing captured, nothing kept, or caused by the technician/platform
        parties = None
        if order.technician_id is not None:
            technician = uow.technicians.get(order.technician_id)
            parties = OrderParties(technician.id, technician.profile.store_id)
        priced = order.quote if order.quote is not None else list_price_quote(order)
        return post_cancellation_fee(uow, order.id, fee, parties, priced, rates=self._rates, at=at)[
            0
        ]
