"""The outbox relay: turns committed events into notifications and reminder jobs.

Each message is relayed in a unit of work of its own that claims it (a concurrent relay
skips it), stores what the rules make of it, and marks it delivered — all or nothing, so a
relay killed halfway leaves the message pending and nothing half-written. A message whose
rules fail is retried after a backoff and, after ``max_attempts``, left dead for an
operator (:class:`~booking_core.services.dead_letters.DeadLetterService`).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from booking_core.ids import OrderId
from booking_core.notifications.rules import Rule, order_event
from booking_core.outbox import OutboxMessage, OutboxState
from booking_core.ports.clock import Clock
from booking_core.ports.storage import UnitOfWork, UnitOfWorkFactory
from booking_core.services.backoff import Backoff
from booking_core.services.steps.notices import Notices
from booking_core.services.steps.order_facts import facts_of
from booking_core.services.steps.reminder_plans import ReminderPlans

__all__ = ["OutboxRelay", "RelayRun"]

#: Events after which an order's reminders are (re)planned for its current slot.
_PLAN_REMINDERS = frozenset({"OrderStateChanged", "OrderModified"})


@attrs.frozen
class RelayRun:
    """What one :meth:`OutboxRelay.run` did."""

    relayed: int = 0
    failed: int = 0
    dead: int = 0


class OutboxRelay:
    """Relays pending outbox messages, oldest first."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        notices: Notices,
        rules: Mapping[str, Rule],
        reminders: ReminderPlans,
        *,
        backoff: Backoff,
        max_attempts: int,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notices = notices
        self._rules = dict(rules)
        self._reminders = reminders
        self._backoff = backoff
        self._max_attempts = max_attempts

    def run(self, limit: int = 100) -> RelayRun:
        """Relay up to ``limit`` due messages, each in its own unit of work."""
        run = RelayRun()
        for _ in range(limit):
            with self._uow() as uow:
                message = uow.outbox.next_due(self._clock.now())
                if message is None:
                    break
                outcome = self._relay(uow, message)
                uow.commit()
            run = attrs.evolve(run, **{outcome: getattr(run, outcome) + 1})
        return run

    def _relay(self, uow: UnitOfWork, message: OutboxMessage) -> str:
        now = self._clock.now()
        try:
            # Everything is read and checked before anything is written, so a failing
            # rule leaves this unit of work with nothing but the failure to record.
            rule = self._rules.get(message.name)
            order_id = str(message.payload.get("order_id", ""))
            needs_order = bool(order_id) and order_event(message.name)
            order = uow.orders.get(OrderId(order_id)) if needs_order else None
            facts = facts_of(uow, order) if order is not None and rule is not None else None
            notices = rule(message.payload, facts) if rule is not None else []
            self._notices.check(notices)
        except Exception as exc:  # a broken rule or payload must not stop the relay
            attempts = message.attempts + 1
            error = f"{type(exc).__name__}: {exc}"
            if attempts >= self._max_attempts:
                uow.outbox.save(attrs.evolve(message, attempts=attempts, last_error=error,
                                             state=OutboxState.DEAD))  # fmt: skip
                return "dead"
            due = now + self._backoff.after(message.id, attempts)
            uow.outbox.save(attrs.evolve(message, attempts=attempts, last_error=error, due_at=due))
            return "failed"
        self._notices.store(uow, notices, cause=message.id, now=now)
        if order is not None and message.name in _PLAN_REMINDERS:
            self._reminders.plan(uow, order, now)
        uow.outbox.mark_delivered(attrs.evolve(message, delivered_at=now))
        return "relayed"
