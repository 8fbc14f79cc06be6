"""When a coupon may be used: fixed dates, or N days after it is issued."""

from __future__ import annotations

import attrs
from pendulum import DateTime

from booking_core.promotions._checks import aware, require

__all__ = ["Validity"]


@attrs.frozen
class Validity:
    """A coupon template's validity rule; build it with a named constructor.

    Both bounds of the resulting window are inclusive: a coupon is usable at exactly its
    start and at exactly its end, and not a moment after.

    Attributes:
        starts_at: Start of a fixed window.
        ends_at: End of a fixed window.
        days: Length of a relative window, in calendar days after issue.
    """

    starts_at: DateTime | None = None
    ends_at: DateTime | None = None
    days: int | None = None

    def __attrs_post_init__(self) -> None:
        fixed = self.starts_at is not None and self.ends_at is not None
        relative = self.days is not None
        require(
            fixed != relative and (self.starts_at is None) == (self.ends_at is None),
            "A validity is either fixed dates (start and end) or a number of days after issue.",
            field="validity",
        )
        if fixed:
            assert self.starts_at is not None
            assert self.ends_at is not None
            aware(self.starts_at, field="starts_at")
            aware(self.ends_at, field="ends_at")
            require(
                self.starts_at <= self.ends_at,
                f"A validity ends after it starts; got {self.starts_at} → {self.ends_at}.",
                field="ends_at",
            )
        else:
            require(
                type(self.days) is int and self.days >= 1,
                f"A relative validity lasts at least one day; got {self.days!r}.",
                field="days",
            )

    @classmethod
    def between(cls, starts_at: DateTime, ends_at: DateTime) -> Validity:
        """Usable from ``starts_at`` to ``ends_at``, both inclusive, whenever issued."""
        return cls(starts_at=starts_at, ends_at=ends_at)

    @classmethod
    def days_after_issue(cls, days: int) -> Validity:
        """Usable from issue until the same wall-clock time ``days`` calendar days later."""
        return cls(days=days)

    def window(self, issued_at: DateTime) -> tuple[DateTime, DateTime]:
        """The inclusive ``(valid_from, valid_until)`` of a coupon issued at ``issued_at``.

        A relative window adds calendar days in ``issued_at``'s own zone (pendulum
        ``add(days=...)``), so 7 days after 10:00 is 10:00 a week later, across DST too.
        """
        if self.days is not None:
            return issued_at, issued_at.add(days=self.days)
        assert self.starts_at is not None
        assert self.ends_at is not None
        return self.starts_at, self.ends_at
