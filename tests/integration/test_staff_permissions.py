"""Platform staff act by permission, and every change they make is audited (issue 10).

One table lists every service method a platform sub-role is checked on: the permission it
needs (from :data:`booking_core.staff.PERMISSIONS`, so a changed table changes what is
expected here) and the audit action it records. For each method × each sub-role:

* without the permission: ``PermissionDenied`` (code ``permission_denied``, the permission
  named in ``details``), and nothing stored changed — no audit entry either;
* with it: the call succeeds and leaves exactly one audit entry naming the staff member,
  his sub-role, the action and the subject (reads of the books and of the log leave none).

The order and complaint flows' own role checks stay in the domain; non-platform actors
are not audited, and a failed action leaves no entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pendulum
import pytest

from booking_core.audit import AuditCursor, AuditEntry, AuditQuery
from booking_core.customers import CustomerDetails
from booking_core.errors import AlreadyCancelled, DuplicateEntity, PermissionDenied
from booking_core.ids import CustomerId, OrderId, StoreId, TechnicianId
from booking_core.ledger import Account, Posting, Transaction, TransactionId, TransactionKind
from booking_core.money import Money
from booking_core.onboarding import DocumentKind, QualificationDocument
from booking_core.orders import Actor, OrderState, Role
from booking_core.orders.complaint import Decision, Remedy
from booking_core.outbox import OutboxMessage, OutboxState
from booking_core.payouts import Payee, Wallet, WalletProvider, Withdrawal, WithdrawalId
from booking_core.payouts.entries import withdrawal_requested
from booking_core.ports.jobs import Job
from booking_core.promotions import (
    Campaign,
    CampaignId,
    CampaignOffer,
    CouponBenefit,
    CouponTemplate,
    CouponTemplateId,
    CouponTerms,
    IssueChannel,
    Validity,
)
from booking_core.scheduling import TimeOff, WeeklyHours
from booking_core.scheduling.geo import GeoPoint
from booking_core.services.aftersales import FileComplaint
from booking_core.services.catalog import CreateCategory, CreateService
from booking_core.services.onboarding import ApplyAsTechnician
from booking_core.services.technicians import RegisterTechnician
from booking_core.staff import PERMISSIONS, Permission, StaffRole
from booking_core.stores import Audience, StoreAddress, StoreDetails
from booking_core.testing.memory import InMemoryStore
from booking_core.testing.orders import CUSTOMER, LOCAL_ZONE, OPERATOR, OrderWorld, at, order_world
from booking_core.timerange import TimeRange

Call = Callable[[Actor], object]


@attrs.frozen
class Guarded:
    """A guarded service method: what it needs, what it records, and how to call it in a
    world prepared by ``prepare`` (which returns the call)."""

    permission: Permission
    action: str | None  # None: a read, not recorded
    subject_kind: str | None
    prepare: Callable[[OrderWorld], Call]


def _store_details(name: str = "North") -> StoreDetails:
    return StoreDetails(
        name,
        StoreAddress("上海市", "静安区", "南京西路 1 号", GeoPoint(31.23, 121.45)),
        LOCAL_ZONE,
        WeeklyHours.every_day("10:00", "22:00"),
    )


def _template() -> CouponTemplate:
    return CouponTemplate(
        CouponTemplateId("tpl_x"),
        "10 off",
        CouponTerms(CouponBenefit.amount_off(Money(1000, "CNY"))),
        Validity.days_after_issue(7),
        channels=frozenset({IssueChannel.CLAIM, IssueChannel.ADMIN}),
    )


def _campaign(name: str = "weekend") -> Campaign:
    return Campaign(
        CampaignId("cmp_x"),
        name,
        CampaignOffer.special_price(Money(9900, "CNY")),
        starts_at=at(2, 0),
        ends_at=at(9, 0),
    )


def _store(world: OrderWorld) -> StoreId:
    return world.app.stores.create(_store_details(), OPERATOR).id


def _with_template(world: OrderWorld) -> CouponTemplateId:
    return world.app.coupons.create_template(OPERATOR, _template()).id


def _customer(world: OrderWorld) -> CustomerId:
    world.app.customers.register(CustomerDetails("Alice"), CUSTOMER)
    return CustomerId(CUSTOMER.id)


def _application(world: OrderWorld) -> str:
    docs = [
        QualificationDocument(DocumentKind.ID_CARD, "f/id.jpg", pendulum.date(2031, 1, 1)),
        QualificationDocument(
            DocumentKind.HEALTH_CERTIFICATE, "f/health.pdf", pendulum.date(2030, 1, 1)
        ),
        QualificationDocument(DocumentKind.SKILL_CERTIFICATE, "f/skill.pdf"),
    ]
    command = ApplyAsTechnician(
        "Zhou", LOCAL_ZONE, WeeklyHours.every_day("09:00", "13:00"), docs, frozenset({world.tuina})
    )
    return world.app.onboarding.apply(command, Actor("tec_zhou", Role.TECHNICIAN)).id


def _paid(world: OrderWorld) -> OrderId:
    return world.paid_order()


def _placed(world: OrderWorld) -> OrderId:
    return world.place()


def _taken_up(world: OrderWorld) -> str:
    return _complaint(world, taken_up=True)


def _complaint(world: OrderWorld, *, taken_up: bool = False) -> str:
    order_id = world.paid_order()
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")
    complaint = world.app.aftersales.file(
        FileComplaint(order_id, CustomerId(CUSTOMER.id), "Too short", Remedy.FULL_REFUND),
        CUSTOMER,
    )
    if taken_up:
        world.app.aftersales.take_up(complaint.id, OPERATOR)
    return complaint.id


def _on(
    make: Callable[[OrderWorld], Any], call: Callable[[OrderWorld, Any, Actor], object]
) -> Callable[[OrderWorld], Call]:
    """Prepare with ``make`` (its result is the call's subject), then call as the actor."""

    def prepare(world: OrderWorld) -> Call:
        made = make(world)
        return lambda actor: call(world, made, actor)

    return prepare


def _nothing(world: OrderWorld) -> None:
    return None


def _member(world: OrderWorld) -> StoreId:
    store_id = _store(world)
    world.app.stores.add_member(store_id, world.li, OPERATOR)
    return store_id


def _campaign_created(world: OrderWorld) -> None:
    world.app.campaigns.create(OPERATOR, _campaign())


def _category(world: OrderWorld) -> str:
    return world.app.catalog.get_service(world.tuina).category_id


def _dead_job(world: OrderWorld) -> str:
    now = world.clock.now()
    with world.uow() as uow:
        uow.jobs.schedule(Job("boom:1", "boom", "x", now))
        uow.jobs.claim_due(now, worker="w", limit=1, lease=pendulum.duration(minutes=5))
        uow.jobs.bury("boom:1", worker="w", error="RuntimeError: broken")
        uow.commit()
    return "boom:1"


def _pending_withdrawal(world: OrderWorld) -> WithdrawalId:
    """A withdrawal of Li's waiting for approval, stored as the service stores one (his
    payable credited first, so the books hold what it debits)."""
    li, now = Payee.technician(world.li), world.clock.now()
    earned = Money(600_000, "CNY")
    withdrawal = Withdrawal(
        WithdrawalId("wdr_big"), li, earned, Money(0, "CNY"),
        Wallet(WalletProvider.ALIPAY, "li@example.com"), now, world.li, "k",
    ).routed(needs_approval=True)  # fmt: skip
    with world.uow() as uow:
        uow.ledger.record(Transaction(
            TransactionId("done:ord_x:1"), TransactionKind.ORDER_COMPLETED, now,
            (Posting.debit(Account.customer_funds(), earned), Posting.credit(li.payable, earned)),
            order_id=OrderId("ord_x"),
        ))  # fmt: skip
        uow.ledger.record(withdrawal_requested(withdrawal))
        uow.withdrawals.add(withdrawal)
        uow.commit()
    return withdrawal.id


def _dead_message(world: OrderWorld) -> str:
    message = OutboxMessage(
        "msg_dead", "OrderPlaced", {"order_id": "nope"}, world.clock.now(), attempts=5,
        last_error="NotFound: order_not_found", state=OutboxState.DEAD,
    )  # fmt: skip
    with world.uow() as uow:
        uow.outbox.add(message)
        uow.commit()
    return message.id


GUARDED: dict[str, Guarded] = {
    "catalog.create_category": Guarded(
        Permission.CATALOG, "catalog.category.create", "category",
        _on(_nothing, lambda w, _, a: w.app.catalog.create_category(CreateCategory("Spa"), a)),
    ),
    "catalog.create_service": Guarded(
        Permission.CATALOG, "catalog.service.create", "service",
        _on(_category, lambda w, c, a: w.app.catalog.create_service(
            CreateService(c, "Cupping", 30, Money(9900, "CNY")), a)),
    ),
    "technicians.register": Guarded(
        Permission.TECHNICIANS, "technician.register", "technician",
        _on(_nothing, lambda w, _, a: w.app.technicians.register(
            RegisterTechnician("Zhao", LOCAL_ZONE, WeeklyHours.every_day("09:00", "18:00")), a)),
    ),
    "technicians.update_profile": Guarded(
        Permission.TECHNICIANS, "technician.update_profile", "technician",
        _on(_nothing, lambda w, _, a: w.app.technicians.update_profile(
            w.li, attrs.evolve(w.app.technicians.get(w.li).profile, skills={"tuina"}), a)),
    ),
    "technicians.update_hours": Guarded(
        Permission.TECHNICIANS, "technician.update_hours", "technician",
        _on(_nothing, lambda w, _, a: w.app.technicians.update_hours(
            w.li, WeeklyHours.every_day("10:00", "20:00"), frozenset({w.tuina}), a)),
    ),
    "onboarding.approve": Guarded(
        Permission.TECHNICIANS, "technician_application.approve", "technician_application",
        _on(_application, lambda w, app_id, a: w.app.onboarding.approve(app_id, a)),
    ),
    "onboarding.reject": Guarded(
        Permission.TECHNICIANS, "technician_application.reject", "technician_application",
        _on(_application, lambda w, app_id, a: w.app.onboarding.reject(
            app_id, a, reason="Blurred")),
    ),
    "onboarding.request_more": Guarded(
        Permission.TECHNICIANS, "technician_application.request_more",
        "technician_application",
        _on(_application, lambda w, app_id, a: w.app.onboarding.request_more(
            app_id, a, reason="A clearer ID")),
    ),
    "stores.create": Guarded(
        Permission.STORES, "store.create", "store",
        _on(_nothing, lambda w, _, a: w.app.stores.create(_store_details("South"), a)),
    ),
    "stores.allow_own_prices": Guarded(
        Permission.STORES, "store.allow_own_prices", "store",
        _on(_store, lambda w, s, a: w.app.stores.allow_own_prices(s, True, a)),
    ),
    "stores.update_details": Guarded(
        Permission.STORES, "store.update_details", "store",
        _on(_store, lambda w, s, a: w.app.stores.update_details(s, _store_details("N2"), a)),
    ),
    "stores.invite": Guarded(
        Permission.STORES, "store.invite", "store",
        _on(_store, lambda w, s, a: w.app.stores.invite(s, w.li, a)),
    ),
    "stores.add_member": Guarded(
        Permission.STORES, "store.add_member", "technician",
        _on(_store, lambda w, s, a: w.app.stores.add_member(s, w.li, a)),
    ),
    "stores.leave": Guarded(
        Permission.STORES, "store.remove_member", "technician",
        _on(_member, lambda w, s, a: w.app.stores.leave(s, w.li, a)),
    ),
    "stores.publish": Guarded(
        Permission.STORES, "store.announcement.publish", "announcement",
        _on(_store, lambda w, s, a: w.app.stores.publish(
            s, Audience.CUSTOMERS, "Open", "We open on Monday", a)),
    ),
    "coupons.create_template": Guarded(
        Permission.PROMOTIONS, "coupon_template.create", "coupon_template",
        _on(_nothing, lambda w, _, a: w.app.coupons.create_template(a, _template())),
    ),
    "coupons.set_template_active": Guarded(
        Permission.PROMOTIONS, "coupon_template.set_active", "coupon_template",
        _on(_with_template, lambda w, t, a: w.app.coupons.set_template_active(
            a, t, active=False)),
    ),
    "coupons.issue": Guarded(
        Permission.PROMOTIONS, "coupon.issue", "coupon",
        _on(_with_template, lambda w, t, a: w.app.coupons.issue(a, t, CustomerId("cus_9"))),
    ),
    "campaigns.create": Guarded(
        Permission.PROMOTIONS, "campaign.create", "campaign",
        _on(_nothing, lambda w, _, a: w.app.campaigns.create(a, _campaign())),
    ),
    "campaigns.update": Guarded(
        Permission.PROMOTIONS, "campaign.update", "campaign",
        _on(_campaign_created, lambda w, _, a: w.app.campaigns.update(
            a, _campaign("long weekend"))),
    ),
    "customers.set_tier": Guarded(
        Permission.CUSTOMERS, "customer.set_tier", "customer",
        _on(_customer, lambda w, c, a: w.app.customers.set_tier(c, "gold", a)),
    ),
    "ordering.transition": Guarded(
        Permission.ORDERS, "order.accept", "order",
        _on(_paid, lambda w, o, a: w.app.ordering.transition(o, "accept", a)),
    ),
    "cancellation.cancel": Guarded(
        Permission.ORDERS, "order.cancel", "order",
        _on(_paid, lambda w, o, a: w.app.cancellation.cancel(o, a, reason="He is ill")),
    ),
    "modification.change_time": Guarded(
        Permission.ORDERS, "order.change_time", "order",
        _on(_paid, lambda w, o, a: w.app.modification.change_time(o, a, at(3, 14))),
    ),
    "modification.change_technician": Guarded(
        Permission.ORDERS, "order.change_technician", "order",
        _on(_paid, lambda w, o, a: w.app.modification.change_technician(o, a, w.wang)),
    ),
    "aftersales.take_up": Guarded(
        Permission.COMPLAINTS, "complaint.take_up", "complaint",
        _on(_complaint, lambda w, c, a: w.app.aftersales.take_up(c, a)),
    ),
    "aftersales.reject": Guarded(
        Permission.COMPLAINTS, "complaint.reject", "complaint",
        _on(_taken_up, lambda w, c, a: w.app.aftersales.reject(c, a, note="Served in full")),
    ),
    "aftersales.resolve": Guarded(
        Permission.COMPLAINTS, "complaint.resolve", "complaint",
        _on(_taken_up, lambda w, c, a: w.app.aftersales.resolve(
            c, a, decision=Decision.FULL_REFUND)),
    ),
    "schedules.add_time_off": Guarded(
        Permission.TECHNICIANS, "technician.schedule.change", "technician",
        _on(_nothing, lambda w, _, a: w.app.schedules.add_time_off(
            a, w.li, TimeOff(TimeRange(at(5, 9), at(5, 12)), "training"))),
    ),
    "payments.pay": Guarded(
        Permission.ORDERS, "order.pay", "order",
        _on(_placed, lambda w, o, a: w.app.payments.pay(o, a)),
    ),
    "payments.refund": Guarded(
        Permission.REFUNDS, "order.refund", "order",
        _on(_paid, lambda w, o, a: w.app.payments.refund(
            o, Money(1000, "CNY"), reason="goodwill", actor=a, close=False)),
    ),
    "ledger.balances": Guarded(
        Permission.BOOKS, None, None, _on(_nothing, lambda w, _, a: w.app.ledger.balances(a)),
    ),
    "ledger.order_position": Guarded(
        Permission.BOOKS, None, None,
        _on(_paid, lambda w, o, a: w.app.ledger.order_position(a, o)),
    ),
    "audit.entries": Guarded(
        Permission.AUDIT, None, None,
        _on(_nothing, lambda w, _, a: w.app.audit.entries(a, AuditQuery())),
    ),
    "dead_letters.jobs": Guarded(
        Permission.JOBS, None, None,
        _on(_dead_job, lambda w, _, a: w.app.dead_letters.jobs(a)),
    ),
    "dead_letters.messages": Guarded(
        Permission.JOBS, None, None,
        _on(_dead_message, lambda w, _, a: w.app.dead_letters.messages(a)),
    ),
    "dead_letters.retry_job": Guarded(
        Permission.JOBS, "job.retry", "job",
        _on(_dead_job, lambda w, j, a: w.app.dead_letters.retry_job(j, a)),
    ),
    "dead_letters.discard_job": Guarded(
        Permission.JOBS, "job.discard", "job",
        _on(_dead_job, lambda w, j, a: w.app.dead_letters.discard_job(j, a, reason="obsolete")),
    ),
    "dead_letters.retry_message": Guarded(
        Permission.JOBS, "outbox.retry", "outbox_message",
        _on(_dead_message, lambda w, m, a: w.app.dead_letters.retry_message(m, a)),
    ),
    "dead_letters.discard_message": Guarded(
        Permission.JOBS, "outbox.discard", "outbox_message",
        _on(_dead_message, lambda w, m, a: w.app.dead_letters.discard_message(m, a, reason="x")),
    ),
    "payouts.pending": Guarded(
        Permission.PAYOUTS, None, None,
        _on(_pending_withdrawal, lambda w, _, a: w.app.payouts.pending(a)),
    ),
    "payouts.approve": Guarded(
        Permission.PAYOUTS, "withdrawal.approve", "withdrawal",
        _on(_pending_withdrawal, lambda w, d, a: w.app.payouts.approve(d, a)),
    ),
    "payouts.reject": Guarded(
        Permission.PAYOUTS, "withdrawal.reject", "withdrawal",
        _on(_pending_withdrawal, lambda w, d, a: w.app.payouts.reject(d, a, reason="no")),
    ),
}  # fmt: skip

CASES = [(name, staff) for name in GUARDED for staff in StaffRole]


def _world() -> tuple[OrderWorld, InMemoryStore]:
    store = InMemoryStore()
    return order_world(store=store), store


def _tables(store: InMemoryStore) -> dict[str, dict[str, Any]]:
    return {name: dict(rows) for name, rows in store.tables.items()}


def _same(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> bool:
    # In memory an unchanged row is the very object stored; a change stores another.
    return before.keys() == after.keys() and all(
        before[t].keys() == after[t].keys()
        and all(before[t][k] is after[t][k] or before[t][k] == after[t][k] for k in before[t])
        for t in before
    )


def _entries(store: InMemoryStore) -> list[AuditEntry]:
    return list(store.tables["audit_entries"].values())


@pytest.mark.parametrize(("name", "staff"), CASES, ids=[f"{n}-{s.value}" for n, s in CASES])
def test_staff_act_by_permission_and_each_change_leaves_one_entry(
    name: str, staff: StaffRole
) -> None:
    # given a world prepared for the call, and a staff member in that sub-role
    guarded = GUARDED[name]
    world, store = _world()
    call = guarded.prepare(world)
    actor = Actor.platform(f"{staff.value}_1", staff)
    before = _tables(store)

    if guarded.permission not in PERMISSIONS[staff]:
        # when he lacks the permission, then he is refused and nothing is stored
        with pytest.raises(PermissionDenied) as refused:
            call(actor)
        assert refused.value.code == "permission_denied"
        assert refused.value.details["required_permission"] == guarded.permission.value
        assert refused.value.details["staff_role"] == staff.value
        assert _same(before, _tables(store))
        return

    # when he holds it, then it succeeds and exactly one entry names him and the change
    call(actor)
    new = [e for e in _entries(store) if e.id not in before["audit_entries"]]
    if guarded.action is None:
        assert new == []
        return
    assert len(new) == 1, [e.action for e in new]
    (entry,) = new
    assert (entry.actor_id, entry.staff, entry.action, entry.subject_kind) == (
        actor.id,
        staff,
        guarded.action,
        guarded.subject_kind,
    )
    assert entry.at == world.clock.now()
    assert entry.before is not None or entry.after is not None


def test_every_permission_but_staff_and_contact_guards_a_method_here() -> None:
    # Staff accounts are the server's; a contact reveal is the contact service's own test.
    assert {g.permission for g in GUARDED.values()} == set(Permission) - {
        Permission.STAFF,
        Permission.CONTACT,
    }


# -- what the entries hold ------------------------------------------------------------------


def test_an_entry_keeps_only_the_changed_fields_before_and_after() -> None:
    # given a registered customer
    world, store = _world()
    customer = _customer(world)
    ops = Actor.platform("ops_7", StaffRole.OPERATIONS)

    # when operations sets his tier
    world.app.customers.set_tier(customer, "gold", ops)

    # then the entry says so, and nothing else
    (entry,) = [e for e in _entries(store) if e.action == "customer.set_tier"]
    assert (entry.before, entry.after, entry.subject_id) == (
        {"tier": None},
        {"tier": "gold"},
        customer,
    )


def test_an_order_change_records_the_facts_that_changed_and_the_reason() -> None:
    # given a paid order
    world, store = _world()
    order_id = world.paid_order()
    cs = Actor.platform("cs_1", StaffRole.CUSTOMER_SERVICE)

    # when customer service cancels it for the customer
    world.app.cancellation.cancel(order_id, cs, reason="He called: he is ill")

    # then the entry holds the state before and after (refunding: the refund is on its
    # way), the cause and the reason
    (entry,) = [e for e in _entries(store) if e.action == "order.cancel"]
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["state"], entry.after["state"]) == (
        OrderState.PENDING_ACCEPTANCE.value,
        OrderState.REFUNDING.value,
    )
    assert entry.after["cancel_cause"] == "platform"
    assert entry.reason == "He called: he is ill"
    assert "timeline" not in entry.after


def test_a_creation_has_no_before_and_the_record_after() -> None:
    world, store = _world()

    category = world.app.catalog.create_category(CreateCategory("Spa"), OPERATOR)

    (entry,) = [e for e in _entries(store) if e.subject_id == category.id]
    assert entry.before is None
    assert entry.after == {"id": category.id, "name": "Spa", "parent_id": None}
    assert entry.staff is StaffRole.SUPER_ADMIN  # a platform actor without a sub-role


@pytest.mark.parametrize(
    "actor",
    [CUSTOMER, Actor("tec_x", Role.TECHNICIAN), Actor("sto_1", Role.STORE), Actor.system()],
    ids=lambda a: a.role.value,
)
def test_other_roles_are_refused_as_before_and_leave_no_entry(actor: Actor) -> None:
    world, store = _world()
    before = _tables(store)

    with pytest.raises(PermissionDenied):
        world.app.catalog.create_category(CreateCategory("Spa"), actor)

    assert _same(before, _tables(store))


def test_changes_by_others_are_not_audited() -> None:
    # given a world with a paid order (set up by the super admin)
    world, store = _world()
    order_id = world.paid_order()
    known = {e.id for e in _entries(store)}

    # when the technician accepts and the customer cancels
    world.fire(order_id, "accept")
    world.app.cancellation.cancel(order_id, CUSTOMER)

    # then the log did not grow
    assert {e.id for e in _entries(store)} == known


def test_a_failed_action_leaves_no_entry() -> None:
    # given a campaign that spent nothing, and one id already taken
    world, store = _world()
    world.app.campaigns.create(OPERATOR, _campaign())
    before = _tables(store)

    # when operations creates it again, then storage refuses and no entry is kept
    with pytest.raises(DuplicateEntity):
        world.app.campaigns.create(Actor.platform("ops_1", StaffRole.OPERATIONS), _campaign())
    assert _same(before, _tables(store))


def test_a_domain_refusal_after_the_permission_check_leaves_no_entry() -> None:
    # given an order cancelled already
    world, store = _world()
    order_id = world.paid_order()
    world.app.cancellation.cancel(order_id, OPERATOR)
    before = _tables(store)

    # when customer service cancels it again, then it is refused and nothing is recorded
    with pytest.raises(AlreadyCancelled):
        world.app.cancellation.cancel(order_id, Actor.platform("cs", StaffRole.CUSTOMER_SERVICE))
    assert _same(before, _tables(store))


# -- reading the log ------------------------------------------------------------------------


def test_the_log_reads_newest_first_in_pages_and_by_filter() -> None:
    # given four recorded actions by two staff members
    world, _ = _world()
    ops = Actor.platform("ops_1", StaffRole.OPERATIONS)
    cs = Actor.platform("cs_1", StaffRole.CUSTOMER_SERVICE)
    order_id = world.paid_order()
    world.clock.set(world.clock.now().add(minutes=1))
    world.app.stores.create(_store_details(), ops)
    world.clock.set(world.clock.now().add(minutes=1))
    world.app.modification.change_time(order_id, cs, at(3, 14))
    world.clock.set(world.clock.now().add(minutes=1))
    world.app.cancellation.cancel(order_id, cs, reason="ill")
    admin = Actor.platform("boss", StaffRole.SUPER_ADMIN)

    # when the super admin reads the log, two by two, then each entry comes once, newest first
    pages: list[list[str]] = []
    query = AuditQuery(since=at(2, 8, 1), limit=2)
    while page := world.app.audit.entries(admin, query):
        pages.append([e.action for e in page])
        query = attrs.evolve(query, after=AuditCursor.after(page[-1]))
    assert pages == [["order.cancel", "order.change_time"], ["store.create"]]

    # and the filters narrow it
    by_cs = world.app.audit.entries(admin, AuditQuery(actor_id="cs_1"))
    about = world.app.audit.entries(admin, AuditQuery(subject_kind="order", subject_id=order_id))
    assert [e.action for e in by_cs] == ["order.cancel", "order.change_time"]
    assert [e.action for e in about] == ["order.cancel", "order.change_time"]
    assert world.app.audit.entries(admin, AuditQuery(action="store")) != []


def test_recording_leaves_the_apps_own_ids_as_they_were() -> None:
    # The log numbers its entries from a source of its own: the ids a world mints (and
    # the docs print) do not shift because the platform's actions are recorded.
    world, store = _world()

    assert world.li == TechnicianId("tec_0005")
    assert _entries(store) != []
