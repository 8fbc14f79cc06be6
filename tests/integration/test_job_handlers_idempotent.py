"""Every job handler may run twice on the same job and the second run changes nothing.

A claim is a lease, so a job runs at least once: a worker that dies after the handler's
effect committed but before the job was marked done leaves it to run again (see
adapters/sqlalchemy/tests/test_worker_kill9.py for that with real processes). Each real
handler of ``app.job_handlers`` is run here twice on one job, in the state its kind is
scheduled for; the first run must change the store, the second must change nothing in it
and ask neither the payment gateway nor the push channel anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum
import pytest

from booking_core.bootstrap import build
from booking_core.customers import Customer, CustomerDetails
from booking_core.dispatch.plan import DispatchPlan, DispatchPolicy
from booking_core.ids import CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.loyalty import (
    LoyaltyPolicy,
    Tier,
    TierLadder,
    TierMetric,
    TierPrivilege,
    TierPrivileges,
)
from booking_core.money import Money
from booking_core.notifications import Recipient
from booking_core.notifications.channel import Channel
from booking_core.onboarding import DocumentKind, QualificationDocument
from booking_core.orders import Actor, Role
from booking_core.orders.dispatching import DispatchMode
from booking_core.payouts import Payee, Wallet, WalletProvider
from booking_core.ports.jobs import Job
from booking_core.referrals import ReferralPolicy
from booking_core.scheduling import ExternalBusy, TechnicianProfile, WeeklyHours, WorkStatus
from booking_core.scheduling.availability import BookingPolicy
from booking_core.scheduling.geo import ServiceArea
from booking_core.services.jobs import JobKind
from booking_core.services.ledger import DEFAULT_RATES
from booking_core.services.onboarding import ApplyAsTechnician
from booking_core.services.ordering import PlaceOrder
from booking_core.services.steps.commissions import Commissions
from booking_core.services.technicians import RegisterTechnician
from booking_core.testing import (
    InMemoryStore,
    ScriptedCalendarSource,
    ScriptedPayoutGateway,
    SequentialIds,
)
from booking_core.testing.notifier import RecordingNotifier
from booking_core.testing.orders import (
    CUSTOMER,
    HOME,
    LOCAL_ZONE,
    OPERATOR,
    OrderWorld,
    at,
    order_world,
)
from booking_core.testing.payments import Outcome
from booking_core.timerange import TimeRange


class _Phones:
    """Everyone has a phone number."""

    def address(self, recipient: Recipient, channel: str) -> str | None:
        return f"+86 {recipient.id}"


def _world(store: InMemoryStore, sms: RecordingNotifier) -> OrderWorld:
    """The order world, its app also copying notifications to an ``sms`` channel."""
    world = order_world(store=store)
    world.app = build(
        uow=world.uow,
        payments=world.gateway,
        clock=world.clock,
        ids=SequentialIds(start=1000),  # after the ids the seeding used
        policy=BookingPolicy(notice_minutes=60, window_days=14),
        channels=[Channel("sms", sms)],
        payouts=ScriptedPayoutGateway(),
        address_book=_Phones(),
        calendar_source=_CALENDARS,
        # Orders placed without a technician: tuina is assigned at once (the default),
        # foot offered (派单), SPA broadcast for grabs (抢单).
        # Tiers by points earned: one point makes silver, which has a birthday gift.
        loyalty_policy=LoyaltyPolicy(
            tiers=TierLadder(TierMetric.POINTS_EARNED, [Tier("silver", 1)]),
            privileges=TierPrivileges({"silver": TierPrivilege(birthday_points=88)}),
        ),
        dispatch_policy=DispatchPolicy(
            by_service={
                world.foot: DispatchPlan(mode=DispatchMode.OFFER),
                world.spa: DispatchPlan(mode=DispatchMode.GRAB),
            }
        ),
    )
    return world


def _job(world: OrderWorld, kind: JobKind, subject: str | None = None) -> Job:
    """The first job of ``kind`` (about ``subject``), the clock moved to when it is due."""
    with world.uow() as uow:
        if subject is None:
            jobs = uow.jobs.list_due(world.clock.now().add(years=1), limit=1000)
        else:
            jobs = uow.jobs.list_for_subject(subject)
    job = next(j for j in jobs if j.kind == kind.value)
    world.clock.set(max(world.clock.now(), job.due_at))
    return job


def _unpaid_order(world: OrderWorld) -> Job:
    """An order left unpaid past the timeout, its QR-code payment still open."""
    order_id = world.place()
    world.gateway.script(Outcome.REQUIRES_ACTION)
    world.app.payments.pay(order_id, CUSTOMER)
    return _job(world, JobKind.EXPIRE_UNPAID, order_id)


def _overdue_service(world: OrderWorld) -> Job:
    """A paid order still in service past its end and the grace."""
    order_id = world.paid_order()
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service")
    return _job(world, JobKind.AUTO_COMPLETE, order_id)


def _review_window_over(world: OrderWorld) -> Job:
    """A completed order whose review window has passed."""
    order_id = world.paid_order()
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")
    return _job(world, JobKind.CLOSE_REVIEW_WINDOW, order_id)


def _payment_in_doubt(world: OrderWorld) -> Job:
    """A payment whose call timed out (it went through after all)."""
    order_id = world.place()
    world.gateway.script(Outcome.UNKNOWN_THEN_APPROVE)
    world.app.payments.pay(order_id, CUSTOMER)
    return _job(world, JobKind.RECONCILE_PAYMENTS, order_id)


def _document_expiring(world: OrderWorld) -> Job:
    """An approved technician whose health certificate expires within the reminder days."""
    newcomer = Actor(TechnicianId("tec_new"), Role.TECHNICIAN)
    documents = [
        QualificationDocument(DocumentKind.ID_CARD, "id.jpg", pendulum.date(2031, 1, 1)),
        QualificationDocument(
            DocumentKind.HEALTH_CERTIFICATE, "health.pdf", pendulum.date(2026, 5, 1)
        ),
        QualificationDocument(DocumentKind.SKILL_CERTIFICATE, "tuina.pdf"),
    ]
    hours = WeeklyHours.every_day("09:00", "21:00")
    applied = world.app.onboarding.apply(
        ApplyAsTechnician("Zhao", LOCAL_ZONE, hours, documents, frozenset({world.tuina})), newcomer
    )
    world.app.onboarding.approve(applied.id, OPERATOR)
    return _job(world, JobKind.DOCUMENT_EXPIRING, applied.id)


def _appointment_ahead(world: OrderWorld) -> Job:
    """A paid order whose reminders the relay planned; the first one due."""
    order_id = world.paid_order()
    world.app.relay.run()
    return _job(world, JobKind.REMIND, order_id)


def _notification_to_send(world: OrderWorld) -> Job:
    """A notification the relay stored for a paid order, its text message not yet sent."""
    world.paid_order()
    world.app.relay.run()
    return _job(world, JobKind.DELIVER_NOTIFICATION)


def _dispatched(world: OrderWorld, service: ServiceId) -> OrderId:
    """A paid order of ``service`` placed without a technician, two online technicians
    near the customer's home for dispatch to choose from."""
    hours = WeeklyHours.every_day("09:00", "21:00")
    offered = frozenset({world.tuina, world.spa, world.foot})
    for name in ("Zhou", "Wu"):
        technician = world.app.technicians.register(
            RegisterTechnician(
                name,
                LOCAL_ZONE,
                hours,
                offered,
                TechnicianProfile(service_area=ServiceArea(HOME, 10.0)),
            ),
            OPERATOR,
        )
        world.app.schedules.set_status(OPERATOR, technician.id, WorkStatus.ONLINE)
    order = world.app.ordering.place_order(
        PlaceOrder(CustomerId(CUSTOMER.id), None, service, at(3, 12), location=HOME),
        CUSTOMER,
    )
    world.app.payments.pay(order.id, CUSTOMER)
    return order.id


