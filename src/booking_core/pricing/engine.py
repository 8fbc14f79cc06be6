"""The pricing pipeline: a quote is a pure function of cart, customer, rules and clock.

Order of application (see docs/pricing.md):

1. **Line price** — per line, the better of the member-tier price and the best campaign
   price, never both (a tie keeps the tier price, which spends no campaign budget). Both
   apply to the service price only; add-ons keep their own price. Then the rules' travel
   fee waiver (满X免车费), judged on these prices, takes the fee off.
2. **满减** — under BEST_ONE stacking the active offer taking the most off; under
   DISJOINT_SCOPES every offer on amounts no offer taken before it touched; within an
   offer the highest tier whose minimums the eligible lines meet (inclusive).
3. **Coupon** — at most one (or a discount given as data: the light path).
4. **Points** — as cash, within the per-order caps and above the minimum payable.
5. **Travel fee** — added last, less its own discounts: the waiver, and the share of a
   满减 offer or coupon that covers it, or a free-travel coupon.

Steps 2–4 split their discount over the lines they touch by largest remainder, weighted by
what is left of each line before the step (the travel fee, when covered, weighs like one
more line after the others); a per-unit coupon (Nth free, buy X get Y, amount off each,
special price) gives per line what its touched units save (``unit_step``).
:func:`explain_promotions` runs steps 1–2 noting why each promotion did or did not apply.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from pendulum import DateTime

from booking_core.errors import (
    CouponNotApplicable,
    CurrencyMismatch,
    InvalidInput,
    PointsNotRedeemable,
)
from booking_core.ids import OrderId
from booking_core.money import Money
from booking_core.pricing._arith import (
    money_maker,
    split,
    times_rate_floor,
    times_rate_half_up,
    trusted_money,
)
from booking_core.pricing._work import Work
from booking_core.pricing.cart import Cart
from booking_core.pricing.coupon_step import coupon_shares, discount_shares
from booking_core.pricing.customer import CustomerProfile
from booking_core.pricing.explanations import CouponEvaluation, CouponRejection
from booking_core.pricing.quote import Quote, QuoteLine, TravelFeeLine
from booking_core.pricing.report import (
    CampaignEvaluation,
    PromotionReason,
    PromotionRejection,
    PromotionReport,
    ThresholdEvaluation,
    WaiverEvaluation,
)
from booking_core.pricing.rules import PricingRules, ThresholdStacking
from booking_core.pricing.unit_step import more_items
from booking_core.promotions import (
    Campaign,
    Coupon,
    CouponBenefit,
    CouponId,
    CouponTerms,
    Funding,
    OfferKind,
    ThresholdOffer,
    ThresholdTier,
)
from booking_core.timerange import ensure_aware

__all__ = ["evaluate_coupons", "explain_promotions", "quote"]

_PLATFORM = Funding.PLATFORM
_BEST_ONE = ThresholdStacking.BEST_ONE
# The coupon id a discount given as data is judged under (it is never stored or shown).
_DATA_DISCOUNT = CouponId("discount")


class _Notes:
    """What explain_promotions collects while the steps run (None on the quote path)."""

    __slots__ = ("campaigns", "offers", "waiver")

    def __init__(self) -> None:
        self.campaigns: list[CampaignEvaluation] = []
        self.offers: list[ThresholdEvaluation] = []
        self.waiver: WaiverEvaluation | None = None


def quote(
    cart: Cart,
    customer: CustomerProfile,
    rules: PricingRules,
    *,
    at: DateTime,
    coupon: Coupon | None = None,
    discount: CouponTerms | CouponBenefit | None = None,
    points: int = 0,
    order_id: OrderId | None = None,
) -> Quote:
    """Price ``cart`` for ``customer`` under ``rules`` at ``at``.

    Args:
        cart: What is being bought.
        customer: Tier, new-customer flag and points balance.
        rules: Tier discounts, campaigns, 满减 offers, the travel fee waiver and the points
            policy in force.
        at: The instant to evaluate validity windows at (time is an argument).
        coupon: The one coupon to apply, if any.
        discount: The light path: a discount described as data (a benefit, or terms with
            scope, eligibility and funding), applied as step 3 like a coupon that belongs
            to this customer and is valid now; no template, validity or issue. Not with
            ``coupon``.
        points: The most points to redeem; the quote's ``points_redeemed`` says how many
            the caps allowed.
        order_id: The order being re-priced, so that a coupon it reserved still applies.

    Raises:
        CurrencyMismatch: the rules price in another currency than the cart.
        CouponNotApplicable: ``coupon`` (or ``discount``) does not apply;
            ``details["reason"]`` is a :class:`RejectionReason` code.
        PointsNotRedeemable: ``points`` is negative, above the balance, or points cannot
            pay under these rules.
        InvalidInput: both ``coupon`` and ``discount`` were given.
    """
    at = ensure_aware(at, "pricing time")
    work = _before_coupon(cart, customer, rules, at, None)
    coupon_id = None
    if coupon is not None or discount is not None:
        if coupon is not None:
            if discount is not None:
                raise InvalidInput(
                    "Give a coupon or a discount, not both: an order takes one.",
                    details={"field": "discount"},
                )
            shares = coupon_shares(work, coupon, customer, at=at, order_id=order_id)
            funding = coupon.terms.funded_by
            coupon_id = coupon.id
        else:
            assert discount is not None
            terms = discount if isinstance(discount, CouponTerms) else CouponTerms(discount)
            shares = discount_shares(work, terms, customer, _DATA_DISCOUNT)
            funding = terms.funded_by
        if isinstance(shares, CouponRejection):
            details: dict[str, object] = {"reason": shares.reason.value}
            if coupon_id is not None:
                details["coupon_id"] = coupon_id
            raise CouponNotApplicable(shares.message, details=details)
        line_shares, fee_share = shares
        platform = funding is _PLATFORM
        work.take(line_shares, work.coupon, platform)
        if fee_share:
            work.fee_coupon += fee_share
            work.take_fee(fee_share, platform)
    redeemed, earned = _points(work, customer, rules, points)
    return _build(work, at, coupon_id, redeemed, earned)


def evaluate_coupons(
    cart: Cart,
    customer: CustomerProfile,
    rules: PricingRules,
    *,
    at: DateTime,
    coupons: Iterable[Coupon],
    order_id: OrderId | None = None,
) -> tuple[CouponEvaluation, ...]:
    """For each coupon, what it would take off this cart, or why it does not apply.

    Each coupon is judged alone, after tier/campaign prices, the fee waiver and 满减 (steps
    1–2), exactly as :func:`quote` would apply it; points do not change a coupon's discount.
    """
    at = ensure_aware(at, "pricing time")
    work = _before_coupon(cart, customer, rules, at, None)
    currency = cart.currency
    results = []
    for coupon in coupons:
        shares = coupon_shares(work, coupon, customer, at=at, order_id=order_id)
        if isinstance(shares, CouponRejection):
            results.append(CouponEvaluation(coupon.id, trusted_money(0, currency), shares))
        else:
            total = sum(shares[0]) + shares[1]
            results.append(CouponEvaluation(coupon.id, trusted_money(total, currency)))
    return tuple(results)


def explain_promotions(
    cart: Cart, customer: CustomerProfile, rules: PricingRules, *, at: DateTime
) -> PromotionReport:
    """Why each 满减 offer, each campaign and the travel fee waiver of ``rules`` did or did
    not apply to ``cart`` — by running the steps :func:`quote` runs, so the report agrees
    with the quote (a promotion applies exactly when it takes something off)."""
    at = ensure_aware(at, "pricing time")
    notes = _Notes()
    _before_coupon(cart, customer, rules, at, notes)
    return PromotionReport(tuple(notes.offers), tuple(notes.campaigns), notes.waiver)


def _before_coupon(
    cart: Cart, customer: CustomerProfile, rules: PricingRules, at: DateTime, notes: _Notes | None
) -> Work:
    if rules.currency != cart.currency:
        raise CurrencyMismatch(
            f"The rules price in {rules.currency}; the cart is in {cart.currency}.",
            details={"currencies": [rules.currency, cart.currency]},
        )
    work = Work(cart)
    _line_prices(work, customer, rules, at, notes)
    if rules.travel_fee_waiver is not None:
        _waive_fee(work, rules, notes)
    if rules.threshold_offers:
        _thresholds(work, rules, at, notes)
    return work


def _campaign_discount(campaign: Campaign, unit_price: int, quantity: int) -> int:
    offer = campaign.offer
    if offer.kind is OfferKind.PERCENT_OFF:
        assert offer.rate is not None
        # Percentages: half-up on the discount, per line.
        return times_rate_half_up(unit_price * quantity, offer.rate)
    assert offer.unit_price is not None
    return max(0, unit_price - offer.unit_price.amount) * quantity


# A campaign that priced no line reports the first of these it met on some line.
_CAMPAIGN_REASONS = (
    (PromotionReason.BUDGET_EXHAUSTED, "Its budget has too little left for its discount."),
    (PromotionReason.TIER_PRICE_BETTER, "The member price is as low or lower."),
    (PromotionReason.ANOTHER_CAMPAIGN_BETTER, "Another campaign prices the services lower."),
    (PromotionReason.NOTHING_TO_DISCOUNT, "The services already cost the campaign price or less."),
)


def _line_prices(
    work: Work, customer: CustomerProfile, rules: PricingRules, at: DateTime, notes: _Notes | None
) -> None:
    """Step 1: per line, the better of the tier price and the best campaign price."""
    tier = rules.tier_discount(customer.tier)
    campaigns = [c for c in rules.campaigns if c.is_active(at)]
    # What each campaign's budget has left for this cart; lines take it in cart order.
    budget_left: dict[str, int | None] = {}
    for c in campaigns:
        remaining = c.remaining
        budget_left[c.id] = None if remaining is None else remaining.amount
    seen = None if notes is None else _CampaignNotes(campaigns)
    store = work.cart.store_id
    for i, line in enumerate(work.cart.lines):
        quantity = line.quantity
        unit = line.unit_price.amount
        service = unit * quantity
        base = service
        if line.add_ons:
            base += sum(a.price.amount for a in line.add_ons) * quantity
        work.base[i] = base
        work.left[i] = base
        tier_off = 0
        if tier is not None and tier.scope.covers(line.service_id, line.category_id, store):
            tier_off = times_rate_half_up(service, tier.rate)
        best: Campaign | None = None
        best_off = 0
        for c in campaigns:
            if c.scope.covers(line.service_id, line.category_id, store):
                off = _campaign_discount(c, unit, quantity)
                budget = budget_left[c.id]
                if seen is not None:
                    seen.saw(c, i, off, budget)
                if off > best_off and (budget is None or off <= budget):
                    best, best_off = c, off
        priced = best is not None and best_off > tier_off
        if seen is not None:
            seen.decided(best if priced else None)
        if priced:
            assert best is not None
            budget = budget_left[best.id]
            if budget is not None:
                budget_left[best.id] = budget - best_off
            work.campaign[i] = best_off
            work.campaign_ids[i] = best.id
            work.left[i] -= best_off
            if best.funded_by is _PLATFORM:
                work.platform[i] += best_off
        elif tier_off:
            assert tier is not None
            work.tier[i] = tier_off
            work.left[i] -= tier_off
            if tier.funded_by is _PLATFORM:
                work.platform[i] += tier_off
    if notes is not None:
        assert seen is not None
        notes.campaigns = [seen.evaluation(c, work, at) for c in rules.campaigns]


class _CampaignNotes:
    """Explanations only: per campaign, the lines it covered and what it lost them to."""

    __slots__ = ("contenders", "covered", "lost", "short")

    def __init__(self, campaigns: list[Campaign]) -> None:
        self.lost: dict[str, set[PromotionReason]] = {c.id: set() for c in campaigns}
        self.covered: set[str] = set()
        self.short: dict[str, list[int]] = {c.id: [] for c in campaigns}
        self.contenders: list[Campaign] = []  # of the current line: priced it within budget

    def saw(self, campaign: Campaign, line: int, off: int, budget: int | None) -> None:
        """``campaign`` covers ``line`` and would take ``off`` with ``budget`` left."""
        self.covered.add(campaign.id)
        if not off:
            self.lost[campaign.id].add(PromotionReason.NOTHING_TO_DISCOUNT)
        elif budget is not None and off > budget:
            self.lost[campaign.id].add(PromotionReason.BUDGET_EXHAUSTED)
            self.short[campaign.id].append(line)
        else:
            self.contenders.append(campaign)

    def decided(self, winner: Campaign | None) -> None:
        """The line went to ``winner`` (None: to the tier price or to no discount)."""
        for c in self.contenders:
            if c is not winner:
                self.lost[c.id].add(
                    PromotionReason.TIER_PRICE_BETTER
                    if winner is None
                    else PromotionReason.ANOTHER_CAMPAIGN_BETTER
                )
        self.contenders.clear()

    def evaluation(self, campaign: Campaign, work: Work, at: DateTime) -> CampaignEvaluation:
        """What ``campaign`` took off the cart ``work`` priced, or why nothing."""
        currency = work.cart.currency
        lines = tuple(i for i, cid in enumerate(work.campaign_ids) if cid == campaign.id)
        discount = Money(sum(work.campaign[i] for i in lines), currency)
        shorts = tuple(self.short.get(campaign.id, ()))
        if lines:
            return CampaignEvaluation(campaign.id, discount, lines, None, shorts)
        if at < campaign.starts_at:
            why = PromotionRejection(
                PromotionReason.NOT_STARTED, f"This campaign starts at {campaign.starts_at}."
            )
        elif at > campaign.ends_at:
            why = PromotionRejection(
                PromotionReason.ENDED, f"This campaign ended at {campaign.ends_at}."
            )
        elif campaign.id not in self.covered:
            why = PromotionRejection(
                PromotionReason.NO_ELIGIBLE_LINES,
                "None of the services in the order are in this campaign.",
            )
        else:
            reasons = self.lost[campaign.id]
            reason, message = next(r for r in _CAMPAIGN_REASONS if r[0] in reasons)
            why = PromotionRejection(reason, message)
        return CampaignEvaluation(campaign.id, discount, (), why, shorts)


def _waive_fee(work: Work, rules: PricingRules, notes: _Notes | None) -> None:
    """The rules' 满X免车费, judged on the lines after step 1, before any order discount."""
    waiver = rules.travel_fee_waiver
    assert waiver is not None
    cart = work.cart
    store = cart.store_id
    in_scope = [waiver.scope.covers(ln.service_id, ln.category_id, store) for ln in cart.lines]
    subtotal = sum(work.left[i] for i, ok in enumerate(in_scope) if ok)
    why = None
    if not work.fee_base:
        why = PromotionRejection(PromotionReason.NO_TRAVEL_FEE, "This order has no travel fee.")
    elif not any(in_scope):
        why = PromotionRejection(
            PromotionReason.NO_ELIGIBLE_LINES,
            "None of the services in the order count toward free travel.",
        )
    elif subtotal < waiver.min_spend.amount:  # inclusive: exactly the minimum waives
        shortfall = Money(waiver.min_spend.amount - subtotal, cart.currency)
        why = PromotionRejection(
            PromotionReason.MIN_SPEND_NOT_MET,
            f"Spend {shortfall} more for free travel (it needs {waiver.min_spend}; the "
            f"services come to {Money(subtotal, cart.currency)}).",
            shortfall,
        )
    waived = 0
    if why is None:
        waived = work.fee_left
        if waiver.max_waived is not None:
            waived = min(waived, waiver.max_waived.amount)
        work.fee_waived = waived
        work.take_fee(waived, waiver.funded_by is _PLATFORM)
    if notes is not None:
        money = money_maker(cart.currency)
        notes.waiver = WaiverEvaluation(money(waived), money(subtotal), why)


