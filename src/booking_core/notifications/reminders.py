"""When people are reminded of an appointment."""

from __future__ import annotations

import attrs
import pendulum
from pendulum import DateTime, Duration, Time

__all__ = ["Reminder", "ReminderPolicy"]


@attrs.frozen
class Reminder:
    """One planned reminder: its template, when it goes, and its label in the job id."""

    label: str
    template: str
    due_at: DateTime
    minutes: int | None = None  # for ``reminder_soon``: how long before the start


@attrs.frozen
class ReminderPolicy:
    """Reminders to the customer and the technician before a slot.

    Attributes:
        before: Lead times of the "soon" reminders (default: 30 minutes).
        day_before_at: The local hour, in the order's zone, of the reminder the day before
            the slot's local date (default 20:00); None for none.
    """

    before: tuple[Duration, ...] = attrs.field(factory=lambda: (pendulum.duration(minutes=30),))
    day_before_at: Time | None = attrs.field(factory=lambda: Time(20, 0))

    def plan(self, start: DateTime, time_zone: str, now: DateTime) -> list[Reminder]:
        """The reminders for a slot starting at ``start``, leaving out those whose time
        has passed at ``now`` (a late booking is not reminded of what it just booked) and a
        day-before reminder that would come after a "soon" one."""
        planned = []
        for lead in self.before:
            minutes = int(lead.total_minutes())
            due = start - lead
            planned.append(Reminder(f"{minutes}m", "reminder_soon", due, minutes))
        if self.day_before_at is not None:
            day = start.in_timezone(time_zone).date().subtract(days=1)
            clock = self.day_before_at
            due = pendulum.datetime(
                day.year, day.month, day.day, clock.hour, clock.minute, tz=time_zone
            ).in_timezone("UTC")
            earliest_soon = min((r.due_at for r in planned), default=start)
            if due < earliest_soon:
                planned.append(Reminder("day", "reminder_day_before", due))
        return [r for r in planned if r.due_at > now]
