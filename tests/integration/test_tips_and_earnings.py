"""Tips, commissions in the statement and withdrawal events (issue 13; FEATURES T9, T10):
a customer tips Li once the service started, through the same gateway path as a payment;
the tip is all Li's and no order refund takes it back; his settled referral commissions are
statement lines and withdrawable money; every step of a withdrawal raises an event the
payee (or finance) is told of; a replayed request says so."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest

from booking_core.errors import (
    IdempotencyKeyReused,
    NotFound,
    PermissionDenied,
    TipNotAllowed,
)
from booking_core.ids import OrderId, ServiceId
from booking_core.ledger import Account
from booking_core.money import Money
from booking_core.orders import Actor, OrderState, Role
from booking_core.orders.payments import PaymentPurpose, PaymentStatus, plan_refund
from booking_core.payouts import (
    BankCard,
    EarningSource,
    Payee,
    TipPolicy,
    WithdrawalRules,
    WithdrawalStatus,
)
from booking_core.ports.payments import WebhookKind
from booking_core.referrals import Commission, CommissionSource, Member
from booking_core.referrals.entries import cancel_entry, frozen_entry, settled_entry
from booking_core.staff import StaffRole
from booking_core.testing import ScriptedPayoutGateway
from booking_core.testing.orders import OrderWorld, at, order_world
from booking_core.testing.payments import Outcome
from booking_core.testing.payouts import PayoutOutcome
from booking_core.timerange import TimeRange

CNY = "CNY"
CARD = BankCard("************1234", "李雷 Li Lei", "招商银行 China Merchants Bank")
FINANCE = Actor.platform("fin_1", StaffRole.FINANCE)
MARCH = TimeRange(at(1, 0), at(31, 0))
CUSTOMER = Actor("cus_1", Role.CUSTOMER)
# 100.00 at least, no fee, finance approves above 500.00.
RULES = WithdrawalRules(minimum=Money(10_000, CNY), approval_above=Money(50_000, CNY))


def _world(
    payouts: ScriptedPayoutGateway | None = None, tips: TipPolicy | None = None
) -> OrderWorld:
    world = order_world(withdrawal_rules=RULES, payouts=payouts or ScriptedPayoutGateway())
    if tips is not None:
        world.app.payments._tips.policy = tips
    return world


def _li(world: OrderWorld) -> Payee:
    return Payee.technician(world.li)


def _complete(world: OrderWorld, day: int) -> OrderId:
    order_id = world.paid_order(at(day, 10))
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")
    return order_id


def _available(world: OrderWorld) -> int:
    return world.app.payouts.balance(_li(world), world.tech).available.amount


def _books_balance(world: OrderWorld) -> None:
    assert sum(world.balances().values()) == 0


# -- tips -----------------------------------------------------------------------------------


def test_a_tip_is_all_the_technicians_and_leaves_the_order_alone() -> None:
    # given a completed tuina (199.00, 70 % to Li: 139.30)
    world = _world()
    order_id = _complete(world, 3)
    before = world.get(order_id)

    # when the customer tips 20.00
    result = world.app.payments.tip(order_id, Money(2_000, CNY), CUSTOMER)

    # then it is captured under the tip key, all of it Li's, and the order is untouched
    assert (result.idempotency_key, result.status) == (f"{order_id}:tip:1", PaymentStatus.CAPTURED)
    after = world.get(order_id)
    assert (after.paid_amount, after.price, after.state) == (
        before.paid_amount,
        before.price,
        OrderState.COMPLETED,
    )
    assert _available(world) == 13_930 + 2_000
    statement = world.app.payouts.earnings(_li(world), world.tech, MARCH)
    assert [(line.source, line.order_id, line.service_id, line.amount.amount)
            for line in statement.lines] == [
        (EarningSource.ORDER, order_id, world.tuina, 13_930),
        (EarningSource.TIP, order_id, world.tuina, 2_000),
    ]  # fmt: skip
    assert statement.total == Money(15_930, CNY)
    assert statement.orders == 1  # a tip is not an order
    # the entry names no order: the order's journal is what was paid for the order
    assert f"tip:{order_id}:tip:1" not in [t for t, _ in world.journal(order_id)]
    # TipReceived, not a second PaymentCaptured (the customer is not told of a payment)
    assert (world.outbox().count("TipReceived"), world.outbox().count("PaymentCaptured")) == (1, 1)
    _books_balance(world)

    # and Li is told, with the amount
    world.app.relay.run()
    inbox = world.app.notifications.inbox(world.tech, limit=50)
    tipped = [n for n in inbox if n.template == "tip_received"]
    assert [n.params["amount"] for n in tipped] == [str(Money(2_000, CNY))]


def test_a_tip_in_service_is_taken_and_the_same_number_again_charges_once() -> None:
    world = _world()
    order_id = world.paid_order(at(3, 10))
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service")

    first = world.app.payments.tip(order_id, Money(888, CNY), CUSTOMER)
    again = world.app.payments.tip(order_id, Money(888, CNY), CUSTOMER)  # a double tap

    assert first.status is again.status is PaymentStatus.CAPTURED
    assert first.idempotency_key == again.idempotency_key
    assert [c for c in world.gateway.calls if c.startswith("create_payment")] == [
        f"create_payment {order_id}:ful:1",
        f"create_payment {order_id}:tip:1",
    ]
    assert world.balances()[f"technician_payable:{world.li}"] == -888
    with pytest.raises(IdempotencyKeyReused):
        world.app.payments.tip(order_id, Money(999, CNY), CUSTOMER)
    second = world.app.payments.tip(order_id, Money(999, CNY), CUSTOMER, number=2)
    assert second.idempotency_key == f"{order_id}:tip:2"
    assert world.balances()[f"technician_payable:{world.li}"] == -(888 + 999)


def test_a_declined_tip_is_tipped_again_with_the_next_number() -> None:
    world = _world()
    order_id = _complete(world, 3)
    world.gateway.script(Outcome.DECLINE)

    declined = world.app.payments.tip(order_id, Money(500, CNY), CUSTOMER)
    assert declined.status is PaymentStatus.DECLINED
    assert _available(world) == 13_930
    retried = world.app.payments.tip(order_id, Money(500, CNY), CUSTOMER)  # same number
    assert retried.status is PaymentStatus.DECLINED  # the same tip, asked about
    with pytest.raises(TipNotAllowed) as skipped:
        world.app.payments.tip(order_id, Money(500, CNY), CUSTOMER, number=3)
    assert skipped.value.details["reason"] == "number_skipped"

    assert world.app.payments.tip(order_id, Money(500, CNY), CUSTOMER, number=2).status is (
        PaymentStatus.CAPTURED
    )
    assert _available(world) == 13_930 + 500


def test_a_timed_out_tip_is_reconciled_and_counted_once() -> None:
    world = _world()
    order_id = _complete(world, 3)
    world.gateway.script(Outcome.UNKNOWN_THEN_APPROVE)

    assert world.app.payments.tip(order_id, Money(1_000, CNY), CUSTOMER).status is (
        PaymentStatus.UNKNOWN
    )
    assert _available(world) == 13_930
    with pytest.raises(TipNotAllowed) as in_progress:
        world.app.payments.tip(order_id, Money(300, CNY), CUSTOMER, number=2)
    assert in_progress.value.details["reason"] == "tip_in_progress"

    world.clock.advance(pendulum.duration(minutes=10))
    world.run_jobs()
    world.app.payments.reconcile(order_id)  # again: nothing more

    assert _available(world) == 13_930 + 1_000
    assert world.movements(order_id).count(("captured", 1_000)) == 1
    _books_balance(world)


def test_a_tip_paid_by_qr_code_is_captured_by_the_webhook_once() -> None:
    world = _world()
    order_id = _complete(world, 3)
    world.gateway.script(Outcome.REQUIRES_ACTION)

    waiting = world.app.payments.tip(order_id, Money(666, CNY), CUSTOMER)
    assert waiting.status is PaymentStatus.REQUIRES_ACTION
    world.gateway.complete_action(waiting.idempotency_key)
    for _ in range(2):  # the provider posts it twice
        world.app.payments.handle_webhook(
            *world.gateway.notification(WebhookKind.PAYMENT_CAPTURED, waiting.idempotency_key)
        )

    assert _available(world) == 13_930 + 666
    assert world.outbox().count("TipReceived") == 1
    assert world.get(order_id).paid_amount == Money(19_900, CNY)
    _books_balance(world)


@pytest.mark.parametrize(
    ("amount", "reason"),
    [(0, "below_minimum"), (10_001, "above_maximum")],
)
def test_the_tip_policy_bounds_the_amount(amount: int, reason: str) -> None:
    world = _world(tips=TipPolicy(maximum=Money(10_000, CNY)))
    order_id = _complete(world, 3)

    with pytest.raises(TipNotAllowed) as refused:
        world.app.payments.tip(order_id, Money(amount, CNY), CUSTOMER)

    assert refused.value.details["reason"] == reason
    assert world.app.payments.tip(order_id, Money(10_000, CNY), CUSTOMER).status is (
        PaymentStatus.CAPTURED
    )
    with pytest.raises(TipNotAllowed) as currency:
        world.app.payments.tip(order_id, Money(100, "USD"), CUSTOMER, number=2)
    assert currency.value.details["reason"] == "currency"


def test_only_the_customer_tips_and_only_once_the_service_started() -> None:
    world = _world()
    order_id = world.paid_order(at(3, 10))
    world.fire_on_schedule(order_id, "accept", "depart", "arrive")
    tip = Money(1_000, CNY)

    with pytest.raises(TipNotAllowed) as early:
        world.app.payments.tip(order_id, tip, CUSTOMER)
    assert early.value.details["reason"] == "not_started"
    world.fire_on_schedule(order_id, "start_service")
    with pytest.raises(NotFound):
        world.app.payments.tip(order_id, tip, Actor("cus_2", Role.CUSTOMER))
    with pytest.raises(PermissionDenied):
        world.app.payments.tip(order_id, tip, world.tech)
    with pytest.raises(PermissionDenied):
        world.app.payments.tip(order_id, tip, Actor("ops_1", Role.PLATFORM))
    cancelled = world.paid_order(at(4, 10))
    world.fire(cancelled, "cancel", actor=CUSTOMER)
    with pytest.raises(TipNotAllowed) as closed:
        world.app.payments.tip(cancelled, tip, CUSTOMER)
    assert closed.value.details["reason"] == "order_closed"
    # nothing refused left a trace
    assert [a.key for a in world.app.payments.money_of(order_id, CUSTOMER)[0]] == [
        f"{order_id}:ful:1"
    ]


def test_an_order_refund_never_takes_money_from_a_tip() -> None:
    # given a completed order tipped 50.00
    world = _world()
    order_id = _complete(world, 3)
    world.app.payments.tip(order_id, Money(5_000, CNY), CUSTOMER)
    attempts, refunds = world.app.payments.money_of(order_id, CUSTOMER)

    # then refund planning sees only the order's payment
    assert {a.purpose for a, _ in plan_refund(Money(19_900, CNY), attempts, refunds)} == {
        PaymentPurpose.FULL
    }

    # when the whole price is refunded (a complaint decided for the customer)
    world.app.payments.refund(
        order_id, Money(19_900, CNY), reason="complaint", actor=OPERATOR_REFUNDS
    )

    # then Li keeps the whole tip, and his order share went back
    assert _available(world) == 5_000
    assert world.get(order_id).state == OrderState.REFUNDED
    _books_balance(world)
    # and a tip cannot be refunded through the order: 199.00 was all there was
    assert world.balances()["payments_clearing"] == 5_000


OPERATOR_REFUNDS = Actor.platform("fin_2", StaffRole.FINANCE)


# -- commissions in the statement and the balance ---------------------------------------------


def _commission(world: OrderWorld, order_id: OrderId, service: ServiceId, fen: int) -> Commission:
    frozen_at = world.clock.now()
    return Commission(
        id=Commission.key(order_id, 0, Member.technician(world.li), 1),
        order_id=order_id,
        line=0,
        beneficiary=Member.technician(world.li),
        level=1,
        source=CommissionSource.TECHNICIAN,
        referee=Member.technician(world.wang),
        service_id=service,
        base=Money(fen * 10, CNY),
        rate=Decimal("0.1"),
        amount=Money(fen, CNY),
        frozen_at=frozen_at,
        order_paid=Money(19_900, CNY),
    )


def test_settled_commissions_are_statement_lines_and_withdrawable() -> None:
    # given Li completed one order (139.30) and recruited Wang, whose order earns Li a
    # 5.97 commission: frozen at payment, settled after completion and cooling-off
    world = _world()
    own = _complete(world, 3)
    wangs = world.paid_order(at(4, 10))
    commission = _commission(world, wangs, world.tuina, 597)
    with world.uow() as uow:
        uow.commissions.add(commission)
        uow.ledger.record(frozen_entry(commission))
        uow.commit()

    # then it is pending, not available, and not in the statement
    balance = world.app.payouts.balance(_li(world), world.tech)
    assert (balance.available.amount, balance.pending.amount) == (13_930, 597)
    assert [
        line.source for line in world.app.payouts.earnings(_li(world), world.tech, MARCH).lines
    ] == [EarningSource.ORDER]

    # when it settles
    settled = commission.scheduled(at(5, 0)).settled(at(6, 0))
    with world.uow() as uow:
        uow.ledger.record(settled_entry(settled))
        uow.commit()

    # then it is a COMMISSION line of Wang's order, and his to withdraw
    statement = world.app.payouts.earnings(_li(world), world.tech, MARCH)
    assert [(line.source, line.order_id, line.amount.amount) for line in statement.lines] == [
        (EarningSource.ORDER, own, 13_930),
        (EarningSource.COMMISSION, wangs, 597),
    ]
    balance = world.app.payouts.balance(_li(world), world.tech)
    assert (balance.available.amount, balance.pending.amount) == (14_527, 0)

    # when he withdraws everything: the payable gives 139.30, the commissions 5.97
    withdrawal = world.app.payouts.request_withdrawal(
        _li(world), Money(14_527, CNY), CARD, world.tech, idempotency_key="all"
    )
    assert withdrawal.status is WithdrawalStatus.APPROVED
    assert _available(world) == 0
    assert world.balances().get(f"commission_payable:technician:{world.li}", 0) == 0
    assert world.balances().get(f"technician_payable:{world.li}", 0) == 0
    # and the statement is unchanged: moving commissions for a withdrawal is no earning
    assert world.app.payouts.earnings(_li(world), world.tech, MARCH) == statement
    _books_balance(world)

    # when a refund of Wang's order later takes 2.00 of the settled commission back
    with world.uow() as uow:
        uow.ledger.record(cancel_entry(settled, Money(200, CNY), at(7, 0)))
        uow.commit()
    statement = world.app.payouts.earnings(_li(world), world.tech, MARCH)
    assert [(line.source, line.amount.amount) for line in statement.lines][-1] == (
        EarningSource.COMMISSION,
        -200,
    )
    assert _available(world) == -200  # owed back out of his next earnings
    _books_balance(world)


def test_a_withdrawal_draws_on_commissions_only_for_what_the_payable_lacks() -> None:
    world = _world()
    _complete(world, 3)  # 139.30 payable
    commission = _commission(world, world.paid_order(at(4, 10)), world.tuina, 10_000)
    settled = commission.scheduled(at(5, 0)).settled(at(6, 0))
    with world.uow() as uow:
        uow.commissions.add(commission)
        uow.ledger.record(frozen_entry(commission))
        uow.ledger.record(settled_entry(settled))
        uow.commit()

    world.app.payouts.request_withdrawal(
        _li(world), Money(10_000, CNY), CARD, world.tech, idempotency_key="small"
    )
    assert world.balances()[f"commission_payable:technician:{world.li}"] == -10_000  # untouched
    # 139.30 more: the payable holds 39.30, the commissions give the 100.00 it lacks
    world.app.payouts.request_withdrawal(
        _li(world), Money(13_930, CNY), CARD, world.tech, idempotency_key="more"
    )
    assert world.balances().get(f"commission_payable:technician:{world.li}", 0) == 0
    assert world.balances().get(f"technician_payable:{world.li}", 0) == 0
    assert _available(world) == 0
    _books_balance(world)


# -- withdrawal events ----------------------------------------------------------------------


def test_every_step_of_a_withdrawal_raises_an_event_and_tells_whom_it_concerns() -> None:
    gateway = ScriptedPayoutGateway()
    gateway.script(PayoutOutcome.PAY, PayoutOutcome.FAIL)
    world = _world(gateway)
    for day in (3, 4, 5, 6, 9):
        _complete(world, day)  # 5 × 139.30 = 696.50
    li = _li(world)
    start = len(world.outbox())

    small = world.app.payouts.request_withdrawal(
        li, Money(10_000, CNY), CARD, world.tech, idempotency_key="a"
    )
    big = world.app.payouts.request_withdrawal(
        li, Money(55_000, CNY), CARD, world.tech, idempotency_key="b"
    )
    assert sorted(world.outbox()[start:]) == [
        "WithdrawalApproved",
        "WithdrawalRequested",
        "WithdrawalRequested",
    ]
    world.app.payouts.reject(big.id, FINANCE, reason="identity check")
    again = world.app.payouts.request_withdrawal(
        li, Money(55_000, CNY), CARD, world.tech, idempotency_key="c"
    )
    world.app.payouts.approve(again.id, FINANCE)
    world.run_jobs()  # pays "a", fails "c"

    # (the outbox lists them by instant, then by withdrawal and step)
    assert sorted(world.outbox()[start:]) == sorted(
        [
            *("WithdrawalRequested", "WithdrawalApproved", "WithdrawalPaid"),  # small
            *("WithdrawalRequested", "WithdrawalRejected"),  # big
            *("WithdrawalRequested", "WithdrawalApproved", "WithdrawalFailed"),  # again
        ]
    )
    assert world.app.payouts.get(small.id, world.tech).status is WithdrawalStatus.PAID
    assert world.app.payouts.get(again.id, world.tech).status is WithdrawalStatus.FAILED

    world.app.relay.run()
    told = [
        (n.template, n.params["withdrawal_id"])
        for n in reversed(world.app.notifications.inbox(world.tech, limit=100))
        if n.template.startswith("withdrawal_")
    ]
    assert sorted(told) == sorted(
        [
            ("withdrawal_approved", small.id),
            ("withdrawal_rejected", big.id),
            ("withdrawal_approved", again.id),
            ("withdrawal_paid", small.id),
            ("withdrawal_failed", again.id),
        ]
    )
    finance = world.app.notifications.inbox(FINANCE, limit=10)
    assert sorted((n.template, n.params["withdrawal_id"]) for n in finance) == sorted(
        [("withdrawal_to_approve", big.id), ("withdrawal_to_approve", again.id)]
    )
    rejected = next(
        n
        for n in world.app.notifications.inbox(world.tech, limit=100)
        if n.template == "withdrawal_rejected"
    )
    assert rejected.params == {
        "withdrawal_id": big.id,
        "amount": str(Money(55_000, CNY)),
        "net": str(Money(55_000, CNY)),
        "reason": "identity check",
    }


def test_a_replayed_request_returns_the_stored_withdrawal_and_says_so() -> None:
    world = _world()
    _complete(world, 3)
    first = world.app.payouts.request_withdrawal(
        _li(world), Money(10_000, CNY), CARD, world.tech, idempotency_key="k"
    )
    events = world.outbox()

    replay = world.app.payouts.request_withdrawal(
        _li(world), Money(10_000, CNY), CARD, world.tech, idempotency_key="k"
    )

    assert (first.replayed, replay.replayed) == (False, True)
    assert replay == first  # the same withdrawal (``replayed`` is not part of equality)
    assert world.outbox() == events  # nothing raised again
    assert _available(world) == 3_930


def test_a_store_sees_its_balance_and_events_the_same_way() -> None:
    from booking_core.ledger import RateTable, SplitRates
    from booking_core.scheduling import WeeklyHours
    from booking_core.scheduling.geo import GeoPoint
    from booking_core.stores import StoreAddress, StoreDetails
    from booking_core.testing.orders import LOCAL_ZONE, OPERATOR

    world = order_world(
        withdrawal_rules=RULES,
        payouts=ScriptedPayoutGateway(),
        rates=RateTable(SplitRates(Decimal("0.5"), Decimal("0.2"))),
    )
    details = StoreDetails(
        "North",
        StoreAddress("上海市", "静安区", "南京西路 1 号", GeoPoint(31.23, 121.45)),
        LOCAL_ZONE,
        WeeklyHours.every_day("10:00", "22:00"),
    )
    store_id = world.app.stores.create(details, OPERATOR).id
    world.app.stores.add_member(store_id, world.li, OPERATOR)
    orders = [_complete(world, day) for day in (3, 4, 5)]  # 39.80 each to the store
    world.app.payments.tip(orders[0], Money(1_000, CNY), CUSTOMER)  # Li's, not the store's
    store, manager = Payee.store(store_id), Actor(store_id, Role.STORE)

    balance = world.app.payouts.balance(store, manager)
    assert (balance.available.amount, balance.pending.amount) == (11_940, 0)
    statement = world.app.payouts.earnings(store, manager, MARCH)
    assert {line.source for line in statement.lines} == {EarningSource.ORDER}
    assert world.app.payouts.balance(_li(world), world.tech).available == Money(
        3 * 9_950 + 1_000, CNY
    )
    world.app.payouts.request_withdrawal(
        store, Money(10_000, CNY), CARD, manager, idempotency_key="s"
    )
    world.app.relay.run()
    assert [
        n.template for n in world.app.notifications.inbox(Actor(store_id, Role.STORE), limit=50)
    ][:1] == ["withdrawal_approved"]
    assert Account.commission_payable(store.key) == store.commissions
    _books_balance(world)
