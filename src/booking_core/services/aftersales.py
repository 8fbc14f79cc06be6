"""After-sales: complaints and the platform's arbitration (FEATURES C12, P6, S4).

A customer complains about an order that has ended (completed, cancelled or partly
refunded) within ``complaint_window_days``; one complaint is pending per order at a time.
The platform takes it up and resolves it with a full, partial or no refund, or rejects it.
A refund decided in arbitration goes through the payment service like any other: the order
moves ``refunding`` → ``refunded`` / ``partially_refunded`` and the ledger hears of it
through ``OrderRefunded``. A full refund is "everything still refundable".
"""

from __future__ import annotations

import attrs
import pendulum

from booking_core.errors import ComplaintNotAllowed, InvalidInput, NotFound, PermissionDenied
from booking_core.ids import CustomerId, OrderId
from booking_core.money import Money
from booking_core.orders import Actor, OrderState, Role
from booking_core.orders.complaint import Complaint, Decision, Remedy, Resolution
from booking_core.orders.policy import OrderPolicy
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.payments import RefundResult
from booking_core.ports.storage import UnitOfWork, UnitOfWorkFactory
from booking_core.services._access import check_staff, require_customer
from booking_core.services.payments import PaymentService
from booking_core.services.steps.audit import AuditTrail
from booking_core.services.steps.refunds import Refunds
from booking_core.staff import Permission

__all__ = ["AfterSalesService", "ArbitrationResult", "FileComplaint"]

_ENDED = frozenset({OrderState.COMPLETED, OrderState.CANCELLED, OrderState.PARTIALLY_REFUNDED})


@attrs.frozen
class FileComplaint:
    """A customer's complaint: what went wrong, photos, and what he asks for."""

    order_id: OrderId
    customer_id: CustomerId
    reason: str
    requested_remedy: Remedy
    photos: tuple[str, ...] = ()
    requested_refund: Money | None = None


@attrs.frozen
class ArbitrationResult:
    """The resolved complaint and the refunds it sent."""

    complaint: Complaint
    refunds: tuple[RefundResult, ...]


