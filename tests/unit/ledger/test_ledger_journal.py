"""Accounts, postings, balanced transactions, reversals and the journal."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.errors import (
    DuplicateEntity,
    InvalidLedgerEntry,
    InvalidTimeRange,
    TransactionAlreadyReversed,
    UnbalancedTransaction,
)
from booking_core.ids import OrderId, TechnicianId
from booking_core.ledger import (
    Account,
    AccountKind,
    Ledger,
    Posting,
    Transaction,
    TransactionId,
    TransactionKind,
    net_balances,
    payment_captured,
)
from booking_core.money import Money
from booking_core.serialization import make_converter

AT = pendulum.datetime(2026, 3, 1, 10, tz="Asia/Shanghai")
CLEARING = Account.payments_clearing()
FUNDS = Account.customer_funds()


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


def pay(tid: str = "t-1", amount: int = 100, order: str = "o-1") -> Transaction:
    return payment_captured(
        transaction_id=TransactionId(tid), order_id=OrderId(order), amount=cny(amount), at=AT
    )


# --- Accounts and postings -----------------------------------------------------------------


def test_payables_are_kept_per_owner_and_named_by_it() -> None:
    account = Account.technician_payable(TechnicianId("li"))

    assert str(account) == "technician_payable:li"
    assert str(Account.store_payable("s-1")) == "store_payable:s-1"
    assert str(Account.platform_revenue()) == "platform_revenue"


@pytest.mark.parametrize(
    ("kind", "owner"),
    [
        (AccountKind.TECHNICIAN_PAYABLE, ""),
        (AccountKind.STORE_PAYABLE, " "),
        (AccountKind.PLATFORM_REVENUE, "x"),
    ],
)
def test_only_payables_have_owners(kind: AccountKind, owner: str) -> None:
    with pytest.raises(InvalidLedgerEntry):
        Account(kind, owner)


def test_assets_and_expenses_are_debit_normal() -> None:
    assert {k for k in AccountKind if k.debit_normal} == {
        AccountKind.PAYMENTS_CLEARING,
        AccountKind.PROMOTION_EXPENSE,
        AccountKind.COMMISSION_EXPENSE,
    }


def test_payees_and_beneficiaries_have_accounts_of_their_own() -> None:
    assert {k for k in AccountKind if k.per_owner} == {
        AccountKind.TECHNICIAN_PAYABLE,
        AccountKind.STORE_PAYABLE,
        AccountKind.WITHDRAWALS_IN_FLIGHT,
        AccountKind.COMMISSION_FROZEN,
        AccountKind.COMMISSION_PAYABLE,
    }


def test_postings_move_money_and_are_written_positive() -> None:
    assert Posting.debit(CLEARING, cny(5)).amount == cny(5)
    assert Posting.credit(FUNDS, cny(5)).amount == cny(-5)
    with pytest.raises(InvalidLedgerEntry):
        Posting(CLEARING, cny(0))
    with pytest.raises(InvalidLedgerEntry):
        Posting.debit(CLEARING, cny(-5))


# --- Transactions --------------------------------------------------------------------------


def test_an_unbalanced_transaction_is_refused_with_the_difference() -> None:
    with pytest.raises(UnbalancedTransaction) as raised:
        Transaction(
            TransactionId("t"),
            TransactionKind.PAYMENT_CAPTURED,
            AT,
            (Posting.debit(CLEARING, cny(100)), Posting.credit(FUNDS, cny(99))),
        )

    assert raised.value.details == {"transaction_id": "t", "difference": {"CNY": 1}}
    assert raised.value.code == "unbalanced_transaction"


def test_a_transaction_balances_in_each_currency_separately() -> None:
    with pytest.raises(UnbalancedTransaction):
        Transaction(
            TransactionId("t"),
            TransactionKind.PAYMENT_CAPTURED,
            AT,
            (Posting.debit(CLEARING, cny(100)), Posting.credit(FUNDS, Money(100, "USD"))),
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"postings": (Posting.debit(CLEARING, cny(1)),)},
        {"postings": [Posting.debit(CLEARING, cny(1)), Posting.credit(FUNDS, cny(1))]},
        {"id": " "},
        {"kind": TransactionKind.REVERSAL},
        {"reverses": TransactionId("x")},
    ],
)
def test_a_transaction_refuses_malformed_parts(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "id": TransactionId("t"),
        "kind": TransactionKind.REFUND,
        "at": AT,
        "postings": (Posting.debit(CLEARING, cny(1)), Posting.credit(FUNDS, cny(1))),
    }
    fields.update(kwargs)

    with pytest.raises(InvalidLedgerEntry):
        Transaction(**fields)  # type: ignore[arg-type]


def test_a_transaction_time_is_aware() -> None:
    with pytest.raises(InvalidTimeRange):
        Transaction(
            TransactionId("t"),
            TransactionKind.REFUND,
            AT.naive(),  # type: ignore[arg-type]
            (Posting.debit(CLEARING, cny(1)), Posting.credit(FUNDS, cny(1))),
        )


def test_a_reversal_swaps_debits_and_credits_and_names_the_original() -> None:
    original = pay()

    reversal = original.reversal(transaction_id=TransactionId("r-1"), at=AT.add(hours=1))

    assert [(p.account, p.amount.amount) for p in reversal.postings] == [
        (CLEARING, -100),
        (FUNDS, 100),
    ]
    assert (reversal.kind, reversal.reverses, reversal.order_id) == (
        TransactionKind.REVERSAL,
        "t-1",
        "o-1",
    )
    assert reversal.memo == "reverses t-1"


# --- The journal ---------------------------------------------------------------------------


def test_balances_are_derived_from_postings_on_their_normal_side() -> None:
    ledger = Ledger.of([pay("a", 100), pay("b", 250, order="o-2")])

    assert ledger.balance(CLEARING, "CNY") == cny(350)
    assert ledger.balance(FUNDS, "CNY") == cny(350)
    assert ledger.net(FUNDS, "CNY") == cny(-350)
    assert ledger.trial_balance() == {(CLEARING, "CNY"): cny(350), (FUNDS, "CNY"): cny(-350)}
    assert ledger.is_balanced()


def test_recording_returns_a_new_ledger_and_leaves_the_old_one_alone() -> None:
    empty = Ledger()

    one = empty.record(pay())

    assert empty.transactions == ()
    assert len(one.transactions) == 1


def test_a_transaction_id_is_recorded_once() -> None:
    ledger = Ledger.of([pay("a")])

    with pytest.raises(DuplicateEntity) as raised:
        ledger.record(pay("a", 5))

    assert raised.value.error_code == "transaction_exists"


def test_a_correction_is_a_reversal_that_brings_balances_back() -> None:
    original = pay("a")
    ledger = Ledger.of([original])

    corrected = ledger.record(original.reversal(transaction_id=TransactionId("r"), at=AT))

    assert corrected.trial_balance() == {}
    assert corrected.reversed_ids() == {"a"}
    assert original in corrected.transactions


def test_a_transaction_is_reversed_at_most_once() -> None:
    original = pay("a")
    ledger = Ledger.of([original, original.reversal(transaction_id=TransactionId("r1"), at=AT)])

    with pytest.raises(TransactionAlreadyReversed):
        ledger.record(original.reversal(transaction_id=TransactionId("r2"), at=AT))


def test_a_reversal_must_name_a_recorded_transaction_and_mirror_it() -> None:
    original = pay("a", 100)
    ledger = Ledger.of([original])
    wrong = pay("b", 99).reversal(transaction_id=TransactionId("r"), at=AT)
    forged = Transaction(
        TransactionId("r2"),
        TransactionKind.REVERSAL,
        AT,
        wrong.postings,
        reverses=TransactionId("a"),
    )

    with pytest.raises(InvalidLedgerEntry, match="not recorded"):
        ledger.record(wrong)
    with pytest.raises(InvalidLedgerEntry, match="does not mirror"):
        ledger.record(forged)


def test_an_orders_transactions_are_listed_in_recording_order() -> None:
    ledger = Ledger.of([pay("a"), pay("b", order="o-2"), pay("c")])

    assert [t.id for t in ledger.for_order(OrderId("o-1"))] == ["a", "c"]


def test_net_balances_leave_out_zero_accounts() -> None:
    original = pay("a")

    assert (
        net_balances([original, original.reversal(transaction_id=TransactionId("r"), at=AT)]) == {}
    )


def test_a_ledger_round_trips_through_the_converter() -> None:
    converter = make_converter()
    original = pay("a")
    ledger = Ledger.of([original, original.reversal(transaction_id=TransactionId("r"), at=AT)])

    data = converter.unstructure(ledger)

    assert data["transactions"][0]["postings"][0] == {
        "account": {"kind": "payments_clearing", "owner": ""},
        "amount": {"amount": 100, "currency": "CNY"},
    }
    assert converter.structure(data, Ledger) == ledger
