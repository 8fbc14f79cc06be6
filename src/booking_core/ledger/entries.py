"""Build the journal entries of an order's money: capture, completion, refund, correction.

Each builder is a pure function of its inputs and the order's history, and returns one
balanced :class:`Transaction`; the caller records it (and a storage adapter later makes it
idempotent by transaction id).

::

    payment captured   Dr payments_clearing          Cr customer_funds
    order completed    Dr customer_funds             Cr technician_payable:<id>
                       Dr promotion_expense          Cr store_payable:<id>
                                                     Cr platform_revenue
    cancellation fee   Dr customer_funds             Cr technician_payable:<id>
    retained                                         Cr store_payable:<id>
                                                     Cr platform_revenue
    refund             Dr <each account the order holds, in proportion>
                                                     Cr payments_clearing
    package sold       Dr payments_clearing          Cr prepaid_packages
    package refunded   Dr prepaid_packages           Cr payments_clearing
    package visit      Dr prepaid_packages           Cr customer_funds
    used (its order's
    payment)
    visit returned     Dr <each account the order holds, in proportion>
    (its refund)                                     Cr prepaid_packages

After a cancellation fee was retained, a refund comes out of customer funds first (what the
cancellation left refundable) and only beyond that out of the fee's shares, in proportion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidLedgerEntry, RefundExceedsCaptured
from booking_core.ids import OrderId, StoreId, TechnicianId
from booking_core.ledger.accounts import Account
from booking_core.ledger.balances import order_position
from booking_core.ledger.rates import SplitRates
from booking_core.ledger.split import allocate_signed, split_by_rates
from booking_core.ledger.transaction import Posting, Transaction, TransactionId, TransactionKind
from booking_core.money import Money
from booking_core.pricing import Quote, QuoteLine

_ALL_TO_TECHNICIAN = SplitRates(Decimal(1))

__all__ = [
    "OrderParties",
    "SettlementLine",
    "cancellation_fee_retained",
    "order_completed",
    "package_refunded",
    "package_sold",
    "package_visit_used",
    "payment_captured",
    "refund_issued",
    "refundable",
    "settlement_lines",
]


@attrs.frozen
class OrderParties:
    """Who shares in an order besides the platform."""

    technician_id: TechnicianId
    store_id: StoreId | None = None


@attrs.frozen
class SettlementLine:
    """One line of a completed order, as the split sees it.

    The settlement base is ``paid + platform_funded``: a platform-funded discount is paid
    by the platform (a promotion expense), so the technician and store earn as if the
    customer had paid it; a seller-funded discount lowers the base for everyone.

    Attributes:
        paid: What the customer paid for the line (net of refunds before completion).
        platform_funded: The platform-funded part of the line's discounts.
        rates: How the base is shared.
    """

    paid: Money
    platform_funded: Money
    rates: SplitRates

    def __attrs_post_init__(self) -> None:
        if self.paid.is_negative or self.platform_funded.is_negative:
            raise InvalidLedgerEntry("Settlement amounts are zero or more.")
        if self.paid.currency != self.platform_funded.currency:
            raise InvalidLedgerEntry("A settlement line is in one currency.")

    @property
    def base(self) -> Money:
        """What the line is split on."""
        return self.paid + self.platform_funded


def settlement_lines(
    quote: Quote,
    rates_for: Callable[[QuoteLine], SplitRates],
    *,
    travel_fee_rates: SplitRates | None = None,
) -> list[SettlementLine]:
    """Settlement lines for an order paid as ``quote`` says, one per line.

    The travel fee, when there is one, becomes a last line with ``travel_fee_rates``
    (default: all of it to the technician, who made the trip); a platform-funded discount
    of the fee (a waiver, a free-travel coupon) is settled as if the customer had paid it.
    """
    lines = [SettlementLine(q.payable, q.platform_funded, rates_for(q)) for q in quote.lines]
    fee_funded = quote.travel_fee_platform_funded
    if quote.travel_fee or fee_funded:
        fee_rates = travel_fee_rates if travel_fee_rates is not None else _ALL_TO_TECHNICIAN
        lines.append(SettlementLine(quote.travel_fee, fee_funded, fee_rates))
    return lines


def payment_captured(
    *, transaction_id: TransactionId, order_id: OrderId, amount: Money, at: DateTime
) -> Transaction:
    """The customer's payment for ``order_id`` was captured: it is held until completion.

    Raises:
        InvalidLedgerEntry: if ``amount`` is not above zero.
    """
    return _moved(
        transaction_id, TransactionKind.PAYMENT_CAPTURED, at, amount,
        Account.payments_clearing(), Account.customer_funds(), order_id,
    )  # fmt: skip


def _moved(
    transaction_id: TransactionId,
    kind: TransactionKind,
    at: DateTime,
    amount: Money,
    debit: Account,
    credit: Account,
    order_id: OrderId | None = None,
) -> Transaction:
    """``amount`` moved from ``credit`` to ``debit``: the two-posting entry."""
    return Transaction(
        id=transaction_id,
        kind=kind,
        at=at,
        postings=(Posting.debit(debit, amount), Posting.credit(credit, amount)),
        order_id=order_id,
    )


def package_sold(*, transaction_id: TransactionId, amount: Money, at: DateTime) -> Transaction:
    """A package's price was paid: owed to the customer as visits until each is used (it
    belongs to no order yet).

    Raises:
        InvalidLedgerEntry: if ``amount`` is not above zero.
    """
    return _moved(
        transaction_id, TransactionKind.PACKAGE_SOLD, at, amount,
        Account.payments_clearing(), Account.prepaid_packages(),
    )  # fmt: skip


def package_refunded(*, transaction_id: TransactionId, amount: Money, at: DateTime) -> Transaction:
    """A package's unused visits were paid back: no longer owed (it belongs to no order).

    Raises:
        InvalidLedgerEntry: if ``amount`` is not above zero.
    """
    return _moved(
        transaction_id, TransactionKind.PACKAGE_REFUNDED, at, amount,
        Account.prepaid_packages(), Account.payments_clearing(),
    )  # fmt: skip


def package_visit_used(
    *,
    transaction_id: TransactionId,
    order_id: OrderId,
    amount: Money,
    at: DateTime,
    into: Account | None = None,
) -> Transaction:
    """A package visit worth ``amount`` paid for ``order_id``: held for the order in
    customer funds until completion, like a captured payment — or, for a visit used outside
    the core's orders, earned at once by ``into`` (the platform's revenue).

    Raises:
        InvalidLedgerEntry: if ``amount`` is not above zero.
    """
    return _moved(
        transaction_id, TransactionKind.PACKAGE_VISIT_USED, at, amount,
        Account.prepaid_packages(), into or Account.customer_funds(), order_id,
    )  # fmt: skip


def order_completed(
    *,
    transaction_id: TransactionId,
    order_id: OrderId,
    parties: OrderParties,
    lines: Sequence[SettlementLine],
    at: DateTime,
    history: Iterable[Transaction],
) -> Transaction:
    """Settle a completed order: release what is held and share it out by the rates.

    Each line's base is split between technician, store and platform by its own rates
    (largest remainder); the platform-funded discounts are booked as promotion expense.

    Args:
        transaction_id: Id of the new entry.
        order_id: The order.
        parties: Its technician and store.
        lines: One per order line (see :func:`settlement_lines`); what they say was paid
            must equal what the books hold for the order.
        at: When it completed.
        history: Transactions so far (those of other orders are ignored).

    Raises:
        InvalidLedgerEntry: the order is already settled, it was fully refunded before
            completion (``details["reason"] == "fully_refunded"``), the lines do not add up
            to what is held, a store share has no store, or there is nothing to settle.
    """
    history = [t for t in history if t.order_id == order_id]
    position = order_position(history, order_id)
    if not lines:
        raise InvalidLedgerEntry("An order settles at least one line.")
    currency = lines[0].paid.currency
    if any(line.paid.currency != currency for line in lines):
        raise InvalidLedgerEntry("All settlement lines are in one currency.")
    held = -position.get((Account.customer_funds(), currency), 0)
    completions = {t.id for t in history if t.kind is TransactionKind.ORDER_COMPLETED}
    if completions - {t.reverses for t in history}:
        raise InvalidLedgerEntry(
            f"Order {order_id} is already settled.", details={"order_id": order_id}
        )
    if held == 0 and _captured_and_not_voided(history):
        # Everything the customer paid went back before completion. A platform subsidy
        # booked now could never be reversed (a refund is bounded by what is captured and
        # not refunded, which is zero), so the order's accounts would never return to zero
        # (I13). A fully refunded order has nothing to settle.
        raise InvalidLedgerEntry(
            f"Order {order_id} was fully refunded before completion; there is nothing to settle.",
            details={"order_id": order_id, "reason": "fully_refunded"},
        )
    paid = sum(line.paid.amount for line in lines)
    if paid != held:
        raise InvalidLedgerEntry(
            f"The settlement lines say {Money(paid, currency)} was paid for order {order_id}; "
            f"the books hold {Money(held, currency)}.",
            details={"order_id": order_id, "paid": paid, "held": held},
        )
    technician = store = platform = expense = 0
    for line in lines:
        shares = split_by_rates(line.base, line.rates)
        technician += shares.technician.amount
        store += shares.store.amount
        platform += shares.platform.amount
        expense += line.platform_funded.amount
    if store and parties.store_id is None:
        raise InvalidLedgerEntry(
            f"The rates give a store share of order {order_id}, but it has no store.",
            details={"order_id": order_id},
        )
    amounts = [
        (Account.customer_funds(), paid),
        (Account.promotion_expense(), expense),
        (Account.technician_payable(parties.technician_id), -technician),
        (Account.platform_revenue(), -platform),
    ]
    if parties.store_id is not None:
        amounts.insert(3, (Account.store_payable(parties.store_id), -store))
    postings = tuple(Posting(a, Money(v, currency)) for a, v in amounts if v)
    if not postings:
        raise InvalidLedgerEntry(
            f"Order {order_id} has nothing to settle: nothing paid, nothing subsidised.",
            details={"order_id": order_id},
        )
    return Transaction(
        id=transaction_id,
        kind=TransactionKind.ORDER_COMPLETED,
        at=at,
        postings=postings,
        order_id=order_id,
    )


def _captured_and_not_voided(history: Iterable[Transaction]) -> bool:
    """Whether a capture of the order stands (one not cancelled by a reversal)."""
    return _standing(history, TransactionKind.PAYMENT_CAPTURED)


def cancellation_fee_retained(
    *,
    transaction_id: TransactionId,
    order_id: OrderId,
    fee: Money,
    parties: OrderParties | None,
    lines: Sequence[SettlementLine],
    at: DateTime,
    history: Iterable[Transaction],
) -> Transaction:
    """A cancelled order keeps ``fee`` of what the customer paid: release it from customer
    funds and share it out like a completed order.

    Each line's part of the fee is split between technician, store and platform by its
    rates (largest remainder) — the technician's compensation for a late cancellation or
    a no-show. An order no technician was assigned to (``parties`` is None) gives the whole
    fee to the platform. Nothing is subsidised: the lines' platform-funded parts are ignored.

    Args:
        transaction_id: Id of the new entry.
        order_id: The order.
        fee: What the cancellation keeps (above zero).
        parties: The order's technician and store, or None when none was assigned.
        lines: The fee over the order's lines (their ``paid`` sums to ``fee``); ignored
            without ``parties``.
        at: When it was cancelled.
        history: Transactions so far (those of other orders are ignored).

    Raises:
        InvalidLedgerEntry: the fee is not above zero, a fee was already retained, the
            books hold less than the fee for the order, the lines do not add up to the fee,
            or a store share has no store.
    """
    if fee.amount <= 0:
        raise InvalidLedgerEntry(f"A cancellation fee is above zero; got {fee}.")
    history = [t for t in history if t.order_id == order_id]
    if _standing(history, TransactionKind.CANCELLATION_FEE):
        raise InvalidLedgerEntry(
            f"Order {order_id} already retained a cancellation fee.",
            details={"order_id": order_id},
        )
    currency = fee.currency
    held = -order_position(history, order_id).get((Account.customer_funds(), currency), 0)
    if fee.amount > held:
        raise InvalidLedgerEntry(
            f"Order {order_id} holds {Money(held, currency)}; cannot retain a fee of {fee}.",
            details={"order_id": order_id, "held": held, "fee": fee.amount},
        )
    technician = store = 0
    if parties is not None:
        if sum(line.paid.amount for line in lines) != fee.amount or any(
            line.paid.currency != currency for line in lines
        ):
            raise InvalidLedgerEntry(
                f"The fee lines of order {order_id} do not add up to {fee}.",
                details={"order_id": order_id},
            )
        for line in lines:
            shares = split_by_rates(line.paid, line.rates)
            technician += shares.technician.amount
            store += shares.store.amount
        if store and parties.store_id is None:
            raise InvalidLedgerEntry(
                f"The rates give a store share of order {order_id}, but it has no store.",
                details={"order_id": order_id},
            )
    amounts = [(Account.customer_funds(), fee.amount)]
    if parties is not None:
        amounts.append((Account.technician_payable(parties.technician_id), -technician))
        if parties.store_id is not None:
            amounts.append((Account.store_payable(parties.store_id), -store))
    amounts.append((Account.platform_revenue(), -(fee.amount - technician - store)))
    return Transaction(
        id=transaction_id,
        kind=TransactionKind.CANCELLATION_FEE,
        at=at,
        postings=tuple(Posting(a, Money(v, currency)) for a, v in amounts if v),
        order_id=order_id,
    )


def _standing(history: Iterable[Transaction], kind: TransactionKind) -> bool:
    """Whether an entry of ``kind`` stands (one not cancelled by a reversal)."""
    history = list(history)
    reversed_ids = {t.reverses for t in history if t.reverses is not None}
    return any(t.kind is kind and t.id not in reversed_ids for t in history)


def refundable(history: Iterable[Transaction], order_id: OrderId, currency: str) -> Money:
    """What was captured for ``order_id`` and not yet refunded.

    A retained cancellation fee counts: the books still hold it for the order (in its
    shares), and a refund beyond what customer funds hold waives it. What the cancellation
    itself left refundable is what customer funds hold (``held_for_order``)."""
    position = order_position(history, order_id)
    return Money(position.get((Account.payments_clearing(), currency), 0), currency)


def _fee_retained_parts(total: int, held: Sequence[tuple[Account, int]]) -> list[int]:
    """How a refund of ``total`` comes out of an order that retained a cancellation fee:
    customer funds first (what the cancellation left refundable), then the fee's shares in
    proportion (the fee waived, e.g. by a complaint decided for the customer)."""
    funds = Account.customer_funds()
    in_funds = max(next((w for a, w in held if a == funds), 0), 0)
    first = min(total, in_funds)
    others = [w if a != funds else 0 for a, w in held]
    rest = allocate_signed(total - first, others) if total > first else [0] * len(held)
    return [first if a == funds else part for (a, _), part in zip(held, rest, strict=True)]


def refund_issued(
    *,
    transaction_id: TransactionId,
    order_id: OrderId,
    amount: Money,
    at: DateTime,
    history: Iterable[Transaction],
    source: Account | None = None,
) -> Transaction:
    """Refund ``amount`` of ``order_id``, reversing everything it created in proportion.

    ``source`` is where the order's money came from and goes back to: payments clearing
    (None, the default), or prepaid packages for an order a package visit paid (the visit
    is given back).

    Before completion that is the money held for the order; after it, each party's share
    and the promotion expense, each in proportion to what the order still holds in it
    (largest remainder, ties in account order). The reversals sum exactly to the refund, no
    account gives back more than the order holds in it, and a series of partial refunds
    adding up to the whole payment leaves every account of the order at zero (I13). After a
    retained cancellation fee, customer funds give back first and the fee's shares only
    what is refunded beyond them, in proportion.

    Raises:
        InvalidLedgerEntry: if ``amount`` is not above zero.
        RefundExceedsCaptured: if ``amount`` is more than was captured and not refunded.
    """
    if amount.amount <= 0:
        raise InvalidLedgerEntry(f"A refund is above zero; got {amount}.")
    history = list(history)
    position = order_position(history, order_id)
    currency = amount.currency
    clearing = Account.payments_clearing() if source is None else source
    left = position.get((clearing, currency), 0)
    if amount.amount > left:
        raise RefundExceedsCaptured(
            f"Order {order_id} has {Money(left, currency)} captured and not refunded; "
            f"cannot refund {amount}.",
            details={"order_id": order_id, "refundable": left, "requested": amount.amount},
        )
    held = sorted(
        (
            (account, -value)
            for (account, cur), value in position.items()
            if cur == currency and account != clearing
        ),
        key=lambda item: item[0].sort_key,
    )
    if _standing((t for t in history if t.order_id == order_id), TransactionKind.CANCELLATION_FEE):
        parts = _fee_retained_parts(amount.amount, held)
    else:
        parts = allocate_signed(amount.amount, [weight for _, weight in held])
    postings = [
        Posting(account, Money(part, currency))
        for (account, _), part in zip(held, parts, strict=True)
        if part
    ]
    postings.append(Posting.credit(clearing, amount))
    return Transaction(
        id=transaction_id,
        kind=TransactionKind.REFUND,
        at=at,
        postings=tuple(postings),
        order_id=order_id,
    )
