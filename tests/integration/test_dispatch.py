"""Dispatch of orders placed without a technician, mode by mode, over the in-memory app
(issue 12; docs/dispatch.md).

The world (``booking_core.testing.dispatch``): technicians T0, T1, … stand 0.5 km, 1 km, …
north of the customer's home, online, with every service, their ratings falling with the
distance — so the ranking asks them in the order T0, T1, … An order placed without a
technician holds its time on the best free candidate at once; dispatch then assigns it
(``auto``), offers it one technician at a time (``offer``, 派单), or broadcasts it for grabs
(``grab``, 抢单); a dispatcher (the platform, or a store among its own) assigns by hand.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest

from booking_core import Money
from booking_core.audit import AuditQuery
from booking_core.dispatch.candidates import Exclusion
from booking_core.dispatch.plan import DispatchPlan, DispatchPolicy
from booking_core.dispatch.score import RankingWeights
from booking_core.errors import (
    InvalidInput,
    NoTechnicianAvailable,
    NotFound,
    OfferNotOpen,
    OrderAlreadyTaken,
    PermissionDenied,
    SlotHeld,
    SlotTaken,
    TransitionNotAllowed,
)
from booking_core.ids import CustomerId, OrderId, ServiceId, StoreId, TechnicianId
from booking_core.orders import Actor, Order, OrderState, Role, check_seat
from booking_core.orders.dispatching import DispatchMode, DispatchState, OfferEnd
from booking_core.scheduling import DispatchSettings, WeeklyHours, WorkStatus
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.services.ordering import PlaceOrder
from booking_core.services.technicians import RegisterTechnician
from booking_core.staff import StaffRole
from booking_core.stores import StoreAddress, StoreDetails
from booking_core.testing.dispatch import DispatchWorld, dispatch_world, north_of
from booking_core.testing.orders import HOME, LIST_PRICE, LOCAL_ZONE, OPERATOR, at
from booking_core.timerange import TimeRange

AUDITOR = Actor.platform("root", StaffRole.SUPER_ADMIN)
WEEK = TimeRange(at(2, 0), at(9, 0))
OFFER = DispatchPlan(mode=DispatchMode.OFFER, offer_seconds=60, max_offers=5)
GRAB = DispatchPlan(mode=DispatchMode.GRAB, broadcast_size=3)
MANUAL = DispatchPlan(mode=DispatchMode.MANUAL)


# -- helpers -------------------------------------------------------------------------------


def _settle(world: DispatchWorld) -> None:
    """Run due jobs until none is due (a round scheduled by a job runs too)."""
    for _ in range(10):
        if not world.world.run_jobs():
            return
    raise AssertionError("jobs keep coming")


def _wait(world: DispatchWorld, seconds: int) -> None:
    """Let ``seconds`` pass, then run what fell due."""
    clock = world.world.clock
    clock.set(clock.now().add(seconds=seconds))
    _settle(world)


def _order(world: DispatchWorld, order_id: OrderId) -> Order:
    return world.world.get(order_id)


def _dispatch(world: DispatchWorld, order_id: OrderId) -> DispatchState:
    found = world.world.get(order_id).dispatch
    assert found is not None
    return found


def _held_on(world: DispatchWorld, order_id: OrderId) -> list[TechnicianId]:
    """Whose calendars hold an active booking of the order."""
    with world.world.uow() as uow:
        bookings = uow.bookings.list_active_many(list(world.technicians), WEEK)
    return [b.technician_id for b in bookings if b.order_id == order_id]


def _payloads(world: DispatchWorld, name: str) -> list[dict[str, Any]]:
    with world.world.uow() as uow:
        return [m.payload for m in uow.outbox.pending(10_000) if m.name == name]


def _offered_to(world: DispatchWorld, order_id: OrderId) -> list[str]:
    """Who the order was offered to, in turn (its ``OrderOffered`` events)."""
    return [
        p["technician_id"] for p in _payloads(world, "OrderOffered") if p["order_id"] == order_id
    ]


def _book_directly(
    world: DispatchWorld,
    technician_id: TechnicianId,
    start: Any = None,
    customer: str = "cus_9",
) -> OrderId:
    """Another customer books ``technician_id`` by name (Tuesday 10:00 by default)."""
    order = world.app.ordering.place_order(
        PlaceOrder(
            CustomerId(customer), technician_id, world.world.tuina, start or at(3, 10),
            location=HOME,
        ),
        Actor.customer(customer),
    )  # fmt: skip
    return OrderId(order.id)


def _edit(world: DispatchWorld, technician_id: TechnicianId, **changes: Any) -> None:
    """The platform changes fields of the technician's profile."""
    technician = world.app.technicians.get(technician_id)
    profile = attrs.evolve(technician.profile, **changes)
    world.app.technicians.update_profile(technician_id, profile, OPERATOR)


