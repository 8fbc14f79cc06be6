"""Points and commissions ride the order flow (issue 13; I17, I18, I22, I23): points redeemed
at checkout are spent against the real balance, commissions freeze on the first capture (once
however often the callback is replayed), completion earns points and schedules settlement,
refunds reduce both in proportion, cancellations and unpaid expiry give everything back —
each in the unit of work of the order command, with the books balanced after every step."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pendulum
import pytest

from booking_core.bootstrap import build
from booking_core.errors import ConcurrentUpdate, PointsNotRedeemable
from booking_core.ids import CustomerId, OrderId
from booking_core.ledger import Account
from booking_core.loyalty import LoyaltyPolicy, MovementKind, Tier, TierLadder, TierMetric
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.orders.complaint import Decision, Remedy
from booking_core.orders.idempotency import fingerprint
from booking_core.ports.payments import WebhookKind
from booking_core.ports.storage import CommissionRepository
from booking_core.pricing import PointsPolicy, PricingRules
from booking_core.referrals import (
    Commission,
    CommissionPlan,
    Member,
    ReferralPolicy,
)
from booking_core.scheduling import WeeklyHours
from booking_core.scheduling.availability import BookingPolicy
from booking_core.services.aftersales import FileComplaint
from booking_core.services.catalog import CreateCategory, CreateService
from booking_core.services.ordering import PlaceOrder
from booking_core.services.packages import CreatePackage, RecordPurchase
from booking_core.services.pricing import StaticPricingRules
from booking_core.services.steps.points import OrderPoints
from booking_core.services.technicians import RegisterTechnician
from booking_core.testing.clock import FrozenClock
from booking_core.testing.ids import SequentialIds
from booking_core.testing.memory import InMemoryStore, InMemoryUnitOfWork
from booking_core.testing.orders import HOME, LOCAL_ZONE, at
from booking_core.testing.payments import ScriptedPaymentGateway
from tests.docs_examples import DOCS, examples
from tests.referral_world import chain

CUS = CustomerId("cus_1")
ME = Actor.customer(CUS)
STAFF = Actor.platform()
BUYER, A, B = Member.customer("cus_1"), Member.customer("a"), Member.customer("b")


def cny(fen: int) -> Money:
    return Money(fen, "CNY")


class RacedCommissions:
    """The commissions of a unit of work whose saves lose to a settle job (raise
    ``ConcurrentUpdate``) while ``losses`` holds entries; every other call goes through."""

    def __init__(self, inner: CommissionRepository, losses: list[str]) -> None:
        self._inner = inner
        self._losses = losses

    def save(self, commission: Commission) -> Commission:
        if self._losses:
            raise ConcurrentUpdate(self._losses.pop())
        return self._inner.save(commission)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class World:
    """Li's 199.00 tuina; points worth a fen each (1 point per yuan earned); 10 % and 5 % to
    the buyer's two referrers, settled 7 days after completion; a silver tier from 100 yuan
    of lifetime spend; the buyer holds 500 points."""

    def __init__(self, value_per_point: int = 1) -> None:
        self.store = InMemoryStore()
        self.losses: list[str] = []
        self.clock = FrozenClock(at(2, 8))
        self.gateway = ScriptedPaymentGateway()
        self.app = build(
            uow=self._uow,
            payments=self.gateway,
            clock=self.clock,
            ids=SequentialIds(),
            policy=BookingPolicy(notice_minutes=60, window_days=14),
            pricing_rules=StaticPricingRules(
                PricingRules("CNY", points=PointsPolicy(value_per_point=cny(value_per_point)))
            ),
            referral_policy=ReferralPolicy(
                customer_plan=CommissionPlan((Decimal("0.10"), Decimal("0.05")))
            ),
            loyalty_policy=LoyaltyPolicy(
                tiers=TierLadder(TierMetric.LIFETIME_SPEND, [Tier("silver", 100_00)])
            ),
        )
        category = self.app.catalog.create_category(CreateCategory("Massage"), STAFF)
        self.tuina = self.app.catalog.create_service(
            CreateService(category.id, "Tuina", 60, cny(199_00)), STAFF
        ).id
        hours = WeeklyHours.every_day("09:00", "21:00")
        self.li = self.app.technicians.register(
            RegisterTechnician("Li", LOCAL_ZONE, hours, frozenset({self.tuina})), STAFF
        ).id
        chain(self.store.unit_of_work, BUYER, A, B)
        self.app.loyalty.award(CUS, 500, STAFF, key="welcome", reason="welcome gift")

    def _uow(self) -> InMemoryUnitOfWork:
        uow = self.store.unit_of_work()
        uow.commissions = RacedCommissions(uow.commissions, self.losses)
        return uow

    def place(self, points: int = 0, key: str | None = None) -> OrderId:
        command = PlaceOrder(CUS, self.li, self.tuina, at(3, 10), location=HOME, points=points,
                             idempotency_key=key)  # fmt: skip
        return self.app.ordering.place_order(command, ME).id

    def pay(self, order_id: OrderId) -> str:
        return self.app.payments.pay(order_id, ME).idempotency_key

    def complete(self, order_id: OrderId) -> None:
        order = self.app.ordering.get_order(order_id, ME)
        for event, when in (
            ("accept", self.clock.now()),
            ("depart", order.slot.start.subtract(hours=1)),
            ("arrive", order.slot.start.subtract(minutes=10)),
            ("start_service", order.slot.start),
            ("complete", order.slot.end),
        ):
            self.clock.set(max(self.clock.now(), when))
            self.app.ordering.transition(order_id, event, Actor(self.li, Role.TECHNICIAN))

    def points(self) -> int:
        return self.app.loyalty.balance(CUS, ME)

    def commissions(self, order_id: OrderId) -> list[tuple[str, str, int]]:
        with self.app.uow() as uow:
            return [(str(c.beneficiary), c.state.value, c.remaining.amount)
                    for c in uow.commissions.for_order(order_id)]  # fmt: skip

    def balances(self) -> dict[str, int]:
        with self.app.uow() as uow:
            found = {str(a): m.amount for (a, _), m in uow.ledger.balances("CNY").items()}
        assert sum(found.values()) == 0  # the books balance
        return {a: n for a, n in found.items() if n}

    def commission_entries(self) -> list[str]:
        with self.app.uow() as uow:
            return sorted(t.id for t in uow.ledger.for_account(Account.commission_expense()))

    def refund(self, order_id: OrderId, fen: int) -> None:
        self.app.payments.refund(order_id, cny(fen), reason="goodwill", actor=STAFF, close=False)


@pytest.fixture
def world() -> World:
    return World()


def test_points_and_commissions_through_payment_completion_and_settlement(world: World) -> None:
    # when the buyer redeems his 500 points (5.00 yuan) and pays; the provider's capture
    # callback comes twice more
    order_id = world.place(points=500)
    spent_balance = world.points()
    key = world.pay(order_id)
    for _ in range(2):
        world.app.payments.handle_webhook(
            *world.gateway.notification(WebhookKind.PAYMENT_CAPTURED, key)
        )

    # then the order cost 194.00, the points are spent, and each referrer's commission is
    # frozen once, on what was paid
    assert world.app.ordering.get_order(order_id, ME).price == cny(194_00)
    assert spent_balance == 0
    assert world.commissions(order_id) == [
        ("customer:a", "frozen", 19_40), ("customer:b", "frozen", 9_70),
    ]  # fmt: skip
    assert len(world.commission_entries()) == 2
    paid = world.balances()
    assert paid["commission_frozen:customer:a"] == -19_40
    assert paid["commission_expense"] == 29_10

    # when Li completes the order
    world.complete(order_id)

    # then 194 points are earned on what was paid, his tier is evaluated, and settlement is
    # scheduled after the cooling-off
    assert world.points() == 194
    assert [c.to_tier for c in world.app.loyalty.tier_history(CUS, ME)] == ["silver"]
    with world.app.uow() as uow:
        due = {c.unfreeze_at for c in uow.commissions.for_order(order_id)}
    assert due == {world.clock.now().add(days=7)}
    world.balances()

    # when the settle job runs before and after the cooling-off
    world.app.worker("w").run_due(limit=100)
    early = [c[1] for c in world.commissions(order_id)]
    world.clock.advance(pendulum.duration(days=7))
    world.app.worker("w").run_due(limit=100)

    # then the commissions settle only after it, into what the referrers may withdraw
    assert early == ["frozen", "frozen"]
    assert [c[1] for c in world.commissions(order_id)] == ["settled", "settled"]
    settled = world.balances()
    assert settled["commission_payable:customer:a"] == -19_40
    assert settled["commission_payable:customer:b"] == -9_70
    assert "commission_frozen:customer:a" not in settled


def test_a_partial_refund_reduces_commissions_and_claws_back_points_in_proportion(
    world: World,
) -> None:
    # given a completed order that redeemed 500 points, paid 194.00 and earned 194 points
    order_id = world.place(points=500)
    world.pay(order_id)
    world.complete(order_id)

    # when half of it is refunded
    world.refund(order_id, 97_00)

    # then half of each commission is taken back from the frozen bucket, half the earned
    # points are clawed back and half the spent ones returned
    assert world.commissions(order_id) == [
        ("customer:a", "frozen", 9_70), ("customer:b", "frozen", 4_85),
    ]  # fmt: skip
    assert world.points() == 194 - 97 + 250
    with world.app.uow() as uow:
        kinds = [(m.kind, m.points) for m in uow.points.for_order(CUS, order_id)]
    assert (MovementKind.CLAWED_BACK, -97) in kinds
    assert (MovementKind.RETURNED, 250) in kinds
    balances = world.balances()
    assert balances["commission_expense"] == 14_55

    # when the rest is refunded after settlement
    world.clock.advance(pendulum.duration(days=8))
    world.app.worker("w").run_due(limit=100)
    world.refund(order_id, 97_00)

    # then nothing is left of either, and every earned point is back and every spent one
    assert [c[2] for c in world.commissions(order_id)] == [0, 0]
    assert world.points() == 500
    assert "commission_expense" not in world.balances()


def test_an_unpaid_expiry_releases_the_points_and_cancels_nothing(world: World) -> None:
    # given an order that redeemed 300 points and was never paid
    order_id = world.place(points=300)
    assert world.points() == 200

    # when the unpaid timeout passes
    world.clock.advance(pendulum.duration(hours=1))
    world.app.worker("w").run_due(limit=100)

    # then the order is cancelled, the points are back, and no commission ever existed
    assert world.app.ordering.get_order(order_id, ME).state == "cancelled"
    assert world.points() == 500
    assert world.commissions(order_id) == []
    assert world.commission_entries() == []
    assert world.balances() == {}


def test_a_cancellation_after_payment_cancels_commissions_and_returns_points(
    world: World,
) -> None:
    # given a paid order that redeemed 500 points
    order_id = world.place(points=500)
    world.pay(order_id)

    # when the technician cancels it (a full refund)
    world.app.cancellation.cancel(order_id, Actor(world.li, Role.TECHNICIAN), reason="ill")

    # then the commissions are cancelled, the points are back once, and the books balance
    assert [c[1:] for c in world.commissions(order_id)] == [("cancelled", 0), ("cancelled", 0)]
    assert world.points() == 500
    balances = world.balances()
    assert not any(a.startswith("commission") for a in balances)


def test_a_settle_job_racing_a_refund_makes_it_retry_never_half_apply(world: World) -> None:
    # given a completed order whose refund's commission saves lose to the settle job, more
    # often than the apply retries
    order_id = world.place(points=500)
    world.pay(order_id)
    world.complete(order_id)
    before = (world.points(), world.commissions(order_id), world.balances())
    world.losses.extend(["settled meanwhile"] * 5)

    # when the refund comes back from the gateway
    with pytest.raises(ConcurrentUpdate):
        world.refund(order_id, 97_00)

    # then nothing of its outcome was applied: no refund movement, no entry, no reduction;
    # the points moved once, when the refund was decided (half the spent 500 back, half
    # the earned 194 taken)
    with world.app.uow() as uow:
        assert [r.status.value for r in uow.refunds.for_order(order_id)] == ["unknown"]
        assert [m.kind.value for m in uow.movements.for_order(order_id)] == ["captured"]
    assert (world.commissions(order_id), world.balances()) == before[1:]
    assert world.points() == before[0] - 97 + 250

    # when the reconciliation asks again once the race is over
    world.app.payments.reconcile(order_id)

    # then the refund is applied once, with everything it moves
    assert [c[2] for c in world.commissions(order_id)] == [9_70, 4_85]
    assert world.points() == 194 - 97 + 250


def test_redeeming_more_points_than_held_is_refused_and_a_plain_order_spends_none(
    world: World,
) -> None:
    with pytest.raises(PointsNotRedeemable):
        world.place(points=501)

    order_id = world.place()

    assert world.points() == 500
    with world.app.uow() as uow:
        assert uow.points.for_order(CUS, order_id) == []


def test_a_retry_without_points_matches_a_request_made_before_the_field_existed(
    world: World,
) -> None:
    # given an order placed with an idempotency key and no points
    first = world.place(key="k-1")

    # when the same request is sent again (its fingerprint leaves points=0 out)
    again = world.app.ordering.place(
        PlaceOrder(CUS, world.li, world.tuina, at(3, 10), location=HOME, idempotency_key="k-1"),
        ME,
    )

    # then it is the same order, under the fingerprint of the document without the field
    assert (again.order.id, again.replayed) == (first, True)
    old_request = {
        "customer_id": "cus_1", "technician_id": str(world.li), "service_id": str(world.tuina),
        "start": at(3, 10).in_timezone("UTC"), "location": HOME, "payment_mode": "full",
    }  # fmt: skip
    document = world.app.converter.unstructure(old_request)
    with world.app.uow() as uow:
        record = uow.idempotency_keys.get("cus_1", "k-1", world.clock.now())
    assert record is not None
    assert record.fingerprint == fingerprint(document)


def test_the_orders_page_example_prints_what_it_shows(capsys: pytest.CaptureFixture[str]) -> None:
    text = (DOCS / "orders.md").read_text(encoding="utf-8")
    section = text.split("### Points and commissions at each step\n", 1)[1].split("\n## ", 1)[0]
    ((code, printed),) = [e for e in examples(DOCS / "orders.md") if e[0] in section]

    exec(code, {})

    assert capsys.readouterr().out.strip() == printed.strip()


def _spend_elsewhere(world: World, points: int) -> None:
    with world.app.uow() as uow:
        OrderPoints(LoyaltyPolicy()).spend(uow, CUS, OrderId("ord_other"), points,
                                           world.clock.now())  # fmt: skip
        uow.commit()


def test_a_refund_keeps_the_cash_value_of_earned_points_already_spent(world: World) -> None:
    # given a completed 199.00 order that earned 199 points, 650 of his 699 spent since
    order_id = world.place()
    world.pay(order_id)
    world.complete(order_id)
    _spend_elsewhere(world, 650)

    # when the platform refunds the whole order
    world.app.payments.refund(order_id, cny(199_00), reason="goodwill", actor=STAFF)

    # then his 49 points are taken, the 150 he no longer holds are paid for by 1.50 kept
    # from the refund (a fen a point), and the gateway is asked for 197.50 only
    with world.app.uow() as uow:
        sent = [r.amount for r in uow.refunds.for_order(order_id)]
        journal = uow.points.for_order(CUS, order_id)
    assert sent == [cny(197_50)]
    assert [(m.kind, m.points) for m in journal][-2:] == [
        (MovementKind.CLAWED_BACK, -199), (MovementKind.SETTLED_IN_CASH, 150),
    ]  # fmt: skip
    assert journal[-1].reason == "1.50 CNY kept from the refund"
    assert world.points() == 0

    # and the kept 1.50 is never refundable again: the order is fully refunded once the
    # gateway's refund succeeds
    order = world.app.ordering.get_order(order_id, ME)
    assert (order.refunded_amount, order.refundable) == (cny(199_00), cny(0))
    world.app.payments.reconcile(order_id)
    assert world.app.ordering.get_order(order_id, ME).state == "refunded"
    world.balances()


def test_refunds_kept_whole_for_points_each_claw_back_their_own_share() -> None:
    # given points worth a yuan each (earned one per yuan), a completed 199.00 order that
    # earned 199, and every point he held spent since
    world = World(value_per_point=100)
    order_id = world.place()
    world.pay(order_id)
    world.complete(order_id)
    _spend_elsewhere(world, 699)

    # when 1.00 and then 2.00 are refunded: each pays exactly for the points it claws back
    world.app.payments.refund(order_id, cny(1_00), reason="goodwill", actor=STAFF, close=False)
    world.app.payments.refund(order_id, cny(2_00), reason="goodwill", actor=STAFF, close=False)

    # then 1 and then 2 more points are clawed back (3 = floor(199 × 3.00 / 199.00)), all
    # paid for by the kept refunds; nothing goes to the gateway
    with world.app.uow() as uow:
        journal = uow.points.for_order(CUS, order_id)
        records = uow.refunds.for_order(order_id)
    clawed = [m.points for m in journal if m.kind is MovementKind.CLAWED_BACK]
    assert (clawed, records) == ([-1, -2], [])
    assert world.app.ordering.get_order(order_id, ME).refunded_amount == cny(3_00)
    assert world.points() == 0


def test_an_order_paid_by_a_package_visit_earns_and_commissions_on_the_visit_value(
    world: World,
) -> None:
    # given three tuina visits (597.00 one by one) bought for 500.00: 166.67 the first
    package = world.app.packages.create_package(
        CreatePackage("Tuina 3", ((world.tuina, 3),), cny(500_00)), STAFF
    )
    holding = world.app.packages.record_purchase(
        RecordPurchase(package.id, CUS, "wx-pkg", cny(500_00)), STAFF
    )

    # when an order is paid by a visit and completed, then refunded in full by a complaint
    command = PlaceOrder(CUS, world.li, world.tuina, at(3, 10), location=HOME,
                         holding_id=holding.id)  # fmt: skip
    order_id = world.app.ordering.place_order(command, ME).id
    frozen = world.commissions(order_id)
    world.complete(order_id)
    earned = world.points() - 500
    complaint = world.app.aftersales.file(
        FileComplaint(order_id, CUS, "Too short", Remedy.FULL_REFUND), ME
    )
    world.app.aftersales.take_up(complaint.id, STAFF)
    world.app.aftersales.resolve(complaint.id, STAFF, decision=Decision.FULL_REFUND)

    # then 10 % and 5 % of 166.67 are frozen at placement (it is paid then), 166 points
    # are earned on it, and the refund takes all of both back
    assert frozen == [("customer:a", "frozen", 16_67), ("customer:b", "frozen", 8_33)]
    assert earned == 166
    assert [c[2] for c in world.commissions(order_id)] == [0, 0]
    assert world.points() == 500
    balances = world.balances()
    assert "commission_expense" not in balances
    assert balances["prepaid_packages"] == -500_00