class _Candidate(NamedTuple):
    """A 满减 offer whose tier is met, and what it would take off."""

    off: int
    position: int
    offer: ThresholdOffer
    weights: list[int]
    counted: list[bool]
    fee: int


def _thresholds(work: Work, rules: PricingRules, at: DateTime, notes: _Notes | None) -> None:
    """Step 2: the 满减 offers that apply under the rules' stacking policy."""
    lines = work.cart.lines
    store = work.cart.store_id
    currency = work.cart.currency
    left = work.left
    campaign_ids = work.campaign_ids
    offers = rules.threshold_offers
    evaluations: list[ThresholdEvaluation | None] = []
    if notes is not None:
        evaluations = [None] * len(offers)
    candidates: list[_Candidate] = []
    for position, offer in enumerate(offers):
        if not offer.is_active(at):
            if notes is not None:
                evaluations[position] = _inactive(offer, at, currency)
            continue
        covers = offer.scope.covers
        if offer.excludes_campaign_lines:
            counted = [
                covers(line.service_id, line.category_id, store) and campaign_ids[i] is None
                for i, line in enumerate(lines)
            ]
        else:
            counted = [covers(line.service_id, line.category_id, store) for line in lines]
        weights = [left[i] if ok else 0 for i, ok in enumerate(counted)]
        subtotal = sum(weights)
        units = sum([line.quantity for line, ok in zip(lines, counted, strict=True) if ok])
        tier = offer.tier_for(subtotal, units)
        fee = work.fee_left if offer.covers_travel_fee else 0
        off = 0 if tier is None else min(tier.amount_off.amount, subtotal + fee)
        if off:
            candidates.append(_Candidate(off, position, offer, weights, counted, fee))
            if notes is not None:
                evaluations[position] = ThresholdEvaluation(
                    offer.id, Money(0, currency), Money(subtotal, currency), units, tier
                )
        elif notes is not None:
            evaluations[position] = _not_met(offer, tier, counted, subtotal, units, work)
    if not candidates:
        applied: list[_Candidate] = []
    elif rules.threshold_stacking is _BEST_ONE:
        best = candidates[0]
        for candidate in candidates:  # ties: the earlier offer
            if candidate.off > best.off:
                best = candidate
        _apply_offer(work, best)
        applied = [best]
    else:
        applied = _stack(work, candidates)
    if notes is not None:
        _note_offers(notes, evaluations, candidates, applied, rules.threshold_stacking, currency)


