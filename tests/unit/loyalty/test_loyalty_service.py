"""LoyaltyService and the order flow's points step, on in-memory storage (I17–I20)."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.audit import AuditQuery
from booking_core.bootstrap import BookingApp, build
from booking_core.customers import Customer, CustomerDetails
from booking_core.errors import InsufficientPoints, PermissionDenied
from booking_core.ids import CustomerId, OrderId
from booking_core.loyalty import (
    DebtPolicy,
    ExpiryPolicy,
    LoyaltyPolicy,
    MovementKind,
    PointsSource,
    SharingRule,
    Tier,
    TierLadder,
    TierMetric,
)
from booking_core.money import Money
from booking_core.orders import Actor
from booking_core.ports.jobs import Job
from booking_core.services.jobs import JobKind
from booking_core.services.steps.points import ClawBack, OrderPoints
from booking_core.staff import StaffRole
from booking_core.testing.clock import FrozenClock
from booking_core.testing.memory import InMemoryStore
from booking_core.testing.payments import ScriptedPaymentGateway

CUS = CustomerId("cus_1")
ME = Actor.customer(CUS)
STAFF = Actor.platform()
# 23:30 in Shanghai is 15:30 UTC: the customer's local day, not UTC's, counts.
T0 = pendulum.datetime(2026, 3, 2, 23, 30, tz="Asia/Shanghai")
ORDER = OrderId("ord_1")
YUAN = Money(100, "CNY")


def make(policy: LoyaltyPolicy | None = None) -> tuple[BookingApp, FrozenClock]:
    clock = FrozenClock(T0)
    policy = policy or LoyaltyPolicy(expiry=ExpiryPolicy.rolling(30))
    store = InMemoryStore()
    app = build(uow=store.unit_of_work, payments=ScriptedPaymentGateway(), clock=clock,
                loyalty_policy=policy)  # fmt: skip
    return app, clock


def register(app: BookingApp, zone: str | None = None) -> None:
    with app.uow() as uow:
        uow.customers.add(Customer(CUS, CustomerDetails("Mei", time_zone=zone), T0))
        uow.commit()


def test_check_in_once_a_local_day_with_streak_bonuses() -> None:
    app, clock = make()

    first = app.loyalty.check_in(CUS, ME)
    again = app.loyalty.check_in(CUS, ME)
    clock.advance(pendulum.duration(hours=1))  # 00:30 local: a new day (still 2 March in UTC)
    second = app.loyalty.check_in(CUS, ME)
    clock.advance(pendulum.duration(days=2))  # a day missed: the streak starts over
    fresh = app.loyalty.check_in(CUS, ME)

    assert (first.new, again.new, second.new, fresh.new) == (True, False, True, True)
    assert [r.check_in.streak for r in (first, second, fresh)] == [1, 2, 1]
    assert app.loyalty.balance(CUS, ME) == 5 + 5 + 5
    assert str(second.check_in.local_date) == "2026-03-03"


def test_the_local_day_is_the_customers_own_zone_when_he_gave_one() -> None:
    app, clock = make()
    register(app, "Europe/London")  # 15:30 on 2 March there

    first = app.loyalty.check_in(CUS, ME)
    clock.advance(pendulum.duration(hours=1))  # 16:30 in London: the same day
    again = app.loyalty.check_in(CUS, ME)

    assert str(first.check_in.local_date) == "2026-03-02"
    assert again.new is False


def test_sharing_rewards_stop_at_the_daily_cap_and_a_replayed_share_awards_once() -> None:
    app, clock = make(LoyaltyPolicy(sharing=SharingRule(points=10, max_per_day=2)))

    rewarded = [app.loyalty.reward_share(CUS, f"s{n}", ME) for n in range(3)]
    replay = app.loyalty.reward_share(CUS, "s0", ME)
    clock.advance(pendulum.duration(days=1))
    next_day = app.loyalty.reward_share(CUS, "s9", ME)

    assert [m is not None for m in rewarded] == [True, True, False]
    assert replay == rewarded[0]
    assert next_day is not None
    assert app.loyalty.balance(CUS, ME) == 30


def test_staff_awards_need_their_permission_and_are_audited() -> None:
    app, _ = make()
    finance = Actor.platform("fin", staff=StaffRole.FINANCE)

    movement = app.loyalty.award(CUS, 200, STAFF, key="k1", reason="apology for a late visit")
    replay = app.loyalty.award(CUS, 200, STAFF, key="k1", reason="apology for a late visit")

    with pytest.raises(PermissionDenied):
        app.loyalty.award(CUS, 200, finance, key="k2", reason="no")
    with pytest.raises(PermissionDenied):
        app.loyalty.award(CUS, 200, ME, key="k3", reason="me")
    assert replay == movement
    assert app.loyalty.balance(CUS, STAFF) == 200
    with app.uow() as uow:
        entries = uow.audit.find(AuditQuery(action="points.award"))
    assert [e.reason for e in entries] == ["apology for a late visit"]  # the replay: once


def test_only_he_and_staff_read_his_points() -> None:
    app, _ = make()

    with pytest.raises(PermissionDenied):
        app.loyalty.statement(CUS, Actor.customer("cus_other"))
    assert app.loyalty.statement(CUS, STAFF) == []


def test_the_expiry_job_expires_once_and_the_statement_sums_to_the_balance() -> None:
    app, clock = make()
    app.loyalty.award(CUS, 100, STAFF, key="a", reason="gift")
    clock.advance(pendulum.duration(days=10))
    app.loyalty.award(CUS, 40, STAFF, key="b", reason="gift")
    clock.advance(pendulum.duration(days=21))  # the first lot is 31 days old
    job = Job("expire_points", JobKind.EXPIRE_POINTS.value, "points", clock.now())

    again_at = app.job_handlers[JobKind.EXPIRE_POINTS.value](job, clock.now())
    app.job_handlers[JobKind.EXPIRE_POINTS.value](job, clock.now())

    journal = app.loyalty.statement(CUS, ME)
    assert [(m.kind, m.points) for m in journal] == [
        (MovementKind.EARNED, 100), (MovementKind.EARNED, 40), (MovementKind.EXPIRED, -100),
    ]  # fmt: skip
    assert sum(m.points for m in journal) == journal[-1].balance_after == 40
    assert app.loyalty.balance(CUS, ME) == 40
    assert again_at is None
    with app.uow() as uow:
        scheduled = uow.jobs.list_for_subject("loyalty")
    # once, though run twice: at the next whole hour (ticks are whole periods since the epoch)
    assert [j.due_at for j in scheduled] == [clock.now().add(hours=1).start_of("hour")]


def test_an_orders_points_are_spent_released_earned_and_clawed_back_once_each() -> None:
    app, clock = make()
    steps = OrderPoints(LoyaltyPolicy(expiry=ExpiryPolicy.rolling(30)))
    app.loyalty.award(CUS, 300, STAFF, key="a", reason="gift")

    def claw(movement_id: str) -> ClawBack:
        return steps.claw_back(
            uow, CUS, ORDER, movement_id=movement_id, earned_on=Money(19999, "CNY"),
            left=Money(9999, "CNY"), refund=Money(10000, "CNY"),
            value_per_point=Money(1, "CNY"), at=clock.now(),
        )  # fmt: skip

    with app.uow() as uow:
        steps.spend(uow, CUS, ORDER, 200, clock.now())
        steps.spend(uow, CUS, ORDER, 200, clock.now())  # a replay: nothing more
        steps.earn(uow, CUS, ORDER, Money(19999, "CNY"), clock.now())  # 199 points
        returned = steps.refund(uow, CUS, ORDER, movement_id="return:r1",
                                refunded=Money(10000, "CNY"), paid=Money(20000, "CNY"),
                                at=clock.now())  # fmt: skip
        again = steps.refund(uow, CUS, ORDER, movement_id="return:r1",
                             refunded=Money(10000, "CNY"), paid=Money(20000, "CNY"),
                             at=clock.now())  # fmt: skip
        half = claw("claw:r1")
        replay = claw("claw:r1")
        uow.commit()

    assert half.clawed_back is not None
    # floor(199 × (19999 − 9999) / 19999) = floor(99.50…) = 99
    assert half.clawed_back.points == -99
    assert returned is not None
    assert returned.points == 100
    assert (replay.clawed_back, again) == (half.clawed_back, returned)
    assert app.loyalty.balance(CUS, ME) == 300 - 200 + 199 - 99 + 100


def _claw_all(app: BookingApp, clock: FrozenClock, steps: OrderPoints, refund: int) -> ClawBack:
    with app.uow() as uow:
        steps.earn(uow, CUS, ORDER, Money(10000, "CNY"), clock.now())  # 100 points
        steps.spend(uow, CUS, OrderId("ord_2"), 70, clock.now())
        result = steps.claw_back(
            uow, CUS, ORDER, movement_id="claw:r", earned_on=Money(10000, "CNY"),
            left=Money(0, "CNY"), refund=Money(refund, "CNY"),
            value_per_point=Money(2, "CNY"), at=clock.now(),
        )  # fmt: skip
        uow.commit()
    return result


def test_by_default_the_refund_keeps_the_cash_value_of_points_he_no_longer_holds() -> None:
    app, clock = make()
    result = _claw_all(app, clock, OrderPoints(LoyaltyPolicy()), refund=10000)

    # 100 due, 30 held: 30 taken, 70 paid for at 2 fen each out of the refund.
    assert result.clawed_back is not None
    assert result.settled is not None
    assert (result.clawed_back.points, result.settled.points) == (-100, 70)
    assert (result.kept, result.shortfall) == (Money(140, "CNY"), 0)
    with app.uow() as uow:
        account = uow.points.account(CUS)
    assert (app.loyalty.balance(CUS, ME), account.debt, account.clawed_back) == (0, 0, 30)


def test_a_refund_too_small_to_pay_for_the_points_leaves_a_shortfall() -> None:
    app, clock = make()
    result = _claw_all(app, clock, OrderPoints(LoyaltyPolicy()), refund=101)

    # 70 points short; 101 fen pays for 50 of them (whole points only), 20 stay short.
    assert (result.kept, result.shortfall) == (Money(100, "CNY"), 20)
    assert app.loyalty.balance(CUS, ME) == 0


def test_under_the_debt_policy_a_claw_back_leaves_a_debt() -> None:
    app, clock = make()
    result = _claw_all(app, clock, OrderPoints(LoyaltyPolicy(debt=DebtPolicy.POINTS_DEBT)), 10000)

    with app.uow() as uow:
        account = uow.points.account(CUS)
    assert (result.kept, result.shortfall, result.settled) == (Money(0, "CNY"), 0, None)
    assert (account.balance, account.debt) == (-70, 70)


def test_releasing_an_unpaid_orders_points_gives_them_all_back() -> None:
    app, clock = make()
    steps = OrderPoints(LoyaltyPolicy())
    app.loyalty.award(CUS, 100, STAFF, key="a", reason="gift")
    with app.uow() as uow:
        steps.spend(uow, CUS, ORDER, 60, clock.now())
        steps.release(uow, CUS, ORDER, clock.now())
        steps.release(uow, CUS, ORDER, clock.now())
        uow.commit()

    assert app.loyalty.balance(CUS, ME) == 100
    with app.uow() as uow, pytest.raises(InsufficientPoints):
        steps.spend(uow, CUS, OrderId("ord_9"), 101, clock.now())


def test_tiers_follow_points_earned_and_set_the_customers_pricing_tier() -> None:
    ladder = TierLadder(TierMetric.POINTS_EARNED, [Tier("silver", 100), Tier("gold", 300)],
                        downgrade_grace=pendulum.duration(days=30))  # fmt: skip
    app, clock = make(LoyaltyPolicy(tiers=ladder))
    register(app)
    app.loyalty.award(CUS, 150, STAFF, key="a", reason="gift", source=PointsSource.CAMPAIGN)

    silver = app.loyalty.evaluate_tier(CUS)
    app.loyalty.award(CUS, 200, STAFF, key="b", reason="gift", source=PointsSource.CAMPAIGN)
    clock.advance(pendulum.duration(days=1))
    job = Job("evaluate_tiers", JobKind.EVALUATE_TIERS.value, "tiers", clock.now())
    app.job_handlers[JobKind.EVALUATE_TIERS.value](job, clock.now())

    assert silver.tier == "silver"
    assert [(c.from_tier, c.to_tier) for c in app.loyalty.tier_history(CUS, ME)] == [
        (None, "silver"), ("silver", "gold"),
    ]  # fmt: skip
    assert app.customers.get(CUS, ME).tier == "gold"
    assert app.customers.standing(CUS, ME).tier == "gold"


def test_starting_the_jobs_again_and_again_keeps_one_chain() -> None:
    app, clock = make()

    app.loyalty.start_jobs()
    clock.advance(pendulum.duration(minutes=7))
    app.loyalty.start_jobs()  # another worker starts, within the same hour
    clock.advance(pendulum.duration(minutes=70))
    app.loyalty.start_jobs()  # a restart, an hour later

    with app.uow() as uow:
        pending = [
            j for j in uow.jobs.list_due(clock.now().add(days=1), limit=100)
            if j.kind == JobKind.EXPIRE_POINTS.value
        ]  # fmt: skip
    # two ticks at most (this hour's and the next), never a second chain per start
    assert len({j.due_at for j in pending}) == len(pending) <= 2
