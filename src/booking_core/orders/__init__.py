"""Orders: the at-home order, its lifecycle machine, its timeline and its review.

Also the values the order services take and return: cancellation quotes, complaints and
their decisions, payment attempts and refunds, and the technician's live position.
"""

from booking_core.orders.actor import Actor, Role
from booking_core.orders.cancellation import CancellationCause, CancellationQuote
from booking_core.orders.complaint import Complaint, Decision, Remedy, Resolution
from booking_core.orders.order import Order, OrderState, TransitionRecord
from booking_core.orders.payments import (
    PaymentAttempt,
    PaymentPurpose,
    PaymentStatus,
    RefundRecord,
    RefundStatus,
)
from booking_core.orders.policy import PaymentMode
from booking_core.orders.review import Review
from booking_core.orders.tracking import PositionReport, TrackingView

__all__ = [
    "Actor",
    "CancellationCause",
    "CancellationQuote",
    "Complaint",
    "Decision",
    "Order",
    "OrderState",
    "PaymentAttempt",
    "PaymentMode",
    "PaymentPurpose",
    "PaymentStatus",
    "PositionReport",
    "RefundRecord",
    "RefundStatus",
    "Remedy",
    "Resolution",
    "Review",
    "Role",
    "TrackingView",
    "TransitionRecord",
]
