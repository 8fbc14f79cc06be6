"""Notifications (issue 11): events become inbox entries and channel deliveries by rules,
preferences and quiet hours hold, reminders follow the order, failures back off and die
into dead letters an operator retries.

The world is the memory store on Monday 2 March 2026, 08:00 Shanghai; Li serves, cus_1
books Tuesday 10:00. Li and cus_1 have phones; Li has quiet hours in Shanghai.
"""

from __future__ import annotations

import itertools

import attrs
import pendulum
import pytest
from pendulum import Time

from booking_core.errors import ConcurrentUpdate, InvalidInput
from booking_core.ids import CustomerId, OrderId
from booking_core.notifications import (
    Channel,
    DeliveryStatus,
    InboxCursor,
    Notification,
    QuietHours,
    Recipient,
)
from booking_core.orders import Actor, Role
from booking_core.orders.complaint import Remedy
from booking_core.outbox import OutboxState
from booking_core.ports.jobs import JobStatus
from booking_core.ports.notifier import DeliveryOutcome, DeliveryResult, Message
from booking_core.services.aftersales import FileComplaint
from booking_core.staff import StaffRole
from booking_core.testing.notifier import RecordingNotifier
from booking_core.testing.orders import CUSTOMER, LOCAL_ZONE, OrderWorld, at, order_world

PHONES = {
    Recipient("customer", "cus_1"): "+8613800000001",
    Recipient("technician", "tec_li"): "+8613800000002",
}


class Phones:
    """The address book of this world: phones for SMS, nothing else."""

    def address(self, recipient: Recipient, channel: str) -> str | None:
        return PHONES.get(recipient) if channel == "sms" else None


class Scripted(RecordingNotifier):
    """Records sends, answering with the scripted outcomes first."""

    def __init__(self, *outcomes: DeliveryOutcome) -> None:
        super().__init__()
        self.outcomes = list(outcomes)
        self.tried: list[Message] = []

    def send(self, message: Message) -> DeliveryResult:
        self.tried.append(message)
        if self.outcomes:
            return DeliveryResult(self.outcomes.pop(0), detail="scripted")
        return super().send(message)


def _world(notifier: RecordingNotifier | None = None, *, grant: bool = False) -> OrderWorld:
    channel = Channel("sms", notifier or RecordingNotifier(), needs_grant=grant)
    world = order_world(channels=[channel], address_book=Phones())
    PHONES[Recipient("technician", world.li)] = "+8613800000002"
    return world


def _inbox(world: OrderWorld, actor: Actor) -> list[Notification]:
    return world.app.notifications.inbox(actor, limit=100)


def _tech(world: OrderWorld) -> Actor:
    return Actor(world.li, Role.TECHNICIAN)


def _work(world: OrderWorld) -> None:
    """Run the worker until it finds nothing to do."""
    worker = world.app.background_worker("w1")
    while worker.run_once().busy:
        pass


def test_a_placed_and_paid_order_tells_the_technician_and_the_customer() -> None:
    # given an order placed and paid
    notifier = RecordingNotifier()
    world = _world(notifier)
    order_id = world.paid_order()

    # when the worker runs
    _work(world)

    # then Li's inbox has the new order, the customer's the payment, each also by SMS
    (placed,) = _inbox(world, _tech(world))
    (paid,) = _inbox(world, CUSTOMER)
    order = world.get(order_id)
    assert (placed.template, paid.template) == ("order_placed", "order_paid")
    assert placed.params == {
        "order_id": order_id,
        "order_number": order.number,
        "service": "Chinese tuina",
        "start": "2026-03-03 10:00",
    }
    assert paid.params["amount"] == "199.00 CNY"
    sent = {(m.template, m.recipient) for m in notifier.sent}
    assert sent == {("order_placed", "+8613800000002"), ("order_paid", "+8613800000001")}
    assert {m.dedupe_key for m in notifier.sent} == {f"{placed.id}:sms", f"{paid.id}:sms"}
    with world.uow() as uow:
        assert uow.outbox.pending(100) == []
        delivery = uow.notifications.get_delivery(f"{placed.id}:sms")
    assert (delivery.status, delivery.attempts, delivery.provider_id) == (
        DeliveryStatus.SENT,
        1,
        "rec-1",
    )


def test_relaying_the_same_message_again_stores_and_sends_nothing_twice() -> None:
    notifier = RecordingNotifier()
    world = _world(notifier)
    world.place()
    _work(world)
    with world.uow() as uow:  # a relay that crashed after its commit is re-run
        (message,) = uow.outbox.in_state(OutboxState.DELIVERED, limit=10)
        uow.outbox.save(attrs.evolve(message, state=OutboxState.PENDING))
        uow.commit()

    _work(world)

    assert len(_inbox(world, _tech(world))) == 1
    assert len(notifier.sent) == 1


