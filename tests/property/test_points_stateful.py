"""Points, check-ins and tiers as a state machine over the service and in-memory storage
(INVARIANTS I17, I19, I20).

Rules: staff awards, check-ins, order spends (the points step), refunds that give back and
claw back (the cash kept for points no longer held paying off the debt at once),
time moving on (days, so lots expire and check-in days change), the expiry job. After every
step: the balance is earned − spent − expired − clawed back and equals what the lots hold
(never below zero — the default debt policy is on); the statement sums to the balance; at
most one check-in per local day; the stored tier is the highest threshold ≤ the metric (the
ladder has no grace here); and a spend took the soonest-expiring lots first.
"""

from __future__ import annotations

import itertools

import pendulum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from booking_core.bootstrap import build
from booking_core.errors import InsufficientPoints
from booking_core.ids import CustomerId, OrderId
from booking_core.loyalty import (
    ExpiryPolicy,
    LoyaltyPolicy,
    MovementKind,
    PointsAccount,
    PointsLot,
    Tier,
    TierLadder,
    TierMetric,
)
from booking_core.money import Money
from booking_core.orders import Actor
from booking_core.services.steps.points import OrderPoints
from booking_core.testing.clock import FrozenClock
from booking_core.testing.memory import InMemoryStore
from booking_core.testing.payments import ScriptedPaymentGateway

CUS = CustomerId("cus_1")
STAFF = Actor.platform()
ME = Actor.customer(CUS)
LADDER = TierLadder(
    TierMetric.POINTS_EARNED,
    [Tier("silver", 50), Tier("gold", 200), Tier("diamond", 600)],
    downgrade_grace=pendulum.duration(),
)
POLICY = LoyaltyPolicy(expiry=ExpiryPolicy.rolling(5), tiers=LADDER)


class PointsLife(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FrozenClock(pendulum.datetime(2026, 3, 2, 22, tz="Asia/Shanghai"))
        self.app = build(uow=InMemoryStore().unit_of_work, payments=ScriptedPaymentGateway(),
                         clock=self.clock, loyalty_policy=POLICY)  # fmt: skip
        self.steps = OrderPoints(POLICY)
        self.n = 0
        self.earned_orders: list[OrderId] = []
        self.tier_ranks: list[tuple[int, int]] = []  # (metric, rank) seen

    def _next(self) -> int:
        self.n += 1
        return self.n

    def _account(self) -> PointsAccount:
        with self.app.uow() as uow:
            return uow.points.account(CUS, include=[])

    @rule(points=st.integers(1, 120))
    def staff_award(self, points: int) -> None:
        self.app.loyalty.award(CUS, points, STAFF, key=f"k{self._next()}", reason="gift")

    @rule(paid=st.integers(0, 30000))
    def order_completes(self, paid: int) -> None:
        order = OrderId(f"ord_{self._next()}")
        with self.app.uow() as uow:
            if self.steps.earn(uow, CUS, order, Money(paid, "CNY"), self.clock.now()):
                self.earned_orders.append(order)
            uow.commit()

    @rule()
    def check_in(self) -> None:
        self.app.loyalty.check_in(CUS, ME)

    @rule(points=st.integers(1, 150))
    def spend(self, points: int) -> None:
        now = self.clock.now()
        before = self._account()
        order = OrderId(f"ord_{self._next()}")
        try:
            with self.app.uow() as uow:
                movement = self.steps.spend(uow, CUS, order, points, now)
                uow.commit()
        except InsufficientPoints:
            assert points > before.usable(now)
            return
        assert movement is not None
        # Soonest-expiring first: no lot left untouched comes before one it took from.
        taken = {e.lot_id for e in movement.effects}
        live = [lot for lot in before.lots if not lot.expired_at(now) and lot.remaining]
        emptied_or_touched = [lot for lot in live if lot.id in taken]
        untouched = [lot for lot in live if lot.id not in taken]
        if untouched and emptied_or_touched:
            last_taken = max(emptied_or_touched, key=PointsLot.spend_order)
            assert all(last_taken.spend_order() <= lot.spend_order() for lot in untouched)

    @precondition(lambda self: self.earned_orders)
    @rule(data=st.data(), share=st.integers(1, 100))
    def refund(self, data: st.DataObject, share: int) -> None:
        order = data.draw(st.sampled_from(self.earned_orders))
        key = f"r{self._next()}"
        with self.app.uow() as uow:
            self.steps.refund(uow, CUS, order, movement_id=f"return:{key}",
                              refunded=Money(share, "CNY"), paid=Money(100, "CNY"),
                              at=self.clock.now())  # fmt: skip
            clawed = self.steps.claw_back(
                uow, CUS, order, movement_id=f"claw:{key}", earned_on=Money(100, "CNY"),
                left=Money(100 - share, "CNY"), refund=Money(share, "CNY"),
                value_per_point=Money(1, "CNY"), at=self.clock.now(),
            )  # fmt: skip
            journal = uow.points.for_order(CUS, order)
            uow.commit()
        # Never more than the order earned, cash-settled points included; the cash kept is
        # a fen a point and at most the refund.
        earned = sum(m.points for m in journal if m.kind is MovementKind.EARNED)
        assert -sum(m.points for m in journal if m.kind is MovementKind.CLAWED_BACK) <= earned
        settled = clawed.settled.points if clawed.settled else 0
        assert clawed.kept == Money(settled, "CNY")
        assert settled <= share

    @rule(hours=st.sampled_from([1, 5, 24, 49]))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(pendulum.duration(hours=hours))

    @rule()
    def expiry_job(self) -> None:
        self.app.loyalty.expire_due()
        before = self._account()
        assert self.app.loyalty.expire_due() == 0  # expiry is idempotent
        assert self._account() == before

    @rule()
    def evaluate_tier(self) -> None:
        status = self.app.loyalty.evaluate_tier(CUS)
        self.tier_ranks.append((status.metric, LADDER.rank(status.tier)))

    @invariant()
    def balance_is_earned_less_spent_expired_clawed_back(self) -> None:
        account = self._account()
        assert (
            account.balance
            == account.earned - account.spent - account.expired - account.clawed_back
        )
        assert account.balance == account.held
        assert account.balance >= 0
        with self.app.uow() as uow:
            journal = uow.points.statement(CUS, limit=10_000)
        assert sum(m.points for m in journal) == account.balance
        assert [m.sequence for m in journal] == list(range(1, len(journal) + 1))
        for kind, total in (
            (MovementKind.EARNED, account.earned),
            (MovementKind.EXPIRED, -account.expired),
        ):
            assert sum(m.points for m in journal if m.kind is kind) == total
        # A claw-back's points are taken (from lots or as a debt that cash then pays off).
        clawed = (MovementKind.CLAWED_BACK, MovementKind.SETTLED_IN_CASH)
        assert sum(m.points for m in journal if m.kind in clawed) == -account.clawed_back

    @invariant()
    def one_check_in_per_local_day(self) -> None:
        with self.app.uow() as uow:
            journal = uow.points.statement(CUS, limit=10_000)
        days = [m.id for m in journal if m.id.startswith("check_in:")]
        assert len(days) == len(set(days))

    @invariant()
    def the_tier_is_the_highest_reached_and_monotone(self) -> None:
        for metric, rank in self.tier_ranks:
            assert rank == LADDER.rank(LADDER.tier_for(metric))
        ordered = sorted(self.tier_ranks)
        assert all(a[1] <= b[1] for a, b in itertools.pairwise(ordered))


PointsLife.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestPointsLife = PointsLife.TestCase