def _waiting_for_dispatch(world: OrderWorld) -> Job:
    """A paid order placed without a technician: its first round is due (auto-assign)."""
    return _job(world, JobKind.DISPATCH, _dispatched(world, world.tuina))


def _offer_unanswered(world: OrderWorld) -> Job:
    """An order offered to a technician who let the offer run out."""
    order_id = _dispatched(world, world.foot)
    world.run_jobs()  # the first round offers it
    return _job(world, JobKind.OFFER_TIMEOUT, order_id)


def _nobody_grabbed(world: OrderWorld) -> Job:
    """An order broadcast for grabs that nobody took before the escalation deadline."""
    order_id = _dispatched(world, world.spa)
    world.run_jobs()  # the first round broadcasts it
    return _job(world, JobKind.ESCALATE_DISPATCH, order_id)


def _points_expired(world: OrderWorld) -> Job:
    """Points awarded a year and more ago, past their expiry."""
    world.app.loyalty.award(CustomerId(CUSTOMER.id), 100, OPERATOR, key="k", reason="gift")
    world.clock.advance(pendulum.duration(days=366))
    world.app.loyalty.start_jobs()
    return _job(world, JobKind.EXPIRE_POINTS, "loyalty")


def _tier_reached(world: OrderWorld) -> Job:
    """A member evaluated with no points, who has earned some since."""
    customer = CustomerId(CUSTOMER.id)
    world.app.loyalty.evaluate_tier(customer)
    world.app.loyalty.award(customer, 100, OPERATOR, key="k", reason="gift")
    world.app.loyalty.start_jobs()
    return _job(world, JobKind.EVALUATE_TIERS, "loyalty")


