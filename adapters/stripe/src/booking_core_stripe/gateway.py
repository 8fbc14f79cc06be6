"""booking_core's payment gateway port over Stripe PaymentIntents and Refunds.

Stateless: every answer comes from Stripe. A payment is found by its domain key, which
rides on the PaymentIntent as ``metadata["booking_key"]`` (and a refund's as
``metadata["booking_refund_key"]``): the newest objects of the account are listed first
(strongly consistent), then, for PaymentIntents, the search API (eventually consistent, so
only for older ones). Creating looks the key up first, so a key reused after Stripe forgot
its ``Idempotency-Key`` (24 hours) still finds its payment instead of charging twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Final, TypeVar

import attrs
import stripe
from pendulum import Date
from stripe.params import PaymentIntentCaptureParams, PaymentIntentCreateParams

from booking_core.errors import IdempotencyConflict, NotFound, PaymentError
from booking_core.money import Money
from booking_core.orders.statements import StatementEntry
from booking_core.ports.payments import (
    Capabilities,
    ParsedWebhook,
    PaymentRequest,
    PaymentResult,
    PaymentStatus,
    RefundRequest,
    RefundResult,
    RefundStatus,
)
from booking_core_stripe import statements
from booking_core_stripe.config import CapturePolicy, StripeConfig
from booking_core_stripe.currencies import STRIPE_THREE_DECIMAL
from booking_core_stripe.statuses import (
    field,
    intent_money,
    intent_result,
    metadata,
    payment_status,
    refund_result,
    refund_status,
)
from booking_core_stripe.webhooks import parse_event

__all__ = ["StripeGateway"]

logger = logging.getLogger(__name__)

#: Metadata keys the adapter writes (and finds its objects by).
PAYMENT_KEY: Final = "booking_key"
REFUND_KEY: Final = "booking_refund_key"

#: Stripe's errors that leave the outcome open: no answer in time, no connection, a 5xx,
#: or a rate limit. For a call that moves money they are UNKNOWN, never a failure.
_NO_ANSWER: Final = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError)

_PAGE: Final = 100
_T = TypeVar("_T", bound=stripe.StripeObject)


class StripeGateway:
    """A :class:`~booking_core.ports.payments.PaymentGateway` over Stripe.

    Args:
        config: Keys, capture policy, currencies and timeouts (:class:`StripeConfig`).
    """

    name = "stripe"

    def __init__(self, config: StripeConfig) -> None:
        self._config = config
        # The adapter retries nothing itself: a lost answer is UNKNOWN for the core to
        # reconcile, and the next call under the same key is the retry.
        self._http = stripe.RequestsClient(timeout=config.timeout)
        self._client = stripe.StripeClient(
            config.secret_key,
            base_addresses={"api": config.api_base} if config.api_base else None,
            max_network_retries=0,
            http_client=self._http,
        )
        manual = config.capture_policy is CapturePolicy.HOLDS
        self._capabilities = Capabilities(
            manual_capture=manual,
            partial_capture=manual,
            partial_refund=True,
            asynchronous_refund=True,  # a refund can stay pending for days
            preauthorization=manual,
            authorization_ttl_minutes=7 * 24 * 60 if manual else None,  # online card holds
            currencies=config.currencies,
        )

    def __repr__(self) -> str:
        return f"StripeGateway({self._config!r})"

    @property
    def capabilities(self) -> Capabilities:
        """Manual (and partial) capture of a 7-day hold under ``CapturePolicy.HOLDS``;
        partial, possibly pending refunds; the configured currencies."""
        return self._capabilities

    def close(self) -> None:
        """Close the HTTP session of the calling thread."""
        self._http.close()  # type: ignore[no-untyped-call]

    # -- payments ------------------------------------------------------------------------

    def create_payment(self, request: PaymentRequest) -> PaymentResult:
        """Create a PaymentIntent (``Idempotency-Key`` = the domain key), or return the one
        the key already made.

        Unpaid, it is REQUIRES_ACTION with a ``stripe_client_secret`` next action the
        customer's Stripe.js confirms. With ``request.hold`` (under ``CapturePolicy.HOLDS``)
        it is created with ``capture_method=manual``: paid, it is AUTHORIZED; otherwise
        it is captured when paid. No answer from Stripe is UNKNOWN.

        Raises:
            IdempotencyConflict: the key made a payment of another amount or order.
            PaymentError: a currency this gateway does not take, or Stripe refused the call.
        """
        key = request.idempotency_key
        self._check_amount(request.amount)
        try:
            known = self._find_intent(key)
        except _NO_ANSWER as exc:
            return self._unknown_payment(request, "look-up", exc)
        except stripe.StripeError as exc:
            raise _payment_error("look up the payment", exc) from exc
        if known is not None:
            _same_payment(known, request)
            return intent_result(known, key)
        try:
            intent = self._client.v1.payment_intents.create(
                params=self._create_params(request), options={"idempotency_key": key}
            )
        except stripe.IdempotencyError as exc:
            raise _conflict("Payment", key) from exc
        except _NO_ANSWER as exc:
            return self._unknown_payment(request, "create", exc)
        except stripe.StripeError as exc:
            raise _payment_error("create the payment", exc) from exc
        return intent_result(intent, key)

    def get_payment(self, idempotency_key: str) -> PaymentResult:
        """What Stripe says of the payment under the key.

        Raises:
            NotFound: (``payment_not_found``) no PaymentIntent carries the key.
            PaymentError: Stripe did not answer.
        """
        return intent_result(self._require_intent(idempotency_key), idempotency_key)

    def capture(self, idempotency_key: str, amount: Money | None = None) -> PaymentResult:
        """Capture an authorized PaymentIntent, all of it or ``amount`` of it (the rest of
        the hold is released). A captured one is returned as it is; no answer is UNKNOWN.

        Raises:
            NotFound: (``payment_not_found``) no such payment.
            PaymentError: it is not authorized, or ``amount`` exceeds the authorization.
        """
        intent = self._require_intent(idempotency_key)
        status = payment_status(intent)
        if status is PaymentStatus.CAPTURED:
            return intent_result(intent, idempotency_key)
        if status is not PaymentStatus.AUTHORIZED:
            raise PaymentError(
                f"Payment {idempotency_key!r} is {status.value}, not authorized: nothing to "
                "capture.",
                details={"key": idempotency_key, "status": status.value},
            )
        params: PaymentIntentCaptureParams = {}
        if amount is not None:
            authorized = Money(
                int(field(intent, "amount_capturable") or intent.amount), intent.currency.upper()
            )
            if amount.currency != authorized.currency or not 0 < amount.amount <= authorized.amount:
                raise PaymentError(
                    f"Cannot capture {amount} of an authorization of {authorized}.",
                    details={"key": idempotency_key, "authorized": authorized.amount},
                )
            params["amount_to_capture"] = amount.amount
        try:
            # No key of ours: an intent is captured once (a second try is refused and the
            # truth read back), and Stripe would replay a 5xx to the same key for a day.
            captured = self._client.v1.payment_intents.capture(intent.id, params=params)
        except _NO_ANSWER as exc:
            _log_no_answer("capture", idempotency_key, exc)
            return attrs.evolve(
                intent_result(intent, idempotency_key), status=PaymentStatus.UNKNOWN
            )
        except stripe.StripeError as exc:
            truth = self.get_payment(idempotency_key)  # captured meanwhile, or really refused
            if truth.status is PaymentStatus.CAPTURED:
                return truth
            raise _payment_error("capture the payment", exc) from exc
        result = intent_result(captured, idempotency_key)
        if amount is not None and field(captured, "amount_received") is None:
            # An emulator without `amount_received`: what it just captured is what we asked.
            result = attrs.evolve(result, amount=amount)
        return result

    def cancel(self, idempotency_key: str) -> PaymentResult:
        """Cancel the PaymentIntent (void the hold, or close it so it can no longer be
        paid). One that succeeded meanwhile stays CAPTURED: refund it.

        Raises:
            NotFound: (``payment_not_found``) no such payment.
            PaymentError: Stripe did not answer (cancelling again is safe).
        """
        intent = self._require_intent(idempotency_key)
        if intent.status in ("succeeded", "canceled", "processing"):
            return intent_result(intent, idempotency_key)
        try:
            cancelled = self._client.v1.payment_intents.cancel(intent.id)  # as capture()
        except _NO_ANSWER as exc:
            raise _payment_error("cancel the payment", exc) from exc
        except stripe.StripeError as exc:
            truth = self.get_payment(idempotency_key)  # paid between our read and the cancel
            if truth.status in (PaymentStatus.CAPTURED, PaymentStatus.CANCELLED):
                return truth
            raise _payment_error("cancel the payment", exc) from exc
        return intent_result(cancelled, idempotency_key)

    # -- refunds -------------------------------------------------------------------------

    def refund(self, request: RefundRequest) -> RefundResult:
        """Refund part or all of a captured payment (``Idempotency-Key`` = the refund key).

        The result may be PENDING (Stripe settles some refunds later); no answer is UNKNOWN.

        Raises:
            IdempotencyConflict: the refund key was used for another amount.
            PaymentError: no captured payment under ``payment_key``, or more than remains.
        """
        key = request.idempotency_key
        self._check_amount(request.amount)
        try:
            intent = self._find_intent(request.payment_key)
            refunds = [] if intent is None else self._refunds_of(intent.id)
        except _NO_ANSWER as exc:
            return self._unknown_refund(request, "look-up", exc)
        except stripe.StripeError as exc:
            raise _payment_error("look up the payment", exc) from exc
        if intent is None:
            raise PaymentError(
                f"No payment under {request.payment_key!r} to refund.",
                details={"key": request.payment_key},
            )
        known = next((r for r in refunds if metadata(r).get(REFUND_KEY) == key), None)
        if known is not None:
            if (known.amount, known.currency.upper()) != (
                request.amount.amount,
                request.amount.currency,
            ):
                raise _conflict("Refund", key)
            return refund_result(known, key)
        self._check_refundable(intent, refunds, request)
        tags = {REFUND_KEY: key, PAYMENT_KEY: request.payment_key}
        if request.reason:
            tags["booking_reason"] = request.reason[:500]
        try:
            made = self._client.v1.refunds.create(
                params={
                    "payment_intent": intent.id,
                    "amount": request.amount.amount,
                    "metadata": tags,
                },
                options={"idempotency_key": key},
            )
        except stripe.IdempotencyError as exc:
            raise _conflict("Refund", key) from exc
        except _NO_ANSWER as exc:
            return self._unknown_refund(request, "create", exc)
        except stripe.StripeError as exc:
            raise _payment_error("refund the payment", exc) from exc
        return refund_result(made, key)

    def get_refund(self, idempotency_key: str) -> RefundResult:
        """What Stripe says of the refund under the key: found among the account's newest
        refunds (``lookup_limit``), or else among the refunds of the order's PaymentIntents
        (found with the search API by the order id the core's refund keys begin with,
        ``<order_id>:rf:<n>``).

        Raises:
            NotFound: (``refund_not_found``) no such refund.
            PaymentError: Stripe did not answer.
        """

        def ours(refund: stripe.Refund) -> bool:
            return metadata(refund).get(REFUND_KEY) == idempotency_key

        try:
            found, complete = self._scan(
                self._client.v1.refunds.list(params={"limit": _PAGE}), ours
            )
            if found is None and not complete and ":rf:" in idempotency_key:
                order_id = idempotency_key.rsplit(":rf:", 1)[0]
                for intent in self._search_intents("order_id", order_id):
                    found = next((r for r in self._refunds_of(intent.id) if ours(r)), None)
                    if found is not None:
                        break
        except stripe.StripeError as exc:
            raise _payment_error("look up the refund", exc) from exc
        if found is None:
            raise NotFound("refund", idempotency_key)
        return refund_result(found, idempotency_key)

    # -- statements ----------------------------------------------------------------------

    @property
    def statement_zone(self) -> str:
        """The zone of the days :meth:`statement` lists (``StripeConfig.statement_zone``)."""
        return self._config.statement_zone

    def statement(self, day: Date) -> list[StatementEntry]:
        """Every payment and refund of booking_core's that Stripe moved on ``day`` (see
        :mod:`booking_core_stripe.statements`).

        Raises:
            PaymentError: the day is not over yet, or Stripe did not answer.
        """
        return statements.statement(self._client, self._config.statement_zone, day)

    # -- webhooks ------------------------------------------------------------------------

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> ParsedWebhook:
        """Verify the ``Stripe-Signature`` header and normalize the event (see
        :func:`booking_core_stripe.webhooks.parse_event`).

        Raises:
            InvalidWebhook: a missing, forged, stale or mismatched signature, or a body
                that is not a Stripe event of this account's mode.
        """
        return parse_event(self._client, self._config, self.name, headers, body)

    # -- helpers -------------------------------------------------------------------------

    def _check_amount(self, amount: Money) -> None:
        if amount.currency not in self._config.currencies:
            raise PaymentError(
                f"This Stripe gateway does not take {amount.currency}.",
                details={"currency": amount.currency},
            )
        if amount.amount <= 0:
            raise PaymentError(f"Cannot pay or refund {amount}.")
        if amount.currency in STRIPE_THREE_DECIMAL and amount.amount % 10:
            raise PaymentError(f"Stripe takes {amount.currency} amounts in tens of its unit.")

    def _create_params(self, request: PaymentRequest) -> PaymentIntentCreateParams:
        # Held exactly when the core asks (it asks only a gateway declaring manual capture).
        manual = request.hold and self._config.capture_policy is CapturePolicy.HOLDS
        params: PaymentIntentCreateParams = {
            "amount": request.amount.amount,
            "currency": request.amount.currency.lower(),
            "capture_method": "manual" if manual else "automatic",
            "metadata": {
                PAYMENT_KEY: request.idempotency_key,
                "order_id": request.order_id,
                "purpose": request.purpose.value,
            },
        }
        if request.description:
            # As metadata: Stripe shows it on the payment, and emulators refuse `description`.
            params["metadata"]["description"] = request.description[:500]
        return params

    def _find_intent(self, key: str) -> stripe.PaymentIntent | None:
        found, complete = self._scan(
            self._client.v1.payment_intents.list(params={"limit": _PAGE}),
            lambda i: metadata(i).get(PAYMENT_KEY) == key,
        )
        if found is not None or complete:
            return found
        # Older than the newest `lookup_limit`: the search API (a minute behind at most).
        return next(
            (
                i
                for i in self._search_intents(PAYMENT_KEY, key)
                if metadata(i).get(PAYMENT_KEY) == key
            ),
            None,
        )

    def _search_intents(self, name: str, value: str) -> list[stripe.PaymentIntent]:
        """The PaymentIntents whose ``metadata[name]`` is ``value``, by the search API;
        none where there is no search API (an emulator)."""
        quoted = value.replace("\\", "\\\\").replace("'", "\\'")
        try:
            page = self._client.v1.payment_intents.search(
                params={"query": f"metadata['{name}']:'{quoted}'", "limit": _PAGE}
            )
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                return []
            raise
        return list(page.data)

    def _require_intent(self, key: str) -> stripe.PaymentIntent:
        try:
            intent = self._find_intent(key)
        except stripe.StripeError as exc:
            raise _payment_error("look up the payment", exc) from exc
        if intent is None:
            raise NotFound("payment", key)
        return intent

    def _refunds_of(self, intent_id: str) -> list[stripe.Refund]:
        page = self._client.v1.refunds.list(params={"payment_intent": intent_id, "limit": _PAGE})
        return list(page.auto_paging_iter())

    def _scan(
        self, page: stripe.ListObject[_T], match: Callable[[_T], bool]
    ) -> tuple[_T | None, bool]:
        """The first match among at most ``lookup_limit`` items, and whether the listing
        was read to its end."""
        for seen, item in enumerate(page.auto_paging_iter(), start=1):
            if match(item):
                return item, True
            if seen >= self._config.lookup_limit:
                return None, False
        return None, True

    def _check_refundable(
        self, intent: stripe.PaymentIntent, refunds: list[stripe.Refund], request: RefundRequest
    ) -> None:
        # Stripe refuses an over-refund too; asking first gives the caller what remains.
        status = payment_status(intent)
        if status is not PaymentStatus.CAPTURED:
            raise PaymentError(
                f"Payment {request.payment_key!r} is {status.value}: nothing to refund.",
                details={"key": request.payment_key, "status": status.value},
            )
        ours = sum(
            r.amount
            for r in refunds
            if REFUND_KEY in metadata(r) and refund_status(r) is not RefundStatus.FAILED
        )
        captured = intent_money(intent, status)
        remaining = Money(captured.amount - ours, captured.currency)
        if request.amount.currency != remaining.currency or request.amount > remaining:
            raise PaymentError(
                f"Cannot refund {request.amount}: {remaining} remains refundable.",
                details={"remaining": remaining.amount},
            )

    def _unknown_payment(
        self, request: PaymentRequest, step: str, exc: stripe.StripeError
    ) -> PaymentResult:
        _log_no_answer(step, request.idempotency_key, exc)
        return PaymentResult(request.idempotency_key, PaymentStatus.UNKNOWN, request.amount)

    def _unknown_refund(
        self, request: RefundRequest, step: str, exc: stripe.StripeError
    ) -> RefundResult:
        _log_no_answer(f"refund {step}", request.idempotency_key, exc)
        return RefundResult(request.idempotency_key, RefundStatus.UNKNOWN, request.amount)


def _same_payment(intent: stripe.PaymentIntent, request: PaymentRequest) -> None:
    made = (intent.amount, intent.currency.upper(), metadata(intent).get("order_id"))
    asked = (request.amount.amount, request.amount.currency, request.order_id)
    if made != asked:
        raise _conflict("Payment", request.idempotency_key)


def _conflict(what: str, key: str) -> IdempotencyConflict:
    return IdempotencyConflict(
        f"{what} key {key!r} was used for another amount or order.", details={"key": key}
    )


def _payment_error(doing: str, exc: stripe.StripeError) -> PaymentError:
    details: dict[str, object] = {"http_status": exc.http_status}
    if exc.code:
        details["stripe_code"] = exc.code
    return PaymentError(f"Stripe could not {doing}: {exc.user_message or exc}", details=details)


def _log_no_answer(step: str, key: str, exc: stripe.StripeError) -> None:
    logger.warning(
        "Stripe gave no answer to %s of %s (%s): outcome unknown", step, key, type(exc).__name__
    )
