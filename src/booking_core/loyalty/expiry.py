"""When awarded points expire: a rolling number of days, or the end of a period."""

from __future__ import annotations

from enum import StrEnum

import attrs
import pendulum
from pendulum import DateTime

from booking_core.errors import InvalidPromotion
from booking_core.timerange import ensure_aware, zone

__all__ = ["ExpiryKind", "ExpiryPolicy"]


class ExpiryKind(StrEnum):
    """How an expiry is counted."""

    NEVER = "never"
    ROLLING_DAYS = "rolling_days"  # N local calendar days after the award, same wall time
    MONTH_END = "month_end"  # the end of the N-th month counting the award's month
    QUARTER_END = "quarter_end"  # likewise by quarters
    YEAR_END = "year_end"  # likewise by years (N=1: 31 December of the award's year)


_MONTHS = {ExpiryKind.MONTH_END: 1, ExpiryKind.QUARTER_END: 3, ExpiryKind.YEAR_END: 12}


@attrs.frozen
class ExpiryPolicy:
    """When a lot awarded at some instant expires, in the customer's zone.

    ``ROLLING_DAYS`` adds ``count`` local calendar days (pendulum ``add(days=...)``: the same
    wall-clock time, so 23 or 25 hours on a daylight-saving day — the customer reads "valid
    for 365 days" on his calendar). The period kinds expire at the first instant after the
    period's local end: ``YEAR_END`` with ``count=1`` turns points earned any time in 2026
    useless at 2027-01-01 00:00 local; ``count=2`` a year later.

    Attributes:
        kind: See :class:`ExpiryKind` (default: a rolling year of 365 days).
        count: How many days or periods (one or more; ignored for ``NEVER``).
    """

    kind: ExpiryKind = ExpiryKind.ROLLING_DAYS
    count: int = 365

    def __attrs_post_init__(self) -> None:
        if type(self.count) is not int or self.count < 1:
            raise InvalidPromotion(
                f"An expiry counts one day or period or more; got {self.count!r}.",
                details={"field": "count"},
            )

    @classmethod
    def never(cls) -> ExpiryPolicy:
        """Points never expire."""
        return cls(ExpiryKind.NEVER, 1)

    @classmethod
    def rolling(cls, days: int) -> ExpiryPolicy:
        """``days`` local calendar days after the award."""
        return cls(ExpiryKind.ROLLING_DAYS, days)

    @classmethod
    def period_end(cls, kind: ExpiryKind, count: int = 1) -> ExpiryPolicy:
        """The end of the ``count``-th month, quarter or year counting the award's own."""
        if kind not in _MONTHS:
            raise InvalidPromotion(
                f"A period end is of a month, quarter or year; got {kind!r}.",
                details={"field": "kind"},
            )
        return cls(kind, count)

    def expires_at(self, earned_at: DateTime, time_zone: str) -> DateTime | None:
        """The first instant points awarded at ``earned_at`` can no longer be used (None:
        never), counted in ``time_zone``."""
        local = ensure_aware(earned_at, "earned_at").in_timezone(zone(time_zone))
        if self.kind is ExpiryKind.NEVER:
            return None
        if self.kind is ExpiryKind.ROLLING_DAYS:
            return local.add(days=self.count).in_timezone("UTC")
        months = _MONTHS[self.kind]
        # The period holding the award starts at a multiple of its length (Jan, Apr, Jul…).
        first_month = (local.month - 1) // months * months + 1
        start = pendulum.datetime(local.year, first_month, 1, tz=zone(time_zone))
        return start.add(months=months * self.count).in_timezone("UTC")