def _store(world: DispatchWorld, *members: TechnicianId) -> Actor:
    details = StoreDetails(
        "静安店",
        StoreAddress("上海市", "静安区", "南京西路 1 号", GeoPoint(31.23, 121.45)),
        LOCAL_ZONE,
        WeeklyHours.every_day("10:00", "22:00"),
    )
    store = world.app.stores.create(details, OPERATOR)
    for technician_id in members:
        world.app.stores.add_member(StoreId(store.id), technician_id, OPERATOR)
    return Actor(store.id, Role.STORE)


# -- placing -------------------------------------------------------------------------------


def test_auto_assigns_the_best_ranked_candidate() -> None:
    world = dispatch_world()
    t0 = world.technicians[0]

    order_id = world.place()
    _settle(world)

    order = _order(world, order_id)
    assert order.technician_id == t0
    assert order.state == OrderState.PENDING_ACCEPTANCE  # he accepts or rejects as usual
    assert _dispatch(world, order_id).assigned_by is DispatchMode.AUTO
    assert _held_on(world, order_id) == [t0]
    assert [(r.event, r.to_state) for r in order.timeline][-1] == ("assign", "pending_acceptance")
    with world.world.uow() as uow:
        counted = uow.dispatch_metrics.get_many([t0])[t0]
    assert (counted.assigned, counted.last_assigned_at) == (1, world.world.clock.now())


def test_auto_follows_the_plans_ranking_not_the_distance() -> None:
    # Ranked by rating alone: T3, 2 km away but rated best, beats T0 next door.
    rating_only = RankingWeights(
        distance=0, rating=20, acceptance_rate=0, least_recently_assigned=0, todays_load=0,
        favourite=0, new_technician=0,
    )  # fmt: skip
    world = dispatch_world(DispatchPlan(weights=rating_only))
    t0, t3 = world.technicians[0], world.technicians[3]
    _edit(world, t0, rating=Decimal("3.0"))
    _edit(world, t3, rating=Decimal("5.0"))

    order_id = world.place()
    _settle(world)

    assert _order(world, order_id).technician_id == t3
    assert _held_on(world, order_id) == [t3]


def test_a_busy_best_candidate_is_skipped() -> None:
    world = dispatch_world()
    t0, t1 = world.technicians[:2]
    _book_directly(world, t0)

    order_id = world.place()
    _settle(world)

    assert _order(world, order_id).technician_id == t1
    assert _held_on(world, order_id) == [t1]


def test_an_order_without_a_technician_needs_an_address() -> None:
    world = dispatch_world()
    command = PlaceOrder(CustomerId("cus_1"), None, world.world.tuina, at(3, 10))

    with pytest.raises(InvalidInput) as refused:
        world.app.ordering.place_order(command, Actor.customer("cus_1"))

    assert refused.value.details == {"field": "location"}
    with world.world.uow() as uow:
        assert uow.orders.list_for_customer(CustomerId("cus_1")) == []
        assert uow.bookings.list_active_many(list(world.technicians), WEEK) == []


def test_nobody_free_near_the_address_is_no_technician_available() -> None:
    world = dispatch_world(technicians=3)
    world.go_offline(world.technicians[0])
    _book_directly(world, world.technicians[1])
    _book_directly(world, world.technicians[2], customer="cus_8")

    with pytest.raises(NoTechnicianAvailable) as refused:
        world.place()

    assert refused.value.error_code == "no_technician_available"
    with world.world.uow() as uow:
        assert uow.orders.list_for_customer(CustomerId("cus_1")) == []


def test_nobody_within_the_radius_is_no_technician_available() -> None:
    world = dispatch_world(DispatchPlan(radius_km=0.4))  # T0 stands 0.5 km away

    with pytest.raises(NoTechnicianAvailable):
        world.place()


