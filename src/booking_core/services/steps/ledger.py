"""Ledger steps: post an order's money to the journal inside the caller's unit of work.

The order flow posts with :func:`post_payment_captured` when a payment is captured,
:func:`post_order_completed` when the order completes, :func:`post_cancellation_fee` when a
cancellation keeps a fee and :func:`post_refund` when a refund succeeds, each inside the unit
of work that applies the movement (see :mod:`booking_core.services.steps.books`). Each
derives a transaction id from its idempotency key, so a replayed callback records nothing
new (I15), and records the entry against the order's history it was built from, so two
concurrent entries of one order cannot both use the same history (the loser's unit of work
fails with ``ConcurrentUpdate`` and is retried).
"""

from __future__ import annotations

from collections.abc import Callable

from pendulum import DateTime

from booking_core.errors import IdempotencyConflict
from booking_core.ids import OrderId
from booking_core.ledger import (
    Account,
    OrderParties,
    RateTable,
    SettlementLine,
    SplitRates,
    Transaction,
    TransactionId,
    TransactionKind,
    cancellation_fee_retained,
    order_completed,
    package_refunded,
    package_sold,
    package_visit_used,
    payment_captured,
    refund_issued,
    settlement_lines,
)
from booking_core.money import Money, allocate_units
from booking_core.ports.storage import UnitOfWork
from booking_core.pricing import Quote, QuoteLine

__all__ = [
    "held_for_order",
    "post_cancellation_fee",
    "post_order_completed",
    "post_outside_visit",
    "post_outside_visit_back",
    "post_package_refunded",
    "post_package_sold",
    "post_payment_captured",
    "post_refund",
    "post_visit_used",
]


def _credited(transaction: Transaction, account: Account) -> Money | None:
    return next((-p.amount for p in transaction.postings if p.account == account), None)


def _post_once(
    uow: UnitOfWork,
    order_id: OrderId,
    transaction_id: TransactionId,
    build: Callable[[list[Transaction]], Transaction],
    *,
    same: Callable[[Transaction], bool],
) -> tuple[Transaction, bool]:
    history = uow.ledger.for_order(order_id)
    known = next((t for t in history if t.id == transaction_id), None)
    if known is not None:
        if same(known):
            return known, False
        raise IdempotencyConflict(
            f"Transaction {transaction_id} was posted with another amount.",
            details={"transaction_id": transaction_id},
        )
    entry = build(history)
    uow.ledger.record(entry, after=len(history))
    return entry, True


def post_payment_captured(
    uow: UnitOfWork, order_id: OrderId, amount: Money, *, key: str, at: DateTime
) -> tuple[Transaction, bool]:
    """Inside ``uow``: post a captured payment (Dr payments clearing, Cr customer funds)
    under the id ``pay:<key>``. Returns the transaction and whether it is new (a replay of
    the key posts nothing and returns the recorded one).

    Raises:
        IdempotencyConflict: ``key`` was posted with another amount.
        InvalidLedgerEntry: ``amount`` is not above zero.
        ConcurrentUpdate: another entry of the order was recorded meanwhile (retry the
            whole unit of work).
    """
    transaction_id = TransactionId(f"pay:{key}")
    return _post_once(
        uow,
        order_id,
        transaction_id,
        lambda history: payment_captured(
            transaction_id=transaction_id, order_id=order_id, amount=amount, at=at
        ),
        same=lambda t: t.postings[0].amount == amount,
    )


def post_visit_used(
    uow: UnitOfWork, order_id: OrderId, amount: Money, *, at: DateTime
) -> tuple[Transaction, bool]:
    """Inside ``uow``: post a package visit paying for the order (Dr prepaid packages, Cr
    customer funds) under the id ``visit:<order>``. Returns the transaction and whether it
    is new.

    Raises:
        IdempotencyConflict: the order's visit was posted with another amount.
        ConcurrentUpdate: as :func:`post_payment_captured`.
    """
    transaction_id = TransactionId(f"visit:{order_id}")
    return _post_once(
        uow,
        order_id,
        transaction_id,
        lambda history: package_visit_used(
            transaction_id=transaction_id, order_id=order_id, amount=amount, at=at
        ),
        same=lambda t: t.postings[0].amount == amount,
    )


