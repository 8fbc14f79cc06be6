"""Reminders before an appointment: planned as jobs, re-checked when they fire.

A reminder's job id holds the slot start it was planned for
(``remind:<order>:<start epoch>:<label>``). Moving the order plans new ones for the new
start; the old ones fire, see another start, and do nothing — as do the reminders of an
order that was cancelled. A reminder that comes too late to mean what it says (a worker
was down) is dropped: any reminder once the slot has started, the day-before one once the
slot's own day has begun. Running one twice stores its notifications once.
"""

from __future__ import annotations

from pendulum import DateTime

from booking_core.ids import OrderId
from booking_core.notifications import Recipient
from booking_core.notifications.rules import Notice
from booking_core.ports.jobs import Job
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.services.steps.notices import Notices
from booking_core.services.steps.order_facts import facts_of
from booking_core.services.steps.reminder_plans import AHEAD

__all__ = ["Reminders"]


class Reminders:
    """Sends the reminders :class:`~booking_core.services.steps.reminder_plans.ReminderPlans`
    scheduled."""

    def __init__(self, uow: UnitOfWorkFactory, notices: Notices) -> None:
        self._uow = uow
        self._notices = notices

    def run_job(self, job: Job, now: DateTime) -> None:
        """Remind the customer and the technician, if the order still starts when planned
        and is still ahead."""
        _, order_id, planned, label = job.id.split(":")
        with self._uow() as uow:
            order = uow.orders.get(OrderId(order_id))
            start = order.slot.start
            if order.state not in AHEAD or int(start.timestamp()) != int(planned):
                return None
            if _stale(label, start, order.time_zone, now):
                return None
            facts = facts_of(uow, order)
            if label == "day":
                template, params = "reminder_day_before", facts.params()
            else:
                template, params = "reminder_soon", facts.params(minutes=label.removesuffix("m"))
            told = [Recipient("customer", facts.customer_id)]
            if facts.technician_id is not None:
                told.append(Recipient("technician", facts.technician_id))
            notices = [Notice(r, template, params, order.id, urgent=True) for r in told]
            self._notices.store(uow, notices, cause=job.id, now=now)
            uow.commit()
        return None


def _stale(label: str, start: DateTime, time_zone: str, now: DateTime) -> bool:
    if now >= start:
        return True
    same_day = now.in_timezone(time_zone).date() == start.in_timezone(time_zone).date()
    return label == "day" and same_day
