"""Quote use cases (FEATURES C6, C15–C17, P8): price a cart with the rules in force, and
say for each of the customer's coupons what it would take off or why it does not apply."""

from __future__ import annotations

from collections.abc import Iterable

import attrs
from pendulum import DateTime

from booking_core.errors import NotFound
from booking_core.ids import CustomerId, OrderId
from booking_core.loyalty import LoyaltyPolicy
from booking_core.orders.actor import Actor
from booking_core.ports.clock import Clock
from booking_core.ports.pricing import PricingRulesSource
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.pricing import (
    Cart,
    CouponEvaluation,
    CustomerProfile,
    PricingRules,
    PromotionReport,
    Quote,
    best_coupon,
    evaluate_coupons,
    explain_promotions,
    quote,
)
from booking_core.promotions import Campaign, Coupon, CouponId, CouponStatus
from booking_core.services._access import require_customer
from booking_core.services.steps.carts import CartRequest, load_cart

__all__ = ["PricedCart", "QuoteService", "StaticPricingRules", "rules_with_campaigns"]


class StaticPricingRules:
    """A :class:`~booking_core.ports.pricing.PricingRulesSource` over fixed rules, one per
    currency (the default of :func:`booking_core.bootstrap.build`: no discounts at all)."""

    def __init__(self, *rules: PricingRules) -> None:
        self._rules = {r.currency: r for r in rules}

    def rules_for(self, currency: str, at: DateTime) -> PricingRules:
        """The configured rules for ``currency``, or rules without discounts."""
        return self._rules.get(currency) or PricingRules(currency)


def rules_with_campaigns(rules: PricingRules, campaigns: Iterable[Campaign]) -> PricingRules:
    """``rules`` plus the stored ``campaigns`` priced in their currency (or in none)."""
    currency = rules.currency
    matching = tuple(
        c
        for c in campaigns
        if all(
            m.currency == currency for m in (c.budget, c.spent, c.offer.unit_price) if m is not None
        )
    )
    return attrs.evolve(rules, campaigns=rules.campaigns + matching)


@attrs.frozen
class PricedCart:
    """A quote, the explanation of every coupon the customer could use, and of every 满减
    offer, campaign and the travel fee waiver of the rules.

    Attributes:
        quote: The itemized price (with the chosen coupon, if any).
        coupons: For each available coupon of the customer (and any held by the order), what
            it would take off this cart or why it does not apply; soonest to expire first.
        best_coupon_id: The applicable coupon taking the most off (None if none applies).
        points_to_earn: Loyalty points the order would earn when it completes if paid as
            quoted: ``quote.payable`` at the platform's earning rate and his tier's points
            multiplier (:meth:`~booking_core.loyalty.TierPrivilege.points_for`, one floor).
            An estimate: the tier stored when the order completes decides.
        promotions: Why each 满减 offer, campaign and the travel fee waiver did or did not
            apply (:func:`~booking_core.pricing.explain_promotions`; None only when built
            without it).
    """

    quote: Quote
    coupons: tuple[CouponEvaluation, ...]
    best_coupon_id: CouponId | None
    points_to_earn: int = 0
    promotions: PromotionReport | None = None


def _usable_now(coupon: Coupon, order_id: OrderId | None) -> bool:
    held = coupon.status in (CouponStatus.RESERVED, CouponStatus.USED)
    return coupon.status is CouponStatus.AVAILABLE or (held and coupon.order_id == order_id)


class QuoteService:
    """Prices carts: rules from the :class:`PricingRulesSource`, campaigns and coupons from
    storage, the time from the clock."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        rules: PricingRulesSource,
        *,
        loyalty: LoyaltyPolicy | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._rules = rules
        self._loyalty = loyalty or LoyaltyPolicy()

    def rules(self, currency: str) -> PricingRules:
        """The rules in force now for ``currency``, stored campaigns included."""
        now = self._clock.now()
        with self._uow() as uow:
            campaigns = uow.campaigns.list()
        return rules_with_campaigns(self._rules.rules_for(currency, now), campaigns)

    def price(
        self,
        cart: Cart | CartRequest,
        customer_id: CustomerId,
        *,
        actor: Actor,
        coupon_id: CouponId | None = None,
        points: int = 0,
        order_id: OrderId | None = None,
    ) -> PricedCart:
        """Price ``cart`` for the customer now, with ``coupon_id`` if given.

        The customer's facts come from storage, as at checkout: his membership tier, whether
        he is new (no paid order — ``order_id`` aside) and his points balance
        (:meth:`~booking_core.ports.storage.CustomerRepository.standing`), never from the
        caller.

        Give a :class:`~booking_core.services.steps.carts.CartRequest` to price what
        checkout will charge for a booking: the cart is then the one checkout builds
        (:func:`~booking_core.services.steps.carts.build_cart`: the technician's own prices
        and his store), so the order costs exactly ``quote.payable``. A :class:`Cart` is
        priced as given.

        Raises:
            NotFound: no such service or technician in the request; (``coupon_not_found``)
                the coupon does not exist or is someone else's.
            ServiceNotOffered: the technician does not perform one of the services.
            CouponNotApplicable: the chosen coupon does not apply (``details["reason"]``).
            PointsNotRedeemable, CurrencyMismatch: as :func:`booking_core.pricing.quote`.
            PermissionDenied: ``actor`` is not the customer priced for (the quote reads his
                coupon wallet).
        """
        require_customer(actor, customer_id, "prices carts")
        with self._uow() as uow:
            if isinstance(cart, CartRequest):
                cart = load_cart(uow, cart)
            campaigns = uow.campaigns.list()
            wallet = uow.coupons.list_for_customer(customer_id)
            standing = uow.customers.standing(customer_id, excluding_order=order_id)
        customer = standing.pricing_profile()
        return self._priced(cart, customer, campaigns, wallet, coupon_id, points, order_id)

    def _priced(
        self,
        cart: Cart,
        customer: CustomerProfile,
        campaigns: list[Campaign],
        wallet: list[Coupon],
        coupon_id: CouponId | None,
        points: int,
        order_id: OrderId | None,
    ) -> PricedCart:
        now = self._clock.now()
        coupon = None
        if coupon_id is not None:
            coupon = next((c for c in wallet if c.id == coupon_id), None)
            if coupon is None:
                raise NotFound("coupon", coupon_id)
        rules = rules_with_campaigns(self._rules.rules_for(cart.currency, now), campaigns)
        priced = quote(
            cart, customer, rules, at=now, coupon=coupon, points=points, order_id=order_id
        )
        candidates = sorted(
            (c for c in wallet if _usable_now(c, order_id)), key=lambda c: (c.valid_until, c.id)
        )
        evaluations = evaluate_coupons(
            cart, customer, rules, at=now, coupons=candidates, order_id=order_id
        )
        # From the tier in the standing already read: no statement more.
        privilege = self._loyalty.privileges.for_tier(customer.tier)
        earn = privilege.points_for(self._loyalty.earning, priced.payable)
        report = explain_promotions(cart, customer, rules, at=now)
        return PricedCart(priced, evaluations, best_coupon(evaluations), earn, report)
