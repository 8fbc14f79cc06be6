"""Where the slot grid of a working stretch counts from (docs/availability.md, "Slot grid")."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["CLOCK_GRIDS", "SlotAlignment", "clock_grid"]

#: The clock grids :attr:`SlotAlignment.CLOCK` chooses from, largest first (minutes).
CLOCK_GRIDS = (60, 30, 20, 15, 10, 5)


class SlotAlignment(StrEnum):
    """Where the starts offered in a working stretch count from, every step.

    A *working stretch* is one of the day's working ranges as the engine sees it: the day's
    touching ranges joined, time off cut out (the time after a time off starts a stretch).

    * ``STRETCH`` — from the stretch's first minute: 09:30 opening, 45-minute step →
      09:30, 10:15, 11:00 … A stretch at least as long as the service always offers a slot
      (bookings, notice and window aside): its first minute.
    * ``CLOCK`` — from the first point of a clock grid at or after the stretch's start: the
      largest of 60/30/20/15/10/5 minutes that divides the step (:func:`clock_grid`),
      counted from local midnight; 09:10 opening, 45-minute step → 09:15, 10:00 … A step
      none of them divides (7, 13, 22 …) has a one-minute clock grid: as ``STRETCH``.
    * ``MIDNIGHT`` — from local midnight of the stretch's day (the grid every policy had
      before this setting): 09:30 opening, 45-minute step → 09:45, 10:30 …
    """

    STRETCH = "stretch"
    CLOCK = "clock"
    MIDNIGHT = "midnight"


def clock_grid(step: int) -> int:
    """Minutes of the clock grid :attr:`SlotAlignment.CLOCK` puts starts on for ``step``:
    the largest of :data:`CLOCK_GRIDS` that divides it, else 1 (any whole minute)."""
    return next((grid for grid in CLOCK_GRIDS if step % grid == 0), 1)
