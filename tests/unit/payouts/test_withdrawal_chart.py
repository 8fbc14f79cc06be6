"""The withdrawal's state chart and its journal entries (INVARIANTS I8, I24): only the moves
drawn are allowed, a refused move changes nothing, and the entries balance, debit the
payable once and return it (fee included) with a deterministic id."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.errors import InvalidPayoutDestination, TransitionNotAllowed
from booking_core.ledger import Ledger, TransactionKind
from booking_core.money import Money
from booking_core.payouts import (
    BankCard,
    Payee,
    Wallet,
    WalletProvider,
    Withdrawal,
    WithdrawalId,
    WithdrawalStatus,
    withdrawal_paid,
    withdrawal_requested,
    withdrawal_returned,
)
from booking_core.payouts.withdrawal import TRANSITIONS

T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
CARD = BankCard("************1234", "Li Lei", "ICBC")
S = WithdrawalStatus


def _new(fee: int = 160) -> Withdrawal:
    return Withdrawal(
        WithdrawalId("wdr_1"),
        Payee.technician("tec_1"),
        Money(10_000, "CNY"),
        Money(fee, "CNY"),
        CARD,
        T0,
        "tec_1",
        "k",
    )


def _reach(status: WithdrawalStatus) -> Withdrawal:
    w = _new()
    path = {
        S.REQUESTED: [],
        S.PENDING_APPROVAL: [lambda w: w.routed(needs_approval=True)],
        S.APPROVED: [lambda w: w.routed(needs_approval=False)],
        S.PAYING: [lambda w: w.routed(needs_approval=False), lambda w: w.paying()],
        S.PAID: [
            lambda w: w.routed(needs_approval=False),
            lambda w: w.paying(),
            lambda w: w.paid(T0, "po_1"),
        ],
        S.FAILED: [
            lambda w: w.routed(needs_approval=False),
            lambda w: w.paying(),
            lambda w: w.failed(T0, "closed"),
        ],
        S.REJECTED: [lambda w: w.rejected("fin", T0, "no")],
    }[status]
    for step in path:
        w = step(w)
    return w


_MOVES = {
    S.PENDING_APPROVAL: lambda w: w.routed(needs_approval=True),
    S.APPROVED: lambda w: w.approved("fin", T0),
    S.PAYING: lambda w: w.paying(),
    S.PAID: lambda w: w.paid(T0, "po"),
    S.FAILED: lambda w: w.failed(T0, "closed"),
    S.REJECTED: lambda w: w.rejected("fin", T0, "no"),
}


@pytest.mark.parametrize("start", list(S))
@pytest.mark.parametrize("target", list(_MOVES))
def test_only_the_drawn_moves_are_allowed(
    start: WithdrawalStatus, target: WithdrawalStatus
) -> None:
    withdrawal = _reach(start)
    allowed = target in TRANSITIONS[start]
    if target is S.APPROVED:  # finance approves only what waits for it (routing approves too)
        allowed = start is S.PENDING_APPROVAL

    if allowed:
        assert _MOVES[target](withdrawal).status is target
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            _MOVES[target](withdrawal)
        assert refused.value.details["status"] == start.value
        assert withdrawal.status is start  # unchanged (the value is immutable)


def test_final_states_and_which_return_money() -> None:
    assert {s for s in S if s.final} == {S.PAID, S.FAILED, S.REJECTED}
    assert {s for s in S if s.returned} == {S.FAILED, S.REJECTED}
    assert all(not TRANSITIONS[s] for s in S if s.final)


def test_the_entries_balance_debit_once_and_return_everything() -> None:
    w = _reach(S.FAILED)

    requested, returned = withdrawal_requested(w), withdrawal_returned(w, T0.add(hours=1))
    ledger = Ledger.of([requested, returned])

    assert requested.id == "wdr:wdr_1:requested"
    assert returned.id == "wdr:wdr_1:returned"
    assert returned.kind is TransactionKind.WITHDRAWAL_RETURNED
    assert {str(p.account): p.amount.amount for p in requested.postings} == {
        "technician_payable:tec_1": 10_000,
        "withdrawals_in_flight:technician:tec_1": -9_840,
        "withdrawal_fees": -160,
    }
    assert ledger.is_balanced()
    assert ledger.trial_balance() == {}


def test_a_paid_withdrawal_leaves_the_clearing_account_by_its_net() -> None:
    w = _reach(S.PAID)

    ledger = Ledger.of([withdrawal_requested(w), withdrawal_paid(w, T0)])

    assert {str(a): m.amount for (a, _), m in ledger.trial_balance().items()} == {
        "payments_clearing": -9_840,
        "technician_payable:tec_1": 10_000,
        "withdrawal_fees": -160,
    }


def test_without_a_fee_there_is_no_fee_posting() -> None:
    assert len(withdrawal_requested(_new(fee=0)).postings) == 2


@pytest.mark.parametrize(
    "make",
    [
        lambda: BankCard("6222020200112233", "Li", "ICBC"),  # unmasked
        lambda: BankCard("****123", "Li", "ICBC"),
        lambda: BankCard("****1234", " ", "ICBC"),
        lambda: Wallet(WalletProvider.WECHAT, ""),
    ],
)
def test_malformed_destinations_are_refused(make: object) -> None:
    with pytest.raises(InvalidPayoutDestination):
        make()  # type: ignore[operator]
