"""What this gateway asked of Alipay that Alipay cannot tell back yet.

Alipay knows a trade only once the customer acts: a signed H5, web or app order string
creates nothing at Alipay until it is opened, and a precreated QR code nothing until it is
scanned (``alipay.trade.query`` and ``alipay.trade.close`` answer ``ACQ.TRADE_NOT_EXIST``).
To tell "created, not yet opened" from "never created", and to find a refund's trade (a
refund query needs ``out_trade_no`` as well as ``out_request_no``), the gateway remembers
its own requests here — in this process only. Everything Alipay does know is asked of
Alipay, never of this record.
"""

from __future__ import annotations

import threading

import attrs

from booking_core.money import Money
from booking_core.ports.payments import NextAction, PaymentChannel

__all__ = ["PaymentRecord", "Records", "RefundRecord"]


@attrs.frozen
class PaymentRecord:
    """A payment this gateway created (its order string signed, or its QR code asked for)."""

    key: str
    order_id: str
    amount: Money
    channel: PaymentChannel
    time_expire: str
    next_action: NextAction | None = None
    cancelled: bool = False


@attrs.frozen
class RefundRecord:
    """A refund this gateway asked for."""

    key: str
    payment_key: str
    amount: Money


class Records:
    """Thread-safe, in-memory records of payments and refunds asked for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._payments: dict[str, PaymentRecord] = {}
        self._refunds: dict[str, RefundRecord] = {}

    def payment(self, key: str) -> PaymentRecord | None:
        with self._lock:
            return self._payments.get(key)

    def keep_payment(self, record: PaymentRecord) -> PaymentRecord:
        """Store ``record`` unless one is stored under its key; return the stored one."""
        with self._lock:
            return self._payments.setdefault(record.key, record)

    def update_payment(self, record: PaymentRecord) -> None:
        with self._lock:
            self._payments[record.key] = record

    def forget_payment(self, key: str) -> None:
        with self._lock:
            self._payments.pop(key, None)

    def refund(self, key: str) -> RefundRecord | None:
        with self._lock:
            return self._refunds.get(key)

    def keep_refund(self, record: RefundRecord) -> RefundRecord:
        """Store ``record`` unless one is stored under its key; return the stored one."""
        with self._lock:
            return self._refunds.setdefault(record.key, record)

    def forget_refund(self, key: str) -> None:
        with self._lock:
            self._refunds.pop(key, None)
