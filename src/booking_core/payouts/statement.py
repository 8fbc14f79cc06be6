"""What a payee earned and holds (FEATURES T9): an earnings statement built from the postings
to his earnings accounts, and his balance.

A payee's earnings accounts are his payable (completed orders' shares, kept cancellation
fees, refunds after completion, tips) and, for a technician, his settled referral
commissions (``commission_payable:technician:<id>``, credited when a commission settles and
debited when a refund reduces a settled one; a store earns no commissions, its commission
account stays empty). Each line is one journal entry that moved them, by its net effect on
them, so a statement always equals the sum of its postings to them; withdrawals are not
earnings, and moving settled commissions into the payable for a withdrawal
(``commission_transferred``) nets to zero over the two and shows no line.

==========================  ===================================================
entry                       line
==========================  ===================================================
``order_completed``         :attr:`EarningSource.ORDER`
``cancellation_fee``        :attr:`EarningSource.CANCELLATION_FEE`
``refund``                  :attr:`EarningSource.REFUND` (negative)
``tip``                     :attr:`EarningSource.TIP` (all of the tip)
``commission_settled``      :attr:`EarningSource.COMMISSION`
``commission_cancelled``    :attr:`EarningSource.COMMISSION` (negative: a refund
                            after the commission settled)
==========================  ===================================================

Commissions still frozen (the order not completed, or in its cooling-off) are not earnings
yet: the balance shows them as :attr:`PayeeBalance.pending`.
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
    TIP = "tip"  # a customer's tip, all of it the technician's
    COMMISSION = "commission"  # a referral commission settled (or reduced after settling)


_SOURCES: Mapping[TransactionKind, EarningSource] = {
    TransactionKind.ORDER_COMPLETED: EarningSource.ORDER,
    TransactionKind.CANCELLATION_FEE: EarningSource.CANCELLATION_FEE,
    TransactionKind.REFUND: EarningSource.REFUND,
    TransactionKind.TIP: EarningSource.TIP,
    TransactionKind.COMMISSION_SETTLED: EarningSource.COMMISSION,
    TransactionKind.COMMISSION_CANCELLED: EarningSource.COMMISSION,
}


@attrs.frozen
class EarningsLine:
    """One movement of a payee's earnings.

    Attributes:
        transaction_id: The journal entry it comes from.
        source: Why it moved.
        order_id: The order (for a tip, the order tipped; for a commission, the order it
            was earned on).
        service_id: The order's service (None when the order is not known).
        at: When (the completion, the cancellation, the refund, the tip's capture, the
            commission's settling).
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
        available: What he may withdraw: his payable's balance plus his settled referral
            commissions (earned, less withdrawals requested and not returned). A refund
            after completion may take it below zero; later earnings then pay that back
            before anything is withdrawable.
        in_flight: Withdrawals requested and neither paid out nor returned (net of fees).
        paid_out: Everything paid out to him so far (net of fees).
        pending: Earned but not yet his: referral commissions still frozen (their order
            not completed, or in its cooling-off). An order's own share is not pending
            before it completes: the split is made at completion (rates, refunds and
            discounts decide it then), so it shows in ``available`` from that moment.
    """

    payee: Payee
    available: Money
    in_flight: Money
    paid_out: Money
    pending: Money = attrs.field()

    @pending.default
    def _nothing_pending(self) -> Money:
        return Money.zero(self.available.currency)


def earnings_lines(
    payee: Payee,
    transactions: Iterable[Transaction],
    currency: str,
    services: Mapping[OrderId, ServiceId],
    orders: Mapping[str, OrderId] | None = None,
) -> list[EarningsLine]:
    """The statement lines of the earning entries among ``transactions`` that post to the
    payee's earnings accounts (:attr:`Payee.earnings_accounts`) in ``currency``
    (withdrawals are not earnings and are left out), each transaction once however many
    of those accounts it moves; the service of each order from ``services``.

    Entries that name no order (tips, commissions) take theirs from ``orders``
    (transaction id → order id); one found in neither is left out.
    """
    accounts = payee.earnings_accounts
    lines = []
    for transaction in transactions:
        source = _SOURCES.get(transaction.kind)
        order_id = transaction.order_id
        if order_id is None and orders is not None:
            order_id = orders.get(transaction.id)
        if source is None or order_id is None:
            continue
        moved = sum(
            p.amount.amount
            for p in transaction.postings
            if p.account in accounts and p.amount.currency == currency
        )
        if moved:
            lines.append(
                EarningsLine(
                    transaction.id,
                    source,
                    order_id,
                    services.get(order_id),
                    transaction.at,
                    Money(-moved, currency),  # a credit to a payable is an earning
                )
            )
    return lines
