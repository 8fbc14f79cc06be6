"""Cancellation rules: fee tiers by notice, who caused it, and the quote a customer sees.

A :class:`FeeSchedule` is a list of tiers "cancelling with at least *N* minutes of notice
costs *r* of what was paid". Fees never fall as the start approaches, so the refund never
grows (INVARIANTS I14), and ``refund + fee == paid`` always. The fee rounds **down** to the
minor unit (in the customer's favour), so the refund is ``paid - floor(paid × rate)``.

Cancellations caused by the technician or the platform are always refunded in full.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from itertools import pairwise

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidOrderPolicy
from booking_core.money import Money

__all__ = [
    "CancellationCause",
    "CancellationPolicy",
    "CancellationQuote",
    "FeeSchedule",
    "FeeTier",
    "notice_minutes",
]

FEE_ROUNDING = ROUND_FLOOR
"""The fee rounds down to the minor unit: the customer never pays a fraction of a fen more."""


class CancellationCause(StrEnum):
    """Why an order was cancelled; decides whether a fee applies."""

    CUSTOMER = "customer"  # the customer changed plans: the fee schedule applies
    NO_SHOW = "no_show"  # the customer was not there: charged as a cancellation at the start
    TECHNICIAN = "technician"  # the technician cancelled or was late: full refund
    PLATFORM = "platform"  # the platform cancelled: full refund
    UNPAID = "unpaid"  # nothing was paid in time: nothing to refund

    @property
    def refunds_in_full(self) -> bool:
        """Whether this cause is always refunded in full."""
        return self in (CancellationCause.TECHNICIAN, CancellationCause.PLATFORM)


def _rate(value: object) -> Decimal:
    if isinstance(value, float) or not isinstance(value, Decimal | int | str):
        raise InvalidOrderPolicy(f"A fee rate is a Decimal or a string like '0.3'; got {value!r}.")
    try:
        rate = Decimal(value)
    except ArithmeticError as exc:
        raise InvalidOrderPolicy(f"{value!r} is not a fee rate.") from exc
    if not Decimal(0) <= rate <= Decimal(1):
        raise InvalidOrderPolicy(f"A fee rate lies between 0 and 1; got {rate}.")
    return rate


def _notice(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if type(value) is not int or value < 0:
        raise InvalidOrderPolicy(
            f"A tier's notice is a whole number of minutes ≥ 0; got {value!r}."
        )


@attrs.frozen
class FeeTier:
    """Cancelling with at least ``notice_minutes`` of notice costs ``fee_rate`` of what was paid."""

    notice_minutes: int = attrs.field(validator=_notice)
    fee_rate: Decimal = attrs.field(converter=_rate)

    def describe(self) -> str:
        """The tier in words, e.g. ``30 % fee with at least 2 h notice``."""
        fee = "free" if self.fee_rate == 0 else f"{_percent(self.fee_rate)} fee"
        if self.notice_minutes == 0:
            return f"{fee} after that" if self.fee_rate else "free at any time"
        return f"{fee} with at least {_duration(self.notice_minutes)} notice"


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f} %"


def _duration(minutes: int) -> str:
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"


def _tiers(value: object) -> tuple[FeeTier, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(t, FeeTier) for t in value):
        raise InvalidOrderPolicy("A fee schedule is a list of FeeTier.")
    tiers = tuple(sorted(value, key=lambda t: -t.notice_minutes))
    if not tiers or tiers[-1].notice_minutes != 0:
        raise InvalidOrderPolicy(
            "A fee schedule needs a tier with 0 minutes of notice (what applies at the last "
            "moment)."
        )
    notices = [t.notice_minutes for t in tiers]
    if len(set(notices)) != len(notices):
        raise InvalidOrderPolicy("Two tiers of a fee schedule have the same notice.")
    for longer, shorter in pairwise(tiers):
        if shorter.fee_rate < longer.fee_rate:
            raise InvalidOrderPolicy(
                "A cancellation fee may not fall as the start approaches (the refund would "
                f"grow): {longer.describe()} but {shorter.describe()}.",
                details={"notice_minutes": shorter.notice_minutes},
            )
    return tiers


@attrs.frozen
class FeeSchedule:
    """Fee tiers ordered from the longest notice to none; fees never fall (I14)."""

    tiers: tuple[FeeTier, ...] = attrs.field(converter=_tiers)

    @classmethod
    def of(cls, *tiers: tuple[int, str]) -> FeeSchedule:
        """From ``(notice minutes, rate)`` pairs: ``FeeSchedule.of((1440, "0"), (0, "1"))``."""
        return cls(tuple(FeeTier(n, Decimal(r)) for n, r in tiers))

    def tier_for(self, notice: int) -> FeeTier:
        """The tier that applies with ``notice`` minutes left (negative: after the start)."""
        return next(t for t in self.tiers if t.notice_minutes <= max(notice, 0))

    def fee(self, paid: Money, notice: int) -> Money:
        """The fee kept from ``paid`` (rounded down to the minor unit)."""
        return paid.times_rate(self.tier_for(notice).fee_rate, rounding=FEE_ROUNDING)

    def describe(self) -> str:
        """The whole rule in words, for the customer."""
        text = "; ".join(t.describe() for t in self.tiers)
        return text[0].upper() + text[1:] + "."


def _default_full() -> FeeSchedule:
    return FeeSchedule.of((24 * 60, "0"), (2 * 60, "0.3"), (0, "1"))


def _default_deposit() -> FeeSchedule:
    return FeeSchedule.of((24 * 60, "0"), (0, "1"))


@attrs.frozen
class CancellationPolicy:
    """Fee schedules for orders paid in full and for deposits (P10 settings).

    Attributes:
        full_payment: Applies to what a fully prepaid order paid.
        deposit: Applies to what a deposit order paid (the deposit, and any balance).
    """

    full_payment: FeeSchedule = attrs.field(factory=_default_full)
    deposit: FeeSchedule = attrs.field(factory=_default_deposit)

    def schedule_for(self, by_deposit: bool) -> FeeSchedule:
        """The schedule for a deposit order or a fully prepaid one."""
        return self.deposit if by_deposit else self.full_payment

    def quote(
        self,
        *,
        cause: CancellationCause,
        paid: Money,
        by_deposit: bool,
        start: DateTime,
        at: DateTime,
    ) -> CancellationQuote:
        """What cancelling at ``at`` costs and returns (before anything happens)."""
        notice = notice_minutes(start, at)
        if cause.refunds_in_full:
            who = "the technician" if cause is CancellationCause.TECHNICIAN else "the platform"
            return CancellationQuote(
                cause, notice, paid, Money.zero(paid.currency), paid,
                f"Cancelled by {who}: refunded in full.",
            )  # fmt: skip
        schedule = self.schedule_for(by_deposit)
        # A no-show is charged as a cancellation at the very start.
        effective = 0 if cause is CancellationCause.NO_SHOW else notice
        fee = schedule.fee(paid, effective)
        rule = schedule.describe()
        if cause is CancellationCause.NO_SHOW:
            rule = f"No-show counts as cancelling at the start. {rule}"
        return CancellationQuote(cause, notice, paid, fee, paid - fee, rule)


def notice_minutes(start: DateTime, at: DateTime) -> int:
    """Whole minutes from ``at`` to ``start``, rounded down (negative once started).

    Rounding down means 23 h 59 min 30 s of notice is *not* 24 h: a tier boundary is
    reached only with the full notice.
    """
    return int((start - at).total_seconds() // 60)


@attrs.frozen
class CancellationQuote:
    """What a cancellation keeps and returns; ``refund + fee == paid``.

    Attributes:
        cause: Why the order is cancelled.
        notice_minutes: Minutes before the start (negative after it).
        paid: What had been captured and not yet refunded.
        fee: What is kept.
        refund: What goes back to the customer.
        rule: The rule in words, as the customer is shown it.
    """

    cause: CancellationCause
    notice_minutes: int
    paid: Money
    fee: Money
    refund: Money
    rule: str

    def whole_visit(self) -> CancellationQuote:
        """This quote for an order a package visit paid: a visit is not divided, so a
        cancellation that keeps any fee keeps the whole visit (扣次), and one that keeps
        none gives the whole visit back."""
        if not self.fee:
            return self
        return attrs.evolve(
            self,
            fee=self.paid,
            refund=Money.zero(self.paid.currency),
            rule=f"{self.rule}; a package visit is not divided: the visit is used",
        )
