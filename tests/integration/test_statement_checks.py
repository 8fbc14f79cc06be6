"""Reconciliation with the provider's daily statement: a day whose statement agrees with our
money has no difference; each planted disagreement is reported once, by kind; movements near
midnight are checked on the day the provider lists them (docs/payments.md, "Reconciliation
with the provider's statement")."""

from __future__ import annotations

import pendulum
import pytest

from booking_core import Money
from booking_core.errors import DateOutOfRange, PaymentError, PermissionDenied
from booking_core.orders import Actor, Difference, DifferenceKind, EntryKind, StatementEntry
from booking_core.ports.payments import PaymentChannel
from booking_core.staff import StaffRole
from booking_core.testing import ScriptedPaymentGateway
from booking_core.testing.orders import CUSTOMER, OPERATOR, OrderWorld, at, order_world

FINANCE = Actor.platform("fin_1", StaffRole.FINANCE)
MONDAY = pendulum.date(2026, 3, 2)


@pytest.fixture
def world() -> OrderWorld:
    return order_world()


def _pay_and_refund(world: OrderWorld) -> str:
    order_id = world.place(at(3, 10))
    world.app.payments.pay(order_id, CUSTOMER)
    world.app.payments.refund(order_id, Money(5000, "CNY"), reason="goodwill", actor=OPERATOR)
    return order_id


def test_a_statement_that_agrees_has_no_difference(world: OrderWorld) -> None:
    _pay_and_refund(world)

    check = world.app.statements.check("fake", MONDAY, FINANCE)

    assert (check.provider, check.day, check.entries, check.balanced) == ("fake", MONDAY, 2, True)
    assert world.app.statements.get("fake", MONDAY, FINANCE) == check


def test_each_disagreement_is_reported_by_kind(world: OrderWorld) -> None:
    order_id = _pay_and_refund(world)
    other = world.place(at(4, 10))
    world.app.payments.pay(other, CUSTOMER)
    world.gateway.hide_from_statement(f"{other}:ful:1")  # we applied it; their bill lacks it
    world.gateway.plant_statement_entry(  # money we never saw
        StatementEntry(EntryKind.PAYMENT, "ord_x:ful:1", Money(100, "CNY"), at(2, 9), "tx_9")
    )
    world.gateway.plant_statement_entry(  # the refund listed twice: 2 × 50.00 on their side
        StatementEntry(EntryKind.REFUND, f"{order_id}:rf:1", Money(5000, "CNY"), at(2, 9))
    )

    check = world.app.statements.check("fake", MONDAY, FINANCE)

    assert check.differences == (  # by key
        Difference(DifferenceKind.AMOUNT_MISMATCH, EntryKind.REFUND, f"{order_id}:rf:1",
                   Money(5000, "CNY"), Money(10000, "CNY"), order_id, "fake-refund-1"),
        Difference(DifferenceKind.MISSING_THEIRS, EntryKind.PAYMENT, f"{other}:ful:1",
                   Money(19900, "CNY"), None, other),
        Difference(DifferenceKind.MISSING_OURS, EntryKind.PAYMENT, "ord_x:ful:1", None,
                   Money(100, "CNY"), reference="tx_9"),
    )  # fmt: skip
    assert not check.balanced


def test_money_moved_just_before_midnight_is_checked_on_the_next_day(world: OrderWorld) -> None:
    order_id = world.place(at(3, 10))
    world.clock.set(pendulum.datetime(2026, 3, 2, 23, 55, tz="Asia/Shanghai"))
    world.app.payments.pay(order_id, CUSTOMER)
    world.gateway.hide_from_statement(f"{order_id}:ful:1")  # not on Monday's bill …
    world.gateway.plant_statement_entry(  # … but on Tuesday's
        StatementEntry(EntryKind.PAYMENT, f"{order_id}:ful:1", Money(19900, "CNY"), at(3, 0, 2))
    )

    world.clock.set(pendulum.datetime(2026, 3, 4, 10, tz="Asia/Shanghai"))
    monday = world.app.statements.run_check("fake", MONDAY)
    tuesday = world.app.statements.run_check("fake", MONDAY.add(days=1))

    assert (monday.balanced, tuesday.differences) == (True, ())
    assert tuesday.entries == 1


