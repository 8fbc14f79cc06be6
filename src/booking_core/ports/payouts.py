"""The payout port: sending a withdrawal's money to a bank card or a wallet (FEATURES T10;
INVARIANTS I15, I30).

The core asks a :class:`PayoutGateway` to pay a withdrawal out, always with the withdrawal's
id as the idempotency key: a retried call (a worker that died after sending, a timeout)
never pays twice. The executable contract is
``booking_core.testing.contracts.PayoutGatewayContract``; the fake is
``booking_core.testing.ScriptedPayoutGateway``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

import attrs

from booking_core.money import Money
from booking_core.payouts import BankCard, Payee, Wallet

__all__ = ["PayoutGateway", "PayoutRequest", "PayoutResult", "PayoutStatus"]


class PayoutStatus(StrEnum):
    """Where a payout stands at the provider."""

    ACCEPTED = "accepted"  # taken, not yet settled: ask again later (query)
    PAID = "paid"  # the money reached the destination
    FAILED = "failed"  # it will not be paid (a closed card, a wrong account)


@attrs.frozen
class PayoutRequest:
    """Pay ``amount`` to ``destination``.

    Attributes:
        key: The idempotency key: the withdrawal's id.
        payee: Whom the money is for.
        amount: What reaches the destination (the withdrawal less its fee).
        destination: The bank card or wallet.
    """

    key: str
    payee: Payee
    amount: Money
    destination: BankCard | Wallet


@attrs.frozen
class PayoutResult:
    """What the provider says about a payout.

    Attributes:
        key: The payout's idempotency key.
        status: Accepted, paid or failed.
        reference: The provider's own reference, once it has one.
        reason: Why it failed (for people; None unless failed).
    """

    key: str
    status: PayoutStatus
    reference: str | None = None
    reason: str | None = None


class PayoutGateway(Protocol):
    """A payout provider (bank transfers, WeChat Pay's 企业付款, Alipay transfers)."""

    def send(self, request: PayoutRequest) -> PayoutResult:
        """Send the payout, or answer for the one sent before under ``request.key``.

        Idempotent by key: sending again returns the payout's current state and never
        pays twice.

        Raises:
            IdempotencyConflict: ``request.key`` was sent with another amount, payee or
                destination.
            PaymentError: the provider could not be reached or answered nonsense; the
                payout may or may not have been taken — :meth:`query` tells.
        """
        ...

    def query(self, key: str) -> PayoutResult | None:
        """The current state of the payout sent under ``key``; None if none was.

        Raises:
            PaymentError: the provider could not be reached.
        """
        ...