def test_an_order_without_a_chosen_technician_sells_at_the_catalog_price() -> None:
    world = dispatch_world(technicians=1)
    t0 = world.technicians[0]
    own = Money(15000, "CNY")
    _edit(world, t0, prices={world.world.tuina: own})
    chosen = world.app.ordering.get_order(_book_directly(world, t0, at(3, 14)), OPERATOR)

    order_id = world.place()
    _settle(world)

    assert chosen.price == own  # his own price holds when he is chosen by name
    order = _order(world, order_id)
    assert order.technician_id == t0
    assert order.price == LIST_PRICE


# -- offers (派单) -------------------------------------------------------------------------


def test_an_offer_holds_the_time_on_the_offered_technician() -> None:
    world = dispatch_world(OFFER)
    t0 = world.technicians[0]

    order_id = world.place()
    _settle(world)

    dispatch = _dispatch(world, order_id)
    assert dispatch.offer is not None
    assert (dispatch.offer.technician_id, dispatch.holder) == (t0, t0)
    assert dispatch.offer.expires_at == world.world.clock.now().add(seconds=60)
    assert _held_on(world, order_id) == [t0]
    with pytest.raises((SlotTaken, SlotHeld)):
        _book_directly(world, t0)


def test_a_refused_offer_goes_to_the_next_candidate() -> None:
    world = dispatch_world(OFFER)
    t0, t1 = world.technicians[:2]
    order_id = world.place()
    _settle(world)

    world.app.dispatch.refuse_offer(order_id, world.actor(t0), reason="too far")
    _settle(world)

    dispatch = _dispatch(world, order_id)
    assert dispatch.offer is not None
    assert dispatch.offer.technician_id == t1
    assert dispatch.refused == {t0}
    assert _held_on(world, order_id) == [t1]  # T0's time given back
    assert _offered_to(world, order_id) == [t0, t1]
    with world.world.uow() as uow:
        counted = uow.dispatch_metrics.get_many([t0, t1])
    assert (counted[t0].offered, counted[t0].refused) == (1, 1)
    assert counted[t1].offered == 1


def test_an_unanswered_offer_times_out_and_goes_to_the_next() -> None:
    world = dispatch_world(OFFER)
    t0, t1 = world.technicians[:2]
    order_id = world.place()
    _settle(world)

    _wait(world, 59)
    assert _offered_to(world, order_id) == [t0]  # not yet
    _wait(world, 1)

    dispatch = _dispatch(world, order_id)
    assert dispatch.offer is not None
    assert dispatch.offer.technician_id == t1
    assert dispatch.refused == {t0}
    with world.world.uow() as uow:
        assert uow.dispatch_metrics.get_many([t0])[t0].timed_out == 1
    with pytest.raises(OfferNotOpen):
        world.app.dispatch.accept_offer(order_id, world.actor(t0))


def test_who_refused_or_let_the_offer_lapse_is_never_asked_again() -> None:
    world = dispatch_world(attrs.evolve(OFFER, max_offers=10), technicians=3)
    t0, t1, t2 = world.technicians
    order_id = world.place()
    _settle(world)

    world.app.dispatch.refuse_offer(order_id, world.actor(t0))
    _settle(world)
    _wait(world, 60)  # T1 lets it lapse
    world.app.dispatch.refuse_offer(order_id, world.actor(t2))
    _settle(world)

    assert _offered_to(world, order_id) == [t0, t1, t2]
    dispatch = _dispatch(world, order_id)
    assert dispatch.refused == {t0, t1, t2}
    assert dispatch.offer is None
    assert dispatch.escalated_at is not None  # nobody left: a person decides


def test_the_offered_technician_accepts_and_the_order_is_his() -> None:
    world = dispatch_world(OFFER)
    t0 = world.technicians[0]
    order_id = world.place()
    _settle(world)

    order = world.app.dispatch.accept_offer(order_id, world.actor(t0))

    assert (order.technician_id, order.state) == (t0, OrderState.ACCEPTED)
    dispatch = _dispatch(world, order_id)
    assert (dispatch.offer, dispatch.assigned_by) == (None, DispatchMode.OFFER)
    assert _held_on(world, order_id) == [t0]
    with world.world.uow() as uow:
        counted = uow.dispatch_metrics.get_many([t0])[t0]
    assert (counted.offered, counted.accepted, counted.assigned) == (1, 1, 1)


