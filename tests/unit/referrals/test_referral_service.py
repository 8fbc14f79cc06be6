"""ReferralService: codes, binding per mode, distributors under staff permission (audited),
team statistics, statements and the settle job — through the app ``build`` wires."""

from __future__ import annotations

from decimal import Decimal

import pytest

from booking_core.api import Actor, build
from booking_core.audit import AuditQuery
from booking_core.errors import PermissionDenied, ReferralNotAllowed
from booking_core.ledger import RateTable, SplitRates
from booking_core.ports.jobs import Job
from booking_core.referrals import (
    Admission,
    AdmissionMode,
    BindingMode,
    BindingMoment,
    BindingRules,
    CommissionPlan,
    CommissionState,
    DistributorStatus,
    Member,
    ReferralPolicy,
)
from booking_core.services.jobs import JobKind
from booking_core.services.steps.commissions import Commissions
from booking_core.staff import StaffRole
from booking_core.testing.clock import FrozenClock
from booking_core.testing.ids import SequentialIds
from booking_core.testing.memory import InMemoryStore
from booking_core.testing.payments import ScriptedPaymentGateway
from tests.referral_world import T0, order, seed

POLICY = ReferralPolicy(
    binding=BindingRules(BindingMode.ON_FIRST_ORDER),
    admission=Admission(AdmissionMode.APPROVAL),
    customer_plan=CommissionPlan((Decimal("0.1"), Decimal("0.05"))),
    settle_batch=2,
)
OPS = Actor.platform("ops_1", StaffRole.OPERATIONS)
FINANCE = Actor.platform("fin_1", StaffRole.FINANCE)
ALICE, BOB, CAROL = Actor.customer("alice"), Actor.customer("bob"), Actor.customer("carol")


@pytest.fixture
def world() -> tuple[InMemoryStore, FrozenClock, object]:
    store, clock = InMemoryStore(), FrozenClock(T0)
    seed(store.unit_of_work)
    app = build(uow=store.unit_of_work, payments=ScriptedPaymentGateway(), clock=clock,
                ids=SequentialIds(), referral_policy=POLICY)  # fmt: skip
    return store, clock, app


def test_a_member_gets_one_code_and_a_link(world: tuple) -> None:  # type: ignore[type-arg]
    _, _, app = world

    code = app.referrals.code(ALICE)

    assert app.referrals.code(ALICE) == code
    assert app.referrals.link(ALICE) == f"https://example.com/invite?code={code.code}"
    assert app.referrals.code(BOB).code != code.code


def test_binding_follows_the_mode_and_never_closes_a_loop(world: tuple) -> None:  # type: ignore[type-arg]
    _, _, app = world
    alice, bob = app.referrals.code(ALICE).code, app.referrals.code(BOB).code

    bound = app.referrals.bind(BOB, alice.lower(), moment=BindingMoment.REGISTRATION)
    with pytest.raises(ReferralNotAllowed) as loop:
        app.referrals.bind(ALICE, bob)
    with pytest.raises(ReferralNotAllowed) as fixed:
        app.referrals.bind(BOB, app.referrals.code(CAROL).code)

    assert (bound.referee, bound.referrer) == (Member.customer("bob"), Member.customer("alice"))
    assert loop.value.details["reason"] == "cycle"
    assert fixed.value.details["reason"] == "already_bound"
    assert app.referrals.binding(BOB) == bound
    with pytest.raises(PermissionDenied):
        app.referrals.bind(BOB, alice, referee=Member.customer("carol"))


def test_staff_approve_and_suspend_distributors_with_permission_and_an_audit_trail(
    world: tuple,  # type: ignore[type-arg]
) -> None:
    store, _, app = world

    applied = app.referrals.apply(ALICE)
    with pytest.raises(PermissionDenied):
        app.referrals.approve(FINANCE, Member.customer("alice"))
    approved = app.referrals.approve(OPS, Member.customer("alice"))
    suspended = app.referrals.suspend(OPS, Member.customer("alice"), "spam")

    assert applied.status is DistributorStatus.APPLIED
    assert approved.status is DistributorStatus.ACTIVE
    assert (suspended.status, suspended.reason) == (DistributorStatus.SUSPENDED, "spam")
    with store.unit_of_work() as uow:
        actions = [e.action for e in uow.audit.find(AuditQuery(action="distributor"))]
    assert actions == ["distributor.suspend", "distributor.approve"]
    assert [d.member for d in app.referrals.distributors(OPS, DistributorStatus.SUSPENDED)] == [
        Member.customer("alice")
    ]


def _earned(store: InMemoryStore, n: int, buyer: str, fen: int) -> None:
    step = Commissions(POLICY, RateTable(SplitRates(Decimal("0.7"))))
    paid = order(n, buyer, [(order(0, buyer).service_id, fen)])
    with store.unit_of_work() as uow:
        step.on_captured(uow, paid, T0)
        step.on_completed(uow, paid, T0)
        uow.commit()


def test_team_statement_and_the_settle_job(world: tuple) -> None:  # type: ignore[type-arg]
    store, clock, app = world
    app.referrals.bind(BOB, app.referrals.code(ALICE).code)
    app.referrals.bind(CAROL, app.referrals.code(BOB).code)
    for actor in (ALICE, BOB):
        app.referrals.apply(actor)
        app.referrals.approve(OPS, Member.customer(actor.id))
    _earned(store, 1, "bob", 100_00)  # Alice level 1: 10.00
    _earned(store, 2, "carol", 200_00)  # Bob level 1: 20.00, Alice level 2: 10.00
    _earned(store, 3, "carol", 50_00)  # Bob 5.00, Alice 2.50

    team = app.referrals.team(ALICE)
    clock.set(T0 + POLICY.cooling_off)
    handler = app.job_handlers[JobKind.SETTLE_COMMISSIONS.value]
    job = Job("settle_commissions:ord_1", JobKind.SETTLE_COMMISSIONS.value, "ord_1", clock.now())
    runs = [handler(job, clock.now()) for _ in range(3)]
    statement = app.referrals.statement(ALICE)

    assert [(t.level, t.members, t.orders, t.sales, t.commission) for t in team] == [
        (1, 1, 1, {"CNY": 100_00}, {"CNY": 10_00}),
        (2, 1, 2, {"CNY": 250_00}, {"CNY": 12_50}),
    ]
    assert runs == [clock.now(), clock.now(), None]  # batches of two: 5 commissions
    assert statement.totals == {(CommissionState.SETTLED, "CNY"): 22_50}
    with pytest.raises(PermissionDenied):
        app.referrals.statement(OPS, Member.customer("alice"))
    assert app.referrals.statement(FINANCE, Member.customer("alice")) == statement
    summary = app.referrals.summary(FINANCE, T0, T0.add(days=1))
    assert summary.totals == {(CommissionState.SETTLED, "CNY"): 47_50}
    assert (summary.beneficiaries, summary.distributors) == (2, {DistributorStatus.ACTIVE: 2})
    assert app.ledger.balances(FINANCE)  # the books hold the payables
