"""Earnings and withdrawals in the order world (issue 13; FEATURES T9, T10; INVARIANTS I24):
completed orders credit Li's payable, his statement lists them, he withdraws under the rules,
finance decides above the limit, the pay job pays out through the fake provider — and the
books balance after every step."""

from __future__ import annotations

from decimal import Decimal

import pytest

from booking_core.audit import AuditQuery
from booking_core.errors import (
    IdempotencyKeyReused,
    InsufficientBalance,
    NotFound,
    PaymentError,
    PermissionDenied,
    TransitionNotAllowed,
    WithdrawalNotAllowed,
)
from booking_core.ids import OrderId
from booking_core.ledger import RateTable, SplitRates
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.payouts import (
    BankCard,
    EarningSource,
    Payee,
    Wallet,
    WalletProvider,
    WithdrawalRules,
    WithdrawalStatus,
)
from booking_core.scheduling import WeeklyHours
from booking_core.scheduling.geo import GeoPoint
from booking_core.staff import StaffRole
from booking_core.stores import StoreAddress, StoreDetails
from booking_core.testing import ScriptedPayoutGateway
from booking_core.testing.orders import LOCAL_ZONE, OPERATOR, OrderWorld, at, order_world
from booking_core.testing.payouts import PayoutOutcome
from booking_core.timerange import TimeRange

CARD = BankCard("************1234", "李雷 Li Lei", "招商银行 China Merchants Bank")
WALLET = Wallet(WalletProvider.ALIPAY, "lilei@example.com")
FINANCE = Actor.platform("fin_1", StaffRole.FINANCE)
MARCH = TimeRange(at(1, 0), at(31, 0))

# 100.00 at least; 1.00 + 0.6 % (half up to the fen); finance approves above 500.00.
RULES = WithdrawalRules(
    minimum=Money(10_000, "CNY"),
    fee_fixed=Money(100, "CNY"),
    fee_rate=Decimal("0.006"),
    approval_above=Money(50_000, "CNY"),
)


def _world(gateway: ScriptedPayoutGateway | None = None) -> OrderWorld:
    return order_world(withdrawal_rules=RULES, payouts=gateway or ScriptedPayoutGateway())


def _complete(world: OrderWorld, day: int, hour: int = 10) -> OrderId:
    order_id = world.paid_order(at(day, hour))
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")
    return order_id


def _li(world: OrderWorld) -> Payee:
    return Payee.technician(world.li)


def _fen(world: OrderWorld) -> tuple[int, int, int]:
    balance = world.app.payouts.balance(_li(world), world.tech)
    return balance.available.amount, balance.in_flight.amount, balance.paid_out.amount


def _pay_jobs(world: OrderWorld) -> list[str]:
    """Run the due jobs; the outcomes of the pay jobs among them."""
    return [run for run in world.run_jobs() if run.startswith("pay_withdrawal:")]


def _books_balance(world: OrderWorld) -> None:
    assert sum(world.balances().values()) == 0


def test_completed_orders_make_the_statement_and_a_withdrawal_is_paid_out() -> None:
    # given two completed tuina orders (199.00 each, 70 % to Li: 139.30)
    gateway = ScriptedPayoutGateway()
    world = _world(gateway)
    first, second = _complete(world, 3), _complete(world, 4)

    statement = world.app.payouts.earnings(_li(world), world.tech, MARCH)

    assert [(line.order_id, line.service_id, line.amount.amount) for line in statement.lines] == [
        (first, world.tuina, 13_930),
        (second, world.tuina, 13_930),
    ]
    assert [line.at for line in statement.lines] == [at(3, 11), at(4, 11)]
    assert {line.source for line in statement.lines} == {EarningSource.ORDER}
    assert statement.total == Money(27_860, "CNY")
    assert statement.by_service() == {world.tuina: Money(27_860, "CNY")}
    assert _fen(world) == (27_860, 0, 0)

    # when he withdraws 200.00 to his card (fee 1.00 + 1.20)
    withdrawal = world.app.payouts.request_withdrawal(
        _li(world), Money(20_000, "CNY"), CARD, world.tech, idempotency_key="w-1"
    )

    # then it is approved at once, debited whole, and in flight net of the fee
    assert withdrawal.status is WithdrawalStatus.APPROVED
    assert (withdrawal.fee.amount, withdrawal.net.amount) == (220, 19_780)
    assert _fen(world) == (7_860, 19_780, 0)
    _books_balance(world)

    # when the pay job runs, then the provider paid the net once and nothing is in flight
    assert _pay_jobs(world) == ["pay_withdrawal:done"]
    paid = world.app.payouts.get(withdrawal.id, world.tech)
    assert paid.status is WithdrawalStatus.PAID
    assert paid.provider_reference == "fake_po_1"
    assert gateway.paid[withdrawal.id].amount == Money(19_780, "CNY")
    assert _fen(world) == (7_860, 0, 19_780)
    assert world.balances()["withdrawal_fees"] == -220
    _books_balance(world)
    # and the statement is unchanged: withdrawals are not earnings
    assert world.app.payouts.earnings(_li(world), world.tech, MARCH) == statement


