"""Referrals and commissions (issue 13, 分销): invite codes and links, binding to a
referrer, distributors, a distributor's team and commissions, and the platform's view.

A member is written ``customer:<id>`` or ``technician:<id>``. Amounts are integer minor
units; rates are decimal strings; instants are shown in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from pendulum import DateTime
from pydantic import AwareDatetime, Field

from booking_core.referrals import (
    Binding,
    BindingChange,
    BindingMoment,
    Commission,
    CommissionSource,
    CommissionState,
    Distributor,
    DistributorStatus,
    ReferralCode,
)
from booking_core.services.referrals import ReferralSummary, TeamLevel
from booking_server.paging import NextCursor
from booking_server.schemas.common import InModel, MoneyOut, OutModel, in_zone

__all__ = [
    "BindIn",
    "BindingChangeOut",
    "BindingOut",
    "CommissionList",
    "CommissionOut",
    "DistributorDecisionIn",
    "DistributorList",
    "DistributorOut",
    "InviteOut",
    "ReferralSummaryOut",
    "StateTotalOut",
    "StatusCountOut",
    "TeamLevelOut",
    "TeamList",
]


def _utc(instant: DateTime | None) -> dt.datetime | None:
    return None if instant is None else in_zone(instant, "UTC")


def _amounts(by_currency: Mapping[str, int]) -> list[MoneyOut]:
    return [MoneyOut(amount=a, currency=c) for c, a in sorted(by_currency.items())]


class InviteOut(OutModel):
    """The caller's invite code and the link that carries it."""

    code: str = Field(examples=["7KQ2M9XD"])
    link: str = Field(examples=["https://example.com/invite?code=7KQ2M9XD"])
    owner: str = Field(description="`customer:<id>` or `technician:<id>`.")
    created_at: AwareDatetime = Field(description="UTC.")

    @classmethod
    def from_domain(cls, code: ReferralCode, link: str) -> InviteOut:
        """The answer for ``code`` and its ``link``."""
        return cls(code=code.code, link=link, owner=str(code.owner),
                   created_at=in_zone(code.created_at, "UTC"))  # fmt: skip


class BindIn(InModel):
    """The invite code the caller was given (typed: case, spaces and dashes do not matter,
    nor O for 0 or I/L for 1)."""

    code: str = Field(min_length=1, max_length=40, examples=["7KQ2-M9XD"])
    moment: BindingMoment = Field(
        default=BindingMoment.LATER,
        description="Where the code came from: `registration` (with the sign-up), `order` "
        "(at checkout) or `later` (the 'my referrer' page); the binding mode judges it.",
    )


class BindingChangeOut(OutModel):
    """One entry of a binding's history."""

    referrer: str
    previous: str | None
    at: AwareDatetime
    moment: BindingMoment
    code: str | None

    @classmethod
    def from_domain(cls, change: BindingChange) -> BindingChangeOut:
        """The answer for ``change``."""
        return cls(
            referrer=str(change.referrer),
            previous=None if change.previous is None else str(change.previous),
            at=in_zone(change.at, "UTC"),
            moment=change.moment,
            code=change.code,
        )


class BindingOut(OutModel):
    """Who referred the caller, since when, and every change."""

    referee: str
    referrer: str
    bound_at: AwareDatetime
    first_bound_at: AwareDatetime
    history: list[BindingChangeOut]

    @classmethod
    def from_domain(cls, binding: Binding) -> BindingOut:
        """The answer for ``binding``."""
        return cls(
            referee=str(binding.referee),
            referrer=str(binding.referrer),
            bound_at=in_zone(binding.bound_at, "UTC"),
            first_bound_at=in_zone(binding.first_bound_at, "UTC"),
            history=[BindingChangeOut.from_domain(c) for c in binding.history],
        )


class DistributorOut(OutModel):
    """A member's standing as a distributor: ``applied`` (waiting for staff), ``active``
    (earns commission), ``rejected``, ``suspended`` (earns nothing on orders paid from
    then), or ``none`` (never applied)."""

    member: str
    status: DistributorStatus
    spend: MoneyOut | None = Field(description="What his completed orders paid.")
    orders: int = Field(description="How many of his orders completed.")
    applied_at: AwareDatetime | None
    decided_at: AwareDatetime | None
    decided_by: str | None = Field(description="Staff id, or `system` for the rules.")
    reason: str | None = Field(description="Why he was rejected or suspended.")

    @classmethod
    def from_domain(cls, record: Distributor) -> DistributorOut:
        """The answer for ``record``."""
        return cls(
            member=str(record.member),
            status=record.status,
            spend=None if record.spend is None else MoneyOut.from_domain(record.spend),
            orders=record.orders,
            applied_at=_utc(record.applied_at),
            decided_at=_utc(record.decided_at),
            decided_by=record.decided_by,
            reason=record.reason,
        )