class AfterSalesService:
    """Takes complaints and records the platform's decisions."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdSource,
        payments: PaymentService,
        refunds: Refunds,
        policy: OrderPolicy,
        *,
        audit: AuditTrail,
    ) -> None:
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._payments = payments
        self._refunds = refunds
        self._policy = policy

    def file(self, command: FileComplaint, actor: Actor) -> Complaint:
        """Open a complaint.

        Raises:
            NotFound: the order is not the customer's.
            ComplaintNotAllowed: the order has not ended, the window has closed, or a
                complaint is already pending.
            InvalidInput: no reason, too many photos, an amount without a partial refund.
            PermissionDenied: ``actor`` is not the customer ``command.customer_id``.
        """
        require_customer(actor, command.customer_id, "files complaints")
        now = self._clock.now()
        with self._uow() as uow:
            order = uow.orders.get(command.order_id)
            if order.customer_id != command.customer_id:
                raise NotFound("order", command.order_id)
            if order.state not in _ENDED:
                raise ComplaintNotAllowed(
                    f"Order {order.id} is {order.state.replace('_', ' ')}; complaints are "
                    "taken once it is completed or cancelled.",
                    details={"state": order.state},
                )
            ended = order.entered_at(OrderState.COMPLETED, OrderState.CANCELLED) or order.placed_at
            closes = ended + pendulum.duration(days=self._policy.complaint_window_days)
            if now >= closes:
                raise ComplaintNotAllowed(
                    f"Complaints on order {order.id} closed on "
                    f"{closes.in_timezone(order.time_zone).to_date_string()}.",
                    details={"closed_at": closes.isoformat()},
                )
            if any(c.is_pending for c in uow.complaints.for_order(order.id)):
                raise ComplaintNotAllowed(
                    f"Order {order.id} already has a complaint being handled.",
                    details={"order_id": order.id},
                )
            complaint = Complaint.file(
                complaint_id=self._ids.new_id("cmp"),
                order_id=order.id,
                customer_id=order.customer_id,
                technician_id=order.technician_id,
                reason=command.reason,
                photos=command.photos,
                requested_remedy=command.requested_remedy,
                requested_refund=command.requested_refund,
                at=now,
            )
            uow.complaints.add(complaint)
            uow.commit()
        return complaint

    def get(self, complaint_id: str, actor: Actor) -> Complaint:
        """The complaint, if the actor may see it (NotFound otherwise)."""
        with self._uow() as uow:
            return _visible(uow, complaint_id, actor)

    def pending(self, actor: Actor) -> list[Complaint]:
        """The platform's queue: open and arbitrating complaints, oldest first."""
        if actor.role is not Role.PLATFORM:
            raise PermissionDenied("Only the platform sees the complaint queue.")
        with self._uow() as uow:
            return uow.complaints.list_pending()

    def take_up(self, complaint_id: str, actor: Actor, *, note: str = "") -> Complaint:
        """The platform starts arbitrating (PermissionDenied for others, and for staff
        without the complaints permission)."""
        check_staff(actor, Permission.COMPLAINTS, "arbitrates complaints")
        return self._move(complaint_id, actor, "take_up", note)

    def withdraw(self, complaint_id: str, actor: Actor, *, note: str = "") -> Complaint:
        """The customer withdraws a pending complaint."""
        return self._move(complaint_id, actor, "withdraw", note)

    def reject(self, complaint_id: str, actor: Actor, *, note: str) -> Complaint:
        """The platform rejects the complaint (a note to the customer is required)."""
        check_staff(actor, Permission.COMPLAINTS, "arbitrates complaints")
        if not note.strip():
            raise InvalidInput("Say why the complaint is rejected.", details={"field": "note"})
        return self._move(complaint_id, actor, "reject", note)

    def resolve(
        self,
        complaint_id: str,
        actor: Actor,
        *,
        decision: Decision,
        note: str = "",
        refund: Money | None = None,
    ) -> ArbitrationResult:
        """Resolve a complaint under arbitration and refund what was decided.

        ``refund`` is required for a partial refund and must be more than zero and less
        than what remains refundable; a full refund is everything still refundable.

        Raises:
            PermissionDenied: only platform staff with the complaints permission arbitrate.
            TransitionNotAllowed: the complaint is not under arbitration.
            InvalidInput: a partial refund without an amount, or an amount with another decision.
            RefundExceedsCaptured: the amount exceeds what remains refundable (I13).
        """
        check_staff(actor, Permission.COMPLAINTS, "arbitrates complaints")
        if (decision is Decision.PARTIAL_REFUND) != (refund is not None):
            raise InvalidInput(
                "Name an amount exactly for a partial refund.", details={"field": "refund"}
            )
        now = self._clock.now()
        with self._uow() as uow:
            complaint = uow.complaints.get(complaint_id)
            order = uow.orders.get(complaint.order_id)
            before = {"state": complaint.state}
            if decision is Decision.FULL_REFUND:
                amount = order.refundable
            elif decision is Decision.PARTIAL_REFUND:
                assert refund is not None
                amount = refund
                if amount.amount <= 0 or amount >= order.refundable:
                    raise InvalidInput(
                        f"A partial refund is more than zero and less than the {order.refundable}"
                        " still refundable; decide a full refund otherwise.",
                        details={"field": "refund"},
                    )
            else:
                amount = Money.zero(order.price.currency)
            complaint.decide(Resolution(decision, amount, note, actor, now))
            records = self._refunds.plan(
                uow, order, amount, reason=f"complaint {complaint.id}: {decision.value}",
                actor=actor, at=now,
            )  # fmt: skip
            uow.complaints.save(complaint)
            uow.orders.save(order)
            self._audit.record(
                uow, actor, "complaint.resolve", ("complaint", complaint.id), before=before,
                after={"state": complaint.state, "decision": decision, "refund": amount},
                reason=note or None,
            )  # fmt: skip
            uow.commit()
        refunds = tuple(self._payments.send_refunds(records))
        return ArbitrationResult(complaint, refunds)

    def _move(self, complaint_id: str, actor: Actor, event: str, note: str) -> Complaint:
        now = self._clock.now()
        with self._uow() as uow:
            complaint = _visible(uow, complaint_id, actor)
            before = {"state": complaint.state}
            complaint.transition(event, actor=actor, at=now, reason=note)
            uow.complaints.save(complaint)
            self._audit.record(
                uow, actor, f"complaint.{event}", ("complaint", complaint.id), before=before,
                after={"state": complaint.state}, reason=note or None,
            )  # fmt: skip
            uow.commit()
        return complaint


def _visible(uow: UnitOfWork, complaint_id: str, actor: Actor) -> Complaint:
    complaint = uow.complaints.get(complaint_id)
    if not complaint.can_be_seen_by(actor):
        raise NotFound("complaint", complaint_id)
    return complaint