def _birthday_today(world: OrderWorld) -> Job:
    """The birthday job due, and a silver member whose birthday it is then."""
    world.app.loyalty.start_jobs()
    job = _job(world, JobKind.BIRTHDAY_GIFTS, "loyalty")
    today = world.clock.now().in_timezone(LOCAL_ZONE).date()
    with world.uow() as uow:
        details = CustomerDetails("Mei", birthday=pendulum.date(1990, today.month, today.day))
        uow.customers.add(Customer(CustomerId("cus_bday"), details, world.clock.now(),
                                   tier="silver"))  # fmt: skip
        uow.commit()
    return job


def _withdrawal_approved(world: OrderWorld) -> Job:
    """Li's earnings of a completed order, 100.00 of them withdrawn and approved at once."""
    order_id = world.paid_order()
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")
    withdrawal = world.app.payouts.request_withdrawal(
        Payee.technician(world.li),
        Money(10_000, "CNY"),
        Wallet(WalletProvider.WECHAT, "o_li"),
        world.tech,
        idempotency_key="w-1",
    )
    return _job(world, JobKind.PAY_WITHDRAWAL, withdrawal.id)


def _commissions_due(world: OrderWorld) -> Job:
    """A referred customer's order paid and completed (the commission step run as the order
    flow will run it), its cooling-off over."""
    boss = Actor.customer("cus_boss")
    world.app.referrals.apply(boss)
    world.app.referrals.bind(CUSTOMER, world.app.referrals.code(boss).code)
    order_id = world.paid_order()
    step = Commissions(ReferralPolicy(), DEFAULT_RATES)
    with world.uow() as uow:
        order = uow.orders.get(order_id)
        step.on_captured(uow, order, world.clock.now())
        step.on_completed(uow, order, world.clock.now())
        uow.commit()
    return _job(world, JobKind.SETTLE_COMMISSIONS, order_id)


def _statement_day_over(world: OrderWorld) -> Job:
    """An order paid on Monday; Monday's statement check, due Tuesday 10:00."""
    world.paid_order()
    world.clock.set(pendulum.datetime(2026, 3, 3, 10, tz=LOCAL_ZONE))
    world.app.statements.start_jobs()
    return _job(world, JobKind.CHECK_STATEMENT, "fake:2026-03-02")