def _outside_visits(
    uow: UnitOfWork, order_id: OrderId
) -> tuple[list[Transaction], list[Transaction], Transaction | None]:
    """The order's history, its visit entries, and the one standing (not reversed)."""
    history = uow.ledger.for_order(order_id)
    reversed_ids = {t.reverses for t in history}
    used = [t for t in history if t.kind is TransactionKind.PACKAGE_VISIT_USED]
    return history, used, next((t for t in used if t.id not in reversed_ids), None)


def post_outside_visit(
    uow: UnitOfWork, order_id: OrderId, amount: Money, *, at: DateTime
) -> Transaction | None:
    """Inside ``uow``: a visit worth ``amount`` used for an order outside the core.

    Its value is the platform's revenue at once — the core knows no technician to share it
    with (Dr prepaid packages, Cr platform revenue, id ``visit:<order>:<n>``). Posted once:
    the entry, or None when the order's visit stands already (or is worth nothing).
    """
    history, used, standing = _outside_visits(uow, order_id)
    if standing is not None or amount.amount == 0:
        return None
    entry = package_visit_used(
        transaction_id=TransactionId(f"visit:{order_id}:{len(used) + 1}"),
        order_id=order_id,
        amount=amount,
        at=at,
        into=Account.platform_revenue(),
    )
    uow.ledger.record(entry, after=len(history))
    return entry


def post_outside_visit_back(
    uow: UnitOfWork, order_id: OrderId, *, at: DateTime
) -> Transaction | None:
    """Inside ``uow``: the visit of an order outside the core given back — its entry
    reversed (``visit:<order>:<n>:back``); None when no visit of the order stands."""
    history, _, standing = _outside_visits(uow, order_id)
    if standing is None:
        return None
    entry = standing.reversal(transaction_id=TransactionId(f"{standing.id}:back"), at=at)
    uow.ledger.record(entry, after=len(history))
    return entry


def post_package_refunded(
    uow: UnitOfWork, holding_id: str, reference: str, amount: Money, *, at: DateTime
) -> bool:
    """Inside ``uow``: post a package's unused visits paid back (Dr prepaid packages, Cr
    payments clearing) under the id ``package_refund:<holding>:<reference>`` (a reference
    is unique per holding only); False if posted before.

    Raises:
        IdempotencyConflict: the refund was posted with another amount.
    """
    transaction_id = TransactionId(f"package_refund:{holding_id}:{reference}")
    return uow.ledger.record(package_refunded(transaction_id=transaction_id, amount=amount, at=at))


def post_package_sold(uow: UnitOfWork, holding_id: str, amount: Money, *, at: DateTime) -> bool:
    """Inside ``uow``: post a package's price as owed in visits (Dr payments clearing, Cr
    prepaid packages) under the id ``package:<holding>``; False if it was posted before.

    Raises:
        IdempotencyConflict: the holding was posted with another amount.
    """
    entry = package_sold(
        transaction_id=TransactionId(f"package:{holding_id}"), amount=amount, at=at
    )
    return uow.ledger.record(entry)


def post_refund(
    uow: UnitOfWork,
    order_id: OrderId,
    amount: Money,
    *,
    key: str,
    at: DateTime,
    source: Account | None = None,
) -> tuple[Transaction, bool]:
    """Inside ``uow``: post a refund under the id ``refund:<key>``, reversing every account
    of the order in proportion (I13), back to ``source`` (payments clearing when None;
    prepaid packages to give a package visit back). Returns the transaction and whether it
    is new.

    Raises:
        RefundExceedsCaptured: more than was captured and not refunded.
        IdempotencyConflict: ``key`` was posted with another amount.
        ConcurrentUpdate: as :func:`post_payment_captured`.
    """
    transaction_id = TransactionId(f"refund:{key}")
    return _post_once(
        uow,
        order_id,
        transaction_id,
        lambda history: refund_issued(
            transaction_id=transaction_id,
            order_id=order_id,
            amount=amount,
            at=at,
            history=history,
            source=source,
        ),
        same=lambda t: _credited(t, source or Account.payments_clearing()) == amount,
    )


