"""Issue 8 item 7: every change of an order records its events in the outbox.

Rescheduling moved orders without a trace in the outbox, while a change of time through
the modification service wrote ``OrderStateChanged`` and ``OrderModified``. Here each
command that changes an order (its stored version moves) must leave at least one event
about that order in the outbox, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from booking_core.errors import SlotTaken
from booking_core.ids import CustomerId, OrderId
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.orders.complaint import Decision, Remedy
from booking_core.orders.policy import PaymentMode
from booking_core.ports.payments import WebhookKind
from booking_core.services.aftersales import FileComplaint
from booking_core.services.rescheduling import RescheduleBooking
from booking_core.testing.orders import CUSTOMER, OPERATOR, OrderWorld, at, order_world
from booking_core.testing.payments import Outcome


@pytest.fixture
def world() -> OrderWorld:
    return order_world()


def messages(world: OrderWorld) -> list[tuple[str, dict[str, Any]]]:
    with world.uow() as uow:
        return [(m.name, dict(m.payload)) for m in uow.outbox.pending(10_000)]


def version(world: OrderWorld, order_id: OrderId) -> int:
    return world.get(order_id).version


def test_rescheduling_an_order_records_what_a_change_of_time_records(world: OrderWorld) -> None:
    # given two paid orders on Tuesday at 10:00 and 12:00
    moved_id = world.paid_order(at(3, 10))
    changed_id = world.paid_order(at(3, 12), customer="cus_2")
    before = len(messages(world))

    # when the first is moved to 14:00 through the rescheduling service, the second to 16:00
    # through the modification service
    booking = world.get(moved_id).booking_id
    world.app.rescheduling.reschedule(RescheduleBooking(booking, at(3, 14), CUSTOMER))
    after_reschedule = messages(world)[before:]
    world.app.modification.change_time(changed_id, Actor("cus_2", Role.CUSTOMER), at(3, 16))

    # then the outbox holds the same events for both, with the times in each payload
    assert [(name, p["order_id"]) for name, p in after_reschedule] == [
        ("OrderStateChanged", moved_id),
        ("OrderModified", moved_id),
    ]
    state_changed, modified = (p for _, p in after_reschedule)
    assert (state_changed["event"], state_changed["from_state"], state_changed["to_state"]) == (
        "modify",
        "pending_acceptance",
        "pending_acceptance",
    )
    assert (modified["change"], modified["actor_id"]) == ("time", "cus_1")
    assert modified["before"].startswith("2026-03-03T10:00:00")
    assert modified["after"].startswith("2026-03-03T14:00:00")
    by_modification = [name for name, p in messages(world) if p.get("order_id") == changed_id]
    assert by_modification[-2:] == ["OrderStateChanged", "OrderModified"]


def test_a_refused_reschedule_records_nothing(world: OrderWorld) -> None:
    mine = world.paid_order(at(3, 10))
    world.paid_order(at(3, 12), customer="cus_2")
    before = messages(world)

    with pytest.raises(SlotTaken):
        world.app.rescheduling.reschedule(
            RescheduleBooking(world.get(mine).booking_id, at(3, 12), CUSTOMER)
        )

    assert messages(world) == before


Command = Callable[[], object]


def test_every_order_changing_command_leaves_an_event_about_the_order(world: OrderWorld) -> None:
    """Drives each order-changing command of the services once, in a realistic order, and
    checks that the order's version moved and the outbox gained an event about it."""
    wang = Actor(world.wang, Role.TECHNICIAN)
    cus_2 = Actor("cus_2", Role.CUSTOMER)
    placed: dict[str, OrderId] = {}

    def place(name: str, start: int, **kwargs: Any) -> Command:
        def run() -> None:
            placed[name] = world.place(at(3, start), **kwargs)

        return run

    def fire(name: str, *events: str, actor: Actor | None = None) -> Command:
        return lambda: world.fire_on_schedule(placed[name], *events, actor=actor)

    def job(name: str, kind: str, when: Any) -> Command:
        def run() -> None:
            world.clock.set(max(world.clock.now(), when))
            assert f"{kind}:done" in world.run_jobs()

        return run

    def complaint_refund(name: str) -> Command:
        def run() -> None:
            complaint = world.app.aftersales.file(
                FileComplaint(placed[name], CustomerId("cus_1"), "Ended early", Remedy.APOLOGY),
                Actor.customer("cus_1"),
            )
            world.app.aftersales.take_up(complaint.id, OPERATOR)
            world.app.aftersales.resolve(
                complaint.id, OPERATOR, decision=Decision.PARTIAL_REFUND, refund=Money(6600, "CNY")
            )

        return run

    def by_webhook(name: str) -> Command:
        def run() -> None:
            key = f"{placed[name]}:ful:1"
            world.app.payments.handle_webhook(
                *world.gateway.notification(WebhookKind.PAYMENT_CAPTURED, key)
            )

        return run

    def reconciled_payment(name: str) -> Command:
        def run() -> None:  # the gateway times out; reconciliation learns it went through
            world.gateway.script(Outcome.UNKNOWN_THEN_APPROVE)
            world.app.payments.pay(placed[name], Actor("cus_5", Role.CUSTOMER))
            world.app.payments.reconcile(placed[name])

        return run

    def no_show(name: str) -> Command:
        def run() -> None:  # half an hour after the start, nobody has opened the door
            world.clock.set(at(3, 16, 30))
            world.app.cancellation.record_no_show(placed[name], world.tech)

        return run

    steps: list[tuple[str, str, Command]] = [
        ("place", "a", place("a", 10)),
        ("pay", "a", lambda: world.app.payments.pay(placed["a"], CUSTOMER)),
        ("change time", "a", lambda: world.app.modification.change_time(
            placed["a"], CUSTOMER, at(3, 11))),
        ("reschedule", "a", lambda: world.app.rescheduling.reschedule(
            RescheduleBooking(world.get(placed["a"]).booking_id, at(3, 10), CUSTOMER))),
        ("change service", "a", lambda: world.app.modification.change_service(
            placed["a"], CUSTOMER, world.foot)),
        ("change technician", "a", lambda: world.app.modification.change_technician(
            placed["a"], CUSTOMER, world.wang)),
        ("reject", "a", fire("a", "reject", actor=wang)),
        ("reassign after rejection", "a", lambda: world.app.modification.change_technician(
            placed["a"], OPERATOR, world.li)),
        ("accept", "a", fire("a", "accept")),
        ("place b", "b", place("b", 14, customer="cus_2")),
        ("place c (pay on arrival)", "c", place("c", 16, customer="cus_3",
                                                mode=PaymentMode.ON_ARRIVAL)),
        ("place d", "d", place("d", 18, customer="cus_4")),
        ("place e", "e", place("e", 19, customer="cus_5")),
        ("payment answered by reconciliation", "e", reconciled_payment("e")),
        ("depart", "a", fire("a", "depart")),
        ("arrive", "a", fire("a", "arrive")),
        ("start service", "a", fire("a", "start_service")),
        ("complete", "a", fire("a", "complete")),
        ("complaint refunded", "a", complaint_refund("a")),
        ("cancel", "b", lambda: world.app.cancellation.cancel(placed["b"], cus_2)),
        ("accept c", "c", fire("c", "accept")),
        ("depart c", "c", fire("c", "depart")),
        ("arrive c", "c", fire("c", "arrive")),
        ("no-show", "c", no_show("c")),
        ("expire unpaid (job)", "d", job("d", "expire_unpaid", at(3, 16, 45))),
        ("walk e", "e", fire("e", "accept", "depart", "arrive", "start_service")),
        ("auto-complete (job)", "e", job("e", "auto_complete", at(3, 21))),
        ("close the review window (job)", "a", job("a", "close_review_window", at(11, 9))),
    ]  # fmt: skip
    silent: list[str] = []
    unchanged: list[str] = []

    for label, name, command in steps:
        known = placed.get(name)
        seen = version(world, known) if known else -1
        count = len(messages(world))
        command()
        order_id = placed[name]
        if version(world, order_id) == seen:
            unchanged.append(label)
        if not [m for m in messages(world)[count:] if m[1].get("order_id") == order_id]:
            silent.append(label)

    assert unchanged == []  # each step really changed its order
    assert silent == []  # and each left an event about it in the outbox
    assert [world.get(placed[n]).state for n in "abcde"] == [
        "partially_refunded",
        "cancelled",  # unpaid: nothing to refund
        "cancelled",
        "cancelled",
        "completed",
    ]


def test_a_capture_by_webhook_records_the_payment(world: OrderWorld) -> None:
    order_id = world.place(at(3, 10))
    world.gateway.script(Outcome.UNKNOWN_THEN_APPROVE)
    world.app.payments.pay(order_id, CUSTOMER)
    before, seen = len(messages(world)), version(world, order_id)

    world.app.payments.handle_webhook(
        *world.gateway.notification(WebhookKind.PAYMENT_CAPTURED, f"{order_id}:ful:1")
    )

    assert version(world, order_id) > seen
    names = [n for n, p in messages(world)[before:] if p.get("order_id") == order_id]
    assert "PaymentCaptured" in names
    assert "OrderStateChanged" in names
