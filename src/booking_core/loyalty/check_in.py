"""The daily check-in (签到): once per local calendar day, with streak bonuses (I19)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs
from pendulum import Date, DateTime

from booking_core.errors import InvalidPromotion
from booking_core.ids import CustomerId
from booking_core.timerange import ensure_aware

__all__ = ["CheckIn", "CheckInTable"]


def _bonuses(value: Iterable[int]) -> tuple[int, ...]:
    return tuple(value)


@attrs.frozen
class CheckInTable:
    """Points per day of a streak: ``bonuses[0]`` on its first day, ``bonuses[1]`` on the
    second consecutive day, … A streak longer than the table earns its last entry every day
    after — or, with ``cycle``, starts over at the first.

    Attributes:
        bonuses: Points for day 1, 2, … of a streak (each one or more; at least one day).
        cycle: Whether a streak past the table starts the table again.
    """

    bonuses: tuple[int, ...] = attrs.field(default=(5, 5, 10, 10, 15, 15, 30), converter=_bonuses)
    cycle: bool = False

    def __attrs_post_init__(self) -> None:
        if not self.bonuses or any(type(b) is not int or b < 1 for b in self.bonuses):
            raise InvalidPromotion(
                "A check-in table gives one point or more on each of at least one day.",
                details={"field": "bonuses"},
            )

    def points_for(self, streak: int) -> int:
        """Points on day ``streak`` (1, 2, …) of a streak."""
        index = streak - 1
        if self.cycle:
            return self.bonuses[index % len(self.bonuses)]
        return self.bonuses[min(index, len(self.bonuses) - 1)]

    def next_streak(self, previous: CheckIn | None, today: Date) -> int:
        """Day of the streak a check-in on ``today`` makes: one more than yesterday's, or 1
        when he did not check in yesterday."""
        if previous is not None and previous.local_date == today.subtract(days=1):
            return previous.streak + 1
        return 1


@attrs.frozen
class CheckIn:
    """One customer's check-in on one local calendar day.

    Attributes:
        customer_id: Who.
        local_date: The day in his zone (the unique key with ``customer_id``).
        streak: Which day of a run of consecutive days (1: a new run).
        points: What it earned.
        at: When.
        movement_id: The journal entry of its award.
    """

    customer_id: CustomerId
    local_date: Date
    streak: int
    points: int
    at: DateTime
    movement_id: str

    def __attrs_post_init__(self) -> None:
        ensure_aware(self.at, "at")
