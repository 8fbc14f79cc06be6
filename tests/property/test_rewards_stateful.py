"""Spending points on gifts as a state machine over the service and in-memory storage
(INVARIANTS I17; docs/loyalty.md, "Spending points").

Rules: staff awards to two customers, gift redemptions (new keys and replayed ones, which
may be refused for points, stock or the per-customer limit), staff fulfilment and
cancellation (a second cancel included), time moving on and the expiry job. After every
step: each balance is earned − spent − expired − clawed back, equals what the lots hold and
the journal's sum; no stock is negative; stock + the redemptions not cancelled == the
initial stock; each cancelled redemption returned its points exactly once (one ``returned``
movement of its price) and a live one none; every redemption's spend is in the journal.
"""

from __future__ import annotations

import pendulum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from booking_core.bootstrap import build
from booking_core.errors import (
    GiftLimitReached,
    GiftOutOfStock,
    InsufficientPoints,
    RedemptionNotAllowed,
)
from booking_core.ids import CustomerId
from booking_core.loyalty import (
    ExpiryPolicy,
    Gift,
    GiftId,
    LoyaltyPolicy,
    MovementKind,
    PointsSource,
    Redemption,
    RedemptionStatus,
)
from booking_core.orders import Actor
from booking_core.testing import SequentialIds
from booking_core.testing.clock import FrozenClock
from booking_core.testing.memory import InMemoryStore
from booking_core.testing.payments import ScriptedPaymentGateway

STAFF = Actor.platform()
CUSTOMERS = (CustomerId("cus_1"), CustomerId("cus_2"))
GIFTS = (
    Gift(GiftId("g_mug"), "Mug", 70, stock=3),
    Gift(GiftId("g_pen"), "Pen", 25, stock=5, per_customer=2),
    Gift(GiftId("g_bag"), "Bag", 40, stock=None),
)
POLICY = LoyaltyPolicy(expiry=ExpiryPolicy.rolling(4))


class RewardsLife(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FrozenClock(pendulum.datetime(2026, 3, 2, 22, tz="Asia/Shanghai"))
        # Sequential ids: redemptions list in id order, and the rules draw from that list.
        self.app = build(uow=InMemoryStore().unit_of_work, payments=ScriptedPaymentGateway(),
                         clock=self.clock, ids=SequentialIds(), loyalty_policy=POLICY)  # fmt: skip
        for gift in GIFTS:
            self.app.rewards.create_gift(STAFF, gift)
        self.n = 0
        self.keys: list[tuple[int, str, int]] = []  # (customer, key, gift) of each attempt

    @rule(who=st.integers(0, 1), points=st.integers(1, 120))
    def award(self, who: int, points: int) -> None:
        self.n += 1
        self.app.loyalty.award(CUSTOMERS[who], points, STAFF, key=f"a{self.n}", reason="promo",
                               source=PointsSource.CAMPAIGN)  # fmt: skip

    @rule(who=st.integers(0, 1), gift=st.integers(0, 2))
    def redeem(self, who: int, gift: int) -> None:
        self.n += 1
        self._redeem(who, f"k{self.n}", gift)

    @precondition(lambda self: bool(self.keys))
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        """The same key again (the client retrying): never a second redemption."""
        who, key, gift = data.draw(st.sampled_from(self.keys))
        before = self._redemptions()
        made = self._redeem(who, key, gift)
        known = [r for r in before if r.customer_id == CUSTOMERS[who] and r.key == key]
        if known:
            assert made == known[0]
            assert self._redemptions() == before

    def _redeem(self, who: int, key: str, gift: int) -> Redemption | None:
        self.keys.append((who, key, gift))
        try:
            return self.app.rewards.redeem_gift(Actor.customer(CUSTOMERS[who]), GIFTS[gift].id,
                                                key=key)  # fmt: skip
        except (InsufficientPoints, GiftOutOfStock, GiftLimitReached):
            return None

    @precondition(lambda self: bool(self._redemptions()))
    @rule(data=st.data(), cancel=st.booleans())
    def decide(self, data: st.DataObject, cancel: bool) -> None:
        redemption = data.draw(st.sampled_from(self._redemptions()))
        try:
            if cancel:
                self.app.rewards.cancel(STAFF, redemption.id, reason="undeliverable")
            else:
                self.app.rewards.fulfil(STAFF, redemption.id)
        except RedemptionNotAllowed:
            assert redemption.status is not RedemptionStatus.REQUESTED

    @rule(hours=st.sampled_from([1, 13, 24, 49]))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(pendulum.duration(hours=hours))

    @rule()
    def expire(self) -> None:
        self.app.loyalty.expire_due()

    def _redemptions(self) -> list[Redemption]:
        with self.app.uow() as uow:
            return uow.rewards.redemptions(limit=200)

    @invariant()
    def balances_add_up(self) -> None:
        with self.app.uow() as uow:
            for customer in CUSTOMERS:
                account = uow.points.account(customer)
                journal = uow.points.statement(customer, limit=10_000)
                assert account.balance == (
                    account.earned - account.spent - account.expired - account.clawed_back
                )
                assert account.balance == account.held >= 0
                assert sum(m.points for m in journal) == account.balance

    @invariant()
    def stock_is_never_oversold(self) -> None:
        redemptions = self._redemptions()
        with self.app.uow() as uow:
            for gift in GIFTS:
                stock = uow.rewards.gift(gift.id).stock
                live = [r for r in redemptions if r.item_id == gift.id
                        and r.status is not RedemptionStatus.CANCELLED]  # fmt: skip
                if gift.stock is None:
                    assert stock is None
                    continue
                assert stock is not None
                assert stock >= 0
                assert stock + len(live) == gift.stock
                if gift.per_customer is not None:
                    for customer in CUSTOMERS:
                        mine = [r for r in live if r.customer_id == customer]
                        assert len(mine) <= gift.per_customer

    @invariant()
    def points_are_returned_once_per_cancelled_redemption(self) -> None:
        with self.app.uow() as uow:
            for redemption in self._redemptions():
                spent = uow.points.movement(redemption.movement_id)
                returned = uow.points.movement(f"{redemption.movement_id}:return")
                assert spent is not None
                assert spent.kind is MovementKind.SPENT
                assert spent.points == -redemption.points
                if redemption.status is RedemptionStatus.CANCELLED:
                    assert returned is not None
                    assert returned.points == redemption.points
                else:
                    assert returned is None
            for customer in CUSTOMERS:
                journal = uow.points.statement(customer, limit=10_000)
                ids = [m.id for m in journal]
                assert len(ids) == len(set(ids))


RewardsLife.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRewardsLife = RewardsLife.TestCase