def test_only_the_offered_technician_may_accept_or_refuse() -> None:
    world = dispatch_world(OFFER)
    t1 = world.technicians[1]
    order_id = world.place()
    _settle(world)
    before = _dispatch(world, order_id)

    with pytest.raises(OfferNotOpen) as refused:
        world.app.dispatch.accept_offer(order_id, world.actor(t1))
    with pytest.raises(OfferNotOpen):
        world.app.dispatch.refuse_offer(order_id, world.actor(t1))

    assert refused.value.error_code == "offer_not_open"
    assert _dispatch(world, order_id) == before
    assert _order(world, order_id).technician_id is None


def test_a_technician_lists_the_offers_standing_for_him() -> None:
    world = dispatch_world(OFFER)
    t0, t1 = world.technicians[:2]
    order_id = world.place()
    _settle(world)

    mine = world.app.dispatch.offers(world.actor(t0))
    others = world.app.dispatch.offers(world.actor(t1))
    _wait(world, 60)  # it lapsed (and went to T1)
    lapsed = world.app.dispatch.offers(world.actor(t0))

    assert [(e.order.id, round(e.distance_km or 0, 3)) for e in mine] == [(order_id, 0.5)]
    assert others == []
    assert lapsed == []
    assert [e.order.id for e in world.app.dispatch.offers(world.actor(t1))] == [order_id]
    with pytest.raises(PermissionDenied):
        world.app.dispatch.offers(Actor.customer("cus_1"))


def test_answering_an_offer_of_an_unknown_order_says_no_offer_stands() -> None:
    world = dispatch_world(OFFER)

    with pytest.raises(OfferNotOpen):  # not NotFound: no way to probe which ids exist
        world.app.dispatch.refuse_offer(OrderId("ord_nope"), world.actor(world.technicians[0]))


def test_an_offer_cannot_be_accepted_at_its_deadline() -> None:
    world = dispatch_world(OFFER)
    t0 = world.technicians[0]
    order_id = world.place()
    _settle(world)

    world.world.clock.set(world.world.clock.now().add(seconds=60))  # the job has not run

    with pytest.raises(OfferNotOpen):
        world.app.dispatch.accept_offer(order_id, world.actor(t0))


def test_after_max_offers_the_order_is_escalated_to_a_dispatcher() -> None:
    world = dispatch_world(attrs.evolve(OFFER, max_offers=2))
    t0, t1 = world.technicians[:2]
    order_id = world.place()
    _settle(world)

    world.app.dispatch.refuse_offer(order_id, world.actor(t0))
    _settle(world)
    world.app.dispatch.refuse_offer(order_id, world.actor(t1))
    _settle(world)

    assert _offered_to(world, order_id) == [t0, t1]  # T2 and T3 were free, not asked
    dispatch = _dispatch(world, order_id)
    assert (dispatch.offer, dispatch.escalated_at) == (None, world.world.clock.now())
    alerts = [p for p in _payloads(world, "OrderNeedsAttention") if p["order_id"] == order_id]
    assert [a["problem"] for a in alerts] == ["dispatch_escalated"]
    assert [o.id for o in world.app.dispatch.board(OPERATOR)] == [order_id]


def test_an_order_still_waiting_after_the_deadline_is_escalated() -> None:
    world = dispatch_world(attrs.evolve(OFFER, offer_seconds=3600, escalate_after_minutes=5))
    t0 = world.technicians[0]
    order_id = world.place()
    _settle(world)

    _wait(world, 5 * 60 - 1)
    assert _dispatch(world, order_id).escalated_at is None
    _wait(world, 1)

    dispatch = _dispatch(world, order_id)
    assert dispatch.escalated_at == world.world.clock.now()
    assert dispatch.offer is None  # the standing offer is withdrawn
    alerts = [p for p in _payloads(world, "OrderNeedsAttention") if p["order_id"] == order_id]
    assert [a["problem"] for a in alerts] == ["dispatch_escalated"]
    with pytest.raises(OfferNotOpen):
        world.app.dispatch.accept_offer(order_id, world.actor(t0))


def test_a_broadcast_nobody_grabs_is_escalated_after_the_deadline() -> None:
    world = dispatch_world(attrs.evolve(GRAB, escalate_after_minutes=5))
    order_id = world.place()
    _settle(world)

    _wait(world, 5 * 60)

    assert _dispatch(world, order_id).escalated_at == world.world.clock.now()
    assert "OrderNeedsAttention" in world.world.outbox()


