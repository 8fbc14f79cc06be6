"""Tips (打赏): a customer's gift to the technician of an order, and its journal entry.

A tip is not part of the order's price: it never changes what the order cost, what was
paid for it (``Order.paid_amount``), the points it earns, the commissions on it or what an
order refund gives back. The record of a tip is its payment attempt (purpose
:attr:`~booking_core.orders.payments.PaymentPurpose.TIP`) and, once captured, this entry::

    tip captured   Dr payments_clearing          Cr technician_payable:<id>   (all of it)

with id ``tip:<payment key>``. The platform takes nothing, so the technician's balance and
earnings statement show the whole tip. The entry names no order (``order_id`` is None), like
a commission's: an order's position — what a refund of the order is shared over — stays what
was paid for the order, so no order refund ever takes money back from a tip. The payment key
(``<order>:tip:<n>``) ties it to its order.
"""

from __future__ import annotations

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidInput, TipNotAllowed
from booking_core.ids import TechnicianId
from booking_core.ledger import Account, Posting, Transaction, TransactionId, TransactionKind
from booking_core.money import Money

__all__ = ["TipPolicy", "tip_received", "tip_transaction_id"]


def _maximum(_: object, __: attrs.Attribute[Money], value: Money) -> None:
    if not isinstance(value, Money) or value.amount < 1:
        raise InvalidInput(f"A tip's maximum is at least one minor unit; got {value!r}.")


@attrs.frozen
class TipPolicy:
    """How much a customer may tip.

    Attributes:
        maximum: The most one tip may be (default 500.00 CNY: a generous thanks, not a way
            to move money). The least is always one minor unit (1 fen).
    """

    maximum: Money = attrs.field(default=Money(50_000, "CNY"), validator=_maximum)

    def check(self, amount: Money) -> None:
        """Refuse a tip of ``amount`` the policy does not allow.

        Raises:
            TipNotAllowed: ``currency``, ``below_minimum`` or ``above_maximum``.
        """
        if amount.currency != self.maximum.currency:
            raise TipNotAllowed(
                f"Tips are in {self.maximum.currency}; got {amount}.",
                details={"reason": "currency", "currency": self.maximum.currency},
            )
        if amount.amount < 1:
            raise TipNotAllowed(
                f"A tip is at least {Money(1, amount.currency)}; got {amount}.",
                details={"reason": "below_minimum", "minimum": 1},
            )
        if amount > self.maximum:
            raise TipNotAllowed(
                f"A tip is at most {self.maximum}; got {amount}.",
                details={"reason": "above_maximum", "maximum": self.maximum.amount},
            )


def tip_transaction_id(payment_key: str) -> TransactionId:
    """``tip:<payment key>``: one entry per captured tip, however often it is applied."""
    return TransactionId(f"tip:{payment_key}")


def tip_received(
    *, payment_key: str, technician_id: TechnicianId, amount: Money, at: DateTime
) -> Transaction:
    """The tip captured under ``payment_key``: all of it owed to the technician.

    Raises:
        InvalidLedgerEntry: ``amount`` is not above zero.
    """
    order_id = payment_key.rsplit(":", 2)[0]
    return Transaction(
        id=tip_transaction_id(payment_key),
        kind=TransactionKind.TIP,
        at=at,
        postings=(
            Posting.debit(Account.payments_clearing(), amount),
            Posting.credit(Account.technician_payable(technician_id), amount),
        ),
        memo=f"tip on order {order_id}",
    )
