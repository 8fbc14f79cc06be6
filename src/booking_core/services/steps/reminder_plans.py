"""Planning an order's reminders as jobs, in the caller's unit of work."""

from __future__ import annotations

from pendulum import DateTime

from booking_core.notifications.reminders import ReminderPolicy
from booking_core.orders.order import Order
from booking_core.ports.jobs import Job
from booking_core.ports.storage import UnitOfWork

__all__ = ["AHEAD", "REMIND", "ReminderPlans", "reminder_job_id"]

#: The job kind of a reminder (its subject is the order's id).
REMIND = "remind"
#: The states in which an appointment is still ahead and worth a reminder.
AHEAD = frozenset({"pending_acceptance", "accepted"})


def reminder_job_id(order_id: str, start: DateTime, label: str) -> str:
    """``remind:<order>:<start epoch>:<label>``: the slot start it was planned for is in it."""
    return f"{REMIND}:{order_id}:{int(start.timestamp())}:{label}"


class ReminderPlans:
    """Schedules the reminders of a :class:`ReminderPolicy`."""

    def __init__(self, policy: ReminderPolicy) -> None:
        self._policy = policy

    def plan(self, uow: UnitOfWork, order: Order, now: DateTime) -> None:
        """Schedule the order's reminders for its current slot (again: a no-op)."""
        if order.state not in AHEAD:
            return
        start = order.slot.start
        for reminder in self._policy.plan(start, order.time_zone, now):
            job_id = reminder_job_id(order.id, start, reminder.label)
            uow.jobs.schedule(Job(job_id, REMIND, order.id, reminder.due_at))
