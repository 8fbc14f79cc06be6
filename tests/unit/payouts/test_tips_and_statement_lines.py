"""The pure parts of tips, statement lines and withdrawal notices (issue 13): the tip policy's
bounds, the tip's entry (all to the technician, no order named), refund planning that never
touches a tip, statement lines for tips and commissions (a move between two of the payee's
own accounts is no line), and who each withdrawal event tells."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.errors import InvalidInput, RefundExceedsCaptured, TipNotAllowed
from booking_core.ids import OrderId, ServiceId, TechnicianId
from booking_core.ledger import (
    Account,
    Posting,
    Transaction,
    TransactionId,
    TransactionKind,
    net_balances,
)
from booking_core.money import Money
from booking_core.notifications.catalog import TEMPLATES
from booking_core.notifications.notification import Recipient
from booking_core.notifications.rules import DEFAULT_RULES
from booking_core.orders.payments import (
    PaymentAttempt,
    PaymentPurpose,
    PaymentStatus,
    payment_key,
    plan_refund,
)
from booking_core.payouts import (
    BankCard,
    EarningSource,
    Payee,
    TipPolicy,
    Withdrawal,
    WithdrawalApproved,
    WithdrawalFailed,
    WithdrawalId,
    WithdrawalRequested,
    commissions_drawn,
    earnings_lines,
    tip_received,
)
from booking_core.serialization import make_converter

T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
CNY = "CNY"
ORDER = OrderId("ord_1")
LI = Payee.technician("tec_1")


def _fen(amount: int) -> Money:
    return Money(amount, CNY)


# -- the tip policy and the tip's entry ---------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (Money(0, CNY), "below_minimum"),
        (Money(-5, CNY), "below_minimum"),
        (Money(20_001, CNY), "above_maximum"),
        (Money(100, "USD"), "currency"),
    ],
)
def test_the_tip_policy_refuses_what_lies_outside_its_bounds(amount: Money, reason: str) -> None:
    policy = TipPolicy(maximum=_fen(20_000))

    with pytest.raises(TipNotAllowed) as refused:
        policy.check(amount)

    assert refused.value.details["reason"] == reason


def test_the_bounds_are_inclusive_and_the_default_is_500_yuan() -> None:
    TipPolicy(maximum=_fen(20_000)).check(_fen(1))
    TipPolicy(maximum=_fen(20_000)).check(_fen(20_000))
    assert TipPolicy().maximum == _fen(50_000)
    with pytest.raises(InvalidInput):
        TipPolicy(maximum=_fen(0))


def test_a_tip_entry_credits_the_technician_with_all_of_it_and_names_no_order() -> None:
    key = payment_key(ORDER, PaymentPurpose.TIP, 2)

    entry = tip_received(
        payment_key=key, technician_id=TechnicianId(LI.id), amount=_fen(888), at=T0
    )

    assert (entry.id, entry.kind, entry.order_id) == ("tip:ord_1:tip:2", TransactionKind.TIP, None)
    assert net_balances([entry]) == {
        (Account.payments_clearing(), CNY): 888,
        (LI.payable, CNY): -888,
    }


def test_refund_planning_never_takes_money_from_a_tip() -> None:
    def attempt(purpose: PaymentPurpose, sequence: int, fen: int) -> PaymentAttempt:
        return PaymentAttempt(
            payment_key(ORDER, purpose, sequence), ORDER, purpose, _fen(fen),
            PaymentStatus.CAPTURED, T0, T0,
        )  # fmt: skip

    deposit, tip, balance = (
        attempt(PaymentPurpose.DEPOSIT, 1, 6_000),
        attempt(PaymentPurpose.TIP, 1, 5_000),
        attempt(PaymentPurpose.BALANCE, 1, 13_900),
    )

    parts = plan_refund(_fen(19_900), [deposit, tip, balance], [])

    assert [(a.key, p.amount) for a, p in parts] == [
        (deposit.key, 6_000),
        (balance.key, 13_900),
    ]
    with pytest.raises(RefundExceedsCaptured):
        plan_refund(_fen(19_901), [deposit, tip, balance], [])


# -- statement lines ------------------------------------------------------------------------


def _entry(tid: str, kind: TransactionKind, *postings: tuple[Account, int]) -> Transaction:
    return Transaction(
        id=TransactionId(tid),
        kind=kind,
        at=T0,
        postings=tuple(Posting(a, _fen(v)) for a, v in postings),
        order_id=None,
    )


def test_tips_and_commissions_are_lines_and_a_move_between_his_accounts_is_not() -> None:
    tip = tip_received(
        payment_key="ord_1:tip:1", technician_id=TechnicianId(LI.id), amount=_fen(2_000), at=T0
    )
    settled = _entry(
        "com:ord_2:0:technician:tec_1:1:settled",
        TransactionKind.COMMISSION_SETTLED,
        (Account.commission_frozen(LI.key), 597),
        (LI.commissions, -597),
    )
    reduced = _entry(
        "com:ord_2:0:technician:tec_1:1:cancel:1",
        TransactionKind.COMMISSION_CANCELLED,
        (LI.commissions, 200),
        (Account.commission_expense(), -200),
    )
    frozen_reduced = _entry(  # before settling: not his yet, no line
        "com:ord_3:0:technician:tec_1:1:cancel:1",
        TransactionKind.COMMISSION_CANCELLED,
        (Account.commission_frozen(LI.key), 100),
        (Account.commission_expense(), -100),
    )
    withdrawal = Withdrawal(
        WithdrawalId("wdr_1"), LI, _fen(10_000), _fen(0),
        BankCard("************1234", "Li Lei", "ICBC"), T0, "tec_1", "k",
    )  # fmt: skip
    moved = commissions_drawn(withdrawal, _fen(397))
    orders = {tip.id: ORDER, settled.id: OrderId("ord_2"), reduced.id: OrderId("ord_2")}
    services = {ORDER: ServiceId("svc_1"), OrderId("ord_2"): ServiceId("svc_2")}

    lines = earnings_lines(
        LI, [tip, settled, reduced, frozen_reduced, moved], CNY, services, orders
    )

    assert [
        (line.source, line.order_id, line.service_id, line.amount.amount) for line in lines
    ] == [
        (EarningSource.TIP, ORDER, "svc_1", 2_000),
        (EarningSource.COMMISSION, "ord_2", "svc_2", 597),
        (EarningSource.COMMISSION, "ord_2", "svc_2", -200),
    ]
    # the move is balanced between his two accounts: nothing earned, nothing lost
    assert net_balances([moved]) == {(LI.commissions, CNY): 397, (LI.payable, CNY): -397}
    # without knowing their orders, tips and commissions are left out, not misattributed
    assert earnings_lines(LI, [tip, settled], CNY, services) == []


def test_a_stores_statement_ignores_a_technicians_tip() -> None:
    tip = tip_received(
        payment_key="ord_1:tip:1", technician_id=TechnicianId(LI.id), amount=_fen(2_000), at=T0
    )

    assert earnings_lines(Payee.store("sto_1"), [tip], CNY, {}, {tip.id: ORDER}) == []


# -- withdrawal notices ---------------------------------------------------------------------


def _payload(event: object) -> dict[str, object]:
    unstructured: dict[str, object] = make_converter().unstructure(event)
    return unstructured


def test_the_payee_is_told_of_each_step_and_finance_of_a_request_to_approve() -> None:
    withdrawal = Withdrawal(
        WithdrawalId("wdr_9"), Payee.store("sto_1"), _fen(60_000), _fen(100),
        BankCard("************1234", "Jing An", "ICBC"), T0, "sto_1", "k",
    )  # fmt: skip
    waiting = _payload(WithdrawalRequested.of(withdrawal, T0, needs_approval=True))
    at_once = _payload(WithdrawalRequested.of(withdrawal, T0, needs_approval=False))
    failed = _payload(WithdrawalFailed.of(withdrawal, T0, reason="card closed"))
    approved = _payload(WithdrawalApproved.of(withdrawal, T0, automatic=True))

    (to_finance,) = DEFAULT_RULES["WithdrawalRequested"](waiting, None)
    assert DEFAULT_RULES["WithdrawalRequested"](at_once, None) == []
    (told_failed,) = DEFAULT_RULES["WithdrawalFailed"](failed, None)
    (told_approved,) = DEFAULT_RULES["WithdrawalApproved"](approved, None)

    assert (to_finance.recipient, to_finance.template) == (
        Recipient("platform", "finance"),
        "withdrawal_to_approve",
    )
    assert to_finance.params == {
        "withdrawal_id": "wdr_9",
        "amount": "600.00 CNY",
        "net": "599.00 CNY",
        "payee": "store:sto_1",
    }
    assert (told_failed.recipient, told_failed.params["reason"]) == (
        Recipient("store", "sto_1"),
        "card closed",
    )
    assert told_approved.template == "withdrawal_approved"
    for notice in (to_finance, told_failed, told_approved):
        assert set(notice.params) == TEMPLATES[notice.template]
