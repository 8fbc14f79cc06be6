"""Dispatch's notifications (issues 11 and 12): an offer (派单) tells the offered technician
by when to answer, in the order's zone; a broadcast (抢单) tells each technician it reached,
once; an escalation tells platform operations; and an order waiting without a technician
tells its customer of the payment and nobody else, however late the relay runs.

The world is :func:`~booking_core.testing.dispatch.dispatch_world`: Monday 2 March 2026,
08:00 Shanghai; cus_1 books tuina for Tuesday 10:00 at home without a technician; online
technicians T0, T1, … stand 0.5 km, 1 km, … north of her, asked in that order. Each test
relays the outbox itself (``app.relay.run()``) and reads back every notification the relay
stored (``ntf_<message>_<n>``), so "nobody else" means nobody.
"""

from __future__ import annotations

import pendulum

from booking_core.dispatch import DispatchPlan
from booking_core.errors import NotFound
from booking_core.notifications import Notification, Recipient
from booking_core.orders import Actor, DispatchMode
from booking_core.staff import StaffRole
from booking_core.testing.dispatch import DispatchWorld, dispatch_world

CUSTOMER = Recipient("customer", "cus_1")
OPERATIONS = Recipient("platform", "operations")


def _relay(w: DispatchWorld) -> list[Notification]:
    """Relay every pending message; the notifications the relay stored for them."""
    with w.world.uow() as uow:
        causes = [m.id for m in uow.outbox.pending(10_000)]
    run = w.app.relay.run()
    assert (run.relayed, run.failed, run.dead) == (len(causes), 0, 0)
    stored = []
    with w.world.uow() as uow:
        for cause in causes:
            n = 0
            while True:
                try:
                    stored.append(uow.notifications.get(f"ntf_{cause}_{n}"))
                except NotFound:
                    break
                n += 1
    return stored


def _told(notifications: list[Notification]) -> list[tuple[Recipient, str]]:
    return sorted(((n.recipient, n.template) for n in notifications), key=str)


def _tech(w: DispatchWorld, n: int) -> Recipient:
    return Recipient("technician", w.technicians[n])


def test_placing_and_paying_a_dispatch_order_tells_the_customer_and_nobody_else() -> None:
    w = dispatch_world(DispatchPlan(mode=DispatchMode.OFFER))

    w.place()

    assert _told(_relay(w)) == [(CUSTOMER, "order_paid")]


def test_an_order_seated_before_the_relay_runs_is_news_to_its_technician_once() -> None:
    # given an order placed, paid and auto-assigned to T0 before the relay ran
    w = dispatch_world()
    order_id = w.place()
    w.world.run_jobs()
    assert w.world.get(order_id).technician_id == w.technicians[0]

    # when the relay runs, then T0 hears of it as assigned (not as placed as well), and
    # the customer only of her payment: nobody changed her technician
    assert _told(_relay(w)) == [(CUSTOMER, "order_paid"), (_tech(w, 0), "order_assigned")]

    # and she hears who comes when he accepts
    w.world.fire(order_id, "accept", actor=w.actor(w.technicians[0]))
    (accepted,) = _relay(w)
    assert (accepted.recipient, accepted.template) == (CUSTOMER, "order_accepted")
    assert accepted.params["technician"] == "T0"


def test_an_offer_tells_the_offered_technician_alone_by_when_in_the_orders_zone() -> None:
    # given a clock reading UTC (the offer's deadline is written in UTC then)
    w = dispatch_world(DispatchPlan(mode=DispatchMode.OFFER, offer_seconds=90))
    w.world.clock.set(pendulum.datetime(2026, 3, 2, 0, 0, 30, tz="UTC"))
    order_id = w.place()
    _relay(w)

    # when dispatch offers the order
    w.world.run_jobs()
    (offered,) = _relay(w)

    # then T0 alone is told, urgently, by when to answer in Shanghai time, and the slot
    assert (offered.recipient, offered.template, offered.urgent) == (
        _tech(w, 0),
        "order_offered",
        True,
    )
    assert offered.params == {
        "order_id": order_id,
        "order_number": w.world.get(order_id).number,
        "service": "Chinese tuina",
        "start": "2026-03-03 10:00",
        "deadline": "2026-03-02 08:02:00",
    }

    # and when he refuses, the next offer tells T1 alone
    w.app.dispatch.refuse_offer(order_id, w.actor(w.technicians[0]))
    w.world.run_jobs()
    assert _told(_relay(w)) == [(_tech(w, 1), "order_offered")]


def test_a_broadcast_tells_each_technician_it_reached_once() -> None:
    w = dispatch_world(DispatchPlan(mode=DispatchMode.GRAB, broadcast_size=3))
    w.place()
    _relay(w)

    w.world.run_jobs()
    told = _relay(w)

    assert _told(told) == [(_tech(w, n), "order_open_for_grab") for n in range(3)]
    assert all(n.urgent for n in told)


def test_a_broadcast_relayed_after_the_order_was_grabbed_tells_nobody_to_grab_it() -> None:
    # given a broadcast that T2 grabbed before the relay ran
    w = dispatch_world(DispatchPlan(mode=DispatchMode.GRAB, broadcast_size=3))
    order_id = w.place()
    _relay(w)
    w.world.run_jobs()
    w.app.dispatch.grab(order_id, w.actor(w.technicians[2]))

    # when the relay runs, then T2 is told the order is his and the customer who comes
    assert _told(_relay(w)) == [(CUSTOMER, "order_accepted"), (_tech(w, 2), "order_assigned")]


def test_an_escalation_tells_platform_operations_and_nobody_else() -> None:
    # given one offer allowed, refused
    w = dispatch_world(DispatchPlan(mode=DispatchMode.OFFER, max_offers=1))
    order_id = w.place()
    w.world.run_jobs()
    w.app.dispatch.refuse_offer(order_id, w.actor(w.technicians[0]))
    _relay(w)

    # when the next round finds the offers spent
    w.world.run_jobs()
    (escalated,) = _relay(w)

    # then operations are told, urgently, and see it in a staff member's inbox
    assert (escalated.recipient, escalated.template, escalated.urgent) == (
        OPERATIONS,
        "order_needs_attention",
        True,
    )
    assert escalated.params["problem"] == "dispatch_escalated"
    ops = Actor.platform("ops_2", StaffRole.OPERATIONS)
    assert [n.id for n in w.app.notifications.inbox(ops, limit=10)] == [escalated.id]
