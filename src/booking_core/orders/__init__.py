"""Orders: the at-home order, its lifecycle machine, its timeline and its review.

Also the values the order services take and return: cancellation quotes, complaints and
their decisions, payment attempts and refunds, the technician's live position, and how an
order placed without a technician waits for one (its dispatch state, offers); the seat rule
(``check_seat``); and the privacy rules that decide who sees the customer's phone and
address.
"""

from booking_core.orders.actor import Actor, Role
from booking_core.orders.cancellation import CancellationCause, CancellationQuote
from booking_core.orders.complaint import Complaint, Decision, Remedy, Resolution
from booking_core.orders.contact import OrderContact
from booking_core.orders.dispatching import DispatchMode, DispatchState, Offer, OfferEnd
from booking_core.orders.hoarding import UnpaidCount
from booking_core.orders.order import Order, OrderState, TransitionRecord, check_seat
from booking_core.orders.party import Party
from booking_core.orders.payments import (
    PaymentAttempt,
    PaymentPurpose,
    PaymentStatus,
    RefundRecord,
    RefundStatus,
)
from booking_core.orders.policy import PaymentMode
from booking_core.orders.privacy import (
    AuditedReveal,
    ContactView,
    PostalAddress,
    PrivacyPolicy,
    RevealWindow,
    contact_for,
    mask_address,
    mask_phone,
    reveal_windows,
    reveals_contact,
)
from booking_core.orders.review import Review
from booking_core.orders.statements import (
    Applied,
    Difference,
    DifferenceKind,
    EntryKind,
    StatementCheck,
    StatementEntry,
    compare_statement,
)
from booking_core.orders.tracking import PositionReport, TrackingView

__all__ = [
    "Actor",
    "Applied",
    "AuditedReveal",
    "CancellationCause",
    "CancellationQuote",
    "Complaint",
    "ContactView",
    "Decision",
    "Difference",
    "DifferenceKind",
    "DispatchMode",
    "DispatchState",
    "EntryKind",
    "Offer",
    "OfferEnd",
    "Order",
    "OrderContact",
    "OrderState",
    "Party",
    "PaymentAttempt",
    "PaymentMode",
    "PaymentPurpose",
    "PaymentStatus",
    "PositionReport",
    "PostalAddress",
    "PrivacyPolicy",
    "RefundRecord",
    "RefundStatus",
    "Remedy",
    "Resolution",
    "RevealWindow",
    "Review",
    "Role",
    "StatementCheck",
    "StatementEntry",
    "TrackingView",
    "TransitionRecord",
    "UnpaidCount",
    "check_seat",
    "compare_statement",
    "contact_for",
    "mask_address",
    "mask_phone",
    "reveal_windows",
    "reveals_contact",
]
