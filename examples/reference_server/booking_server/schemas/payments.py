"""Payments and refunds of an order (FEATURES C6, C10, M3)."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval
from pydantic import AwareDatetime, Field, StrictInt

from booking_core.orders import Order
from booking_core.orders.payments import PaymentAttempt, PaymentStatus, RefundRecord
from booking_core.ports.payments import PaymentChannel, PaymentResult
from booking_server.schemas.common import TAKE_WHOLE_FLOATS, InModel, MoneyIn, MoneyOut, OutModel

__all__ = [
    "MoneyViewOut",
    "NextActionOut",
    "PayIn",
    "PaymentAttemptOut",
    "PaymentOut",
    "RefundOut",
    "TipIn",
]


#: Which tip of an order: 1 to 1,000 (the bounds before the validator, so the document shows them).
_TipNumber = Annotated[StrictInt, Interval(ge=1, le=1000), TAKE_WHOLE_FLOATS]


#: Where the customer pays; the platform's routes pick the provider by it.
_CHANNEL_HELP = (
    "Where the customer pays: mini_program (inside WeChat; pays as his WeChat sign-in), app, "
    "h5 (a mobile browser), qr, web or card; the platform routes each channel to a payment "
    "provider. Left out: the default provider's default channel."
)


class PayIn(InModel):
    """How the customer pays (all optional: no body pays the platform's default way)."""

    channel: PaymentChannel | None = Field(default=None, description=_CHANNEL_HELP)


class TipIn(InModel):
    """A customer's tip (打赏) for the technician of his order."""

    amount: MoneyIn = Field(description="The tip: 1 fen up to the platform's maximum.")
    number: _TipNumber = Field(
        default=1,
        description="Which tip of the order this is (1 for the first): the same number and "
        "amount again is the same tip, asked about instead of charged twice; a declined tip "
        "is tipped again with the next number.",
    )
    channel: PaymentChannel | None = Field(default=None, description=_CHANNEL_HELP)


class NextActionOut(OutModel):
    """What the customer must do to finish paying (scan a QR code, confirm, redirect)."""

    kind: str
    data: dict[str, str]


class PaymentOut(OutModel):
    """The gateway's answer, and the order's state after it was applied.

    ``status`` ``captured`` moves the order to ``pending_acceptance``; ``declined`` leaves
    it awaiting payment; ``unknown`` (a timeout) waits for reconciliation.
    """

    order_id: str
    order_state: str
    idempotency_key: str
    status: str
    amount: MoneyOut
    gateway_reference: str | None
    next_action: NextActionOut | None
    failure_code: str | None
    failure_message: str | None

    @classmethod
    def from_domain(cls, result: PaymentResult, order: Order) -> PaymentOut:
        """From the gateway's result and the order as it stands afterwards."""
        action = result.next_action
        return cls(
            order_id=order.id,
            order_state=order.state,
            idempotency_key=result.idempotency_key,
            status=result.status.value,
            amount=MoneyOut.from_domain(result.amount),
            gateway_reference=result.gateway_reference,
            next_action=NextActionOut(kind=action.kind, data=dict(action.data))
            if action is not None
            else None,
            failure_code=result.failure_code,
            failure_message=result.failure_message,
        )


class PaymentAttemptOut(OutModel):
    """One payment attempt, and the provider that was asked (``""``: the default one).

    ``amount`` is what was asked (for a hold: authorized); ``captured`` what was taken once
    it is ``captured`` — less than ``amount`` when a hold was captured in part."""

    key: str
    purpose: str
    amount: MoneyOut
    status: str
    provider: str
    captured: MoneyOut | None = None

    @classmethod
    def from_domain(cls, attempt: PaymentAttempt) -> PaymentAttemptOut:
        """From the domain attempt."""
        return cls(
            key=attempt.key,
            purpose=attempt.purpose.value,
            amount=MoneyOut.from_domain(attempt.amount),
            status=attempt.status.value,
            provider=attempt.gateway,
            captured=MoneyOut.from_domain(attempt.captured_amount)
            if attempt.status is PaymentStatus.CAPTURED
            else None,
        )


class RefundOut(OutModel):
    """One refund and where it stands (pending, unknown, succeeded, failed)."""

    key: str
    payment_key: str
    amount: MoneyOut
    status: str
    reason: str
    requested_at: AwareDatetime

    @classmethod
    def from_domain(cls, refund: RefundRecord) -> RefundOut:
        """From the domain refund record."""
        return cls(
            key=refund.key,
            payment_key=refund.payment_key,
            amount=MoneyOut.from_domain(refund.amount),
            status=refund.status.value,
            reason=refund.reason,
            requested_at=refund.requested_at,
        )


class MoneyViewOut(OutModel):
    """An order's payments and refunds (the refund's progress)."""

    payments: list[PaymentAttemptOut]
    refunds: list[RefundOut]
