"""The platform's withdrawal rules (FEATURES T10, P10; INVARIANTS I12, I24): minimum, fee,
allowed days, limits per period and when finance must approve."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidWithdrawalRules, WithdrawalNotAllowed
from booking_core.money import Money
from booking_core.timerange import TimeRange, ensure_aware, zone

__all__ = ["FEE_ROUNDING", "WithdrawalPeriod", "WithdrawalRules"]

#: How the rate part of a fee is rounded to the fen: half up (0.5 fen and more rounds up).
FEE_ROUNDING = ROUND_HALF_UP


class WithdrawalPeriod(StrEnum):
    """The calendar period the limits count over, in the payee's zone (a week starts on
    Monday)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def _invalid(field: str, message: str) -> InvalidWithdrawalRules:
    return InvalidWithdrawalRules(message, details={"field": field})


def _refused(reason: str, message: str, **details: Any) -> WithdrawalNotAllowed:
    return WithdrawalNotAllowed(message, details={"reason": reason, **details})


def _days(value: object, field: str, low: int, high: int) -> None:
    if value is None:
        return
    if not isinstance(value, frozenset) or not value:
        raise _invalid(field, f"The {field} are a non-empty frozenset, or None for any day.")
    if any(type(day) is not int or not low <= day <= high for day in value):
        raise _invalid(field, f"The {field} are whole numbers from {low} to {high}.")