def test_the_order_journey_reaches_the_customer_and_cancellation_reaches_both() -> None:
    world = _world()
    order_id = world.paid_order()
    world.fire_on_schedule(order_id, "accept", "depart", "arrive")
    other = world.paid_order(at(4, 10))
    world.app.cancellation.cancel(other, CUSTOMER, reason="plans changed")
    _work(world)

    customer = sorted(n.template for n in _inbox(world, CUSTOMER))
    technician = sorted(n.template for n in _inbox(world, _tech(world)))
    assert customer == [
        "order_accepted",
        "order_cancelled",
        "order_paid",
        "order_paid",
        "order_refunded",
        "technician_arrived",
        "technician_departed",
    ]
    assert technician == ["order_cancelled", "order_placed", "order_placed"]
    (cancelled,) = [n for n in _inbox(world, CUSTOMER) if n.template == "order_cancelled"]
    assert cancelled.params["reason"] == "plans changed"
    assert cancelled.urgent


def test_a_muted_kind_is_not_sent_on_that_channel_but_stays_in_the_inbox() -> None:
    notifier = RecordingNotifier()
    world = _world(notifier)
    world.app.notifications.set_preferences(
        _tech(world), muted=frozenset({("orders", "sms")}), quiet_hours=None, locale="en"
    )
    world.paid_order()
    _work(world)

    assert [n.template for n in _inbox(world, _tech(world))] == ["order_placed"]
    assert [(m.template, m.locale) for m in notifier.sent] == [("order_paid", "zh-CN")]


def test_security_messages_cannot_be_switched_off_and_unknown_kinds_are_refused() -> None:
    world = _world()
    for kind in ("security", "gossip"):
        with pytest.raises(InvalidInput) as refused:
            world.app.notifications.set_preferences(
                CUSTOMER, muted=frozenset({(kind, "sms")}), quiet_hours=None, locale="zh-CN"
            )
        assert refused.value.details == {"field": "muted"}
    assert world.app.notifications.preferences(CUSTOMER).muted == frozenset()


def test_quiet_hours_hold_a_message_until_they_end_in_the_recipients_zone() -> None:
    # given Li asleep 22:00–08:00 Shanghai, and an order placed at 23:00
    notifier = RecordingNotifier()
    world = _world(notifier)
    quiet = QuietHours(Time(22, 0), Time(8, 0), LOCAL_ZONE)
    world.app.notifications.set_preferences(
        _tech(world), muted=frozenset(), quiet_hours=quiet, locale="zh-CN"
    )
    world.clock.set(at(2, 23))
    world.paid_order(at(3, 12))

    # when the worker runs at night, then only the customer's message goes
    _work(world)
    assert [m.template for m in notifier.sent] == ["order_paid"]

    # and Li's goes at 08:00 his time, not a minute before
    world.clock.set(at(3, 7, 59))
    _work(world)
    assert [m.template for m in notifier.sent] == ["order_paid"]
    world.clock.set(at(3, 8))
    _work(world)
    assert [m.template for m in notifier.sent] == ["order_paid", "order_placed"]


def test_quiet_hours_spanning_midnight_release_at_the_next_morning() -> None:
    quiet = QuietHours(Time(22, 0), Time(8, 0), "Asia/Shanghai")
    assert quiet.release(at(2, 21, 59)) is None
    assert quiet.release(at(2, 22)) == at(3, 8)
    assert quiet.release(at(3, 3)) == at(3, 8)
    assert quiet.release(at(3, 8)) is None
    daytime = QuietHours(Time(13, 0), Time(14, 0), "Europe/Berlin")
    noon = pendulum.datetime(2026, 3, 2, 13, 30, tz="Europe/Berlin")
    assert daytime.release(noon) == pendulum.datetime(2026, 3, 2, 14, tz="Europe/Berlin")
    with pytest.raises(InvalidInput):
        QuietHours(Time(8, 0), Time(8, 0), LOCAL_ZONE)


def test_reminders_go_the_evening_before_and_30_minutes_before() -> None:
    # given an order paid Monday 08:00 for Tuesday 10:00
    notifier = RecordingNotifier()
    world = _world(notifier)
    order_id = world.paid_order()
    _work(world)
    notifier.sent.clear()

    # when the clock reaches Monday 19:59, nothing; 20:00, the day-before reminder
    world.clock.set(at(2, 19, 59))
    _work(world)
    assert notifier.sent == []
    world.clock.set(at(2, 20))
    _work(world)
    assert sorted((m.template, m.recipient) for m in notifier.sent) == [
        ("reminder_day_before", "+8613800000001"),
        ("reminder_day_before", "+8613800000002"),
    ]

    # and at 09:30 Tuesday, the half-hour one, saying how long before
    world.clock.set(at(3, 9, 30))
    _work(world)
    soon = [m for m in notifier.sent if m.template == "reminder_soon"]
    assert len(soon) == 2
    assert soon[0].params["minutes"] == "30"
    assert soon[0].params["order_id"] == order_id


