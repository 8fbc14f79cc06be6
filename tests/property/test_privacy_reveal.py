"""Who sees the customer's contact, over any order history and any instant (I25, P11).

Each order comes from the shipped ``orders`` strategy (a walk to any state) and then walks
on at random through every event the chart allows from where it rests — rejections,
reassignments (to another technician or the same one), changes of time, cancellations,
no-shows, refunds — each fired by one of the actors allowed to. The walk keeps its own log
of who was assigned after each step, and the rule is stated again below on that log,
without the timeline: :func:`_expected`.
"""

from __future__ import annotations

from datetime import timedelta

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st
from pendulum import DateTime

from booking_core import Money
from booking_core.errors import TransitionNotAllowed
from booking_core.ids import BookingId, TechnicianId
from booking_core.orders import (
    Actor,
    Order,
    OrderState,
    PrivacyPolicy,
    Role,
    reveals_contact,
)
from booking_core.orders.lifecycle import OrderLifecycle
from booking_core.orders.policy import OrderPolicy
from booking_core.testing.strategies import orders

_S = OrderState
FIRST = TechnicianId("tec_1")  # the strategy's technician
TECHNICIANS = (FIRST, TechnicianId("tec_2"), TechnicianId("tec_3"))
PLATFORM = Actor("ops_1", Role.PLATFORM)
SYSTEM = Actor.system()
RULES = OrderPolicy()
EVENTS_FROM: dict[str, list[str]] = {
    str(state.value): sorted({str(t.event) for t in state.transitions})
    for state in OrderLifecycle.states
}


_WEIGHT = {"accept": 3, "reject": 3, "reassign": 3, "modify": 2}
_WAITING = [_S.PENDING_PAYMENT, _S.PENDING_ACCEPTANCE]
_OPEN = [_S.PENDING_PAYMENT, _S.PENDING_ACCEPTANCE, _S.ACCEPTED, _S.DEPARTED, _S.ARRIVED]


@attrs.frozen
class Step:
    """What the walk knows after one step: when, what, the state, who is assigned, by whom."""

    at: DateTime
    event: str
    state: str
    technician: TechnicianId | None
    actor: Actor | None


@attrs.frozen
class History:
    order: Order
    log: tuple[Step, ...]


def _fire(draw: st.DrawFn, order: Order, event: str, at: DateTime) -> Actor:
    """Fire ``event`` as the services would, by an actor allowed to; who fired it."""
    customer = Actor(order.customer_id, Role.CUSTOMER)
    own = [Actor(order.technician_id, Role.TECHNICIAN)] if order.technician_id else []
    zero = Money.zero(order.price.currency)
    if event == "reassign":
        actor = draw(st.sampled_from([customer, PLATFORM]))
        order.reassign(draw(st.sampled_from(TECHNICIANS)), BookingId("bkg_x"), actor=actor, at=at)
    elif event == "modify":
        actor = draw(st.sampled_from([customer, PLATFORM]))
        order.modify(
            actor=actor,
            at=at,
            change="time",
            before="then",
            after="now",
            booking_id=order.booking_id,
            slot=order.slot,
        )
    elif event in ("cancel", "no_show"):
        actors = [*own, PLATFORM] + ([customer, SYSTEM] if event == "cancel" else [])
        actor = draw(st.sampled_from(actors))
        order.cancel(event=event, cause="customer", fee=zero, actor=actor, at=at)
    elif event in ("pay", "refund", "settle_refund"):
        actor = SYSTEM
        if event == "pay":
            order.record_capture(order.due_now())
        left = order.refundable.amount
        if event == "refund" and left > 0:
            order.reserve_refund(Money(draw(st.integers(1, left)), order.price.currency))
        order.transition(event, actor=actor, at=at)
    else:  # accept, reject, depart, arrive, start_service, complete
        actor = draw(st.sampled_from([*own, PLATFORM]))
        if event in ("start_service", "complete"):
            due = order.due_now()
            if due.amount > 0:
                order.record_capture(due)
        order.transition(event, actor=actor, at=at, policy=RULES)
    return actor


