"""Distributors: admission open, by approval or automatic; suspension and resumption."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.errors import InvalidReferral, ReferralNotAllowed
from booking_core.money import Money
from booking_core.referrals import Admission, AdmissionMode, Distributor, DistributorStatus, Member

AT = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
A = Member.customer("a")


def _reason(call: object) -> str:
    assert isinstance(call, ReferralNotAllowed)
    return str(call.details["reason"])


def test_open_admission_makes_a_distributor_at_once() -> None:
    record = Distributor(A)

    record.apply(Admission(), AT)

    assert record.status is DistributorStatus.ACTIVE
    assert record.earns
    with pytest.raises(ReferralNotAllowed) as again:
        record.apply(Admission(), AT)
    assert _reason(again.value) == "already"


def test_approval_waits_for_staff_who_approve_or_reject() -> None:
    approval = Admission(AdmissionMode.APPROVAL)
    approved, rejected = Distributor(A), Distributor(Member.customer("b"))

    approved.apply(approval, AT)
    rejected.apply(approval, AT)
    assert approved.status is DistributorStatus.APPLIED
    assert not approved.earns
    approved.approve(AT.add(hours=1), "ops_1")
    rejected.reject(AT.add(hours=1), "ops_1", "fake account")

    assert (approved.status, approved.decided_by) == (DistributorStatus.ACTIVE, "ops_1")
    assert (rejected.status, rejected.reason) == (DistributorStatus.REJECTED, "fake account")
    with pytest.raises(ReferralNotAllowed) as twice:
        approved.approve(AT, "ops_1")
    assert _reason(twice.value) == "not_applied"
    rejected.apply(approval, AT.add(days=1))  # a rejected member may apply again
    assert rejected.status is DistributorStatus.APPLIED


def test_automatic_admission_follows_the_thresholds_inclusively() -> None:
    rule = Admission(AdmissionMode.AUTOMATIC, min_spend=Money(100_00, "CNY"), min_orders=5)
    record = Distributor(A)

    with pytest.raises(ReferralNotAllowed) as early:
        record.apply(rule, AT)
    assert _reason(early.value) == "not_qualified"
    assert record.count_completed(Money(99_99, "CNY"), rule, AT) is False
    assert record.count_completed(Money(1, "CNY"), rule, AT) is True  # exactly 100.00

    assert record.status is DistributorStatus.ACTIVE
    assert record.spend == Money(100_00, "CNY")
    assert rule.qualifies(None, 5)
    assert not rule.qualifies(None, 4)
    with pytest.raises(InvalidReferral):
        Admission(AdmissionMode.AUTOMATIC)


def test_completed_orders_only_count_under_open_admission() -> None:
    record = Distributor(A)

    assert record.count_completed(Money(500_00, "CNY"), Admission(), AT) is False
    assert (record.status, record.orders) == (DistributorStatus.NONE, 1)


def test_suspension_stops_earning_until_resumed() -> None:
    record = Distributor(A)
    record.apply(Admission(), AT)

    record.suspend(AT.add(days=1), "ops_1", "spam")
    assert not record.earns
    with pytest.raises(ReferralNotAllowed) as applying:
        record.apply(Admission(), AT)
    assert _reason(applying.value) == "suspended"
    record.resume(AT.add(days=2), "ops_1")

    assert record.earns
    assert record.reason is None
    with pytest.raises(ReferralNotAllowed) as not_suspended:
        record.resume(AT, "ops_1")
    assert _reason(not_suspended.value) == "not_suspended"