# -- grabs (抢单) --------------------------------------------------------------------------


def test_a_broadcast_reaches_the_best_and_the_first_grab_wins() -> None:
    world = dispatch_world(GRAB)
    t0, t1, t2, _ = world.technicians
    order_id = world.place()
    _settle(world)
    assert _dispatch(world, order_id).broadcast == (t0, t1, t2)
    assert _held_on(world, order_id) == [t0]

    order = world.app.dispatch.grab(order_id, world.actor(t2))
    with pytest.raises(OrderAlreadyTaken) as late:
        world.app.dispatch.grab(order_id, world.actor(t1))

    assert (order.technician_id, order.state) == (t2, OrderState.ACCEPTED)
    assert late.value.error_code == "order_already_taken"
    assert _held_on(world, order_id) == [t2]
    assert _dispatch(world, order_id).assigned_by is DispatchMode.GRAB


def test_a_technician_who_takes_no_grabs_cannot_grab() -> None:
    world = dispatch_world(GRAB)
    t1 = world.technicians[1]
    _edit(world, t1, dispatch=DispatchSettings(accepts_grabs=False))
    order_id = world.place()
    _settle(world)

    with pytest.raises(TransitionNotAllowed) as refused:
        world.app.dispatch.grab(order_id, world.actor(t1))

    assert refused.value.details["reason"] == "no_grabs"
    assert t1 not in _dispatch(world, order_id).broadcast
    assert _order(world, order_id).technician_id is None


def test_a_grab_order_cannot_be_grabbed_by_an_offline_technician() -> None:
    world = dispatch_world(GRAB)
    t1 = world.technicians[1]
    order_id = world.place()
    _settle(world)
    world.go_offline(t1)

    with pytest.raises(TransitionNotAllowed):
        world.app.dispatch.grab(order_id, world.actor(t1))

    assert _order(world, order_id).technician_id is None


def test_an_offer_order_cannot_be_grabbed() -> None:
    world = dispatch_world(OFFER)
    order_id = world.place()
    _settle(world)

    with pytest.raises(NotFound):
        world.app.dispatch.grab(order_id, world.actor(world.technicians[1]))

    assert _order(world, order_id).technician_id is None


def test_the_pool_lists_only_the_open_grab_orders_near_him() -> None:
    world = dispatch_world(GRAB)
    t0, t1 = world.technicians[:2]
    far_point = north_of(HOME, 8)
    far = world.app.technicians.register(
        RegisterTechnician(
            "Far", LOCAL_ZONE, WeeklyHours.every_day("09:00", "21:00"),
            frozenset({world.world.tuina}),
        ),
        OPERATOR,
    )  # fmt: skip
    _edit(world, far.id, service_area=ServiceArea(far_point, 10.0))
    world.app.schedules.set_status(OPERATOR, far.id, WorkStatus.ONLINE)
    near = world.place(at(3, 10))
    taken = world.place(at(3, 14), customer="cus_2")
    far_away = world.app.ordering.place_order(
        PlaceOrder(CustomerId("cus_3"), None, world.world.tuina, at(3, 16), location=far_point),
        Actor.customer("cus_3"),
    )
    world.app.payments.pay(far_away.id, Actor.customer("cus_3"))
    _settle(world)
    world.app.dispatch.grab(taken, world.actor(t1))

    pool = world.app.dispatch.pool(world.actor(t0))
    far_pool = world.app.dispatch.pool(Actor(far.id, Role.TECHNICIAN))

    assert [e.order.id for e in pool] == [near]
    assert pool[0].distance_km == pytest.approx(0.5, abs=0.01)
    assert [e.order.id for e in far_pool] == [far_away.id]


def test_the_pool_leaves_out_orders_he_is_not_free_for() -> None:
    world = dispatch_world(GRAB)
    t2 = world.technicians[2]
    order_id = world.place()
    _settle(world)
    assert [e.order.id for e in world.app.dispatch.pool(world.actor(t2))] == [order_id]

    _book_directly(world, t2)

    assert world.app.dispatch.pool(world.actor(t2)) == []


def test_the_pool_is_for_technicians() -> None:
    world = dispatch_world(GRAB)

    with pytest.raises(PermissionDenied):
        world.app.dispatch.pool(Actor.customer("cus_1"))


