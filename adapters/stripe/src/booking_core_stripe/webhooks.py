"""Stripe's webhook events in booking_core's terms.

The ``Stripe-Signature`` header (``t=<unix time>,v1=<HMAC-SHA256 of "t.body">``) is
verified with the endpoint's signing secret by the ``stripe`` library, with a tolerance on
the time so that an old notification cannot be replayed. Events this adapter has nothing to
say about (other types, objects made outside booking_core) are acknowledged with no event:
refusing them would make Stripe retry them for days.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

import stripe

from booking_core.errors import InvalidWebhook
from booking_core.money import Money
from booking_core.ports.payments import ParsedWebhook, WebhookAck, WebhookEvent, WebhookKind
from booking_core_stripe.config import StripeConfig
from booking_core_stripe.statuses import field, metadata

__all__ = ["SIGNATURE_HEADER", "parse_event"]

SIGNATURE_HEADER: Final = "Stripe-Signature"

_INTENT_EVENTS: Final = {
    "payment_intent.succeeded": (WebhookKind.PAYMENT_CAPTURED, "amount_received"),
    "payment_intent.amount_capturable_updated": (
        WebhookKind.PAYMENT_AUTHORIZED,
        "amount_capturable",
    ),
    "payment_intent.payment_failed": (WebhookKind.PAYMENT_DECLINED, "amount"),
    "payment_intent.canceled": (WebhookKind.PAYMENT_CANCELLED, "amount"),
}
_REFUND_EVENTS: Final = frozenset({"refund.created", "refund.updated", "refund.failed"})
_REFUND_KINDS: Final = {
    "succeeded": WebhookKind.REFUND_SUCCEEDED,
    "failed": WebhookKind.REFUND_FAILED,
    "canceled": WebhookKind.REFUND_FAILED,
}


def parse_event(
    client: stripe.StripeClient,
    config: StripeConfig,
    gateway: str,
    headers: Mapping[str, str],
    body: bytes,
) -> ParsedWebhook:
    """Verify and normalize one Stripe notification.

    Raises:
        InvalidWebhook: no or a wrong signature, one older than the tolerance, a body that
            is not a Stripe event, or an event of the other mode (test vs live).
    """
    signature = next((v for k, v in headers.items() if k.lower() == "stripe-signature"), None)
    try:
        event = client.construct_event(
            body, signature, config.webhook_secret, tolerance=config.webhook_tolerance
        )
        events = tuple(_events(event))
        raw = body.decode("utf-8")
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook(
            "The Stripe-Signature of the notification is missing, wrong or too old; ignored."
        ) from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidWebhook("The notification is not a Stripe event.") from exc
    if bool(field(event, "livemode")) != config.livemode:
        raise InvalidWebhook("The notification is of the other Stripe mode (test vs live).")
    return ParsedWebhook(gateway=gateway, events=events, ack=WebhookAck(200, ""), raw=raw)


def _events(event: stripe.Event) -> Iterator[WebhookEvent]:
    kind_and_amount = _INTENT_EVENTS.get(event.type)
    obj = event.data.object
    if kind_and_amount is not None:
        kind, amount_field = kind_and_amount
        key = metadata(obj).get("booking_key")
        if key:
            amount = field(obj, amount_field)
            if not isinstance(amount, int) or amount <= 0:  # an emulator without the field
                amount = field(obj, "amount")
            yield WebhookEvent(event.id, kind, key, _money(amount, obj))
    elif event.type in _REFUND_EVENTS:
        refund = _refund_event(event.id, obj)
        if refund is not None:
            yield refund
    elif event.type == "charge.refunded":
        # Only API versions that embed the charge's refunds name them; refund.updated
        # events carry each refund whatever the version.
        refunds = field(field(obj, "refunds"), "data") or []
        for refund in refunds:
            found = _refund_event(f"{event.id}:{field(refund, 'id')}", refund)
            if found is not None:
                yield found


def _refund_event(event_id: str, refund: Any) -> WebhookEvent | None:
    tags = metadata(refund)
    key = tags.get("booking_refund_key")
    kind = _REFUND_KINDS.get(str(field(refund, "status")))
    if not key or kind is None:
        return None  # not ours, or still pending: the final state comes in a later event
    return WebhookEvent(
        event_id,
        kind,
        tags.get("booking_key", ""),
        _money(field(refund, "amount"), refund),
        refund_key=key,
    )


def _money(amount: object, obj: Any) -> Money:
    if not isinstance(amount, int):
        raise TypeError(f"amount {amount!r} is not an integer")
    return Money(amount, str(field(obj, "currency")).upper())