@attrs.frozen
class WithdrawalRules:
    """What a withdrawal must satisfy. Every threshold is inclusive: exactly the minimum may
    be withdrawn, one fen less may not (I12).

    Attributes:
        minimum: The least one withdrawal may ask for (its currency is the rules').
        fee_fixed: A fixed part of the fee.
        fee_rate: A rate of the amount asked for, ``0 ≤ rate < 1`` (``Decimal("0.006")`` =
            0.6 %), rounded to the fen by :data:`FEE_ROUNDING` (half up).
        weekdays: ISO weekdays (1 = Monday … 7 = Sunday) on which one may withdraw, in the
            payee's zone; None: no weekday rule.
        days_of_month: Days of the month (1–31) on which one may withdraw; None: no such
            rule. With both rules set a day allowed by either is allowed; with neither,
            every day is.
        period: What the two limits count over.
        max_count_per_period: At most this many withdrawals per period (None: no limit).
        max_amount_per_period: At most this much asked for per period (None: no limit).
        approval_above: Withdrawals of more than this wait for finance's approval; None:
            none does.

    Rejected and failed withdrawals count towards neither limit: their money came back.
    """

    minimum: Money
    fee_fixed: Money | None = None
    fee_rate: Decimal = Decimal(0)
    weekdays: frozenset[int] | None = None
    days_of_month: frozenset[int] | None = None
    period: WithdrawalPeriod = WithdrawalPeriod.DAY
    max_count_per_period: int | None = None
    max_amount_per_period: Money | None = None
    approval_above: Money | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.minimum, Money) or self.minimum.amount <= 0:
            raise _invalid("minimum", "The minimum withdrawal is an amount above zero.")
        for name in ("fee_fixed", "max_amount_per_period", "approval_above"):
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, Money) or value.currency != self.currency:
                raise _invalid(name, f"The {name} is Money in {self.currency}, like the minimum.")
            if value.is_negative:
                raise _invalid(name, f"The {name} is zero or more.")
        rate = self.fee_rate
        if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate < 1:
            raise _invalid("fee_rate", f"The fee rate is a Decimal from 0 up to 1; got {rate!r}.")
        _days(self.weekdays, "weekdays", 1, 7)
        _days(self.days_of_month, "days_of_month", 1, 31)
        if not isinstance(self.period, WithdrawalPeriod):
            raise _invalid("period", f"Unknown period {self.period!r}.")
        count = self.max_count_per_period
        if count is not None and (type(count) is not int or count < 1):
            raise _invalid("max_count_per_period", "The count limit is a whole number from 1.")
        if self.fee_for(self.minimum) >= self.minimum:
            raise _invalid("fee_fixed", "The fee on the minimum withdrawal leaves nothing to pay.")

    @property
    def currency(self) -> str:
        """The currency of every amount in the rules."""
        return self.minimum.currency

    def fee_for(self, amount: Money) -> Money:
        """The fee on a withdrawal of ``amount``: ``fee_fixed + amount × fee_rate``, the rate
        part rounded to the fen half up (:data:`FEE_ROUNDING`)."""
        fixed = self.fee_fixed or Money.zero(amount.currency)
        return fixed + amount.times_rate(self.fee_rate, rounding=FEE_ROUNDING)

    def needs_approval(self, amount: Money) -> bool:
        """Whether a withdrawal of ``amount`` waits for finance (strictly above the limit)."""
        return self.approval_above is not None and amount > self.approval_above

    def period_around(self, at: DateTime, time_zone: str) -> TimeRange:
        """The period (local day, Monday-to-Monday week, or month) holding ``at`` in
        ``time_zone``, as a half-open range."""
        local = ensure_aware(at, "withdrawal time").in_timezone(zone(time_zone))
        start = local.start_of(self.period.value)
        # Calendar arithmetic in the zone: a day across a DST change is 23 or 25 hours.
        end = {
            WithdrawalPeriod.DAY: lambda: start.add(days=1),
            WithdrawalPeriod.WEEK: lambda: start.add(weeks=1),
            WithdrawalPeriod.MONTH: lambda: start.add(months=1),
        }[self.period]()
        return TimeRange(start, end)

    def day_allowed(self, at: DateTime, time_zone: str) -> bool:
        """Whether one may withdraw on the local day of ``at`` in ``time_zone``."""
        if self.weekdays is None and self.days_of_month is None:
            return True
        local = ensure_aware(at, "withdrawal time").in_timezone(zone(time_zone))
        return (self.weekdays is not None and local.isoweekday() in self.weekdays) or (
            self.days_of_month is not None and local.day in self.days_of_month
        )

    def check(
        self,
        amount: Money,
        *,
        at: DateTime,
        time_zone: str,
        count_in_period: int = 0,
        amount_in_period: Money | None = None,
    ) -> Money:
        """Check a withdrawal of ``amount`` asked for at ``at`` by a payee in ``time_zone``
        who has ``count_in_period`` withdrawals for ``amount_in_period`` in the period
        already (those not returned). Returns its fee.

        Raises:
            WithdrawalNotAllowed: ``details["reason"]`` is ``currency``, ``below_minimum``,
                ``not_above_fee``, ``day_not_allowed``, ``too_many_in_period`` or
                ``too_much_in_period`` — the first rule broken, in that order.
        """
        if not isinstance(amount, Money) or amount.currency != self.currency:
            raise _refused(
                "currency", f"Withdrawals are made in {self.currency}.", currency=self.currency
            )
        if amount < self.minimum:
            raise _refused(
                "below_minimum",
                f"The least one may withdraw is {self.minimum}; {amount} is less.",
                minimum=self.minimum.amount,
            )
        fee = self.fee_for(amount)
        if fee >= amount:
            raise _refused(
                "not_above_fee", f"The fee ({fee}) takes all of {amount}.", fee=fee.amount
            )
        if not self.day_allowed(at, time_zone):
            raise _refused("day_not_allowed", "Withdrawals are not made on this day.")
        limit = self.max_count_per_period
        if limit is not None and count_in_period + 1 > limit:
            raise _refused(
                "too_many_in_period",
                f"At most {limit} withdrawals per {self.period.value}.",
                limit=limit,
            )
        cap = self.max_amount_per_period
        taken = amount_in_period or Money.zero(self.currency)
        if cap is not None and taken + amount > cap:
            raise _refused(
                "too_much_in_period",
                f"At most {cap} per {self.period.value}; {taken} is asked for already.",
                limit=cap.amount,
                taken=taken.amount,
            )
        return fee