def test_a_moved_order_is_reminded_at_its_new_time_only_and_a_cancelled_one_never() -> None:
    notifier = RecordingNotifier()
    world = _world(notifier)
    moved = world.paid_order()
    cancelled = world.paid_order(at(3, 14))
    world.app.modification.change_time(moved, CUSTOMER, at(3, 16))
    world.app.cancellation.cancel(cancelled, CUSTOMER)
    _work(world)
    notifier.sent.clear()

    for day, hour, minute in ((2, 20, 0), (3, 9, 30), (3, 13, 30), (3, 15, 30)):
        world.clock.set(at(day, hour, minute))
        _work(world)

    reminded = [(m.params["start"], m.template) for m in notifier.sent]
    assert (
        reminded
        == [("2026-03-03 16:00", "reminder_day_before")] * 2
        + [("2026-03-03 16:00", "reminder_soon")] * 2
    )
    with world.uow() as uow:
        stale = [j for j in uow.jobs.list_for_subject(moved) if j.kind == "remind"]
    assert {j.status for j in stale} == {JobStatus.DONE}


def test_a_reminder_too_late_to_mean_what_it_says_is_dropped() -> None:
    # given the worker down from Monday 19:00 until Tuesday 09:00 (slot: Tuesday 10:00)
    notifier = RecordingNotifier()
    world = _world(notifier)
    world.paid_order()
    _work(world)
    notifier.sent.clear()

    # when it comes back on the slot's day, then "tomorrow" is not said any more
    world.clock.set(at(3, 9))
    _work(world)
    assert notifier.sent == []
    # and once the slot has started, "in 30 minutes" is not said either
    world.clock.set(at(3, 10))
    _work(world)
    assert notifier.sent == []


def test_a_reminder_run_twice_stores_its_notifications_once() -> None:
    world = _world()
    order_id = world.paid_order()
    _work(world)
    with world.uow() as uow:
        (job,) = [j for j in uow.jobs.list_for_subject(order_id) if j.id.endswith(":30m")]
    handler = world.app.job_handlers["remind"]

    handler(job, at(3, 9, 30))
    handler(job, at(3, 9, 30))

    assert [n.template for n in _inbox(world, CUSTOMER)].count("reminder_soon") == 1


def test_a_provider_saying_later_is_retried_with_backoff_then_dead_then_revived() -> None:
    # given a provider that answers "later" five times
    notifier = Scripted(*[DeliveryOutcome.RETRY_LATER] * 5)
    world = _world(notifier)
    world.place()
    _work(world)
    (notification,) = _inbox(world, _tech(world))
    delivery_id = f"{notification.id}:sms"

    # when the worker keeps running as time passes
    waits = []
    for _ in range(4):
        with world.uow() as uow:
            job = uow.jobs.get(f"deliver:{delivery_id}")
        waits.append(job.due_at - world.clock.now())
        world.clock.set(job.due_at)
        _work(world)

    # then each wait grew, and after the fifth try the delivery and its job are dead
    assert all(later > earlier for earlier, later in itertools.pairwise(waits[1:]))
    with world.uow() as uow:
        job = uow.jobs.get(f"deliver:{delivery_id}")
        delivery = uow.notifications.get_delivery(delivery_id)
    assert (job.status, delivery.status, delivery.attempts) == (
        JobStatus.DEAD,
        DeliveryStatus.DEAD,
        5,
    )

    # and an operator with the jobs permission sees it and retries it: it goes
    ops = Actor.platform("ops_2", StaffRole.OPERATIONS)
    assert [j.id for j in world.app.dead_letters.jobs(ops)] == [job.id]
    with world.uow() as uow:  # the operator decides the delivery should be tried again
        uow.notifications.save_delivery(attrs.evolve(delivery, status=DeliveryStatus.PENDING))
        uow.commit()
    world.app.dead_letters.retry_job(job.id, ops)
    _work(world)
    assert [m.template for m in notifier.sent] == ["order_placed"]
    with pytest.raises(ConcurrentUpdate):
        world.app.dead_letters.retry_job(job.id, ops)


