"""Events raised by orders, their payments, complaints and reviews.

Notifications consume them from the outbox; the ledger will post reversals from
:class:`OrderRefunded` (it carries the amounts and nothing else it would need to look up).
"""

from __future__ import annotations

import attrs

from booking_core.events import DomainEvent
from booking_core.money import Money

__all__ = [
    "ComplaintFiled",
    "ComplaintStateChanged",
    "OrderBroadcast",
    "OrderModified",
    "OrderNeedsAttention",
    "OrderOffered",
    "OrderPlaced",
    "OrderRefunded",
    "OrderReviewed",
    "OrderStateChanged",
    "PaymentCaptured",
    "ReviewWindowClosed",
    "TechnicianLate",
    "TipReceived",
]


@attrs.frozen
class OrderPlaced(DomainEvent):
    """A customer placed an order; it awaits payment."""

    order_id: str
    customer_id: str
    technician_id: str
    price: Money


@attrs.frozen
class OrderStateChanged(DomainEvent):
    """An order moved from one state to another (or stayed, for a recorded self-transition)."""

    order_id: str
    event: str
    from_state: str
    to_state: str
    actor_id: str
    actor_role: str
    reason: str


@attrs.frozen
class OrderModified(DomainEvent):
    """An order that had not started got a new time, service or technician."""

    order_id: str
    change: str  # "time", "service" or "technician"
    before: str
    after: str
    actor_id: str


@attrs.frozen
class OrderOffered(DomainEvent):
    """An order was offered to one technician until ``expires_at`` (派单)."""

    order_id: str
    technician_id: str
    expires_at: str  # ISO 8601


@attrs.frozen
class OrderBroadcast(DomainEvent):
    """An order was broadcast to these technicians: the first to grab it wins (抢单)."""

    order_id: str
    technician_ids: tuple[str, ...]


@attrs.frozen
class PaymentCaptured(DomainEvent):
    """Money was captured for an order (applied once per payment key)."""

    order_id: str
    payment_key: str
    purpose: str
    amount: Money


@attrs.frozen
class TipReceived(DomainEvent):
    """A customer's tip (打赏) for the technician of an order was captured (once per payment
    key); all of it went to the technician's payable."""

    order_id: str
    technician_id: str
    payment_key: str
    amount: Money


@attrs.frozen
class OrderRefunded(DomainEvent):
    """A refund of an order succeeded at the gateway (once per refund key).

    Attributes:
        amount: This refund.
        total_refunded: Everything refunded on the order so far, this one included.
        captured: Everything captured on the order.
        reason: Why (cancellation, arbitration, price difference, late payment).
    """

    order_id: str
    refund_key: str
    payment_key: str
    amount: Money
    total_refunded: Money
    captured: Money
    reason: str


@attrs.frozen
class TechnicianLate(DomainEvent):
    """The technician arrived later than the lateness grace allows (for P3 penalties)."""

    order_id: str
    technician_id: str
    minutes_late: int


@attrs.frozen
class OrderNeedsAttention(DomainEvent):
    """Something the platform should look at (P6 anomalies): an order overdue in service
    with its balance unpaid, a refund the gateway refused, a payment for a closed order."""

    order_id: str
    problem: str
    detail: str


@attrs.frozen
class ReviewWindowClosed(DomainEvent):
    """The customer can no longer review the order."""

    order_id: str


@attrs.frozen
class ComplaintFiled(DomainEvent):
    """A customer complained about an order."""

    complaint_id: str
    order_id: str
    customer_id: str
    requested_remedy: str


@attrs.frozen
class ComplaintStateChanged(DomainEvent):
    """A complaint moved along (taken up, resolved, rejected, withdrawn)."""

    complaint_id: str
    order_id: str
    event: str
    from_state: str
    to_state: str
    actor_id: str
    actor_role: str
    reason: str


@attrs.frozen
class OrderReviewed(DomainEvent):
    """A customer reviewed a completed order."""

    order_id: str
    technician_id: str
    stars: int
