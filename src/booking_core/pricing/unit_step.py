"""Step 3 for the per-unit coupon kinds: which units a coupon touches, what each line gives.

Nth free, buy X get Y, an amount off each unit and a special unit price work on units, not
on the eligible subtotal. Every eligible unit is worth what is left of its line per unit
(after steps 1–2, add-ons included). Units are ranked by what the coupon would save on
them, most first, ties to the earlier line; the groups of Nth free and buy X get Y are
formed down that ranking, and ``max_units`` keeps the first units touched in it. A line
with ``k`` of its ``q`` units touched gives the exact saving of those ``k`` units, rounded
half-up once per line: never more than the line has left, and the coupon's discount is
the sum of the lines' shares (docs/pricing.md, "Per-unit coupons").
"""

from __future__ import annotations

from fractions import Fraction

import attrs

from booking_core.pricing._arith import half_up_fraction
from booking_core.pricing._work import Work
from booking_core.promotions import CouponBenefit, CouponKind

__all__ = ["Shortage", "more_items", "per_unit_shares"]


@attrs.frozen
class Shortage:
    """Too few units for the coupon: what to tell the customer, and how many units more."""

    message: str
    missing: int


def per_unit_shares(
    work: Work, benefit: CouponBenefit, eligible: list[bool], excludes_campaign_lines: bool
) -> list[int] | Shortage:
    """Per-line discounts of a per-unit ``benefit`` over the ``eligible`` lines."""
    kind = benefit.kind
    lines = work.cart.lines
    left = work.left
    n = len(lines)
    # What one unit of each line is worth now: the saving when it goes free.
    worth = [Fraction(left[i], lines[i].quantity) for i in range(n)]
    if kind is CouponKind.NTH_FREE or kind is CouponKind.BUY_X_GET_Y:
        found = _free_units(work, benefit, eligible, excludes_campaign_lines, worth)
        if isinstance(found, Shortage):
            return found
        units, saving = found, worth
    else:
        if kind is CouponKind.AMOUNT_OFF_EACH:
            assert benefit.amount is not None
            off = benefit.amount.amount
            saving = [min(Fraction(off), w) for w in worth]
        else:
            assert kind is CouponKind.SPECIAL_PRICE
            assert benefit.unit_price is not None
            price = benefit.unit_price.amount
            # The special price is for the service; each unit's add-ons stay on top of it.
            saving = [
                w - price - sum(a.price.amount for a in lines[i].add_ons)
                for i, w in enumerate(worth)
            ]
        # Only units the coupon saves something on are touched (and count to max_units).
        chosen = [ok and saving[i] > 0 for i, ok in enumerate(eligible)]
        units = _ranked(chosen, saving, _quantities(work))[: benefit.max_units]
    touched = [0] * n
    for i in units:
        touched[i] += 1
    shares = []
    for i, k in enumerate(touched):
        if k:
            quantity = lines[i].quantity
            # saving × quantity is whole: left − quantity × (what a unit keeps).
            whole = saving[i] * quantity
            assert whole.denominator == 1
            # k units of q: k × whole / q, rounded half-up once per line.
            shares.append(half_up_fraction(k * whole.numerator, quantity))
        else:
            shares.append(0)
    return shares


def _quantities(work: Work) -> list[int]:
    """The quantity of each line."""
    return [line.quantity for line in work.cart.lines]


def _ranked(chosen: list[bool], saving: list[Fraction], quantities: list[int]) -> list[int]:
    """One entry per unit of the ``chosen`` lines (its line index), most saving first,
    ties to the earlier line."""
    order = sorted((-saving[i], i) for i, ok in enumerate(chosen) if ok)
    return [i for _, i in order for _ in range(quantities[i])]


def _free_units(
    work: Work,
    benefit: CouponBenefit,
    eligible: list[bool],
    excludes_campaign_lines: bool,
    worth: list[Fraction],
) -> list[int] | Shortage:
    """The line of each unit given free (Nth free, buy X get Y), or why none is."""
    quantities = _quantities(work)
    limit = benefit.max_units
    if benefit.kind is CouponKind.NTH_FREE:
        assert benefit.nth is not None
        nth = benefit.nth
        units = _ranked(eligible, worth, quantities)
        if len(units) < nth:
            missing = nth - len(units)
            if benefit.once_per_order:
                why = f"with {nth} the cheapest one is free"
            else:
                why = f"every {_ordinal(nth)} one is free"
            return Shortage(f"Add {more_items(missing)}: {why}.", missing)
        if benefit.once_per_order:
            return units[-1:]  # the cheapest unit, once (ties: the later line)
        # Each group of nth, down the ranking, gives its cheapest unit.
        return units[nth - 1 :: nth][:limit]
    assert benefit.buy_units is not None
    assert benefit.free_units is not None
    buy, free = benefit.buy_units, benefit.free_units
    offer = f"buy {buy}, get {free} free"
    scope = benefit.free_scope
    if scope is None:
        units = _ranked(eligible, worth, quantities)
        group = buy + free
        if len(units) < group:
            missing = group - len(units)
            return Shortage(f"Add {more_items(missing)}: {offer}.", missing)
        # Each full group of buy + free, down the ranking, gives its `free` cheapest units.
        picked = [
            units[start + buy + j]
            for start in range(0, len(units) - group + 1, group)
            for j in range(free)
        ]
        return picked[:limit]
    # Another service free: units of the free scope are given, the others are bought.
    cart = work.cart
    store = cart.store_id
    rewards = [
        scope.covers(line.service_id, line.category_id, store)
        and not (excludes_campaign_lines and work.campaign_ids[i] is not None)
        for i, line in enumerate(cart.lines)
    ]
    bought = sum(quantities[i] for i, ok in enumerate(eligible) if ok and not rewards[i])
    if bought < buy:
        missing = buy - bought
        return Shortage(f"Buy {more_items(missing)}: {offer}.", missing)
    gift = _ranked(rewards, worth, quantities)
    if not gift:
        return Shortage(f"Add one of the services this coupon gives free: {offer}.", 1)
    count = min((bought // buy) * free, len(gift))
    if limit is not None:
        count = min(count, limit)
    # The cheapest units of the free services go free.
    return gift[len(gift) - count :]


def more_items(n: int) -> str:
    """``"1 more eligible item"``, ``"2 more eligible items"``."""
    return f"{n} more eligible item{'' if n == 1 else 's'}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