class DistributorList(OutModel):
    """Distributor records by member, one page."""

    items: list[DistributorOut]
    next_cursor: NextCursor = None


class DistributorDecisionIn(InModel):
    """Why staff reject or suspend a distributor (kept on his record and in the audit
    log)."""

    reason: str = Field(min_length=1, max_length=500, pattern=r"\S", examples=["Spam"])


class TeamLevelOut(OutModel):
    """One level of the caller's team: 1 for the people he referred, 2 for theirs, …"""

    level: int
    members: int
    orders: int = Field(description="Orders that earned him commission at this level.")
    sales: list[MoneyOut] = Field(description="Those lines' commission bases, by currency.")
    commission: list[MoneyOut] = Field(
        description="What he earned at this level (frozen and settled, net of refunds)."
    )

    @classmethod
    def from_domain(cls, level: TeamLevel) -> TeamLevelOut:
        """The answer for ``level``."""
        return cls(level=level.level, members=level.members, orders=level.orders,
                   sales=_amounts(level.sales), commission=_amounts(level.commission))  # fmt: skip


class TeamList(OutModel):
    """The caller's team level by level, as deep as the plan pays."""

    items: list[TeamLevelOut]


class CommissionOut(OutModel):
    """One commission: one order line, one beneficiary, one level. ``frozen`` on payment,
    ``settled`` after completion and the cooling-off (then his to withdraw),
    ``cancelled`` when refunds took all of it; partial refunds reduce it (``cancelled``
    amount)."""

    id: str
    order_id: str
    line: int
    level: int
    source: CommissionSource = Field(
        description="`buyer`: the buyer's upline earns it; `technician`: the serving "
        "technician's recruiters."
    )
    referee: str = Field(description="The buyer or technician whose order it is.")
    service_id: str
    base: MoneyOut = Field(description="What the rate applied to.")
    rate: str = Field(description="The level's rate, a decimal string.")
    amount: MoneyOut = Field(description="What it was frozen at.")
    cancelled: MoneyOut = Field(description="What refunds took back.")
    remaining: MoneyOut
    state: CommissionState
    frozen_at: AwareDatetime
    unfreeze_at: AwareDatetime | None
    settled_at: AwareDatetime | None
    cancelled_at: AwareDatetime | None

    @classmethod
    def from_domain(cls, commission: Commission) -> CommissionOut:
        """The answer for ``commission``."""
        return cls(
            id=commission.id,
            order_id=commission.order_id,
            line=commission.line,
            level=commission.level,
            source=commission.source,
            referee=str(commission.referee),
            service_id=commission.service_id,
            base=MoneyOut.from_domain(commission.base),
            rate=str(commission.rate),
            amount=MoneyOut.from_domain(commission.amount),
            cancelled=MoneyOut.from_domain(commission.cancelled),
            remaining=MoneyOut.from_domain(commission.remaining),
            state=commission.state,
            frozen_at=in_zone(commission.frozen_at, "UTC"),
            unfreeze_at=_utc(commission.unfreeze_at),
            settled_at=_utc(commission.settled_at),
            cancelled_at=_utc(commission.cancelled_at),
        )


class StateTotalOut(OutModel):
    """What is frozen, settled (net of refunds) or was cancelled, in one currency."""

    state: CommissionState
    total: MoneyOut


def state_totals(totals: Mapping[tuple[CommissionState, str], int]) -> list[StateTotalOut]:
    """The wire form of totals by (state, currency), in a stable order."""
    return [
        StateTotalOut(state=state, total=MoneyOut(amount=amount, currency=currency))
        for (state, currency), amount in sorted(totals.items())
    ]


class CommissionList(OutModel):
    """A member's commissions frozen in the period, oldest first, one page; ``totals``
    cover the whole period (every page, every state)."""

    items: list[CommissionOut]
    next_cursor: NextCursor = None
    totals: list[StateTotalOut]


class StatusCountOut(OutModel):
    """How many members stand in one distributor status."""

    status: DistributorStatus
    count: int


class ReferralSummaryOut(OutModel):
    """The platform's view across distributors: how many in each status, how many earned
    in the period, and every commission of the period by state."""

    since: AwareDatetime
    until: AwareDatetime
    distributors: list[StatusCountOut]
    beneficiaries: int
    totals: list[StateTotalOut]

    @classmethod
    def from_domain(
        cls, summary: ReferralSummary, since: DateTime, until: DateTime
    ) -> ReferralSummaryOut:
        """The answer for ``summary`` over ``[since, until)``."""
        return cls(
            since=in_zone(since, "UTC"),
            until=in_zone(until, "UTC"),
            distributors=[
                StatusCountOut(status=s, count=n) for s, n in sorted(summary.distributors.items())
            ],
            beneficiaries=summary.beneficiaries,
            totals=state_totals(summary.totals),
        )