# -- dispatchers ---------------------------------------------------------------------------


def test_the_platform_assigns_by_hand_and_it_is_audited() -> None:
    world = dispatch_world(MANUAL)
    t0, t2 = world.technicians[0], world.technicians[2]
    order_id = world.place()
    _settle(world)
    assert _order(world, order_id).technician_id is None  # manual: nothing automatic
    assert _held_on(world, order_id) == [t0]

    order = world.app.dispatch.assign(order_id, t2, AUDITOR)

    assert (order.technician_id, order.state) == (t2, OrderState.PENDING_ACCEPTANCE)
    assert _dispatch(world, order_id).assigned_by is DispatchMode.MANUAL
    assert _held_on(world, order_id) == [t2]  # moved: T0's time given back
    entries = world.app.audit.entries(AUDITOR, AuditQuery(action="order.assign"))
    assert [(e.actor_id, e.subject_id) for e in entries] == [("root", order_id)]
    with pytest.raises(OrderAlreadyTaken):
        world.app.dispatch.assign(order_id, t0, AUDITOR)


def test_a_manual_assignment_respects_his_agenda() -> None:
    world = dispatch_world(MANUAL)
    t2 = world.technicians[2]
    _book_directly(world, t2)
    order_id = world.place()

    with pytest.raises(SlotTaken):
        world.app.dispatch.assign(order_id, t2, AUDITOR)

    assert _order(world, order_id).technician_id is None
    assert _held_on(world, order_id) == [world.technicians[0]]


def test_a_store_assigns_only_its_own_technicians() -> None:
    world = dispatch_world(MANUAL)
    t1, t2 = world.technicians[1], world.technicians[2]
    store = _store(world, t1)
    order_id = world.place()

    with pytest.raises(PermissionDenied):
        world.app.dispatch.assign(order_id, t2, store)
    assert _order(world, order_id).technician_id is None
    order = world.app.dispatch.assign(order_id, t1, store)

    assert order.technician_id == t1
    assert [r.actor for r in order.timeline if r.event == "assign"] == [store]


def test_customers_and_technicians_are_not_dispatchers() -> None:
    world = dispatch_world(MANUAL)
    t1 = world.technicians[1]
    order_id = world.place()

    for actor in (Actor.customer("cus_1"), world.actor(t1)):
        with pytest.raises(PermissionDenied):
            world.app.dispatch.assign(order_id, t1, actor)
        with pytest.raises(PermissionDenied):
            world.app.dispatch.board(actor)
        with pytest.raises(PermissionDenied):
            world.app.dispatch.candidates(order_id, actor)

    assert _order(world, order_id).technician_id is None


def test_a_rejected_auto_assignment_goes_to_the_next_candidate() -> None:
    world = dispatch_world()
    t0, t1 = world.technicians[:2]
    order_id = world.place()
    _settle(world)
    assert _order(world, order_id).technician_id == t0

    world.app.ordering.transition(order_id, "reject", world.actor(t0), reason="ill")

    assert _order(world, order_id).technician_id is None
    back = _dispatch(world, order_id)
    assert (back.waiting, back.holder, back.refused) == (True, None, frozenset({t0}))
    assert _held_on(world, order_id) == []  # his time given back
    _settle(world)
    order = _order(world, order_id)
    assert (order.technician_id, order.state) == (t1, OrderState.PENDING_ACCEPTANCE)
    assert _held_on(world, order_id) == [t1]
    assert t0 in _dispatch(world, order_id).refused


def test_cancelling_a_waiting_order_gives_its_held_time_back() -> None:
    world = dispatch_world(OFFER)
    t0 = world.technicians[0]
    order_id = world.place()
    _settle(world)
    assert _held_on(world, order_id) == [t0]

    world.app.ordering.transition(order_id, "cancel", Actor.customer("cus_1"))

    assert _held_on(world, order_id) == []
    assert _book_directly(world, t0)  # his time is free again
    assert world.app.dispatch.board(OPERATOR) == []


def test_an_offer_of_a_cancelled_order_ends() -> None:
    world = dispatch_world(OFFER)
    t0 = world.technicians[0]
    order_id = world.place()
    _settle(world)

    world.app.ordering.transition(order_id, "cancel", Actor.customer("cus_1"))
    _wait(world, 60)

    assert _dispatch(world, order_id).offer is None
    with pytest.raises(OfferNotOpen):
        world.app.dispatch.accept_offer(order_id, world.actor(t0))


