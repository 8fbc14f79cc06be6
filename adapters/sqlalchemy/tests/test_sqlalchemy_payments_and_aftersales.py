"""Payments, refunds, money movements, webhooks, complaints and positions: round trips,
idempotency under concurrency (I15) and compare-and-set."""

from __future__ import annotations

import attrs
import pendulum
import pytest

from booking_core.errors import (
    ConcurrentUpdate,
    DuplicateEntity,
    IdempotencyConflict,
    NotFound,
)
from booking_core.ids import CustomerId, OrderId, TechnicianId
from booking_core.money import Money
from booking_core.orders.actor import Actor, Role
from booking_core.orders.complaint import Complaint, Decision, Remedy, Resolution
from booking_core.orders.order import TransitionRecord
from booking_core.orders.payments import (
    MoneyMovement,
    MovementKind,
    PaymentAttempt,
    PaymentPurpose,
    PaymentStatus,
    RefundRecord,
    RefundStatus,
)
from booking_core.orders.tracking import PositionReport
from booking_core.scheduling.geo import GeoPoint
from booking_core.testing.contracts.orders import at_once
from booking_core_sqlalchemy import SqlAlchemyStorage

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="Asia/Shanghai")
ORDER = OrderId("ord_1")


def test_payments_and_refunds_round_trip(storage: SqlAlchemyStorage) -> None:
    attempt = PaymentAttempt("ord_1:pay:1", ORDER, PaymentPurpose.FULL, Money(19900, "CNY"),
                             PaymentStatus.UNKNOWN, T0, T0, gateway="alipay")  # fmt: skip
    later = T0.add(hours=1)
    refund = RefundRecord("ord_1:refund:1", ORDER, attempt.key, Money(900, "CNY"),
                          RefundStatus.PENDING, "late", later, later, gateway="alipay")  # fmt: skip
    with storage.unit_of_work() as uow:
        uow.payments.add(attempt)
        uow.refunds.add(refund)
        with pytest.raises(DuplicateEntity) as caught:
            uow.payments.add(attempt)
        uow.commit()
    assert caught.value.error_code == "payment_exists"

    # A hold captured in part keeps what was captured beside what was authorized.
    captured = attrs.evolve(attempt, status=PaymentStatus.CAPTURED, gateway_reference="pi_1",
                            updated_at=T0.add(minutes=1), captured=Money(5970, "CNY"))  # fmt: skip
    succeeded = attrs.evolve(refund, status=RefundStatus.SUCCEEDED)
    with storage.unit_of_work() as uow:
        uow.payments.save(captured)
        uow.refunds.save(succeeded)
        with pytest.raises(NotFound) as missing:
            uow.refunds.save(attrs.evolve(refund, key="nope"))
        uow.commit()
    assert missing.value.error_code == "refund_not_found"

    with storage.unit_of_work() as uow:
        assert uow.payments.get(attempt.key) == captured
        assert uow.payments.for_order(ORDER) == [captured]
        assert uow.refunds.get(refund.key) == succeeded
        assert uow.refunds.for_order(ORDER) == [succeeded]


def test_money_movements_apply_once_per_key(storage: SqlAlchemyStorage) -> None:
    captured = MoneyMovement("pi_1:captured", ORDER, MovementKind.CAPTURED, Money(19900, "CNY"),
                             T0, "webhook")  # fmt: skip
    refunded = MoneyMovement("re_1:refunded", ORDER, MovementKind.REFUNDED, Money(900, "CNY"),
                             T0.add(hours=1), "api")  # fmt: skip

    results = at_once(10, lambda n: _append(storage, attrs.evolve(captured, source=f"s{n}")))

    assert sorted(map(str, results)) == ["False"] * 9 + ["True"]
    with storage.unit_of_work() as uow:
        assert uow.movements.append(refunded) is True
        with pytest.raises(IdempotencyConflict):
            uow.movements.append(attrs.evolve(refunded, amount=Money(901, "CNY")))
        uow.commit()
    with storage.unit_of_work() as uow:
        assert [m.key for m in uow.movements.for_order(ORDER)] == [captured.key, refunded.key]