def test_a_payment_missing_from_both_days_is_reported_on_the_second(world: OrderWorld) -> None:
    order_id = world.place(at(3, 10))
    world.clock.set(pendulum.datetime(2026, 3, 2, 23, 55, tz="Asia/Shanghai"))
    world.app.payments.pay(order_id, CUSTOMER)
    world.gateway.hide_from_statement(f"{order_id}:ful:1")
    world.clock.set(pendulum.datetime(2026, 3, 4, 10, tz="Asia/Shanghai"))

    monday = world.app.statements.run_check("fake", MONDAY)
    tuesday = world.app.statements.run_check("fake", MONDAY.add(days=1))

    assert monday.balanced
    assert [(d.kind, d.key) for d in tuesday.differences] == [
        (DifferenceKind.MISSING_THEIRS, f"{order_id}:ful:1")
    ]


def test_only_the_providers_own_money_is_expected_on_its_statement() -> None:
    alipay = ScriptedPaymentGateway(name="alipay")
    world = order_world(routes={PaymentChannel.H5: alipay})
    order_id = world.place(at(3, 10))
    world.app.payments.pay(order_id, CUSTOMER, channel=PaymentChannel.H5)

    fake, theirs = (world.app.statements.run_check(p, MONDAY) for p in ("fake", "alipay"))

    assert (fake.entries, fake.balanced) == (0, True)
    assert theirs.entries == 0  # alipay's fake has no clock: its lines are dated today
    assert [d.kind for d in theirs.differences] == [DifferenceKind.MISSING_THEIRS]


def test_checks_are_for_finance_and_a_recheck_replaces_the_day(world: OrderWorld) -> None:
    _pay_and_refund(world)
    world.app.statements.check("fake", MONDAY, FINANCE)
    world.gateway.plant_statement_entry(
        StatementEntry(EntryKind.PAYMENT, "ord_x:ful:1", Money(100, "CNY"), at(2, 9))
    )
    again = world.app.statements.check("fake", MONDAY, FINANCE)

    with pytest.raises(PermissionDenied):
        world.app.statements.checks(CUSTOMER)
    with pytest.raises(PaymentError) as unknown:
        world.app.statements.check("stripe", MONDAY, FINANCE)
    assert world.app.statements.checks(FINANCE) == [again]
    assert len(again.differences) == 1
    assert unknown.value.details["reason"] == "payment_provider_unknown"


def test_the_daily_job_checks_yesterday_and_schedules_tomorrow(world: OrderWorld) -> None:
    _pay_and_refund(world)
    world.app.statements.start_jobs()  # Monday 08:00: Sunday's check is due Monday 10:00
    world.clock.set(pendulum.datetime(2026, 3, 3, 10, tz="Asia/Shanghai"))

    runs = world.app.worker("w").run_due()
    runs += world.app.worker("w").run_due()

    assert [r.job_id for r in runs if r.job_id.startswith("check_statement")] == [
        "check_statement:fake:2026-03-01",
        "check_statement:fake:2026-03-02",
    ]
    monday = world.app.statements.get("fake", MONDAY, FINANCE)
    assert (monday.entries, monday.balanced) == (2, True)
    with world.uow() as uow:
        assert uow.jobs.get("check_statement:fake:2026-03-03").due_at == pendulum.datetime(
            2026, 3, 4, 10, tz="Asia/Shanghai"
        )


@pytest.mark.parametrize("day", [pendulum.date(2026, 3, 3), pendulum.date(1999, 12, 31)])
def test_a_day_after_today_or_before_2000_is_refused(world: OrderWorld, day: pendulum.Date) -> None:
    with pytest.raises(DateOutOfRange) as refused:
        world.app.statements.check("fake", day, FINANCE)

    assert refused.value.details == {"field": "day"}
    assert world.app.statements.checks(FINANCE) == []


class _NeverReady(ScriptedPaymentGateway):
    def statement(self, day: pendulum.Date) -> list[StatementEntry]:
        raise PaymentError("not ready", details={"reason": "statement_not_ready"})


def test_a_statement_never_ready_is_retried_for_two_days_then_given_up() -> None:
    world = order_world(gateway=_NeverReady())
    world.app.statements.start_jobs()  # Sunday's check, due Monday 10:00
    world.clock.set(pendulum.datetime(2026, 3, 2, 10, tz="Asia/Shanghai"))
    first = world.app.worker("w").run_due()
    world.clock.set(pendulum.datetime(2026, 3, 4, 10, 30, tz="Asia/Shanghai"))
    late = world.app.worker("w").run_due()

    sunday = "check_statement:fake:2026-03-01"
    assert [(r.job_id, r.outcome) for r in first if r.job_id == sunday] == [(sunday, "again")]
    assert [(r.job_id, r.outcome) for r in late if r.job_id == sunday] == [(sunday, "failed")]
    with world.uow() as uow:  # the next days were not held up
        assert uow.jobs.get("check_statement:fake:2026-03-02").status.value in ("pending", "done")
