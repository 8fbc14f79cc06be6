"""Exact splits: an amount over the parties by rates, and signed proportional reversals.

Both use largest remainder (ties to the lower index), so the parts sum exactly to the
whole and each is within one minor unit of its exact share (INVARIANTS I9).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import lcm

import attrs

from booking_core.errors import InvalidLedgerEntry
from booking_core.ledger.rates import SplitRates
from booking_core.money import Money

__all__ = ["PartyShares", "allocate_signed", "split_by_rates"]


@attrs.frozen
class PartyShares:
    """One amount shared between technician, store and platform."""

    technician: Money
    store: Money
    platform: Money

    @property
    def total(self) -> Money:
        """The three shares together: the amount that was split."""
        return self.technician + self.store + self.platform


def split_by_rates(amount: Money, rates: SplitRates) -> PartyShares:
    """Share ``amount`` (zero or more) by ``rates``, largest remainder.

    Ties for a leftover unit go to the technician, then the store, then the platform.
    """
    if amount.is_negative:
        raise InvalidLedgerEntry(f"Only amounts of zero or more are split; got {amount}.")
    shares = [Fraction(r) for r in (rates.technician, rates.store, rates.platform)]
    denominator = lcm(*(s.denominator for s in shares))
    weights = [s.numerator * (denominator // s.denominator) for s in shares]
    technician, store, platform = amount.allocate(weights)
    return PartyShares(technician, store, platform)


def allocate_signed(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` in proportion to signed ``weights`` whose sum is positive.

    Used to reverse an order in proportion: the weights are what each account holds for
    the order (a platform-funded expense counts negative), their sum is what is left to
    refund, and ``0 ≤ total ≤ sum(weights)``. Each part lies between zero and its weight,
    within one unit of ``weight × total / sum``; the parts sum exactly to ``total``.
    """
    weight_sum = sum(weights)
    if weight_sum <= 0 or not 0 <= total <= weight_sum:
        raise InvalidLedgerEntry(
            f"Cannot split {total} over weights summing to {weight_sum}.",
            details={"total": total, "weight_sum": weight_sum},
        )
    # Python's // floors toward minus infinity, so remainders are in [0, weight_sum).
    parts = [w * total // weight_sum for w in weights]
    leftover = total - sum(parts)
    if leftover:
        ranked = sorted((-(w * total % weight_sum), i) for i, w in enumerate(weights))
        for _, i in ranked[:leftover]:
            parts[i] += 1
    return parts