def test_a_failed_payout_returns_the_money_once() -> None:
    gateway = ScriptedPayoutGateway()
    gateway.script(PayoutOutcome.FAIL)
    world = _world(gateway)
    _complete(world, 3)
    withdrawal = world.app.payouts.request_withdrawal(
        _li(world), Money(10_000, "CNY"), WALLET, world.tech, idempotency_key="w-1"
    )

    assert _pay_jobs(world) == ["pay_withdrawal:done"]
    world.app.payouts.pay(withdrawal.id)  # again: nothing more happens

    failed = world.app.payouts.get(withdrawal.id, world.tech)
    assert failed.status is WithdrawalStatus.FAILED
    assert failed.failure == "the bank refused the payout"
    assert _fen(world) == (13_930, 0, 0)  # fee included
    assert "withdrawal_fees" not in world.balances()
    _books_balance(world)


def test_an_accepted_payout_is_asked_about_until_it_settles() -> None:
    gateway = ScriptedPayoutGateway()
    gateway.script(PayoutOutcome.ACCEPT_THEN_PAY)
    world = _world(gateway)
    _complete(world, 3)
    withdrawal = world.app.payouts.request_withdrawal(
        _li(world), Money(10_000, "CNY"), CARD, world.tech, idempotency_key="w-1"
    )

    assert _pay_jobs(world) == ["pay_withdrawal:again"]
    assert world.app.payouts.get(withdrawal.id, world.tech).status is WithdrawalStatus.PAYING
    gateway.settle()
    world.clock.set(world.clock.now().add(minutes=10))

    assert _pay_jobs(world) == ["pay_withdrawal:done"]
    assert world.app.payouts.get(withdrawal.id, world.tech).status is WithdrawalStatus.PAID
    assert len(gateway.paid) == 1


def test_a_timed_out_payout_is_sent_again_and_paid_once() -> None:
    gateway = ScriptedPayoutGateway()
    gateway.script(PayoutOutcome.TIMEOUT_THEN_PAY)
    world = _world(gateway)
    _complete(world, 3)
    withdrawal = world.app.payouts.request_withdrawal(
        _li(world), Money(10_000, "CNY"), CARD, world.tech, idempotency_key="w-1"
    )

    assert _pay_jobs(world) == ["pay_withdrawal:failed"]
    assert world.app.payouts.get(withdrawal.id, world.tech).status is WithdrawalStatus.PAYING
    world.clock.set(world.clock.now().add(hours=1))

    assert _pay_jobs(world) == ["pay_withdrawal:done"]
    assert world.app.payouts.get(withdrawal.id, world.tech).status is WithdrawalStatus.PAID
    assert list(gateway.paid) == [withdrawal.id]
    _books_balance(world)


def test_above_the_limit_finance_approves_or_rejects_and_is_audited() -> None:
    world = _world()
    for day in range(3, 11):
        _complete(world, day)  # 8 × 139.30 = 1,114.40
    big = world.app.payouts.request_withdrawal(
        _li(world), Money(60_000, "CNY"), CARD, world.tech, idempotency_key="big"
    )
    other = world.app.payouts.request_withdrawal(
        _li(world), Money(50_001, "CNY"), CARD, world.tech, idempotency_key="other"
    )
    assert (big.status, other.status) == (WithdrawalStatus.PENDING_APPROVAL,) * 2
    assert [w.id for w in world.app.payouts.pending(FINANCE)] == [big.id, other.id]
    assert _pay_jobs(world) == []

    with pytest.raises(PermissionDenied):
        world.app.payouts.approve(big.id, world.tech)
    with pytest.raises(PermissionDenied):
        world.app.payouts.approve(big.id, Actor.platform("ops", StaffRole.OPERATIONS))
    approved = world.app.payouts.approve(big.id, FINANCE, note="checked by phone")
    rejected = world.app.payouts.reject(other.id, FINANCE, reason="card holder differs")

    assert (approved.status, approved.decided_by) == (WithdrawalStatus.APPROVED, "fin_1")
    assert rejected.status is WithdrawalStatus.REJECTED
    with pytest.raises(TransitionNotAllowed):
        world.app.payouts.reject(other.id, FINANCE, reason="again")
    with pytest.raises(TransitionNotAllowed):
        world.app.payouts.reject(big.id, FINANCE, reason="too late")
    assert _pay_jobs(world) == ["pay_withdrawal:done"]
    assert _fen(world) == (111_440 - 60_000, 0, 60_000 - 100 - 360)
    with world.uow() as uow:
        actions = [(e.action, e.subject_id, e.staff) for e in uow.audit.find(AuditQuery())]
    assert ("withdrawal.approve", big.id, StaffRole.FINANCE) in actions
    assert ("withdrawal.reject", other.id, StaffRole.FINANCE) in actions
    _books_balance(world)