def test_the_board_lists_only_orders_waiting_for_a_technician() -> None:
    world = dispatch_world(MANUAL)
    t1 = world.technicians[1]
    waiting = world.place(at(3, 10))
    later = world.place(at(4, 10), customer="cus_2")
    assigned = world.place(at(3, 14), customer="cus_3")
    cancelled = world.place(at(3, 16), customer="cus_4")
    world.app.dispatch.assign(assigned, t1, AUDITOR)
    world.app.ordering.transition(cancelled, "cancel", Actor.customer("cus_4"))
    world.world.paid_order(at(3, 18))  # placed with Li by name: not dispatch's

    board = world.app.dispatch.board(OPERATOR)

    assert [o.id for o in board] == [waiting, later]  # soonest first


def test_candidates_are_ranked_then_the_excluded_with_why() -> None:
    world = dispatch_world(OFFER)
    t0, t1, t2, t3 = world.technicians
    order_id = world.place()
    _settle(world)
    world.app.dispatch.refuse_offer(order_id, world.actor(t0))
    _settle(world)  # offered to T1 now, who holds the order's time: free for it
    _book_directly(world, t2)

    rows = world.app.dispatch.candidates(order_id, AUDITOR)

    assert [r.technician_id for r in rows[:2]] in ([t1, t3], [t3, t1])  # the ranked first
    assert all(r.ranked is not None and r.excluded is None for r in rows[:2])
    scores = [r.ranked.score for r in rows[:2] if r.ranked is not None]
    assert scores == sorted(scores, reverse=True)
    assert all(r.ranked is not None and r.ranked.explanation for r in rows[:2])
    assert {r.technician_id: r.excluded for r in rows[2:]} == {
        t0: Exclusion.EXCLUDED,
        t2: Exclusion.BUSY,
    }
    names = {r.technician_id: r.name for r in rows}
    assert names == {t0: "T0", t1: "T1", t2: "T2", t3: "T3"}  # a board shows names
    assert {r.technician_id: round(r.distance_km or 0, 2) for r in rows} == {
        t0: 0.5, t1: 1.0, t2: 1.5, t3: 2.0,
    }  # fmt: skip


def test_a_store_sees_the_candidates_among_its_own() -> None:
    world = dispatch_world(MANUAL)
    t1, t3 = world.technicians[1], world.technicians[3]
    store = _store(world, t1, t3)
    order_id = world.place()

    rows = world.app.dispatch.candidates(order_id, store)

    assert {r.technician_id for r in rows} == {t1, t3}


# -- the order's seats ---------------------------------------------------------------------

T1, T2, T3 = TechnicianId("tec_1"), TechnicianId("tec_2"), TechnicianId("tec_3")
ORDER = OrderId("ord_1")


def test_an_open_seat_takes_a_technician_without_one() -> None:
    check_seat(ORDER, (None, T1, None), 0, T2)
    check_seat(ORDER, (None, T1, None), 2, T3)


def test_a_taken_seat_is_already_taken() -> None:
    with pytest.raises(OrderAlreadyTaken) as refused:
        check_seat(ORDER, (None, T1), 1, T2)

    assert refused.value.details == {"order_id": ORDER, "seat": 1}


def test_a_technician_takes_one_seat_of_an_order() -> None:
    with pytest.raises(OrderAlreadyTaken) as refused:
        check_seat(ORDER, (None, T1, None), 2, T1)

    assert refused.value.details == {"order_id": ORDER, "seat": 1}


