"""Refund steps: plan an order's refunds inside the caller's unit of work.

The gateway is asked only after commit (:meth:`PaymentService.send_refunds
<booking_core.services.payments.PaymentService.send_refunds>`): planning stores one refund
record per payment the money comes from, in status ``unknown``, with a reconciliation job,
so a crash between the commit and the gateway's answer loses nothing.
"""

from __future__ import annotations

from typing import Final

import pendulum
from pendulum import DateTime

from booking_core.money import Money
from booking_core.orders import Actor, Order, OrderState, Role
from booking_core.orders.payments import RefundRecord, RefundStatus, plan_refund, refund_key
from booking_core.orders.policy import OrderPolicy
from booking_core.ports.ids import IdSource
from booking_core.ports.jobs import Job
from booking_core.ports.storage import UnitOfWork
from booking_core.services.jobs import JobKind

__all__ = ["PAYMENTS_ACTOR", "Refunds"]

#: Who moves an order when the money, not a person, decides.
PAYMENTS_ACTOR: Final = Actor.system("payments")


class Refunds:
    """Step: plans refunds and schedules the reconciliation that follows them up."""

    def __init__(self, ids: IdSource, policy: OrderPolicy) -> None:
        self._ids = ids
        self._policy = policy

    def plan(
        self,
        uow: UnitOfWork,
        order: Order,
        amount: Money,
        *,
        reason: str,
        actor: Actor,
        at: DateTime,
        close: bool = True,
    ) -> list[RefundRecord]:
        """Reserve ``amount`` on the order, store one refund per payment it comes from,
        schedule a reconciliation, and (with ``close``) move the order to ``refunding``.
        The caller locks the order (:meth:`~booking_core.ports.storage.OrderRepository.lock`)
        before loading it, saves it, commits, then sends the refunds.

        Raises:
            RefundExceedsCaptured: the amount exceeds what remains refundable (I13).
        """
        if amount.amount <= 0:
            return []
        existing = uow.refunds.for_order(order.id)
        plan = plan_refund(amount, uow.payments.for_order(order.id), existing)
        order.reserve_refund(amount)
        if close and order.state in (
            OrderState.CANCELLED,
            OrderState.COMPLETED,
            OrderState.PARTIALLY_REFUNDED,
        ):
            # A customer's cancellation leads to a refund, but the refund is the platform's act.
            by = actor if actor.role in (Role.PLATFORM, Role.SYSTEM) else PAYMENTS_ACTOR
            order.transition("refund", actor=by, at=at, reason=reason)
        records = [
            RefundRecord(
                key=refund_key(order.id, len(existing) + n),
                order_id=order.id,
                payment_key=attempt.key,
                amount=part,
                status=RefundStatus.UNKNOWN,
                reason=reason,
                requested_at=at,
                updated_at=at,
            )
            for n, (attempt, part) in enumerate(plan, start=1)
        ]
        for record in records:
            uow.refunds.add(record)
        self.schedule_reconcile(uow, order.id, at)
        return records

    def schedule_reconcile(self, uow: UnitOfWork, order_id: str, now: DateTime) -> None:
        """Ask the gateway about the order's open money after ``reconcile_after_minutes``."""
        due = now + pendulum.duration(minutes=self._policy.reconcile_after_minutes)
        kind = JobKind.RECONCILE_PAYMENTS.value
        job_id = f"{kind}:{order_id}:{self._ids.new_id('job')}"
        uow.jobs.schedule(Job(id=job_id, kind=kind, subject=order_id, due_at=due))