def post_order_completed(
    uow: UnitOfWork,
    order_id: OrderId,
    parties: OrderParties,
    quote: Quote,
    *,
    rates: RateTable,
    at: DateTime,
    technician_level: str | None = None,
) -> Transaction:
    """Inside ``uow``: settle a completed order priced by ``quote`` (see
    :meth:`LedgerService.record_order_completed`); the id is ``done:<order>:<n>``. Called
    again, it returns the settlement recorded.

    Raises:
        InvalidLedgerEntry: as :meth:`LedgerService.record_order_completed`.
        ConcurrentUpdate: as :func:`post_payment_captured`.
    """

    def rates_for(line: QuoteLine) -> SplitRates:
        return rates.rates_for(
            service_id=line.service_id,
            store_id=parties.store_id,
            technician_level=technician_level,
        )

    history = uow.ledger.for_order(order_id)
    reversed_ids = {t.reverses for t in history}
    settled = [
        t for t in history if t.kind is TransactionKind.ORDER_COMPLETED and t.id not in reversed_ids
    ]
    if settled:
        return settled[0]
    count = sum(1 for t in history if t.kind is TransactionKind.ORDER_COMPLETED)
    lines = _held_lines(settlement_lines(quote, rates_for), held_for_order(history, quote.currency))
    entry = order_completed(
        transaction_id=TransactionId(f"done:{order_id}:{count + 1}"),
        order_id=order_id,
        parties=parties,
        lines=lines,
        at=at,
        history=history,
    )
    uow.ledger.record(entry, after=len(history))
    return entry


def post_cancellation_fee(
    uow: UnitOfWork,
    order_id: OrderId,
    fee: Money,
    parties: OrderParties | None,
    quote: Quote,
    *,
    rates: RateTable,
    at: DateTime,
    technician_level: str | None = None,
) -> tuple[Transaction, bool]:
    """Inside ``uow``: post the fee a cancelled order keeps under the id ``fee:<order>:1``,
    shared like a completed order priced by ``quote`` (the fee over its lines in proportion
    to what each paid, each part split by its rates); with no ``parties`` (no technician was
    assigned) all of it is platform revenue. Returns the transaction and whether it is new
    (called again, it returns the one recorded).

    Raises:
        IdempotencyConflict: a fee of another amount was posted for the order.
        InvalidLedgerEntry: as :func:`booking_core.ledger.cancellation_fee_retained`.
        ConcurrentUpdate: as :func:`post_payment_captured`.
    """

    def build(history: list[Transaction]) -> Transaction:
        lines: list[SettlementLine] = []
        if parties is not None:
            store_id = parties.store_id
            lines = _fee_lines(
                settlement_lines(
                    quote,
                    lambda line: rates.rates_for(
                        service_id=line.service_id,
                        store_id=store_id,
                        technician_level=technician_level,
                    ),
                ),
                fee,
            )
        return cancellation_fee_retained(
            transaction_id=transaction_id,
            order_id=order_id,
            fee=fee,
            parties=parties,
            lines=lines,
            at=at,
            history=history,
        )

    transaction_id = TransactionId(f"fee:{order_id}:1")
    return _post_once(
        uow,
        order_id,
        transaction_id,
        build,
        same=lambda t: _fee(t) == fee,
    )


def _fee(transaction: Transaction) -> Money | None:
    return next(
        (p.amount for p in transaction.postings if p.account == Account.customer_funds()), None
    )


def _fee_lines(lines: list[SettlementLine], fee: Money) -> list[SettlementLine]:
    """The fee over ``lines`` in proportion to what each paid (largest remainder; evenly
    when none paid anything), with nothing platform-funded."""
    paid = [line.paid.amount for line in lines]
    shares = allocate_units(fee.amount, paid if any(paid) else [1] * len(lines))
    zero = Money.zero(fee.currency)
    return [
        SettlementLine(Money(share, fee.currency), zero, line.rates)
        for line, share in zip(lines, shares, strict=True)
    ]


def held_for_order(history: list[Transaction], currency: str) -> int:
    """Minor units the books hold for an order in customer funds (paid, not yet settled,
    retained as a cancellation fee or refunded), from the order's ``history``."""
    return -sum(
        p.amount.amount
        for t in history
        for p in t.postings
        if p.account == Account.customer_funds() and p.amount.currency == currency
    )


def _held_lines(lines: list[SettlementLine], held: int) -> list[SettlementLine]:
    """``lines`` with what each paid scaled down to ``held`` (refunds before completion came
    off the lines in proportion to what they paid; largest remainder)."""
    paid = [line.paid.amount for line in lines]
    if held == sum(paid) or held < 0 or not any(paid):
        return lines
    shares = allocate_units(held, paid)
    return [
        SettlementLine(Money(share, line.paid.currency), line.platform_funded, line.rates)
        for line, share in zip(lines, shares, strict=True)
    ]