def test_one_time_grants_let_exactly_that_many_messages_through() -> None:
    # given a channel that needs grants, and the customer granting one order_paid message
    notifier = Scripted(DeliveryOutcome.REJECTED)
    world = _world(notifier, grant=True)
    assert world.app.notifications.grant(CUSTOMER, "order_paid", 1) == 1

    # when a rejected send comes first, then two orders are paid
    world.paid_order()
    world.paid_order(at(3, 14))
    _work(world)

    # then the rejection gave the grant back, one message went, the other was skipped
    statuses = []
    with world.uow() as uow:
        for n in _inbox(world, CUSTOMER):
            statuses.append(uow.notifications.get_delivery(f"{n.id}:sms").status)
        left = uow.notifications.grants_left(Recipient("customer", "cus_1"), "order_paid")
    assert sorted(statuses) == [DeliveryStatus.REJECTED, DeliveryStatus.SENT]
    assert [m.template for m in notifier.sent] == ["order_paid"]
    assert left == 0
    with pytest.raises(InvalidInput):
        world.app.notifications.grant(CUSTOMER, "no_such_template")


def test_a_message_whose_rule_fails_backs_off_then_dies_and_an_operator_retries_it() -> None:
    world = _world()
    order_id = world.place()
    with world.uow() as uow:  # its order vanished: the rule cannot read the facts
        (message,) = uow.outbox.pending(10)
    broken = attrs.evolve(message, id="msg_broken", payload={**message.payload, "order_id": "x"})
    with world.uow() as uow:
        uow.outbox.add(broken)
        uow.commit()

    runs = []
    for _ in range(5):
        runs.append(world.app.relay.run())
        with world.uow() as uow:
            stored = uow.outbox.get("msg_broken")
        if stored.due_at is not None:
            world.clock.set(max(world.clock.now(), stored.due_at))

    assert stored.state is OutboxState.DEAD
    assert stored.attempts == 5
    assert (stored.last_error or "").startswith("NotFound")
    assert sum(r.relayed for r in runs) == 1  # the good message went on regardless
    ops = Actor.platform("ops_2", StaffRole.OPERATIONS)
    assert [m.id for m in world.app.dead_letters.messages(ops)] == ["msg_broken"]
    discarded = world.app.dead_letters.discard_message("msg_broken", ops, reason="test data")
    assert discarded.state is OutboxState.DISCARDED
    assert world.app.dead_letters.messages(ops) == []
    assert order_id


def test_the_inbox_pages_newest_first_counts_unread_and_marks_only_ones_own() -> None:
    world = _world()
    for day in (3, 4, 5):
        world.paid_order(at(day, 10))
        world.clock.advance(pendulum.duration(minutes=1))
    _work(world)
    tech = _tech(world)

    first = world.app.notifications.inbox(tech, limit=2)
    rest = world.app.notifications.inbox(tech, limit=2, after=InboxCursor.after(first[-1]))
    customer_ids = [n.id for n in _inbox(world, CUSTOMER)]

    assert [n.created_at for n in first + rest] == sorted(
        (n.created_at for n in first + rest), reverse=True
    )
    assert len(first + rest) == 3
    assert world.app.notifications.unread_count(tech) == 3
    assert world.app.notifications.mark_read(tech, [first[0].id, *customer_ids]) == 1
    assert world.app.notifications.unread_count(tech) == 2
    assert world.app.notifications.unread_count(CUSTOMER) == 3
    assert world.app.notifications.mark_all_read(tech) == 2
    assert world.app.notifications.inbox(tech, limit=10, unread_only=True) == []


def test_staff_share_their_sub_roles_inbox() -> None:
    world = _world()
    order_id = world.paid_order()
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")

    world.app.aftersales.file(
        FileComplaint(OrderId(order_id), CustomerId("cus_1"), "Too short", Remedy.FULL_REFUND),
        CUSTOMER,
    )
    _work(world)

    service_desk = Actor.platform("cs_1", StaffRole.CUSTOMER_SERVICE)
    finance = Actor.platform("fin_1", StaffRole.FINANCE)
    assert [n.template for n in _inbox(world, service_desk)] == ["complaint_opened"]
    assert _inbox(world, finance) == []


def test_a_reassignment_tells_the_new_technician_the_previous_one_and_the_customer() -> None:
    world = _world()
    order_id = world.paid_order()
    _work(world)
    ops = Actor.platform("ops_2", StaffRole.OPERATIONS)

    world.app.modification.change_technician(order_id, ops, world.wang)
    _work(world)

    wang = Actor(world.wang, Role.TECHNICIAN)
    (assigned,) = _inbox(world, wang)
    unassigned = [n for n in _inbox(world, _tech(world)) if n.template == "order_unassigned"]
    changed = [n for n in _inbox(world, CUSTOMER) if n.template == "technician_changed"]
    assert assigned.template == "order_assigned"
    assert len(unassigned) == 1
    assert unassigned[0].urgent
    assert [n.params["technician"] for n in changed] == ["Wang"]
