"""How Stripe's PaymentIntent and Refund states read in booking_core's terms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from stripe import StripeObject

from booking_core.money import Money
from booking_core.ports.payments import (
    NextAction,
    PaymentResult,
    PaymentStatus,
    RefundResult,
    RefundStatus,
)

__all__ = [
    "CLIENT_SECRET_ACTION",
    "field",
    "intent_result",
    "metadata",
    "payment_status",
    "refund_result",
    "refund_status",
]

#: The next action of a PaymentIntent the customer still has to pay: Stripe.js (or a mobile
#: SDK) confirms it in the customer's browser with this client secret.
CLIENT_SECRET_ACTION: Final = "stripe_client_secret"

_AWAITING_CUSTOMER: Final = frozenset({"requires_confirmation", "requires_action"})


def field(obj: Any, name: str) -> Any:
    """``obj[name]``, or None where the object (or an emulator's version of it) lacks it."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    if isinstance(obj, StripeObject):  # not a Mapping: it has no get()
        try:
            return obj[name]
        except KeyError:
            return None
    return None


def metadata(obj: Any) -> dict[str, str]:
    """The metadata of a Stripe object (empty where it has none)."""
    found = field(obj, "metadata")
    if isinstance(found, StripeObject):
        found = found.to_dict()
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, Mapping) else {}


def payment_status(intent: Any) -> PaymentStatus:
    """The status of a PaymentIntent.

    ``requires_payment_method`` after a failed attempt (a ``last_payment_error``) is
    DECLINED: booking_core pays again under a new key, and :meth:`cancel` closes the
    intent. ``processing`` (an asynchronous method still settling) is UNKNOWN: the customer
    has nothing left to do, the outcome comes by webhook or by asking again.
    """
    status = field(intent, "status")
    if status == "requires_payment_method":
        if field(intent, "last_payment_error"):
            return PaymentStatus.DECLINED
        return PaymentStatus.REQUIRES_ACTION
    if status in _AWAITING_CUSTOMER:
        return PaymentStatus.REQUIRES_ACTION
    if status == "requires_capture":
        return PaymentStatus.AUTHORIZED
    if status == "succeeded":
        return PaymentStatus.CAPTURED
    if status == "canceled":
        return PaymentStatus.CANCELLED
    return PaymentStatus.UNKNOWN  # "processing", or a state newer than this adapter


def intent_money(intent: Any, status: PaymentStatus) -> Money:
    """What a PaymentIntent is worth: what was received once captured (less than the
    authorization after a partial capture), otherwise what was asked."""
    amount = int(field(intent, "amount"))
    if status is PaymentStatus.CAPTURED:
        received = field(intent, "amount_received")
        if isinstance(received, int) and received > 0:
            amount = received
    return Money(amount, str(field(intent, "currency")).upper())


def intent_result(intent: Any, key: str) -> PaymentResult:
    """A PaymentIntent as the port's answer about the payment under ``key``."""
    status = payment_status(intent)
    next_action = None
    if status is PaymentStatus.REQUIRES_ACTION and field(intent, "client_secret"):
        next_action = NextAction(
            CLIENT_SECRET_ACTION, {"client_secret": str(field(intent, "client_secret"))}
        )
    failure_code = failure_message = None
    error = field(intent, "last_payment_error")
    if status is PaymentStatus.DECLINED and error:
        code = field(error, "decline_code") or field(error, "code")
        failure_code = str(code) if code else "declined"
        failure_message = str(field(error, "message") or "The payment was declined.")
    return PaymentResult(
        idempotency_key=key,
        status=status,
        amount=intent_money(intent, status),
        gateway_reference=str(field(intent, "id")),
        next_action=next_action,
        failure_code=failure_code,
        failure_message=failure_message,
    )


def refund_status(refund: Any) -> RefundStatus:
    """``succeeded`` is SUCCEEDED; ``pending`` and ``requires_action`` (the customer must
    give bank details) are PENDING; ``failed`` and ``canceled`` are FAILED."""
    status = field(refund, "status")
    if status == "succeeded":
        return RefundStatus.SUCCEEDED
    if status in ("pending", "requires_action"):
        return RefundStatus.PENDING
    if status in ("failed", "canceled"):
        return RefundStatus.FAILED
    return RefundStatus.UNKNOWN


def refund_result(refund: Any, key: str) -> RefundResult:
    """A Refund as the port's answer about the refund under ``key``."""
    status = refund_status(refund)
    reason = field(refund, "failure_reason")
    return RefundResult(
        idempotency_key=key,
        status=status,
        amount=Money(int(field(refund, "amount")), str(field(refund, "currency")).upper()),
        gateway_reference=str(field(refund, "id")),
        failure_message=str(reason) if status is RefundStatus.FAILED and reason else None,
    )
