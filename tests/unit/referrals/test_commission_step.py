"""The commission step the order flow calls (I22, I23): freeze on capture, schedule on
completion, reduce on refunds, cancel on cancellation — each inside the caller's unit of
work, with the books balanced and each bucket equal to its postings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from booking_core.errors import CommissionNotAllowed
from booking_core.ledger import Account, RateTable, SplitRates
from booking_core.money import Money
from booking_core.referrals import (
    Admission,
    AdmissionMode,
    CommissionPlan,
    CommissionSource,
    CommissionState,
    DistributorStatus,
    Member,
    ReferralPolicy,
)
from booking_core.referrals.plan import CommissionBase
from booking_core.services.jobs import JobKind
from booking_core.services.steps.commissions import Commissions
from booking_core.testing.memory import InMemoryStore
from tests.referral_world import FACIAL, LI, T0, TUINA, chain, order, seed

BUYER, A, B, C = (Member.customer(n) for n in ("buyer", "a", "b", "c"))
RECRUITER = Member.technician("tec_boss")
POLICY = ReferralPolicy(
    customer_plan=CommissionPlan((Decimal("0.1"), Decimal("0.05"))),
    technician_plan=CommissionPlan((Decimal("0.2"),), base=CommissionBase.PLATFORM_SHARE),
    admission=Admission(AdmissionMode.AUTOMATIC, min_orders=1),
)
RATES = RateTable(SplitRates(Decimal("0.7")))
CNY = "CNY"


@pytest.fixture
def store() -> InMemoryStore:
    store = InMemoryStore()
    seed(store.unit_of_work)
    return store


def _step() -> Commissions:
    return Commissions(POLICY, RATES)


def _balances(store: InMemoryStore) -> dict[str, int]:
    with store.unit_of_work() as uow:
        return {str(a): m.amount for (a, _), m in uow.ledger.balances(CNY).items()}


def test_a_capture_freezes_one_commission_per_line_beneficiary_and_level(
    store: InMemoryStore,
) -> None:
    chain(store.unit_of_work, BUYER, A, B, C)
    paid = order(1, "buyer", [(TUINA, 199_00), (FACIAL, 99_00)])

    with store.unit_of_work() as uow:
        made = _step().on_captured(uow, paid, T0)
        uow.commit()

    assert [(c.line, c.beneficiary, c.level, c.amount.amount) for c in made] == [
        (0, A, 1, 19_90), (0, B, 2, 9_95), (1, A, 1, 9_90), (1, B, 2, 4_95),
    ]  # fmt: skip  # C is level 3: the plan pays two
    assert _balances(store) == {
        "commission_frozen:customer:a": -29_80,
        "commission_frozen:customer:b": -14_90,
        "commission_expense": 44_70,
    }


def test_a_replayed_capture_stores_and_posts_nothing(store: InMemoryStore) -> None:
    chain(store.unit_of_work, BUYER, A)
    paid = order(1, "buyer")
    with store.unit_of_work() as uow:
        _step().on_captured(uow, paid, T0)
        uow.commit()

    with store.unit_of_work() as uow:
        again = _step().on_captured(uow, paid, T0.add(minutes=5))
        uow.commit()

    assert again == []
    with store.unit_of_work() as uow:
        assert len(uow.commissions.for_order(paid.id)) == 1
        assert len(uow.ledger.balances(CNY)) == 2


def test_only_active_distributors_earn(store: InMemoryStore) -> None:
    chain(store.unit_of_work, BUYER, A, B, active=False)
    with store.unit_of_work() as uow:
        record = uow.referrals.distributor(B)
        record.status = DistributorStatus.ACTIVE
        uow.referrals.save_distributor(record)
        uow.commit()

    with store.unit_of_work() as uow:
        made = _step().on_captured(uow, order(1, "buyer"), T0)

    assert [(c.beneficiary, c.level) for c in made] == [(B, 2)]


def test_a_technicians_recruiter_earns_a_share_of_the_platforms_take(store: InMemoryStore) -> None:
    chain(store.unit_of_work, Member.technician(LI), RECRUITER)
    # 100.00 paid + 20.00 platform-funded: the platform keeps 30 % of 120.00 = 36.00 and
    # pays the 20.00 subsidy, so its take is 16.00; 20 % of it is 3.20.
    paid = order(1, "buyer", [(TUINA, 100_00)], platform_funded=20_00)

    with store.unit_of_work() as uow:
        made = _step().on_captured(uow, paid, T0)

    assert [(c.source, c.beneficiary, c.base.amount, c.amount.amount) for c in made] == [
        (CommissionSource.TECHNICIAN, RECRUITER, 16_00, 3_20)
    ]


def test_one_member_in_both_chains_gets_one_commission_the_buyers(store: InMemoryStore) -> None:
    chain(store.unit_of_work, BUYER, RECRUITER)
    chain(store.unit_of_work, Member.technician(LI), RECRUITER)

    with store.unit_of_work() as uow:
        made = _step().on_captured(uow, order(1, "buyer", [(TUINA, 100_00)]), T0)

    assert [(c.source, c.amount.amount) for c in made] == [(CommissionSource.BUYER, 10_00)]


def test_completion_schedules_settlement_after_the_cooling_off(store: InMemoryStore) -> None:
    chain(store.unit_of_work, BUYER, A)
    paid = order(1, "buyer")
    done_at = T0.add(days=1)
    with store.unit_of_work() as uow:
        _step().on_captured(uow, paid, T0)
        scheduled = _step().on_completed(uow, paid, done_at)
        uow.commit()

    due = done_at + POLICY.cooling_off
    assert [c.unfreeze_at for c in scheduled] == [due]
    with store.unit_of_work() as uow:
        job = uow.jobs.get(f"settle_commissions:{paid.id}")
        commission = uow.commissions.for_order(paid.id)[0]
        with pytest.raises(CommissionNotAllowed):
            Commissions.settle(uow, commission, due.subtract(seconds=1))
        settled = Commissions.settle(uow, commission, due)
        uow.commit()
    assert (job.kind, job.due_at) == (JobKind.SETTLE_COMMISSIONS.value, due)
    assert settled.state is CommissionState.SETTLED
    assert _balances(store) == {
        "commission_payable:customer:a": -19_90,
        "commission_expense": 19_90,
    }


def test_completion_counts_the_buyers_spend_towards_automatic_admission(
    store: InMemoryStore,
) -> None:
    paid = order(1, "buyer")

    with store.unit_of_work() as uow:
        _step().on_completed(uow, paid, T0)
        uow.commit()

    with store.unit_of_work() as uow:
        record = uow.referrals.distributor(BUYER)
    assert (record.status, record.orders) == (DistributorStatus.ACTIVE, 1)


def test_refunds_take_back_in_proportion_from_whichever_bucket_holds_it(
    store: InMemoryStore,
) -> None:
    chain(store.unit_of_work, BUYER, A, B)
    paid = order(1, "buyer", [(TUINA, 200_00)])
    step = _step()
    with store.unit_of_work() as uow:
        step.on_captured(uow, paid, T0)  # A 20.00, B 10.00
        step.on_refunded(uow, paid, Money(50_00, CNY), T0.add(hours=1))  # a quarter
        step.on_completed(uow, paid, T0.add(days=1))
        for c in uow.commissions.for_order(paid.id):
            Commissions.settle(uow, c, T0.add(days=8))
        step.on_refunded(uow, paid, Money(75_00, CNY), T0.add(days=9))  # half of what is left
        uow.commit()

    assert _balances(store) == {
        "commission_payable:customer:a": -7_50,
        "commission_payable:customer:b": -3_75,
        "commission_expense": 11_25,
    }
    with store.unit_of_work() as uow:
        step.on_refunded(uow, paid, Money(75_00, CNY), T0.add(days=10))  # the rest
        uow.commit()
        left = uow.commissions.for_order(paid.id)
    assert {c.state for c in left} == {CommissionState.CANCELLED}
    assert [c.reductions for c in left] == [3, 3]
    assert _balances(store) == {}


def test_a_cancelled_order_earns_nothing(store: InMemoryStore) -> None:
    chain(store.unit_of_work, BUYER, A)
    paid = order(1, "buyer")
    with store.unit_of_work() as uow:
        _step().on_captured(uow, paid, T0)
        cancelled = _step().on_cancelled(uow, paid, T0.add(hours=2))
        uow.commit()

    assert [c.state for c in cancelled] == [CommissionState.CANCELLED]
    assert _balances(store) == {}
    with store.unit_of_work() as uow:
        assert Account.commission_frozen("customer:a") not in {a for a, _ in uow.ledger.balances()}