def _stack(work: Work, candidates: list[_Candidate]) -> list[_Candidate]:
    """DISJOINT_SCOPES: most off first (ties: the earlier offer), each unless a line it
    counts, or the fee it covers, went to an offer before it. Returns those applied."""
    applied: list[_Candidate] = []
    taken = [False] * len(work.cart.lines)
    fee_taken = False
    for candidate in sorted(candidates, key=lambda c: (-c.off, c.position)):
        counted = candidate.counted
        if any(taken[i] for i, ok in enumerate(counted) if ok) or (fee_taken and candidate.fee):
            continue
        _apply_offer(work, candidate)
        for i, ok in enumerate(counted):
            if ok:
                taken[i] = True
        fee_taken = fee_taken or bool(candidate.fee)
        applied.append(candidate)
    return applied


def _apply_offer(work: Work, candidate: _Candidate) -> None:
    """Split one offer's discount over the lines it counts (and the fee it covers)."""
    offer = candidate.offer
    platform = offer.funded_by is _PLATFORM
    if candidate.fee:
        shares = split(candidate.off, [*candidate.weights, candidate.fee])
        fee_share = shares.pop()
        if fee_share:
            work.fee_threshold += fee_share
            work.fee_offer_id = offer.id
            work.take_fee(fee_share, platform)
    else:
        shares = split(candidate.off, candidate.weights)
    work.take(shares, work.threshold, platform)
    offer_ids = work.line_offer_ids
    for i, share in enumerate(shares):
        if share:
            offer_ids[i] = offer.id
    work.threshold_offer_ids.append(offer.id)


