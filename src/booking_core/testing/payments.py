"""A deterministic, scriptable fake payment gateway."""

from __future__ import annotations

import threading
from collections import deque
from enum import StrEnum

import attrs

from booking_core.errors import IdempotencyConflict, NotFound, PaymentError
from booking_core.money import Money
from booking_core.ports.payments import (
    Capabilities,
    PaymentRequest,
    PaymentResult,
    PaymentStatus,
    RefundRequest,
    RefundResult,
    RefundStatus,
)

__all__ = ["Outcome", "ScriptedPaymentGateway"]


class Outcome(StrEnum):
    """What the next payment does."""

    APPROVE = "approve"  # captured at once
    DECLINE = "decline"  # refused by the bank
    UNKNOWN_THEN_APPROVE = "unknown_then_approve"  # the call times out; it did go through
    UNKNOWN_THEN_DECLINE = "unknown_then_decline"  # the call times out; it did not


@attrs.frozen
class _Payment:
    request: PaymentRequest
    result: PaymentResult  # the authoritative state
    refunded: int = 0


class ScriptedPaymentGateway:
    """Approves by default; :meth:`script` queues outcomes for the next payments.

    Same key, same result; the same key with another amount or order is refused. An
    ``UNKNOWN_*`` outcome answers ``UNKNOWN`` to the create call while :meth:`get_payment`
    tells the truth, as a real gateway does after a timeout.
    """

    def __init__(self, currencies: frozenset[str] = frozenset({"CNY"})) -> None:
        self._script: deque[Outcome] = deque()
        self._payments: dict[str, _Payment] = {}
        self._refunds: dict[str, tuple[RefundRequest, RefundResult]] = {}
        self._lock = threading.Lock()
        self._capabilities = Capabilities(
            manual_capture=False,
            partial_capture=False,
            partial_refund=True,
            asynchronous_refund=False,
            preauthorization=False,
            authorization_ttl_minutes=None,
            currencies=currencies,
        )
        self.calls: list[str] = []

    @property
    def capabilities(self) -> Capabilities:
        """Captures at once, refunds synchronously and in part."""
        return self._capabilities

    def script(self, *outcomes: Outcome) -> None:
        """Queue outcomes for the next new payments (then back to approving)."""
        with self._lock:
            self._script.extend(outcomes)

    def create_payment(self, request: PaymentRequest) -> PaymentResult:
        """See :meth:`booking_core.ports.payments.PaymentGateway.create_payment`."""
        with self._lock:
            self.calls.append(f"create_payment {request.idempotency_key}")
            known = self._payments.get(request.idempotency_key)
            if known is not None:
                if (known.request.amount, known.request.order_id) != (
                    request.amount,
                    request.order_id,
                ):
                    raise IdempotencyConflict(
                        f"Payment key {request.idempotency_key!r} was used for another amount.",
                        details={"key": request.idempotency_key},
                    )
                return known.result
            if request.amount.currency not in self._capabilities.currencies:
                raise PaymentError(f"This gateway does not take {request.amount.currency}.")
            outcome = self._script.popleft() if self._script else Outcome.APPROVE
            approved = outcome in (Outcome.APPROVE, Outcome.UNKNOWN_THEN_APPROVE)
            truth = PaymentResult(
                idempotency_key=request.idempotency_key,
                status=PaymentStatus.CAPTURED if approved else PaymentStatus.DECLINED,
                amount=request.amount,
                gateway_reference=f"fake-{len(self._payments) + 1}",
                failure_code=None if approved else "card_declined",
                failure_message=None if approved else "The bank declined the payment.",
            )
            self._payments[request.idempotency_key] = _Payment(request, truth)
            if outcome in (Outcome.UNKNOWN_THEN_APPROVE, Outcome.UNKNOWN_THEN_DECLINE):
                return attrs.evolve(
                    truth, status=PaymentStatus.UNKNOWN, failure_code=None, failure_message=None
                )
            return truth

    def get_payment(self, idempotency_key: str) -> PaymentResult:
        """The authoritative status. Raises NotFound (``payment_not_found``)."""
        with self._lock:
            self.calls.append(f"get_payment {idempotency_key}")
            known = self._payments.get(idempotency_key)
            if known is None:
                raise NotFound("payment", idempotency_key)
            return known.result

    def refund(self, request: RefundRequest) -> RefundResult:
        """Refund synchronously; never more than what remains captured."""
        with self._lock:
            self.calls.append(f"refund {request.idempotency_key}")
            known_refund = self._refunds.get(request.idempotency_key)
            if known_refund is not None:
                if known_refund[0] != request:
                    raise IdempotencyConflict(
                        f"Refund key {request.idempotency_key!r} was used with other parameters."
                    )
                return known_refund[1]
            payment = self._payments.get(request.payment_key)
            if payment is None or payment.result.status is not PaymentStatus.CAPTURED:
                raise PaymentError(f"No captured payment under {request.payment_key!r}.")
            remaining = payment.result.amount - Money(payment.refunded, request.amount.currency)
            if request.amount > remaining or request.amount.amount <= 0:
                raise PaymentError(
                    f"Cannot refund {request.amount}: {remaining} remains refundable.",
                    details={"remaining": remaining.amount},
                )
            result = RefundResult(
                request.idempotency_key,
                RefundStatus.SUCCEEDED,
                request.amount,
                gateway_reference=f"fake-refund-{len(self._refunds) + 1}",
            )
            self._payments[request.payment_key] = attrs.evolve(
                payment, refunded=payment.refunded + request.amount.amount
            )
            self._refunds[request.idempotency_key] = (request, result)
            return result

    def get_refund(self, idempotency_key: str) -> RefundResult:
        """The refund's status. Raises NotFound (``refund_not_found``)."""
        with self._lock:
            known = self._refunds.get(idempotency_key)
            if known is None:
                raise NotFound("refund", idempotency_key)
            return known[1]