@pytest.mark.parametrize("seat", [-1, 2, 3, True, "0", 1.0])
def test_no_such_seat_is_invalid_input(seat: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_seat(ORDER, (None, None), seat, T1)

    assert refused.value.details == {"order_id": ORDER, "field": "seat"}


def test_an_order_placed_with_a_technician_is_not_assigned_by_dispatch() -> None:
    world = dispatch_world()
    order = world.app.ordering.get_order(world.world.paid_order(), OPERATOR)

    with pytest.raises(InvalidInput):
        order.assign(
            world.technicians[0], order.booking_id, how=DispatchMode.MANUAL, actor=OPERATOR,
            at=world.world.clock.now(),
        )  # fmt: skip

    with pytest.raises(TransitionNotAllowed):
        world.app.dispatch.assign(order.id, world.technicians[0], AUDITOR)


# -- values --------------------------------------------------------------------------------

NOW = at(2, 8)


def test_a_new_offer_needs_the_standing_one_ended() -> None:
    state = DispatchState(DispatchMode.OFFER).offered(T1, NOW, 60)

    with pytest.raises(InvalidInput):
        state.offered(T2, NOW, 60)

    ended = state.offer_ended(OfferEnd.WITHDRAWN)
    assert ended.offered(T2, NOW, 60).offer.number == 2  # type: ignore[union-attr]


def test_an_offer_is_never_made_to_one_who_refused() -> None:
    state = DispatchState(DispatchMode.OFFER, refused=frozenset({T1}))

    with pytest.raises(InvalidInput):
        state.offered(T1, NOW, 60)


def test_an_offer_holds_the_time_on_him_and_counts() -> None:
    state = DispatchState(DispatchMode.OFFER, holder=T3).offered(T1, NOW, 90)

    assert state.holder == T1
    assert state.offers == 1
    assert state.offer is not None
    assert state.offer.expires_at == NOW.add(seconds=90)


@pytest.mark.parametrize(
    ("end", "remembered"),
    [
        (OfferEnd.REFUSED, {T1}),
        (OfferEnd.TIMED_OUT, {T1}),
        (OfferEnd.WITHDRAWN, set()),
        (OfferEnd.ACCEPTED, set()),
    ],
)
def test_refusals_and_timeouts_are_remembered(end: OfferEnd, remembered: set[str]) -> None:
    state = DispatchState(DispatchMode.OFFER).offered(T1, NOW, 60)

    ended = state.offer_ended(end)

    assert ended.offer is None
    assert ended.refused == remembered


def test_escalation_withdraws_the_offer_and_keeps_the_first_instant() -> None:
    state = DispatchState(DispatchMode.OFFER).offered(T1, NOW, 60)

    escalated = state.escalated(NOW).escalated(NOW.add(minutes=5))

    assert (escalated.offer, escalated.escalated_at) == (None, NOW)


def test_a_rejection_puts_the_order_back_without_him() -> None:
    state = DispatchState(DispatchMode.AUTO, holder=T1).assigned(DispatchMode.AUTO)
    assert not state.waiting

    back = state.rejected_by(T1)

    assert back.waiting
    assert (back.holder, back.refused) == (None, frozenset({T1}))


def test_an_assignment_ends_the_wait_and_the_offer() -> None:
    state = DispatchState(DispatchMode.OFFER).offered(T1, NOW, 60)

    assigned = state.assigned(DispatchMode.MANUAL)

    assert (assigned.waiting, assigned.offer, assigned.assigned_by) == (
        False,
        None,
        DispatchMode.MANUAL,
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"offer_seconds": 4},
        {"offer_seconds": 60.0},
        {"max_offers": 0},
        {"escalate_after_minutes": 0},
        {"broadcast_size": 0},
        {"broadcast_size": True},
        {"radius_km": 0},
        {"radius_km": 100.5},
        {"radius_km": True},
        {"radius_km": "5"},
    ],
)
def test_a_plan_refuses_settings_out_of_range(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as refused:
        DispatchPlan(**changes)

    assert refused.value.details == {"field": next(iter(changes))}


def test_the_edges_of_a_plan_are_allowed() -> None:
    plan = DispatchPlan(
        offer_seconds=5, max_offers=1, escalate_after_minutes=1, broadcast_size=1, radius_km=100
    )

    assert plan.radius_km == 100


def test_a_service_plan_wins_over_a_city_plan_over_the_default() -> None:
    by_service, by_city = (
        DispatchPlan(mode=DispatchMode.GRAB),
        DispatchPlan(mode=DispatchMode.OFFER),
    )
    policy = DispatchPolicy(
        by_service={ServiceId("svc_1"): by_service}, by_city={"上海市": by_city}
    )

    assert policy.plan_for(ServiceId("svc_1"), "上海市") is by_service
    assert policy.plan_for(ServiceId("svc_2"), "上海市") is by_city
    assert policy.plan_for(ServiceId("svc_2"), "北京市") == DispatchPlan()
    assert policy.plan_for(ServiceId("svc_2"), None) == DispatchPlan()