def _note_offers(
    notes: _Notes,
    evaluations: list[ThresholdEvaluation | None],
    candidates: list[_Candidate],
    applied: list[_Candidate],
    stacking: ThresholdStacking,
    currency: str,
) -> None:
    for candidate in candidates:
        evaluation = evaluations[candidate.position]
        assert evaluation is not None
        if candidate in applied:
            evaluations[candidate.position] = ThresholdEvaluation(
                evaluation.offer_id,
                Money(candidate.off, currency),
                evaluation.subtotal,
                evaluation.units,
                evaluation.tier,
            )
        elif stacking is _BEST_ONE:
            evaluations[candidate.position] = _lost(
                evaluation,
                PromotionReason.ANOTHER_OFFER_BETTER,
                "Another 满减 offer takes more off this order; offers do not stack.",
            )
        else:
            evaluations[candidate.position] = _lost(
                evaluation,
                PromotionReason.SCOPE_OVERLAPS,
                "Another 满减 offer taking more already discounts some of these services.",
            )
    notes.offers = [e for e in evaluations if e is not None]


def _lost(
    evaluation: ThresholdEvaluation, reason: PromotionReason, message: str
) -> ThresholdEvaluation:
    return ThresholdEvaluation(
        evaluation.offer_id,
        Money(0, evaluation.subtotal.currency),
        evaluation.subtotal,
        evaluation.units,
        evaluation.tier,
        PromotionRejection(reason, message),
    )


