"""Checks of payment providers' daily statements (对账, FEATURES P10)."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime

from booking_core.orders import Difference, StatementCheck
from booking_server.paging import NextCursor
from booking_server.schemas.common import MoneyOut, OutModel

__all__ = ["DifferenceOut", "StatementCheckList", "StatementCheckOut"]


class DifferenceOut(OutModel):
    """One disagreement: ``missing_ours`` (the provider moved money we never applied),
    ``missing_theirs`` (we applied money its statement lacks) or ``amount_mismatch``."""

    kind: str
    entry: str
    key: str
    ours: MoneyOut | None
    theirs: MoneyOut | None
    order_id: str | None
    reference: str | None

    @classmethod
    def from_domain(cls, difference: Difference) -> DifferenceOut:
        """From the domain difference."""
        return cls(
            kind=difference.kind.value,
            entry=difference.entry.value,
            key=difference.key,
            ours=None if difference.ours is None else MoneyOut.from_domain(difference.ours),
            theirs=None if difference.theirs is None else MoneyOut.from_domain(difference.theirs),
            order_id=difference.order_id,
            reference=difference.reference,
        )


class StatementCheckOut(OutModel):
    """One provider's statement of one day, matched against the platform's money."""

    provider: str
    day: dt.date
    checked_at: AwareDatetime
    entries: int
    balanced: bool
    differences: list[DifferenceOut]

    @classmethod
    def from_domain(cls, check: StatementCheck) -> StatementCheckOut:
        """From the domain check."""
        return cls(
            provider=check.provider,
            day=dt.date(check.day.year, check.day.month, check.day.day),
            checked_at=check.checked_at,
            entries=check.entries,
            balanced=check.balanced,
            differences=[DifferenceOut.from_domain(d) for d in check.differences],
        )


class StatementCheckList(OutModel):
    """Statement checks, newest day first, then by provider; one page."""

    items: list[StatementCheckOut]
    next_cursor: NextCursor = None