@st.composite
def histories(draw: st.DrawFn) -> History:
    """Any order history, with the walk's own log of who was assigned after each step."""
    # Mostly from a state the walk can still go on from in many ways.
    start = draw(st.sampled_from([_WAITING, _OPEN, _OPEN, list(OrderState)]))
    order = draw(orders(states=start, policy=RULES, technician_id=FIRST))
    # The strategy's walk never changes the technician: every step so far was his.
    assert not {r.event for r in order.timeline} & {"reassign", "reject"}
    log = [Step(order.placed_at, "place", _S.PENDING_PAYMENT, FIRST, None)]
    log += [Step(r.at, r.event, r.to_state, FIRST, r.actor) for r in order.timeline]
    now = log[-1].at
    for _ in range(draw(st.integers(0, 12))):
        # ``assign`` seats a technician on a dispatched order only; this one was placed
        # with him (dispatch's own property test walks the other kind).
        events = [e for e in EVENTS_FROM[order.state] if e != "assign"]
        if not events:
            break
        # Cancelling ends the interesting part: let the assignment change more often.
        event = draw(st.sampled_from([e for e in events for _ in range(_WEIGHT.get(e, 1))]))
        now = now + timedelta(minutes=draw(st.sampled_from([0, 1]) | st.integers(0, 600)))
        earliest = order.not_before(event, RULES)
        if earliest is not None and earliest > now:
            now = earliest
        try:
            actor = _fire(draw, order, event, now)
        except TransitionNotAllowed:  # a guard said no (no technician to accept): go on
            continue
        log.append(Step(now, event, order.state, order.technician_id, actor))
    return History(order, tuple(log))


_REVEALING = {_S.ACCEPTED, _S.DEPARTED, _S.ARRIVED, _S.IN_SERVICE}
_AFTER_COMPLETION = {_S.COMPLETED, _S.REFUNDING, _S.PARTIALLY_REFUNDED, _S.REFUNDED}


def _expected(log: tuple[Step, ...], viewer: TechnicianId, t: DateTime, minutes: int) -> bool:
    """The rule, stated on the walk's log: at ``t`` the order rests in the state of the last
    step not after ``t``; its assigned technician sees the contact there if that state lies
    between acceptance and service, or after a completion less than ``minutes`` ago — and,
    if his assignment has since ended, only if he fired some step of it himself (the
    timeline names who fired each event, not who was assigned)."""
    reached = [n for n, step in enumerate(log) if step.at <= t]
    if not reached:
        return False
    here = reached[-1]
    step = log[here]
    if step.technician != viewer:
        return False
    completions = [s.at for s in log[: here + 1] if s.event == "complete"]
    if step.state in _REVEALING:
        shown = True
    elif step.state in _AFTER_COMPLETION and completions:
        shown = t < completions[-1] + timedelta(minutes=minutes)
    else:
        shown = False
    changes = [n for n, s in enumerate(log) if s.event in ("reassign", "reject")]
    later = [n for n in changes if n > here]
    if not shown or not later:
        return shown
    begun = max((n for n in changes if n < here), default=-1)
    himself = Actor(viewer, Role.TECHNICIAN)
    return any(s.actor == himself for s in log[begun + 1 : later[0] + 1])


@settings(max_examples=300)
@given(
    histories(),
    st.sampled_from([0, 1, 90, 24 * 60]) | st.integers(0, 7 * 24 * 60),
    st.lists(st.integers(-24 * 3600, 30 * 24 * 3600), max_size=5),
)
def test_the_reveal_window_is_exactly_the_rule(
    history: History, minutes: int, seconds: list[int]
) -> None:
    policy = PrivacyPolicy(reveal_after_completion_minutes=minutes)
    first = history.log[0].at
    edges = [s.at for s in history.log] + [
        s.at + timedelta(minutes=minutes) for s in history.log if s.event == "complete"
    ]
    instants = [e + timedelta(seconds=d) for e in edges for d in (-1, 0, 1)]
    instants += [first + timedelta(seconds=s) for s in seconds]

    for t in instants:
        for viewer in TECHNICIANS:
            assert reveals_contact(history.order, viewer, t, policy) == _expected(
                history.log, viewer, t, minutes
            ), (viewer, t.isoformat(), [(s.event, s.state, s.technician) for s in history.log])
