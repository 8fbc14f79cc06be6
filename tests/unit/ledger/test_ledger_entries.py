"""Journal entries of an order: capture, completion split, refunds in proportion (fen)."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest

from booking_core.errors import InvalidLedgerEntry, RefundExceedsCaptured
from booking_core.ids import OrderId, TechnicianId
from booking_core.ledger import (
    Account,
    Ledger,
    OrderParties,
    SettlementLine,
    SplitRates,
    Transaction,
    TransactionId,
    TransactionKind,
    order_completed,
    order_position,
    payment_captured,
    refund_issued,
    refundable,
)
from booking_core.money import Money

AT = pendulum.datetime(2026, 3, 1, 10, tz="Asia/Shanghai")
ORDER = OrderId("o-1")
LI = TechnicianId("tech-li")
PARTIES = OrderParties(LI, "store-1")
RATES = SplitRates(Decimal("0.6"), Decimal("0.1"))
CLEARING = Account.payments_clearing()
FUNDS = Account.customer_funds()
TECH = Account.technician_payable(LI)
STORE = Account.store_payable("store-1")
REVENUE = Account.platform_revenue()
EXPENSE = Account.promotion_expense()


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


def postings(transaction: Transaction) -> dict[str, int]:
    return {str(p.account): p.amount.amount for p in transaction.postings}


def captured(amount: int = 8000) -> list[Transaction]:
    return [
        payment_captured(
            transaction_id=TransactionId("pay"), order_id=ORDER, amount=cny(amount), at=AT
        )
    ]


def complete(history: list[Transaction], *lines: SettlementLine) -> Transaction:
    return order_completed(
        transaction_id=TransactionId(f"done-{len(history)}"),
        order_id=ORDER,
        parties=PARTIES,
        lines=lines or (SettlementLine(cny(8000), cny(2000), RATES),),
        at=AT,
        history=history,
    )


def refund(history: list[Transaction], amount: int) -> Transaction:
    return refund_issued(
        transaction_id=TransactionId(f"refund-{len(history)}"),
        order_id=ORDER,
        amount=cny(amount),
        at=AT,
        history=history,
    )


def test_a_captured_payment_is_held_for_the_order() -> None:
    (entry,) = captured(8000)

    assert entry.kind is TransactionKind.PAYMENT_CAPTURED
    assert postings(entry) == {"payments_clearing": 8000, "customer_funds": -8000}
    assert entry.order_id == ORDER


def test_a_capture_of_nothing_is_refused() -> None:
    with pytest.raises(InvalidLedgerEntry):
        captured(0)


def test_completion_splits_paid_plus_platform_subsidy_and_books_the_expense() -> None:
    history = captured(8000)

    entry = complete(history)

    assert postings(entry) == {
        "customer_funds": 8000,
        "promotion_expense": 2000,
        "technician_payable:tech-li": -6000,
        "store_payable:store-1": -1000,
        "platform_revenue": -3000,
    }


def test_each_line_is_split_with_its_own_rates_by_largest_remainder() -> None:
    history = captured(10001 + 999)
    massage = SettlementLine(cny(10001), cny(0), RATES)
    fee = SettlementLine(cny(999), cny(0), SplitRates(Decimal(1)))

    entry = complete(history, massage, fee)

    # 10001 × (0.6, 0.1, 0.3) = 6000.6 / 1000.1 / 3000.3 → 6001 / 1000 / 3000; fee all to Li.
    assert postings(entry)["technician_payable:tech-li"] == -(6001 + 999)
    assert postings(entry)["store_payable:store-1"] == -1000
    assert postings(entry)["platform_revenue"] == -3000


def test_an_independent_technician_order_has_no_store_share() -> None:
    history = captured(8000)

    entry = order_completed(
        transaction_id=TransactionId("done"),
        order_id=ORDER,
        parties=OrderParties(LI),
        lines=[SettlementLine(cny(8000), cny(0), SplitRates(Decimal("0.7")))],
        at=AT,
        history=history,
    )

    assert postings(entry) == {
        "customer_funds": 8000,
        "technician_payable:tech-li": -5600,
        "platform_revenue": -2400,
    }


def test_a_store_share_without_a_store_is_refused() -> None:
    with pytest.raises(InvalidLedgerEntry, match="no store"):
        order_completed(
            transaction_id=TransactionId("done"),
            order_id=ORDER,
            parties=OrderParties(LI),
            lines=[SettlementLine(cny(8000), cny(0), RATES)],
            at=AT,
            history=captured(8000),
        )


def test_completion_must_settle_exactly_what_is_held() -> None:
    with pytest.raises(InvalidLedgerEntry, match=r"the books hold 70\.00 CNY"):
        complete(captured(7000))


def test_an_order_is_settled_once() -> None:
    history = captured(8000)
    history.append(complete(history))

    with pytest.raises(InvalidLedgerEntry, match="already settled"):
        complete(history)


def test_a_reversed_settlement_can_be_settled_again() -> None:
    history = captured(8000)
    first = complete(history)
    history += [first, first.reversal(transaction_id=TransactionId("undo"), at=AT)]

    again = complete(history)

    assert postings(again) == postings(first)


def test_an_order_with_nothing_to_settle_is_refused() -> None:
    with pytest.raises(InvalidLedgerEntry, match="nothing to settle"):
        complete([], SettlementLine(cny(0), cny(0), RATES))


def test_an_order_fully_refunded_before_completion_is_not_settled() -> None:
    # The shrunk counterexample of TestBooks: 0.01 paid with a 0.01 platform subsidy,
    # refunded in full, then completed. Settling would book a subsidy no refund can reverse.
    history = captured(1)
    history.append(refund(history, 1))

    with pytest.raises(InvalidLedgerEntry, match="fully refunded") as raised:
        complete(history, SettlementLine(cny(0), cny(1), SplitRates(Decimal("0.1"))))

    assert raised.value.details == {"order_id": ORDER, "reason": "fully_refunded"}
    assert order_position(history, ORDER) == {}


def test_an_order_partly_refunded_before_completion_ends_at_zero_after_the_rest() -> None:
    history = captured(100)
    history.append(refund(history, 99))
    history.append(complete(history, SettlementLine(cny(1), cny(1), SplitRates(Decimal("0.1")))))

    history.append(refund(history, 1))

    assert postings(history[2]) == {
        "customer_funds": 1,
        "promotion_expense": 1,
        "platform_revenue": -2,
    }
    assert order_position(history, ORDER) == {}


def test_a_free_order_paid_by_the_platform_still_settles() -> None:
    entry = complete([], SettlementLine(cny(0), cny(5000), RATES))

    assert postings(entry) == {
        "promotion_expense": 5000,
        "technician_payable:tech-li": -3000,
        "store_payable:store-1": -500,
        "platform_revenue": -1500,
    }


def test_settlement_lines_are_in_one_currency_and_not_negative() -> None:
    with pytest.raises(InvalidLedgerEntry):
        SettlementLine(cny(-1), cny(0), RATES)
    with pytest.raises(InvalidLedgerEntry):
        SettlementLine(cny(1), Money(0, "USD"), RATES)
    with pytest.raises(InvalidLedgerEntry):
        complete(
            captured(),
            SettlementLine(cny(1), cny(0), RATES),
            SettlementLine(Money(1, "USD"), Money(0, "USD"), RATES),
        )


def test_a_refund_before_completion_returns_held_money() -> None:
    history = captured(8000)

    entry = refund(history, 3000)

    assert postings(entry) == {"customer_funds": 3000, "payments_clearing": -3000}
    assert entry.kind is TransactionKind.REFUND


def test_a_refund_after_completion_reverses_every_party_in_proportion() -> None:
    history = captured(8000)
    history.append(complete(history))

    entry = refund(history, 4000)

    assert postings(entry) == {
        "technician_payable:tech-li": 3000,
        "store_payable:store-1": 500,
        "platform_revenue": 1500,
        "promotion_expense": -1000,
        "payments_clearing": -4000,
    }


def test_uneven_refund_shares_go_to_the_largest_remainders() -> None:
    history = captured(8000)
    history.append(complete(history))

    entry = refund(history, 3333)

    # Exact: 2499.75 / 416.625 / 1249.875 / −833.25 → 2500 / 416 / 1250 / −833.
    assert postings(entry) == {
        "technician_payable:tech-li": 2500,
        "store_payable:store-1": 416,
        "platform_revenue": 1250,
        "promotion_expense": -833,
        "payments_clearing": -3333,
    }


def test_partial_refunds_adding_up_to_the_payment_leave_the_order_at_zero() -> None:
    history = captured(8000)
    history.append(refund(history, 1000))
    history.append(complete(history, SettlementLine(cny(7000), cny(2000), RATES)))
    for amount in (3333, 1, 2000):
        history.append(refund(history, amount))
    history.append(refund(history, 7000 - 3333 - 1 - 2000))

    assert dict(order_position(history, ORDER)) == {}
    assert refundable(history, ORDER, "CNY") == cny(0)


def test_a_refund_never_exceeds_what_was_captured_and_not_refunded() -> None:
    history = captured(8000)
    history.append(refund(history, 5000))

    with pytest.raises(RefundExceedsCaptured) as raised:
        refund(history, 3001)

    assert raised.value.details == {"order_id": ORDER, "refundable": 3000, "requested": 3001}
    assert refundable(history, ORDER, "CNY") == cny(3000)


def test_a_refund_of_nothing_is_refused() -> None:
    with pytest.raises(InvalidLedgerEntry):
        refund(captured(), 0)


def test_other_orders_do_not_count() -> None:
    history = captured(8000)
    other = payment_captured(
        transaction_id=TransactionId("pay-2"), order_id=OrderId("o-2"), amount=cny(100), at=AT
    )

    with pytest.raises(RefundExceedsCaptured):
        refund([other], 1)
    assert refund([*history, other], 8000).postings[-1].amount == cny(-8000)


def test_the_books_balance_after_the_whole_story() -> None:
    history = captured(8000)
    history.append(complete(history))
    history.append(refund(history, 3333))

    ledger = Ledger.of(history)

    assert ledger.is_balanced()
    assert ledger.balance(TECH, "CNY") == cny(3500)
    assert ledger.balance(STORE, "CNY") == cny(584)
    assert ledger.balance(REVENUE, "CNY") == cny(1750)
    assert ledger.balance(EXPENSE, "CNY") == cny(1167)
    assert ledger.balance(CLEARING, "CNY") == cny(4667)
    assert ledger.balance(FUNDS, "CNY") == cny(0)
