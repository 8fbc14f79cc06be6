"""The commission engine: who earns what on a paid order (pure; INVARIANTS I9, I22, I23).

:func:`commissions_for` turns the lines of an order and the upline of the buyer (or of the
serving technician) into one :class:`CommissionShare` per (line, beneficiary, level);
:func:`refund_reductions` says how much of each commission a refund takes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from math import lcm

import attrs

from booking_core.errors import InvalidReferral
from booking_core.ids import CategoryId, ServiceId
from booking_core.ledger import allocate_signed
from booking_core.money import Money, allocate_units
from booking_core.referrals.members import Member
from booking_core.referrals.plan import CommissionPlan

__all__ = ["CommissionLine", "CommissionShare", "commissions_for", "refund_reductions"]


@attrs.frozen
class CommissionLine:
    """One order line as the engine sees it.

    Attributes:
        index: The line's index in the order's quote.
        service_id: Its service (and ``category_id``, its category) pick override rates.
        base: What the plan's rates apply to (see
            :class:`~booking_core.referrals.CommissionBase`).
    """

    index: int
    service_id: ServiceId
    base: Money
    category_id: CategoryId | None = None


@attrs.frozen
class CommissionShare:
    """What one beneficiary earns at one level on one line."""

    line: int
    service_id: ServiceId
    beneficiary: Member
    level: int
    base: Money
    rate: Decimal
    amount: Money


def commissions_for(
    lines: Sequence[CommissionLine], upline: Sequence[Member | None], plan: CommissionPlan
) -> list[CommissionShare]:
    """The commissions of a paid order: per line, the levels present share
    ``base × (sum of their capped rates)``, rounded by the plan's rounding, by largest
    remainder in proportion to their rates (ties to the nearer level). So a line's parts sum
    exactly to that total, which never exceeds ``base × cap`` (rounded the same way), and
    each part is within one minor unit of ``base × its rate``.

    Args:
        lines: The order's lines (a base of zero earns nothing).
        upline: Level 1 first: the direct referrer, his referrer, …; ``None`` where that
            ancestor does not earn (not an active distributor). Levels beyond the plan's
            are ignored.
        plan: The rates.

    Returns:
        One share per (line, beneficiary, level) above zero, by line then level.
    """
    shares: list[CommissionShare] = []
    for line in lines:
        if line.base.is_negative:
            raise InvalidReferral(f"A line's base is zero or more; got {line.base}.")
        rates = plan.rates_for(line.service_id, line.category_id)
        present = [
            (level, member, rates[level - 1])
            for level, member in enumerate(upline[: plan.levels], start=1)
            if member is not None and rates[level - 1] > 0
        ]
        if not present or not line.base:
            continue
        total_rate = sum((rate for _, _, rate in present), Decimal(0))
        total = line.base.times_rate(total_rate, rounding=plan.rounding)
        fractions = [Fraction(rate) for _, _, rate in present]
        denominator = lcm(*(f.denominator for f in fractions))
        weights = [f.numerator * (denominator // f.denominator) for f in fractions]
        parts = allocate_units(total.amount, weights)
        shares.extend(
            CommissionShare(
                line.index,
                line.service_id,
                member,
                level,
                line.base,
                rate,
                Money(part, line.base.currency),
            )
            for (level, member, rate), part in zip(present, parts, strict=True)
            if part
        )
    return shares


def refund_reductions(remaining: Sequence[int], refund: int, left_before: int) -> list[int]:
    """How much of each commission of an order a refund takes back.

    A refund of ``refund`` out of the ``left_before`` the order still had paid takes the same
    share of what the commissions still hold: ``sum(remaining) × refund / left_before``
    (half up), shared by largest remainder in proportion to what each still holds. Each
    part lies between zero and its commission's remaining amount; a refund of everything
    left takes everything; a series of partial refunds adding up to the payment leaves
    nothing (each is shared over what is left, as the ledger's refunds are).

    Args:
        remaining: What each commission of the order still holds (minor units).
        refund: The refund (minor units, above zero).
        left_before: What was paid and not refunded before it.
    """
    held = sum(remaining)
    if refund <= 0 or left_before <= 0 or not held:
        return [0] * len(remaining)
    if refund >= left_before:
        return list(remaining)
    total = (2 * held * refund + left_before) // (2 * left_before)
    return allocate_signed(total, list(remaining))