_CALENDARS = ScriptedCalendarSource()
_CALENDARS.busy["https://calendar.example/li.ics"] = [
    ExternalBusy("dentist", TimeRange(at(3, 12), at(3, 13)))
]


def _calendar_feed(world: OrderWorld) -> Job:
    """Li's own calendar registered as a feed: its first read is due."""
    feed = world.app.outside_calendars.register_feed(
        OPERATOR, world.li, "https://calendar.example/li.ics"
    )
    return _job(world, JobKind.REFRESH_CALENDAR, feed.id)


#: For each kind, the state its job is scheduled for, made in a world; the job, now due.
SETUPS: dict[str, Callable[[OrderWorld], Job]] = {
    JobKind.EXPIRE_UNPAID.value: _unpaid_order,
    JobKind.AUTO_COMPLETE.value: _overdue_service,
    JobKind.CLOSE_REVIEW_WINDOW.value: _review_window_over,
    JobKind.RECONCILE_PAYMENTS.value: _payment_in_doubt,
    JobKind.DOCUMENT_EXPIRING.value: _document_expiring,
    JobKind.REMIND.value: _appointment_ahead,
    JobKind.DELIVER_NOTIFICATION.value: _notification_to_send,
    JobKind.DISPATCH.value: _waiting_for_dispatch,
    JobKind.OFFER_TIMEOUT.value: _offer_unanswered,
    JobKind.ESCALATE_DISPATCH.value: _nobody_grabbed,
    JobKind.EXPIRE_POINTS.value: _points_expired,
    JobKind.EVALUATE_TIERS.value: _tier_reached,
    JobKind.BIRTHDAY_GIFTS.value: _birthday_today,
    JobKind.PAY_WITHDRAWAL.value: _withdrawal_approved,
    JobKind.REFRESH_CALENDAR.value: _calendar_feed,
    JobKind.SETTLE_COMMISSIONS.value: _commissions_due,
    JobKind.CHECK_STATEMENT.value: _statement_day_over,
}


def _contents(world: OrderWorld, store: InMemoryStore) -> dict[str, dict[str, Any]]:
    """Every row of the store, as plain data (orders compare by identity, documents do not)."""
    unstructure = world.app.converter.unstructure
    return {
        table: {key: unstructure(row) for key, row in rows.items()}
        for table, rows in store.tables.items()
    }


def test_every_job_kind_is_covered() -> None:
    world = _world(InMemoryStore(), RecordingNotifier())

    assert set(SETUPS) == {kind.value for kind in JobKind} == set(world.app.job_handlers)


@pytest.mark.parametrize("kind", sorted(SETUPS))
def test_running_a_job_twice_has_the_effect_of_running_it_once(kind: str) -> None:
    store, sms = InMemoryStore(), RecordingNotifier()
    world = _world(store, sms)
    job = SETUPS[kind](world)
    handler = world.app.job_handlers[kind]
    before = _contents(world, store)

    first = handler(job, world.clock.now())
    after_first = _contents(world, store)
    asked = (list(world.gateway.calls), list(sms.sent))
    second = handler(job, world.clock.now())

    assert after_first != before  # the first run did the job
    assert (first, second) == (None, None)
    assert _contents(world, store) == after_first
    assert (world.gateway.calls, sms.sent) == asked


def test_an_expired_order_is_cancelled_once_and_its_payment_closed_once() -> None:
    world = _world(InMemoryStore(), RecordingNotifier())
    job = _unpaid_order(world)
    handler = world.app.job_handlers[JobKind.EXPIRE_UNPAID.value]

    handler(job, world.clock.now())
    handler(job, world.clock.now())

    order = world.get(OrderId(job.subject))
    assert [(r.event, r.to_state) for r in order.timeline] == [("cancel", "cancelled")]
    assert [c for c in world.gateway.calls if c.startswith("cancel")] == [
        f"cancel {job.subject}:ful:1"
    ]
