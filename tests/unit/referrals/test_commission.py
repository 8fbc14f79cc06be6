"""A commission's lifecycle (I23) and its journal entries (I8)."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest

from booking_core.errors import CommissionNotAllowed
from booking_core.ids import OrderId, ServiceId
from booking_core.ledger import Account, Ledger, TransactionKind
from booking_core.money import Money
from booking_core.referrals import (
    Commission,
    CommissionSource,
    CommissionState,
    Member,
    cancel_entry,
    frozen_entry,
    settled_entry,
)

AT = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
A = Member.customer("a")


def _commission() -> Commission:
    return Commission(
        id=Commission.key(OrderId("o1"), 0, A, 1),
        order_id=OrderId("o1"),
        line=0,
        beneficiary=A,
        level=1,
        source=CommissionSource.BUYER,
        referee=Member.customer("c"),
        service_id=ServiceId("tuina"),
        base=Money(199_00, "CNY"),
        rate=Decimal("0.05"),
        amount=Money(9_95, "CNY"),
        frozen_at=AT,
        order_paid=Money(199_00, "CNY"),
    )


def _reason(exc: CommissionNotAllowed) -> str:
    return str(exc.details["reason"])


def test_the_id_names_order_line_beneficiary_and_level() -> None:
    assert _commission().id == "com:o1:0:customer:a:1"
    assert frozen_entry(_commission()).id == "com:o1:0:customer:a:1:frozen"


def test_a_commission_settles_only_after_completion_and_its_unfreeze_time() -> None:
    frozen = _commission()

    with pytest.raises(CommissionNotAllowed) as unscheduled:
        frozen.settled(AT.add(years=1))
    scheduled = frozen.scheduled(AT.add(days=7))
    with pytest.raises(CommissionNotAllowed) as early:
        scheduled.settled(AT.add(days=7).subtract(microseconds=1))
    settled = scheduled.settled(AT.add(days=7))

    assert _reason(unscheduled.value) == _reason(early.value) == "not_due"
    assert settled.state is CommissionState.SETTLED
    with pytest.raises(CommissionNotAllowed) as twice:
        settled.settled(AT.add(days=8))
    assert _reason(twice.value) == "not_frozen"
    assert settled.scheduled(AT.add(days=30)) is settled


def test_refunds_reduce_it_and_cancel_it_when_nothing_is_left() -> None:
    frozen = _commission()

    part = frozen.reduced(Money(5_00, "CNY"), order_refunded=Money(100_00, "CNY"), at=AT)
    done = part.reduced(part.remaining, order_refunded=Money(199_00, "CNY"), at=AT.add(hours=1))

    assert (part.state, part.remaining, part.reductions) == (
        CommissionState.FROZEN,
        Money(4_95, "CNY"),
        1,
    )
    assert (done.state, done.cancelled_at, done.reductions) == (
        CommissionState.CANCELLED,
        AT.add(hours=1),
        2,
    )
    with pytest.raises(CommissionNotAllowed) as after:
        done.reduced(Money(0, "CNY"), order_refunded=Money(199_00, "CNY"), at=AT)
    assert _reason(after.value) == "cancelled"
    with pytest.raises(CommissionNotAllowed) as too_much:
        frozen.reduced(Money(9_96, "CNY"), order_refunded=Money(0, "CNY"), at=AT)
    assert _reason(too_much.value) == "too_much"


def test_the_entries_move_it_between_the_buckets_and_back_to_the_platform() -> None:
    frozen = _commission()
    owner = str(A)
    reduced = frozen.reduced(Money(1_00, "CNY"), order_refunded=Money(20_00, "CNY"), at=AT)
    settled = reduced.scheduled(AT).settled(AT.add(days=1))

    ledger = Ledger.of(
        [
            frozen_entry(frozen),
            cancel_entry(frozen, Money(1_00, "CNY"), AT),
            settled_entry(settled),
            cancel_entry(settled, Money(2_00, "CNY"), AT.add(days=2)),
        ]
    )

    assert [t.kind for t in ledger.transactions] == [
        TransactionKind.COMMISSION_FROZEN,
        TransactionKind.COMMISSION_CANCELLED,
        TransactionKind.COMMISSION_SETTLED,
        TransactionKind.COMMISSION_CANCELLED,
    ]
    assert ledger.transactions[3].id == "com:o1:0:customer:a:1:cancel:2"
    assert ledger.balance(Account.commission_frozen(owner), "CNY") == Money(0, "CNY")
    assert ledger.balance(Account.commission_payable(owner), "CNY") == Money(6_95, "CNY")
    assert ledger.balance(Account.commission_expense(), "CNY") == Money(6_95, "CNY")
    assert ledger.is_balanced()
    assert all(t.order_id is None for t in ledger.transactions)  # not part of the order's position
