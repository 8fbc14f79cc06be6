"""Stripe's balance transactions of a day as booking_core's statement lines (对账).

Each charge (``charge``, ``payment``) is a PAYMENT line keyed by its PaymentIntent's
``booking_key``; each refund (``refund``, ``payment_refund``) a REFUND line keyed by its
``booking_refund_key`` — or, for a refund made outside booking_core (the Dashboard) of one
of its payments, by Stripe's refund id, so that it shows as money we never applied. Lines
about objects booking_core did not make, fees, payouts and adjustments are left out.
Amounts are the charge's or refund's own, in the payment's currency (a balance transaction
itself is in the settlement currency, after conversion).
"""

from __future__ import annotations

from typing import Any, Final

import pendulum
import stripe
from pendulum import Date

from booking_core.errors import PaymentError
from booking_core.money import Money
from booking_core.orders.statements import EntryKind, StatementEntry
from booking_core_stripe.statuses import field, metadata

__all__ = ["statement"]

_KINDS: Final = {
    "charge": EntryKind.PAYMENT,
    "payment": EntryKind.PAYMENT,
    "refund": EntryKind.REFUND,
    "payment_refund": EntryKind.REFUND,
}


def statement(client: stripe.StripeClient, zone: str, day: Date) -> list[StatementEntry]:
    """Every payment and refund of booking_core's that Stripe moved on ``day`` in ``zone``.

    Raises:
        PaymentError: the day is not over yet, or Stripe did not answer.
    """
    start = pendulum.datetime(day.year, day.month, day.day, tz=zone)
    end = start.add(days=1)
    if end > pendulum.now(zone):
        raise PaymentError(f"Stripe's statement of {day.isoformat()} is not complete yet.")
    intents: dict[str, dict[str, str]] = {}

    def intent_metadata(intent_id: str) -> dict[str, str]:
        if intent_id not in intents:
            intents[intent_id] = metadata(client.v1.payment_intents.retrieve(intent_id))
        return intents[intent_id]

    entries = []
    try:
        page = client.v1.balance_transactions.list(
            params={
                "created": {"gte": int(start.timestamp()), "lt": int(end.timestamp())},
                "limit": 100,
                "expand": ["data.source"],
            }
        )
        for txn in page.auto_paging_iter():
            entry = _entry(txn, zone, intent_metadata)
            if entry is not None:
                entries.append(entry)
    except stripe.StripeError as exc:
        raise PaymentError(
            f"Stripe's statement of {day.isoformat()} could not be read: {exc.user_message}",
            details={"http_status": exc.http_status},
        ) from exc
    return entries


def _entry(txn: Any, zone: str, intent_metadata: Any) -> StatementEntry | None:
    kind = _KINDS.get(str(field(txn, "type")))
    source = field(txn, "source")
    if kind is None or not isinstance(source, stripe.StripeObject):
        return None
    intent_id = field(source, "payment_intent")
    intent_id = str(field(intent_id, "id") or intent_id) if intent_id else None
    key: str | None
    if kind is EntryKind.REFUND:
        key = metadata(source).get("booking_refund_key")
        if key is None and intent_id and intent_metadata(intent_id).get("booking_key"):
            key = str(field(source, "id"))  # a refund of ours made outside booking_core
        amount = field(source, "amount")
    else:
        key = intent_metadata(intent_id).get("booking_key") if intent_id else None
        amount = field(source, "amount_captured") or field(source, "amount")
    if not key:
        return None
    return StatementEntry(
        kind,
        key,
        Money(int(amount), str(field(source, "currency")).upper()),
        pendulum.from_timestamp(int(field(txn, "created")), tz=zone),
        str(field(source, "id")),
    )