def _inactive(offer: ThresholdOffer, at: DateTime, currency: str) -> ThresholdEvaluation:
    if at < offer.starts_at:
        why = PromotionRejection(
            PromotionReason.NOT_STARTED, f"{offer.name} starts at {offer.starts_at}."
        )
    else:
        why = PromotionRejection(PromotionReason.ENDED, f"{offer.name} ended at {offer.ends_at}.")
    zero = Money(0, currency)
    return ThresholdEvaluation(offer.id, zero, zero, 0, None, why)


def _not_met(
    offer: ThresholdOffer,
    tier: ThresholdTier | None,
    counted: list[bool],
    subtotal: int,
    units: int,
    work: Work,
) -> ThresholdEvaluation:
    """Why an active offer takes nothing off: no line, too little spend or units, or
    nothing left to discount."""
    currency = work.cart.currency
    store = work.cart.store_id
    name = offer.name
    shortfall: Money | None = None
    missing: int | None = None
    if not any(counted):
        if any(offer.scope.covers(ln.service_id, ln.category_id, store) for ln in work.cart.lines):
            reason = PromotionReason.CAMPAIGN_LINES_EXCLUDED
            message = f"{name} cannot be combined with the campaign prices in the order."
        else:
            reason = PromotionReason.NO_ELIGIBLE_LINES
            message = f"None of the services in the order count toward {name}."
    elif tier is None:
        first = offer.tiers[0]
        spend = first.min_spend.amount - subtotal
        more = (first.min_units or 0) - units
        asks = []
        if spend > 0:
            shortfall = Money(spend, currency)
            asks.append(f"spend {shortfall} more")
        if more > 0:
            missing = more
            asks.append(f"add {more_items(more)}")
        reason = (
            PromotionReason.MIN_SPEND_NOT_MET if spend > 0 else PromotionReason.NOT_ENOUGH_ITEMS
        )
        ask = " and ".join(asks)
        message = f"{ask[0].upper()}{ask[1:]} for {name}."
    else:
        reason = PromotionReason.NOTHING_TO_DISCOUNT
        message = "The services it counts are already free."
    return ThresholdEvaluation(
        offer.id,
        Money(0, currency),
        Money(subtotal, currency),
        units,
        tier,
        PromotionRejection(reason, message, shortfall, missing),
    )