def test_the_rules_and_the_balance_refuse_what_they_must() -> None:
    world = _world()
    _complete(world, 3)  # 139.30 available
    li, me = _li(world), world.tech

    with pytest.raises(WithdrawalNotAllowed) as low:
        world.app.payouts.request_withdrawal(li, Money(9_999, "CNY"), CARD, me, idempotency_key="a")
    with pytest.raises(InsufficientBalance) as broke:
        world.app.payouts.request_withdrawal(
            li, Money(13_931, "CNY"), CARD, me, idempotency_key="b"
        )
    exactly = world.app.payouts.request_withdrawal(
        li, Money(13_930, "CNY"), CARD, me, idempotency_key="c"
    )

    assert low.value.details["reason"] == "below_minimum"
    assert broke.value.code == "insufficient_balance"
    assert broke.value.details == {"available": 13_930, "requested": 13_931}
    assert _fen(world)[0] == 0
    # a retry with the same key is the same withdrawal; another body under it is refused
    again = world.app.payouts.request_withdrawal(
        li, Money(13_930, "CNY"), CARD, me, idempotency_key="c"
    )
    assert again == exactly
    with pytest.raises(IdempotencyKeyReused):
        world.app.payouts.request_withdrawal(
            li, Money(13_930, "CNY"), WALLET, me, idempotency_key="c"
        )


def test_only_the_payee_withdraws_and_only_he_or_finance_sees() -> None:
    world = _world()
    _complete(world, 3)
    wang = Actor(world.wang, Role.TECHNICIAN)
    withdrawal = world.app.payouts.request_withdrawal(
        _li(world), Money(10_000, "CNY"), CARD, world.tech, idempotency_key="w"
    )

    with pytest.raises(PermissionDenied):
        world.app.payouts.request_withdrawal(
            _li(world), Money(10_000, "CNY"), CARD, wang, idempotency_key="x"
        )
    with pytest.raises(PermissionDenied):
        world.app.payouts.balance(_li(world), wang)
    with pytest.raises(PermissionDenied):
        world.app.payouts.earnings(_li(world), Actor.customer("cus_1"), MARCH)
    with pytest.raises(NotFound):
        world.app.payouts.get(withdrawal.id, wang)

    assert world.app.payouts.balance(_li(world), FINANCE).available == Money(3_930, "CNY")
    assert world.app.payouts.withdrawals(_li(world), FINANCE) == [withdrawal]


def test_without_a_gateway_withdrawals_wait_for_one() -> None:
    world = order_world(withdrawal_rules=RULES)
    _complete(world, 3)
    withdrawal = world.app.payouts.request_withdrawal(
        _li(world), Money(10_000, "CNY"), CARD, world.tech, idempotency_key="w"
    )

    with pytest.raises(PaymentError):
        world.app.payouts.pay(withdrawal.id)
    assert _pay_jobs(world) == ["pay_withdrawal:failed"]
    assert world.app.payouts.get(withdrawal.id, world.tech).status is WithdrawalStatus.APPROVED
    assert _fen(world) == (3_930, 9_840, 0)


def test_a_store_earns_its_share_and_withdraws_it_the_same_way() -> None:
    # given a store taking 20 % of its technician Li's orders (Li 50 %)
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
    store, manager = Payee.store(store_id), Actor(store_id, Role.STORE)

    statement = world.app.payouts.earnings(store, manager, MARCH)
    with pytest.raises(PermissionDenied):
        world.app.payouts.request_withdrawal(
            store, Money(10_000, "CNY"), CARD, world.tech, idempotency_key="s-1"
        )
    withdrawal = world.app.payouts.request_withdrawal(
        store, Money(10_000, "CNY"), CARD, manager, idempotency_key="s-1"
    )

    assert [(line.order_id, line.amount.amount) for line in statement.lines] == [
        (order_id, 3_980) for order_id in orders
    ]
    assert _pay_jobs(world) == ["pay_withdrawal:done"]
    assert world.app.payouts.get(withdrawal.id, manager).status is WithdrawalStatus.PAID
    balance = world.app.payouts.balance(store, manager)
    assert (balance.available.amount, balance.paid_out.amount) == (11_940 - 10_000, 9_840)
    assert world.app.payouts.balance(_li(world), world.tech).available == Money(29_850, "CNY")
    _books_balance(world)