def _append(storage: SqlAlchemyStorage, movement: MoneyMovement) -> bool:
    with storage.unit_of_work() as uow:
        stored = uow.movements.append(movement)
        uow.commit()
    return stored


def test_webhooks_are_recorded_once_even_concurrently(storage: SqlAlchemyStorage) -> None:
    def record(n: int) -> bool:
        with storage.unit_of_work() as uow:
            new = uow.webhooks.record("stripe", "evt_1", f'{{"n": {n}}}', T0)
            uow.commit()
        return new

    results = at_once(10, record)

    assert sorted(map(str, results)) == ["False"] * 9 + ["True"]
    with storage.unit_of_work() as uow:
        assert uow.webhooks.record("alipay", "evt_1", "{}", T0) is True


def test_complaints_round_trip_and_are_compare_and_set(storage: SqlAlchemyStorage) -> None:
    complaint = Complaint.file(
        complaint_id="cmp_1", order_id=ORDER, customer_id=CustomerId("cus_1"),
        technician_id=TechnicianId("tec_1"), reason="Late by an hour", photos=["p/1.jpg"],
        requested_remedy=Remedy.PARTIAL_REFUND, requested_refund=Money(5000, "CNY"), at=T0,
    )  # fmt: skip
    closed = Complaint.file(
        complaint_id="cmp_0", order_id=ORDER, customer_id=CustomerId("cus_1"),
        technician_id=None, reason="Rude", photos=[], requested_remedy=Remedy.APOLOGY,
        requested_refund=None, at=T0.subtract(days=1),
    )  # fmt: skip
    closed.state = "resolved"
    ops = Actor("ops_1", Role.PLATFORM)
    closed.resolution = Resolution(Decision.NO_REFUND, Money(0, "CNY"), "no evidence", ops, T0)
    closed.timeline.append(
        TransitionRecord(1, "reject", "open", "resolved", ops, T0, "no evidence")
    )
    with storage.unit_of_work() as uow:
        uow.complaints.add(complaint)
        uow.complaints.add(closed)
        uow.commit()

    with storage.unit_of_work() as uow:
        first = uow.complaints.get("cmp_1")
        second = uow.complaints.get("cmp_1")
        assert [c.id for c in uow.complaints.list_pending()] == ["cmp_1"]
        assert [c.id for c in uow.complaints.for_order(ORDER)] == ["cmp_0", "cmp_1"]
        assert _same(uow.complaints.get("cmp_0"), closed)
    first.state = "arbitrating"
    with storage.unit_of_work() as uow:
        uow.complaints.save(first)
        uow.commit()
    with storage.unit_of_work() as uow, pytest.raises(ConcurrentUpdate):
        uow.complaints.save(second)

    assert first.version == 1
    with storage.unit_of_work() as uow:
        stored = uow.complaints.get("cmp_1")
    assert (stored.state, stored.version) == ("arbitrating", 1)
    assert _same(stored, first)


def _same(left: Complaint, right: Complaint) -> bool:
    fields = [f.name for f in attrs.fields(Complaint) if f.init]
    return all(getattr(left, n) == getattr(right, n) for n in fields)


def test_latest_position(storage: SqlAlchemyStorage) -> None:
    tech = TechnicianId("tec_1")
    reports = [
        PositionReport(ORDER, tech, GeoPoint(31.20, 121.40), T0),
        PositionReport(ORDER, tech, GeoPoint(31.22, 121.45), T0.add(minutes=5)),
        PositionReport(ORDER, tech, GeoPoint(31.21, 121.44), T0.add(minutes=2)),
    ]
    with storage.unit_of_work() as uow:
        assert uow.positions.latest(ORDER) is None
        for report in reports:
            uow.positions.add(report)
        uow.commit()

    with storage.unit_of_work() as uow:
        assert uow.positions.latest(ORDER) == reports[1]