def _points(
    work: Work, customer: CustomerProfile, rules: PricingRules, points: int
) -> tuple[int, int]:
    """Step 4: points as cash; returns (points redeemed, points earned)."""
    if type(points) is not int or points < 0:
        raise PointsNotRedeemable(
            f"Points to redeem are a whole number of zero or more; got {points!r}.",
            details={"points": repr(points)},
        )
    policy = rules.points
    if points > customer.points_balance:
        raise PointsNotRedeemable(
            f"The customer holds {customer.points_balance} points, not {points}.",
            details={"points": points, "balance": customer.points_balance},
        )
    if policy is None:
        if points:
            raise PointsNotRedeemable("Points cannot pay for orders under these rules.")
        return 0, 0
    redeemed = 0
    if points:
        goods = sum(work.left)
        minimum = policy.minimum_payable.amount if policy.minimum_payable is not None else 0
        allowed = max(0, goods - minimum)
        if policy.max_per_order is not None:
            allowed = min(allowed, policy.max_per_order.amount)
        if policy.max_share is not None:
            # Caps round down: points never take more than the share allows.
            allowed = min(allowed, times_rate_floor(goods, policy.max_share))
        per_point = policy.value_per_point.amount
        value = min(points * per_point, allowed)
        # A point is spent whole: when a cap stops the deduction mid-point, the last point
        # covers what is left. Rounding points down instead would let a coupon raise the
        # price (I11), since a smaller goods amount could then take a whole point less.
        redeemed = -(-value // per_point)
        if value:
            work.take(split(value, work.left), work.points, True)
    earned = times_rate_floor(sum(work.left), policy.earn_rate) if policy.earn_rate else 0
    return redeemed, earned


def _build(
    work: Work, at: DateTime, coupon_id: CouponId | None, redeemed: int, earned: int
) -> Quote:
    currency = work.cart.currency
    zero = trusted_money(0, currency)
    # Hot path: one Money per non-zero bucket of every line; zero buckets share one value.
    money = money_maker(currency)
    lines = []
    offer_ids = work.line_offer_ids
    for i, line in enumerate(work.cart.lines):
        base, tier, campaign = work.base[i], work.tier[i], work.campaign[i]
        threshold, coupon, points = work.threshold[i], work.coupon[i], work.points[i]
        payable, platform = work.left[i], work.platform[i]
        lines.append(
            QuoteLine(
                i,
                line.service_id,
                line.quantity,
                money(base) if base else zero,
                money(tier) if tier else zero,
                money(campaign) if campaign else zero,
                money(threshold) if threshold else zero,
                money(coupon) if coupon else zero,
                money(points) if points else zero,
                money(payable) if payable else zero,
                money(platform) if platform else zero,
                work.campaign_ids[i],
                line.line_id,
                offer_ids[i],
            )
        )
    fee = work.cart.travel_fee
    travel = None
    if fee is not None:
        waived, threshold, coupon = work.fee_waived, work.fee_threshold, work.fee_coupon
        payable, platform = work.fee_left, work.fee_platform
        travel = TravelFeeLine(
            fee,
            money(waived) if waived else zero,
            money(threshold) if threshold else zero,
            money(coupon) if coupon else zero,
            money(payable) if payable else zero,
            money(platform) if platform else zero,
            work.fee_offer_id,
        )
    ids = tuple(work.threshold_offer_ids)
    return Quote(
        currency,
        at,
        tuple(lines),
        travel.payable if travel is not None else zero,
        ids[0] if ids else None,
        coupon_id,
        redeemed,
        earned,
        travel,
        ids,
    )
