"""What a payee earned and holds (FEATURES T9): an earnings statement built from the postings
to his payable account, and his balance.

Each line is one journal entry that credited (or, for a refund after completion, debited)
the payable, so a statement always equals the sum of its postings. Tips and referral
commissions are further :class:`EarningSource` s to come: they post to the same payable
(commissions through ``commission_payable`` until they settle) and will show as lines of
their own without changing how a statement is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

import attrs
from pendulum import DateTime

from booking_core.ids import OrderId, ServiceId
from booking_core.ledger import Transaction, TransactionKind
from booking_core.money import Money
from booking_core.payouts.payee import Payee
from booking_core.timerange import TimeRange

__all__ = ["EarningSource", "EarningsLine", "EarningsStatement", "PayeeBalance", "earnings_lines"]


class EarningSource(StrEnum):
    """Why a payable moved in a statement line."""

    ORDER = "order"  # a completed order's share
    CANCELLATION_FEE = "cancellation_fee"  # the share of a fee kept on a cancellation
    REFUND = "refund"  # a refund after completion took some of the share back


_SOURCES: Mapping[TransactionKind, EarningSource] = {
    TransactionKind.ORDER_COMPLETED: EarningSource.ORDER,
    TransactionKind.CANCELLATION_FEE: EarningSource.CANCELLATION_FEE,
    TransactionKind.REFUND: EarningSource.REFUND,
}


@attrs.frozen
class EarningsLine:
    """One movement of a payee's earnings.

    Attributes:
        transaction_id: The journal entry it comes from.
        source: Why it moved.
        order_id: The order.
        service_id: The order's service (None when the order is not known).
        at: When (the completion, the cancellation, the refund).
        amount: What the payee earned by it (negative for a refund).
    """

    transaction_id: str
    source: EarningSource
    order_id: OrderId
    service_id: ServiceId | None
    at: DateTime
    amount: Money


@attrs.frozen
class EarningsStatement:
    """A payee's earnings over a period.

    Attributes:
        payee: Whose.
        period: The half-open period of the entries' instants.
        currency: The statement's currency.
        lines: Every movement, oldest first.
    """

    payee: Payee
    period: TimeRange
    currency: str
    lines: tuple[EarningsLine, ...]

    @property
    def total(self) -> Money:
        """What the lines add up to."""
        return Money(sum(line.amount.amount for line in self.lines), self.currency)

    @property
    def orders(self) -> int:
        """How many orders the payee completed in the period."""
        return sum(1 for line in self.lines if line.source is EarningSource.ORDER)

    def by_service(self) -> dict[ServiceId | None, Money]:
        """The total per service, in the order services first appear."""
        totals: dict[ServiceId | None, Money] = {}
        for line in self.lines:
            totals[line.service_id] = totals.get(line.service_id, Money.zero(self.currency)) + (
                line.amount
            )
        return totals


@attrs.frozen
class PayeeBalance:
    """A payee's money as the books hold it.

    Attributes:
        payee: Whose.
        available: What he may withdraw: his payable's balance (earned, less withdrawals
            requested and not returned). A refund after completion may take it below zero;
            later earnings then pay that back before anything is withdrawable.
        in_flight: Withdrawals requested and neither paid out nor returned (net of fees).
        paid_out: Everything paid out to him so far (net of fees).
    """

    payee: Payee
    available: Money
    in_flight: Money
    paid_out: Money


def earnings_lines(
    payee: Payee,
    transactions: Iterable[Transaction],
    currency: str,
    services: Mapping[OrderId, ServiceId],
) -> list[EarningsLine]:
    """The statement lines of the order entries among ``transactions`` that post to the
    payee's payable in ``currency`` (withdrawals are not earnings and are left out); the
    service of each order from ``services``."""
    account = payee.payable
    lines = []
    for transaction in transactions:
        source = _SOURCES.get(transaction.kind)
        if source is None or transaction.order_id is None:
            continue
        moved = sum(
            p.amount.amount
            for p in transaction.postings
            if p.account == account and p.amount.currency == currency
        )
        if moved:
            lines.append(
                EarningsLine(
                    transaction.id,
                    source,
                    transaction.order_id,
                    services.get(transaction.order_id),
                    transaction.at,
                    Money(-moved, currency),  # a credit to a payable is an earning
                )
            )
    return lines
