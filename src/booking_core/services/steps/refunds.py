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

from booking_core.catalog import HoldingId
from booking_core.errors import InvalidInput
from booking_core.ledger import Account
from booking_core.loyalty import MovementKind
from booking_core.money import Money
from booking_core.orders import Actor, Order, OrderState, Role
from booking_core.orders.events import OrderNeedsAttention
from booking_core.orders.payments import RefundRecord, RefundStatus, plan_refund, refund_key
from booking_core.orders.policy import OrderPolicy
from booking_core.ports.ids import IdSource
from booking_core.ports.jobs import Job
from booking_core.ports.pricing import PricingRulesSource
from booking_core.ports.storage import UnitOfWork
from booking_core.services.jobs import JobKind
from booking_core.services.steps.commissions import Commissions
from booking_core.services.steps.ledger import post_refund
from booking_core.services.steps.packages import release_visit
from booking_core.services.steps.points import OrderPoints

__all__ = ["PAYMENTS_ACTOR", "Refunds"]

#: Who moves an order when the money, not a person, decides.
PAYMENTS_ACTOR: Final = Actor.system("payments")


class Refunds:
    """Step: plans refunds and schedules the reconciliation that follows them up."""

    def __init__(
        self,
        ids: IdSource,
        policy: OrderPolicy,
        *,
        points: OrderPoints | None = None,
        rules: PricingRulesSource | None = None,
        commissions: Commissions | None = None,
    ) -> None:
        self._commissions = commissions
        self._ids = ids
        self._policy = policy
        self._points = points
        self._rules = rules

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

        The points the order earned are clawed back here, when the refund is decided
        (:meth:`OrderPoints.claw_back`): under the default debt policy the cash value of
        those he no longer holds is kept from ``amount`` — it stays reserved on the order
        (``refunded`` counts it, so it is never refundable again) but is not sent.

        Raises:
            RefundExceedsCaptured: the amount exceeds what remains refundable (I13).
        """
        if amount.amount <= 0:
            return []
        if order.holding_id is not None:
            self._give_visit_back(uow, order, amount, reason=reason, actor=actor, at=at)
            return []
        existing = uow.refunds.for_order(order.id)
        kept = self._undo_points(uow, order, amount, at)
        plan = plan_refund(amount - kept, uow.payments.for_order(order.id), existing)
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
                gateway=attempt.gateway,
            )
            for n, (attempt, part) in enumerate(plan, start=1)
        ]
        for record in records:
            uow.refunds.add(record)
        if records:
            self.schedule_reconcile(uow, order.id, at)
        elif order.state == OrderState.REFUNDING:  # all of it kept for points: done now
            order.transition("settle_refund", actor=PAYMENTS_ACTOR, at=at, reason="refund kept")
        return records

    def _give_visit_back(
        self, uow: UnitOfWork, order: Order, amount: Money, *, reason: str, actor: Actor,
        at: DateTime,
    ) -> None:  # fmt: skip
        """An order a package visit paid is refunded by giving the visit back, whole and at
        once: its value returns to prepaid packages, reversing every party in proportion
        (before completion, what customer funds hold; after it, each share)."""
        assert order.holding_id is not None
        if amount != order.refundable:
            raise InvalidInput(
                f"Order {order.id} was paid by a package visit, which is given back whole: "
                f"refund {order.refundable} (all of it) or nothing.",
                details={"field": "refund", "refundable": order.refundable.amount},
            )
        held_before = order.refundable
        self._undo_points(uow, order, amount, at)  # a visit is not divided: nothing kept
        release_visit(uow, HoldingId(order.holding_id), order.id)
        post_refund(
            uow, order.id, amount, key=f"{order.id}:visit", at=at,
            source=Account.prepaid_packages(),
        )  # fmt: skip
        if self._commissions is not None:
            self._commissions.on_refunded(uow, order, amount, at, held_before=held_before)
        order.reserve_refund(amount)
        if order.state in (OrderState.CANCELLED, OrderState.COMPLETED):
            by = actor if actor.role in (Role.PLATFORM, Role.SYSTEM) else PAYMENTS_ACTOR
            order.transition("refund", actor=by, at=at, reason=reason)
            order.transition("settle_refund", actor=PAYMENTS_ACTOR, at=at, reason="visit back")

    def _undo_points(self, uow: UnitOfWork, order: Order, amount: Money, at: DateTime) -> Money:
        """Give back the spent points and claw back the earned ones that ``amount`` undoes
        (in that order: points given back can pay for those taken); the cash kept."""
        zero = Money.zero(amount.currency)
        if self._points is None or self._rules is None or amount > order.refundable:
            return zero  # (too much: reserve_refund refuses it, with the reason)
        # Numbered by the order's own entries, not its refund records: a refund kept whole
        # for points makes no record, and the next one must not reuse its ids.
        journal = uow.points.for_order(order.customer_id, order.id)
        returns = 1 + sum(m.id.startswith("return:") for m in journal)
        claws = 1 + sum(m.kind is MovementKind.CLAWED_BACK for m in journal)
        paid = order.paid_amount.amount
        price = order.price.amount
        after = paid - order.refunded_amount.amount - amount.amount
        # The points follow the part of the refunds that undoes the sale (the price).
        sale = min(price, paid) - min(price, max(0, after))
        spent = order.quote is not None and order.quote.points_redeemed > 0
        if sale > 0 and spent:
            self._points.refund(
                uow, order.customer_id, order.id, movement_id=f"return:{order.id}:{returns}",
                refunded=Money(sale, amount.currency), paid=order.price, at=at,
            )  # fmt: skip
        if sale <= 0 or not any(r.to_state == OrderState.COMPLETED for r in order.timeline):
            return zero  # nothing earned (yet), or nothing of the price undone
        # Completion needs the price paid, so the points were earned on the whole price.
        left = min(price, max(0, after))
        policy = self._rules.rules_for(amount.currency, at).points
        value = policy.value_per_point if policy is not None else zero
        clawed = self._points.claw_back(
            uow, order.customer_id, order.id,
            movement_id=f"claw:{order.id}:{claws}",
            earned_on=order.price, left=Money(left, amount.currency),
            refund=amount, value_per_point=value, at=at,
        )  # fmt: skip
        if clawed.shortfall:
            order.raise_event(
                OrderNeedsAttention(
                    occurred_at=at,
                    order_id=order.id,
                    problem="points_shortfall",
                    detail=f"The refund of {amount} should claw back {clawed.shortfall} more "
                    "points than the customer holds or the refund could cover; a later refund "
                    "of the order asks for them again.",
                )
            )
        return clawed.kept

    def schedule_reconcile(self, uow: UnitOfWork, order_id: str, now: DateTime) -> None:
        """Ask the gateway about the order's open money after ``reconcile_after_minutes``."""
        due = now + pendulum.duration(minutes=self._policy.reconcile_after_minutes)
        kind = JobKind.RECONCILE_PAYMENTS.value
        job_id = f"{kind}:{order_id}:{self._ids.new_id('job')}"
        uow.jobs.schedule(Job(id=job_id, kind=kind, subject=order_id, due_at=due))
