"""A deterministic, scriptable fake payment gateway."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from collections import deque
from collections.abc import Mapping
from enum import StrEnum

import attrs
import pendulum
from pendulum import Date, DateTime

from booking_core.errors import IdempotencyConflict, InvalidWebhook, NotFound, PaymentError
from booking_core.money import Money
from booking_core.orders.statements import EntryKind, StatementEntry
from booking_core.ports.clock import Clock
from booking_core.ports.payments import (
    Capabilities,
    NextAction,
    ParsedWebhook,
    PaymentRequest,
    PaymentResult,
    PaymentStatus,
    RefundRequest,
    RefundResult,
    RefundStatus,
    WebhookAck,
    WebhookEvent,
    WebhookKind,
)

__all__ = ["FAKE_SIGNATURE_HEADER", "Outcome", "RefundOutcome", "ScriptedPaymentGateway"]

FAKE_SIGNATURE_HEADER = "X-Fake-Signature"


class Outcome(StrEnum):
    """What the next payment does."""

    APPROVE = "approve"  # captured at once (authorized, with manual capture)
    DECLINE = "decline"  # refused by the bank
    UNKNOWN_THEN_APPROVE = "unknown_then_approve"  # the call times out; it did go through
    UNKNOWN_THEN_DECLINE = "unknown_then_decline"  # the call times out; it did not
    REQUIRES_ACTION = "requires_action"  # the customer must scan a QR code; see complete_action


class RefundOutcome(StrEnum):
    """What the next refund does."""

    SUCCEED = "succeed"  # at once
    UNKNOWN_THEN_SUCCEED = "unknown_then_succeed"  # the call times out; it did go through
    PENDING = "pending"  # asynchronous, as WeChat Pay: succeeds on settle_refunds()
    FAIL = "fail"  # the bank refuses it (a closed card)


@attrs.frozen
class _Payment:
    request: PaymentRequest
    result: PaymentResult  # the authoritative state
    refunded: int = 0


class ScriptedPaymentGateway:
    """Approves by default; :meth:`script` queues outcomes for the next payments.

    Same key, same result; the same key with another amount or order is refused. An
    ``UNKNOWN_*`` outcome answers ``UNKNOWN`` to the create call while :meth:`get_payment`
    tells the truth, as a real gateway does after a timeout. Refunds likewise
    (:meth:`script_refunds`). Webhooks are JSON signed with HMAC-SHA256 under ``secret`` in
    the :data:`FAKE_SIGNATURE_HEADER` header; :meth:`notification` makes one. Without a
    ``secret`` each gateway makes a random one: no secret has a default anyone could read.
    Its daily :meth:`statement` lists what it captured and refunded, at ``clock``'s time
    (:class:`~booking_core.ports.payments.StatementSource`); tests plant and hide lines.
    """

    def __init__(
        self,
        currencies: frozenset[str] = frozenset({"CNY"}),
        *,
        manual_capture: bool = False,
        partial_capture: bool | None = None,
        secret: bytes | None = None,
        name: str = "fake",
        link_ttl_minutes: int | None = None,
        clock: Clock | None = None,
        statement_zone: str = "Asia/Shanghai",
    ) -> None:
        # ``name``: two fakes routed side by side stand for two providers. ``clock`` times
        # the money it moves, for its daily statement (the system clock without one).
        self.name = name
        self.statement_zone = statement_zone
        self._clock = clock
        self._moved: dict[str, StatementEntry] = {}
        self._planted: list[StatementEntry] = []
        self._hidden: set[str] = set()
        self._script: deque[Outcome] = deque()
        self._refund_script: deque[RefundOutcome] = deque()
        self._payments: dict[str, _Payment] = {}
        self._refunds: dict[str, tuple[RefundRequest, RefundResult]] = {}
        self._lock = threading.Lock()
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self._events = 0
        self._capabilities = Capabilities(
            manual_capture=manual_capture,
            # ``partial_capture``: as ``manual_capture`` unless told (all or nothing: False).
            partial_capture=manual_capture if partial_capture is None else partial_capture,
            partial_refund=True,
            asynchronous_refund=True,
            preauthorization=manual_capture,
            authorization_ttl_minutes=7 * 24 * 60 if manual_capture else None,
            currencies=currencies,
            link_ttl_minutes=link_ttl_minutes,
        )
        self.calls: list[str] = []

    @property
    def capabilities(self) -> Capabilities:
        """Captures at once, or holds a request that asks (with manual capture: then
        :meth:`capture` takes all or part, :meth:`cancel` voids); refunds in part."""
        return self._capabilities

    def script(self, *outcomes: Outcome) -> None:
        """Queue outcomes for the next new payments (then back to approving)."""
        with self._lock:
            self._script.extend(outcomes)

    def script_refunds(self, *outcomes: RefundOutcome) -> None:
        """Queue outcomes for the next new refunds (then back to succeeding at once)."""
        with self._lock:
            self._refund_script.extend(outcomes)

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
            success = (
                PaymentStatus.AUTHORIZED
                if self._capabilities.manual_capture and request.hold
                else PaymentStatus.CAPTURED
            )
            if outcome is Outcome.REQUIRES_ACTION:
                status = PaymentStatus.REQUIRES_ACTION
            else:
                status = success if approved else PaymentStatus.DECLINED
            declined = status is PaymentStatus.DECLINED
            truth = PaymentResult(
                idempotency_key=request.idempotency_key,
                status=status,
                amount=request.amount,
                gateway_reference=f"fake-{len(self._payments) + 1}",
                next_action=NextAction("qr_code", {"url": f"fake://pay/{request.idempotency_key}"})
                if status is PaymentStatus.REQUIRES_ACTION
                else None,
                failure_code="card_declined" if declined else None,
                failure_message="The bank declined the payment." if declined else None,
            )
            self._payments[request.idempotency_key] = _Payment(request, truth)
            self._moving(truth)
            if outcome in (Outcome.UNKNOWN_THEN_APPROVE, Outcome.UNKNOWN_THEN_DECLINE):
                return attrs.evolve(
                    truth, status=PaymentStatus.UNKNOWN, failure_code=None, failure_message=None
                )
            return truth

    def complete_action(self, idempotency_key: str, *, approve: bool = True) -> PaymentResult:
        """The customer finished (or abandoned) a payment that required action."""
        with self._lock:
            known = self._known(idempotency_key)
            if known.result.status is not PaymentStatus.REQUIRES_ACTION:
                raise PaymentError(f"Payment {idempotency_key!r} awaits no action.")
            if approve:
                status = (
                    PaymentStatus.AUTHORIZED
                    if self._capabilities.manual_capture and known.request.hold
                    else PaymentStatus.CAPTURED
                )
            else:
                status = PaymentStatus.DECLINED
            return self._moving(self._set(known, status))

    def request_of(self, idempotency_key: str) -> PaymentRequest:
        """The request the payment under the key was created with (its channel, payer …)."""
        with self._lock:
            return self._known(idempotency_key).request

    def get_payment(self, idempotency_key: str) -> PaymentResult:
        """The authoritative status. Raises NotFound (``payment_not_found``)."""
        with self._lock:
            self.calls.append(f"get_payment {idempotency_key}")
            return self._known(idempotency_key).result

    def capture(self, idempotency_key: str, amount: Money | None = None) -> PaymentResult:
        """Capture an authorized payment (all of it, or part with manual capture)."""
        with self._lock:
            self.calls.append(f"capture {idempotency_key}")
            known = self._known(idempotency_key)
            if known.result.status is PaymentStatus.CAPTURED:
                return known.result
            if known.result.status is not PaymentStatus.AUTHORIZED:
                raise PaymentError(f"Payment {idempotency_key!r} is not authorized.")
            target = known.result.amount if amount is None else amount
            if target > known.result.amount or target.amount <= 0:
                raise PaymentError(f"Cannot capture {target} of {known.result.amount}.")
            if target != known.result.amount and not self._capabilities.partial_capture:
                raise PaymentError("This gateway captures all of an authorization or nothing.")
            updated = attrs.evolve(
                known,
                result=attrs.evolve(known.result, status=PaymentStatus.CAPTURED, amount=target),
            )
            self._payments[idempotency_key] = updated
            return self._moving(updated.result)

    def cancel(self, idempotency_key: str) -> PaymentResult:
        """Void an authorization or close an unpaid payment; a captured one stays captured."""
        with self._lock:
            self.calls.append(f"cancel {idempotency_key}")
            known = self._known(idempotency_key)
            if known.result.status in (PaymentStatus.REQUIRES_ACTION, PaymentStatus.AUTHORIZED):
                return self._set(known, PaymentStatus.CANCELLED)
            return known.result

    def refund(self, request: RefundRequest) -> RefundResult:
        """Refund per the script; never more than what remains captured."""
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
            outcome = self._refund_script.popleft() if self._refund_script else None
            outcome = outcome or RefundOutcome.SUCCEED
            status = {
                RefundOutcome.SUCCEED: RefundStatus.SUCCEEDED,
                RefundOutcome.UNKNOWN_THEN_SUCCEED: RefundStatus.SUCCEEDED,
                RefundOutcome.PENDING: RefundStatus.PENDING,
                RefundOutcome.FAIL: RefundStatus.FAILED,
            }[outcome]
            result = RefundResult(
                request.idempotency_key,
                status,
                request.amount,
                gateway_reference=f"fake-refund-{len(self._refunds) + 1}",
                failure_message="The card was closed." if status is RefundStatus.FAILED else None,
            )
            if status is not RefundStatus.FAILED:
                self._payments[request.payment_key] = attrs.evolve(
                    payment, refunded=payment.refunded + request.amount.amount
                )
            self._refunds[request.idempotency_key] = (request, result)
            self._refunded(result)
            if outcome is RefundOutcome.UNKNOWN_THEN_SUCCEED:
                return attrs.evolve(result, status=RefundStatus.UNKNOWN)
            return result

    def settle_refunds(self) -> list[str]:
        """Let every pending (asynchronous) refund succeed; the keys settled."""
        with self._lock:
            settled = []
            for key, (request, result) in list(self._refunds.items()):
                if result.status is RefundStatus.PENDING:
                    self._refunds[key] = (
                        request,
                        attrs.evolve(result, status=RefundStatus.SUCCEEDED),
                    )
                    self._refunded(self._refunds[key][1])
                    settled.append(key)
            return settled

    def get_refund(self, idempotency_key: str) -> RefundResult:
        """The refund's status. Raises NotFound (``refund_not_found``)."""
        with self._lock:
            self.calls.append(f"get_refund {idempotency_key}")
            known = self._refunds.get(idempotency_key)
            if known is None:
                raise NotFound("refund", idempotency_key)
            return known[1]

    # -- the daily statement -------------------------------------------------------------

    def statement(self, day: Date) -> list[StatementEntry]:
        """Every capture and successful refund of ``day`` (in :attr:`statement_zone`), as
        the provider's bill lists them; planted lines in, hidden keys out."""
        with self._lock:
            kept = [e for e in self._moved.values() if e.key not in self._hidden]
            lines = [*kept, *self._planted]
            return [e for e in lines if e.at.in_timezone(self.statement_zone).date() == day]

    def plant_statement_entry(self, entry: StatementEntry) -> None:
        """Add a line to the statements (money the platform never saw, a wrong amount …)."""
        with self._lock:
            self._planted.append(entry)

    def hide_from_statement(self, key: str) -> None:
        """Leave the payment or refund it made under ``key`` off the statements (planted
        lines stay)."""
        with self._lock:
            self._hidden.add(key)

    def _now(self) -> DateTime:
        return self._clock.now() if self._clock is not None else pendulum.now("UTC")

    def _moving(self, result: PaymentResult) -> PaymentResult:
        if result.status is PaymentStatus.CAPTURED:
            entry = StatementEntry(EntryKind.PAYMENT, result.idempotency_key, result.amount,
                                   self._now(), result.gateway_reference)  # fmt: skip
            self._moved.setdefault(result.idempotency_key, entry)
        return result

    def _refunded(self, result: RefundResult) -> None:
        if result.status is RefundStatus.SUCCEEDED:
            entry = StatementEntry(EntryKind.REFUND, result.idempotency_key, result.amount,
                                   self._now(), result.gateway_reference)  # fmt: skip
            self._moved.setdefault(result.idempotency_key, entry)

    # -- webhooks ------------------------------------------------------------------------

    def notification(
        self, kind: WebhookKind, payment_key: str, *, refund_key: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        """A signed notification (headers, body) about a payment or refund, as the provider
        would post it; the amount is the gateway's own record."""
        with self._lock:
            self._events += 1
            payment = self._known(payment_key)
            amount = payment.result.amount
            if refund_key is not None:
                known = self._refunds.get(refund_key)
                if known is None:
                    raise NotFound("refund", refund_key)
                amount = known[1].amount
            body = json.dumps(
                {
                    "id": f"evt_{self._events}",
                    "type": kind.value,
                    "payment_key": payment_key,
                    "refund_key": refund_key,
                    "amount": amount.amount,
                    "currency": amount.currency,
                },
                sort_keys=True,
            ).encode()
        return {FAKE_SIGNATURE_HEADER: self.sign(body)}, body

    def sign(self, body: bytes) -> str:
        """The signature the fake provider puts on ``body``."""
        return hmac.new(self._secret, body, hashlib.sha256).hexdigest()

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> ParsedWebhook:
        """Verify the HMAC signature and normalize the notification.

        Raises:
            InvalidWebhook: a missing or wrong signature, or a body that is not ours.
        """
        lowered = {k.lower(): v for k, v in headers.items()}
        signature = lowered.get(FAKE_SIGNATURE_HEADER.lower(), "")
        if not hmac.compare_digest(signature, self.sign(body)):
            raise InvalidWebhook("The notification's signature does not match; ignored.")
        try:
            data = json.loads(body)
            event = WebhookEvent(
                event_id=str(data["id"]),
                kind=WebhookKind(data["type"]),
                payment_key=str(data["payment_key"]),
                amount=Money(int(data["amount"]), str(data["currency"])),
                refund_key=None if data.get("refund_key") is None else str(data["refund_key"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidWebhook("The notification is not one of this gateway's.") from exc
        return ParsedWebhook(
            gateway=self.name,
            events=(event,),
            ack=WebhookAck(200, "success"),
            raw=body.decode(),
        )

    def _known(self, key: str) -> _Payment:
        known = self._payments.get(key)
        if known is None:
            raise NotFound("payment", key)
        return known

    def _set(self, known: _Payment, status: PaymentStatus) -> PaymentResult:
        result = attrs.evolve(known.result, status=status, next_action=None)
        self._payments[known.request.idempotency_key] = attrs.evolve(known, result=result)
        return result
