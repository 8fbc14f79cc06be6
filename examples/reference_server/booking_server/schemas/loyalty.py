"""Loyalty (issue 13): points (a balance and a statement of every movement), the daily
check-in, sharing rewards, staff awards, and membership tiers.

Points are whole numbers, never money: their cash value at checkout is the pricing's. Every
instant is shown in UTC; a check-in's ``day`` is the customer's local calendar day.
"""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, Field

from booking_core.loyalty import (
    MovementKind,
    PointsMovement,
    PointsSource,
    TierChange,
    TierPrivilege,
)
from booking_core.services.loyalty import CheckInResult, MemberTier
from booking_server.paging import NextCursor
from booking_server.schemas.common import InModel, OutModel, WholeNumber, in_zone

__all__ = [
    "AwardIn",
    "CheckInOut",
    "MemberTierOut",
    "PointsBalanceOut",
    "PointsMovementList",
    "PointsMovementOut",
    "ShareIn",
    "ShareOut",
    "TierChangeOut",
    "TierOut",
    "TierPrivilegeOut",
]

#: The most points one staff award gives.
MAX_AWARD = 1_000_000


class PointsMovementOut(OutModel):
    """One line of a customer's points statement, with his balance after it."""

    id: str = Field(examples=["check_in:cus-alice:2026-03-02"])
    sequence: int = Field(description="Its number in his statement (1, 2, …).")
    kind: MovementKind
    points: int = Field(description="The signed change: + earned or returned, − the rest.")
    balance_after: int
    at: AwareDatetime = Field(description="UTC.")
    order_id: str | None
    reason: str | None = Field(description="Why: an award's source or a staff reason.")

    @classmethod
    def from_domain(cls, movement: PointsMovement) -> PointsMovementOut:
        """The answer for ``movement``."""
        return cls(
            id=movement.id,
            sequence=movement.sequence,
            kind=movement.kind,
            points=movement.points,
            balance_after=movement.balance_after,
            at=in_zone(movement.at, "UTC"),
            order_id=movement.order_id,
            reason=movement.reason,
        )


class PointsMovementList(OutModel):
    """A customer's points movements in journal order, one page."""

    items: list[PointsMovementOut]
    next_cursor: NextCursor = None


class PointsBalanceOut(OutModel):
    """The points a customer may spend now (expired lots do not count)."""

    customer_id: str
    balance: int


class CheckInOut(OutModel):
    """Today's check-in: which day of his streak and what it earned. ``new`` is false for a
    second tap on the same day, which awards nothing."""

    day: dt.date = Field(description="His local calendar day.")
    streak: int = Field(description="Which day of a run of consecutive days (1: a new run).")
    points: int
    at: AwareDatetime = Field(description="When he first checked in that day (UTC).")
    movement_id: str
    new: bool

    @classmethod
    def from_domain(cls, result: CheckInResult) -> CheckInOut:
        """The answer for ``result``."""
        done = result.check_in
        return cls(
            day=dt.date(done.local_date.year, done.local_date.month, done.local_date.day),
            streak=done.streak,
            points=done.points,
            at=in_zone(done.at, "UTC"),
            movement_id=done.movement_id,
            new=result.new,
        )


class ShareIn(InModel):
    """A share to be rewarded: the app's own id of it (the same id twice awards once)."""

    share_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")


class ShareOut(OutModel):
    """Whether the share earned points (false: today's cap is reached) and the award."""

    awarded: bool
    movement: PointsMovementOut | None

    @classmethod
    def from_domain(cls, movement: PointsMovement | None) -> ShareOut:
        """The answer for the award ``movement`` (None: none)."""
        return cls(
            awarded=movement is not None,
            movement=None if movement is None else PointsMovementOut.from_domain(movement),
        )


class AwardIn(InModel):
    """Points awarded by staff: a manual ``adjustment`` (customers permission) or a
    ``campaign`` award (promotions permission), always with a reason."""

    points: WholeNumber = Field(ge=1, le=MAX_AWARD)
    reason: str = Field(min_length=1, max_length=500, pattern=r"\S", examples=["Goodwill"])
    source: PointsSource = Field(
        default=PointsSource.ADJUSTMENT,
        description="`adjustment` or `campaign`; any other source is 422 `invalid_input`.",
    )


class TierChangeOut(OutModel):
    """One change of a customer's tier."""

    from_tier: str | None
    to_tier: str | None
    metric: int = Field(description="The metric that decided it.")
    at: AwareDatetime = Field(description="UTC.")
    cause: str = Field(description="`reached` or `grace_ended` (a downgrade after the grace).")

    @classmethod
    def from_domain(cls, change: TierChange) -> TierChangeOut:
        """The answer for ``change``."""
        return cls(
            from_tier=change.from_tier,
            to_tier=change.to_tier,
            metric=change.metric,
            at=in_zone(change.at, "UTC"),
            cause=change.cause,
        )


class TierOut(OutModel):
    """A customer's tier now (what pricing reads; null: none) and every change, oldest
    first."""

    customer_id: str
    tier: str | None
    history: list[TierChangeOut]


class TierPrivilegeOut(OutModel):
    """What a tier gives its members (all zero, ×1 and empty for no tier)."""

    extra_window_days: int = Field(description="Days added to the booking window.")
    points_multiplier: str = Field(
        description="Points earned by spending are multiplied by it (a decimal, as text).",
        examples=["1.5"],
    )
    birthday_points: int = Field(description="Points given on his birthday, once a year.")
    birthday_coupon: str | None = Field(description="A coupon template given on his birthday.")
    coupons: list[str] = Field(description="Templates issued once on reaching the tier.")

    @classmethod
    def from_domain(cls, privilege: TierPrivilege) -> TierPrivilegeOut:
        """The answer for ``privilege``."""
        return cls(
            extra_window_days=privilege.extra_window_days,
            points_multiplier=str(privilege.points_multiplier),
            birthday_points=privilege.birthday_points,
            birthday_coupon=privilege.birthday_coupon,
            coupons=list(privilege.coupons),
        )


class MemberTierOut(OutModel):
    """The calling customer's tier (null: none), the metric last evaluated, the next tier
    and its threshold (null at the top, or with no ladder), and the privileges in force."""

    customer_id: str
    tier: str | None
    metric: int = Field(description="The ladder's metric as last evaluated (0: never).")
    next_tier: str | None
    next_threshold: int | None
    privileges: TierPrivilegeOut

    @classmethod
    def from_domain(cls, member: MemberTier) -> MemberTierOut:
        """The answer for ``member``."""
        return cls(
            customer_id=member.status.customer_id,
            tier=member.status.tier,
            metric=member.status.metric,
            next_tier=member.next_tier,
            next_threshold=member.next_threshold,
            privileges=TierPrivilegeOut.from_domain(member.privilege),
        )
