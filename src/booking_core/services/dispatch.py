"""Dispatch use cases (FEATURES P5, T5, T6, S4; docs/dispatch.md): rounds that assign,
offer (派单) or broadcast (抢单) an order placed without a technician; accepting and
refusing offers; grabbing; the pool a technician grabs from; the dispatcher's board and
manual assignment.

Who takes an order is decided under the order's lock (``LockKey.order``), taken first in
every command here, then his time is taken under his own lock by the one reservation path:
of 64 technicians grabbing one order one wins and the others find it taken; a technician
grabbing two overlapping orders gets the second refused by his own agenda (and, on
PostgreSQL, by the bookings' exclusion constraint). The order's compare-and-set on save
backs the lock where a store has none.
"""

from __future__ import annotations

from typing import Final

import attrs
from pendulum import DateTime

from booking_core.dispatch import RankedCandidate
from booking_core.dispatch.candidates import Exclusion
from booking_core.dispatch.metrics import DispatchMetrics, DispatchOutcome
from booking_core.dispatch.plan import DispatchPlan
from booking_core.errors import (
    ConcurrentUpdate,
    NotFound,
    OfferNotOpen,
    OrderAlreadyTaken,
    PermissionDenied,
    TransitionNotAllowed,
)
from booking_core.ids import BookingId, OrderId, StoreId, TechnicianId
from booking_core.orders import Actor, Order, OrderState, Role
from booking_core.orders.dispatching import DispatchMode, OfferEnd
from booking_core.orders.events import OrderBroadcast, OrderNeedsAttention, OrderOffered
from booking_core.orders.policy import OrderPolicy
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.jobs import Job
from booking_core.ports.storage import (
    LockKey,
    OrderCursor,
    OrderQuery,
    OrderSort,
    UnitOfWork,
    UnitOfWorkFactory,
)
from booking_core.scheduling import WorkStatus
from booking_core.services._access import check_staff, require_role
from booking_core.services.jobs import JobKind
from booking_core.services.steps.audit import AuditTrail, order_facts
from booking_core.services.steps.dispatching import RESERVATION_REFUSALS, Dispatching
from booking_core.services.steps.reservations import Reservations
from booking_core.staff import Permission

__all__ = ["BoardCandidate", "DispatchService", "PoolEntry"]

_SYSTEM: Final = Actor.system("dispatch")
#: How many candidates one round tries to take the time of before it gives up.
_TRIES: Final = 10
_WAITING_STATES: Final = frozenset({OrderState.PENDING_PAYMENT, OrderState.PENDING_ACCEPTANCE})
#: Orders dispatch is looking for a technician for now (paid, or nothing due), soonest
#: first: what a technician may grab or has been offered.
_PAID_AND_WAITING: Final = OrderQuery(
    waiting=True,
    states=frozenset({OrderState.PENDING_ACCEPTANCE}),
    sort=OrderSort.SOONEST_SLOT,
    limit=OrderQuery.MAX_LIMIT,
)


@attrs.frozen
class PoolEntry:
    """An order a technician may grab (or was offered), and how far it is from him (None:
    where he is is not known)."""

    order: Order
    distance_km: float | None


def _deadline(entry: PoolEntry) -> tuple[DateTime, str]:
    offer = entry.order.dispatch.offer if entry.order.dispatch is not None else None
    assert offer is not None
    return offer.expires_at, entry.order.id


@attrs.frozen
class BoardCandidate:
    """A technician on the dispatcher's board for one order: ranked (with the score's
    explanation) if he may take it, else the first rule he fails (``excluded``)."""

    technician_id: TechnicianId
    name: str
    distance_km: float | None
    ranked: RankedCandidate | None
    excluded: Exclusion | None


class DispatchService:
    """Finds technicians for orders placed without one."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdSource,
        *,
        dispatching: Dispatching,
        reservations: Reservations,
        order_policy: OrderPolicy,
        audit: AuditTrail,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._dispatching = dispatching
        self._reservations = reservations
        self._orders = order_policy
        self._audit = audit

    # -- rounds (jobs) ---------------------------------------------------------------------

    def run_round(self, job: Job, now: DateTime) -> DateTime | None:
        """Job handler: one round for a waiting order, by its mode — assign the best free
        candidate (``auto``), offer it to him (``offer``), or broadcast it to the best
        ``broadcast_size`` (``grab``); nobody free, or ``max_offers`` made: escalate."""
        order_id = OrderId(job.subject)
        with self._uow() as uow:
            order = uow.orders.get(order_id)
            if not _open(order) or order.dispatch is None or order.dispatch.offer is not None:
                return None
            dispatch = order.dispatch
            plan = self._dispatching.plan_for(order)
            if dispatch.mode is DispatchMode.MANUAL or dispatch.escalated_at is not None:
                return None  # a person decides
            ranked: tuple[RankedCandidate, ...] = ()
            chosen: list[TechnicianId] = []
            if not (dispatch.mode is DispatchMode.OFFER and dispatch.offers >= plan.max_offers):
                wanted = self._dispatching.wanted(order)
                looked = self._dispatching.look(
                    uow, wanted, plan, now, excluded=dispatch.refused,
                    grab=dispatch.mode is DispatchMode.GRAB,
                )  # fmt: skip
                ranked = looked.ranked
                if dispatch.mode is DispatchMode.GRAB:
                    chosen = self._dispatching.first_free(
                        uow, ranked, wanted, now, plan.broadcast_size
                    )
        if dispatch.mode is DispatchMode.GRAB:
            if chosen and self._broadcast(order_id, chosen, now):
                return None
        else:
            for candidate in ranked[:_TRIES]:
                if self._hand(order_id, candidate.technician_id, plan, now):
                    return None
        spent = dispatch.mode is DispatchMode.OFFER and dispatch.offers >= plan.max_offers
        why = f"{dispatch.offers} offers not accepted" if spent else "nobody free nearby"
        self._escalate(order_id, now, why)
        return None

    def _hand(
        self, order_id: OrderId, technician_id: TechnicianId, plan: DispatchPlan, now: DateTime
    ) -> bool:
        """Assign (``auto``) or offer (``offer``) the order to one technician, his time
        taken; False when he cannot take it after all."""
        with self._uow() as uow:
            order = _locked(uow, order_id)
            if not _open(order) or order.dispatch is None or order.dispatch.offer is not None:
                return True  # changed meanwhile: nothing more for this round to do
            try:
                booking = self._move(uow, order, technician_id, now)
            except RESERVATION_REFUSALS:
                return False
            if order.dispatch.mode is DispatchMode.AUTO:
                order.assign(technician_id, booking, how=DispatchMode.AUTO, actor=_SYSTEM, at=now)
                uow.dispatch_metrics.record(technician_id, DispatchOutcome.ASSIGNED, now)
            else:
                dispatch = order.dispatch.offered(technician_id, now, plan.offer_seconds)
                order.dispatch = dispatch
                assert dispatch.offer is not None
                order.raise_event(
                    OrderOffered(
                        occurred_at=now, order_id=order.id, technician_id=technician_id,
                        expires_at=dispatch.offer.expires_at.isoformat(),
                    )
                )  # fmt: skip
                uow.jobs.schedule(
                    Job(
                        id=f"offer_timeout:{order.id}:{dispatch.offer.number}",
                        kind=JobKind.OFFER_TIMEOUT.value,
                        subject=order.id,
                        due_at=dispatch.offer.expires_at,
                    )
                )
                uow.dispatch_metrics.record(technician_id, DispatchOutcome.OFFERED, now)
            uow.orders.save(order)
            uow.commit()
        return True

    def _broadcast(self, order_id: OrderId, chosen: list[TechnicianId], now: DateTime) -> bool:
        """Tell ``chosen`` the order may be grabbed; its time stays held (on the best of
        them if nobody holds it). False when nobody could hold it."""
        with self._uow() as uow:
            order = _locked(uow, order_id)
            if not _open(order) or order.dispatch is None:
                return True
            if order.dispatch.holder is None:
                for technician_id in chosen:
                    try:
                        self._move(uow, order, technician_id, now)
                        break
                    except RESERVATION_REFUSALS:
                        continue
                else:
                    return False
            order.dispatch = order.dispatch.broadcast_to(chosen)
            order.raise_event(
                OrderBroadcast(occurred_at=now, order_id=order.id, technician_ids=tuple(chosen))
            )
            uow.orders.save(order)
            uow.commit()
        return True

    def offer_timeout(self, job: Job, now: DateTime) -> DateTime | None:
        """Job handler: an offer still unanswered at its deadline ends (a timeout is
        remembered like a refusal) and the next round starts."""
        number = int(job.id.rsplit(":", 1)[1])
        with self._uow() as uow:
            order = _locked(uow, OrderId(job.subject))
            offer = order.dispatch.offer if order.dispatch is not None else None
            if offer is None or offer.number != number or not _open(order):
                return None
            if now < offer.expires_at:
                return offer.expires_at
            self._end_offer(uow, order, OfferEnd.TIMED_OUT, now)
            uow.orders.save(order)
            uow.commit()
        return None

    def escalate_job(self, job: Job, now: DateTime) -> DateTime | None:
        """Job handler: an order still waiting at its deadline goes to a dispatcher."""
        with self._uow() as uow:
            order = uow.orders.get(OrderId(job.subject))
            minutes = self._dispatching.plan_for(order).escalate_after_minutes
        self._escalate(OrderId(job.subject), now, f"no technician after {minutes} minutes")
        return None

    def _escalate(self, order_id: OrderId, now: DateTime, why: str) -> None:
        with self._uow() as uow:
            order = _locked(uow, order_id)
            if not _open(order) or order.dispatch is None or order.dispatch.escalated_at:
                return
            offer = order.dispatch.offer
            if offer is not None:
                uow.dispatch_metrics.record(offer.technician_id, DispatchOutcome.TIMED_OUT, now)
            order.dispatch = order.dispatch.offer_ended(OfferEnd.WITHDRAWN).escalated(now)
            order.raise_event(
                OrderNeedsAttention(
                    occurred_at=now, order_id=order.id, problem="dispatch_escalated",
                    detail=f"Waiting for a technician: {why}; assign one by hand.",
                )
            )  # fmt: skip
            uow.orders.save(order)
            uow.commit()

    # -- technicians -----------------------------------------------------------------------

    def accept_offer(self, order_id: OrderId, actor: Actor) -> Order:
        """The offered technician takes the order: assigned and accepted at once.

        Raises:
            OfferNotOpen: no offer of the order stands for him (ended, timed out, another's).
        """
        require_role(actor, Role.TECHNICIAN, "accepts an offer")
        now = self._clock.now()
        with self._uow() as uow:
            order = self._offered_to(uow, order_id, actor, now)
            technician_id = TechnicianId(actor.id)
            order.assign(
                technician_id, order.booking_id, how=DispatchMode.OFFER, actor=_SYSTEM, at=now,
                reason=f"offer accepted by {technician_id}",
            )  # fmt: skip
            order.transition("accept", actor=actor, at=now, policy=self._orders)
            uow.dispatch_metrics.record(technician_id, DispatchOutcome.ACCEPTED, now)
            uow.dispatch_metrics.record(technician_id, DispatchOutcome.ASSIGNED, now)
            uow.orders.save(order)
            uow.commit()
        return order

    def refuse_offer(self, order_id: OrderId, actor: Actor, *, reason: str = "") -> Order:
        """The offered technician declines: he is not asked again for this order, and the
        next round starts at once.

        Raises:
            OfferNotOpen: no offer of the order stands for him.
        """
        require_role(actor, Role.TECHNICIAN, "refuses an offer")
        now = self._clock.now()
        with self._uow() as uow:
            order = self._offered_to(uow, order_id, actor, now)
            self._end_offer(uow, order, OfferEnd.REFUSED, now)
            uow.orders.save(order)
            uow.commit()
        return order

    def _offered_to(self, uow: UnitOfWork, order_id: OrderId, actor: Actor, now: DateTime) -> Order:
        try:
            order: Order | None = _locked(uow, order_id)
        except NotFound:
            order = None  # answered as any order not offered to him: no probing which exist
        dispatch = order.dispatch if order is not None else None
        offer = dispatch.offer if dispatch is not None else None
        if (
            order is None
            or offer is None
            or offer.technician_id != actor.id
            or now >= offer.expires_at
            or not _open(order)
        ):
            raise OfferNotOpen(
                f"No offer of order {order_id} stands for you: it timed out, was answered, "
                "or the order went to someone else.",
                details={"order_id": order_id},
            )
        return order

    def _end_offer(self, uow: UnitOfWork, order: Order, end: OfferEnd, now: DateTime) -> None:
        assert order.dispatch is not None
        assert order.dispatch.offer is not None
        technician_id = order.dispatch.offer.technician_id
        outcome = DispatchOutcome.REFUSED if end is OfferEnd.REFUSED else DispatchOutcome.TIMED_OUT
        uow.dispatch_metrics.record(technician_id, outcome, now)
        order.dispatch = order.dispatch.offer_ended(end)
        self._dispatching.opened(uow, order, now)  # the next round, now

    def grab(self, order_id: OrderId, actor: Actor) -> Order:
        """Take an order open for grabbing (抢单): the first valid grab wins — he is
        assigned and the order accepted at once, its time moved to his calendar.

        Raises:
            OrderAlreadyTaken: another technician has it (won the grab, or was assigned).
            NotFound: no such order, or it is not open for grabbing.
            TransitionNotAllowed: he may not take it (``details["reason"]``: not skilled,
                not online, does not accept grabs, daily maximum, refused it before).
            SlotTaken, DailyCapReached, OutsideServiceArea, TechnicianNotVerified: his own
                agenda refuses the time (an overlapping order of his, say).
        """
        require_role(actor, Role.TECHNICIAN, "grabs an order")
        technician_id = TechnicianId(actor.id)
        now = self._clock.now()
        try:
            with self._uow() as uow:
                order = _locked(uow, order_id)
                dispatch = order.dispatch
                if dispatch is None or dispatch.mode is not DispatchMode.GRAB:
                    raise NotFound("order", order_id)
                if not dispatch.waiting or order.technician_id is not None:
                    raise _taken(order_id)
                if not _open(order):
                    raise NotFound("order", order_id)
                self._check_grabber(uow, order, technician_id, now)
                booking = self._move(uow, order, technician_id, now)
                order.assign(
                    technician_id, booking, how=DispatchMode.GRAB, actor=_SYSTEM, at=now,
                    reason=f"grabbed by {technician_id}",
                )  # fmt: skip
                order.transition("accept", actor=actor, at=now, policy=self._orders)
                uow.dispatch_metrics.record(technician_id, DispatchOutcome.GRABBED, now)
                uow.dispatch_metrics.record(technician_id, DispatchOutcome.ASSIGNED, now)
                uow.orders.save(order)
                uow.commit()
        except ConcurrentUpdate as exc:  # a store without locks: the save decided
            raise _taken(order_id) from exc
        return order

    def _check_grabber(
        self, uow: UnitOfWork, order: Order, technician_id: TechnicianId, now: DateTime
    ) -> None:
        assert order.dispatch is not None
        plan = self._dispatching.plan_for(order)
        wanted = self._dispatching.wanted(order)
        looked = self._dispatching.look(
            uow, wanted, plan, now, excluded=order.dispatch.refused, grab=True,
            only=frozenset({technician_id}),
        )  # fmt: skip
        if any(c.technician_id == technician_id for c in looked.ranked):
            return
        why = dict(looked.left_out).get(technician_id)
        if why is not None:
            reason = why.value
        elif self._dispatching.locator.status(technician_id) is not WorkStatus.ONLINE:
            reason = Exclusion.NOT_ONLINE.value
        else:
            reason = "too_far"
        raise TransitionNotAllowed(
            f"You cannot grab order {order.id}: {_GRAB_REFUSALS.get(reason, reason)}.",
            details={"order_id": order.id, "reason": reason},
        )

    def pool(self, actor: Actor, *, limit: int = 50) -> list[PoolEntry]:
        """The orders the acting technician may grab now, nearest first: open for grabs,
        within their plan's radius of him, and every rule of the filter passed (his
        agenda included)."""
        require_role(actor, Role.TECHNICIAN, "lists the orders he may grab")
        technician_id = TechnicianId(actor.id)
        now = self._clock.now()
        entries: list[PoolEntry] = []
        with self._uow() as uow:
            waiting = uow.orders.find(_PAID_AND_WAITING)
            here = self._dispatching.locator.position(uow, technician_id)
            for order in waiting:
                if order.dispatch is None or order.dispatch.mode is not DispatchMode.GRAB:
                    continue
                plan = self._dispatching.plan_for(order)
                if here is None or order.destination is None:
                    break  # nowhere known: nothing is near him
                if here.distance_km(order.destination) > plan.radius_km:
                    continue  # the cheap test first; the filter measures again
                looked = self._dispatching.look(
                    uow, self._dispatching.wanted(order), plan, now,
                    excluded=order.dispatch.refused, grab=True,
                    only=frozenset({technician_id}), check_free=True,
                )  # fmt: skip
                if looked.ranked:
                    entries.append(PoolEntry(order, looked.distances[technician_id]))
        entries.sort(key=lambda e: (e.distance_km or 0.0, e.order.id))
        return entries[:limit]

    def offers(self, actor: Actor) -> list[PoolEntry]:
        """The offers standing for the acting technician (one, usually), soonest deadline
        first, each with how far the order is from him."""
        require_role(actor, Role.TECHNICIAN, "lists his offers")
        technician_id = TechnicianId(actor.id)
        now = self._clock.now()
        with self._uow() as uow:
            waiting = uow.orders.find(_PAID_AND_WAITING)
            here = self._dispatching.locator.position(uow, technician_id)
        mine = [
            order
            for order in waiting
            if order.dispatch is not None
            and order.dispatch.offer is not None
            and order.dispatch.offer.technician_id == technician_id
            and now < order.dispatch.offer.expires_at
        ]
        entries = [
            PoolEntry(
                order,
                here.distance_km(order.destination)
                if here is not None and order.destination is not None
                else None,
            )
            for order in mine
        ]
        entries.sort(key=_deadline)
        return entries

    # -- dispatchers -----------------------------------------------------------------------

    def board(
        self, actor: Actor, *, after: OrderCursor | None = None, limit: int = 100
    ) -> list[Order]:
        """The orders waiting for a technician, soonest first (escalated ones among them):
        what a platform dispatcher (or a store admin) assigns from."""
        _dispatcher(actor, "sees the dispatch board")
        with self._uow() as uow:
            return uow.orders.find(
                OrderQuery(
                    waiting=True, states=_WAITING_STATES, sort=OrderSort.SOONEST_SLOT,
                    after=after, limit=limit,
                )
            )  # fmt: skip

    def candidates(self, order_id: OrderId, actor: Actor) -> list[BoardCandidate]:
        """Everyone within the order's radius: the candidates ranked best first, each with
        his score explained, then those left out with the first rule they fail (a store
        sees its own technicians)."""
        _dispatcher(actor, "sees an order's candidates")
        now = self._clock.now()
        with self._uow() as uow:
            order = uow.orders.get(order_id)
            if order.dispatch is None or order.destination is None:
                raise NotFound("order", order_id)
            only = self._store_members(uow, actor)
            looked = self._dispatching.look(
                uow, self._dispatching.wanted(order), self._dispatching.plan_for(order), now,
                excluded=order.dispatch.refused, only=only, check_free=True,
            )  # fmt: skip
            near = dict(
                self._dispatching.locator.near(
                    uow, order.destination, self._dispatching.plan_for(order).radius_km
                )
            )
        locator = self._dispatching.locator

        def name(technician_id: TechnicianId) -> str:
            known = locator.technician(technician_id)
            return known.name if known is not None else technician_id

        rows = [
            BoardCandidate(
                c.technician_id, name(c.technician_id), looked.distances[c.technician_id], c, None
            )
            for c in looked.ranked
        ]
        rows.extend(
            BoardCandidate(tid, name(tid), near.get(tid), None, why) for tid, why in looked.left_out
        )
        return rows

    def assign(
        self,
        order_id: OrderId,
        technician_id: TechnicianId,
        actor: Actor,
        *,
        expected_version: int | None = None,
    ) -> Order:
        """A dispatcher gives a waiting order to ``technician_id`` (a store admin: to one of
        his store's technicians); the technician then accepts or rejects as usual.

        Raises:
            OrderAlreadyTaken: it has a technician already.
            PermissionDenied: not a dispatcher, or not the store's technician.
            SlotTaken and the other refusals of his agenda.
        """
        _dispatcher(actor, "assigns orders")
        now = self._clock.now()
        with self._uow() as uow:
            order = _locked(uow, order_id)
            order.ensure_version(expected_version)
            if order.dispatch is None:
                raise TransitionNotAllowed(
                    f"Order {order_id} was placed with a technician; change him instead.",
                    details={"order_id": order_id},
                )
            if order.technician_id is not None:
                raise _taken(order_id)
            members = self._store_members(uow, actor)
            if members is not None and technician_id not in members:
                raise PermissionDenied(
                    f"{technician_id} is not a technician of your store.",
                    details={"technician_id": technician_id},
                )
            before = order_facts(order)
            booking = self._move(uow, order, technician_id, now)
            order.assign(technician_id, booking, how=DispatchMode.MANUAL, actor=actor, at=now)
            uow.dispatch_metrics.record(technician_id, DispatchOutcome.ASSIGNED, now)
            uow.orders.save(order)
            self._audit.record(
                uow, actor, "order.assign", ("order", order.id),
                before=before, after=order_facts(order),
            )  # fmt: skip
            uow.commit()
        return order

    def metrics(self, technician_id: TechnicianId, actor: Actor) -> DispatchMetrics:
        """A technician's dispatch counts: his own, or anyone's for the platform."""
        if actor.role is Role.TECHNICIAN and actor.id != technician_id:
            raise NotFound("technician", technician_id)
        if actor.role not in (Role.TECHNICIAN, Role.PLATFORM):
            raise PermissionDenied("Only the technician and the platform see dispatch counts.")
        with self._uow() as uow:
            uow.technicians.get(technician_id)
            return uow.dispatch_metrics.get_many([technician_id])[technician_id]

    # -- shared --------------------------------------------------------------------------------

    def _move(
        self, uow: UnitOfWork, order: Order, technician_id: TechnicianId, now: DateTime
    ) -> BookingId:
        """Take the order's time on ``technician_id``'s calendar, releasing where it was
        held (the one reservation path: his hours, bookings, buffers, travel, area)."""
        booking_id = BookingId(self._ids.new_id("bkg"))
        self._reservations.reserve(
            uow, technician_id, order.service_id, order.slot.start, booking_id=booking_id,
            order_id=order.id, now=now, customer_id=order.customer_id,
            location=order.destination, replaces=order.booking_id,
        )  # fmt: skip
        order.booking_id = booking_id
        assert order.dispatch is not None
        order.dispatch = order.dispatch.held_by(technician_id)
        return booking_id

    @staticmethod
    def _store_members(uow: UnitOfWork, actor: Actor) -> frozenset[TechnicianId] | None:
        if actor.role is not Role.STORE:
            return None
        store = StoreId(actor.id)
        return frozenset(t.id for t in uow.technicians.list() if t.profile.store_id == store)


_GRAB_REFUSALS: Final = {
    "excluded": "you refused it before",
    "unknown": "you are not online",
    "not_verified": "you are not verified",
    "not_skilled": "you do not perform this service",
    "not_online": "you are not online",
    "outside_area": "it is outside your working area",
    "no_grabs": "you do not take part in grabs (your dispatch settings)",
    "daily_limit": "you reached your maximum of orders for the day",
    "busy": "you are not free then",
    "too_far": "it is too far from you",
}


def _open(order: Order) -> bool:
    """Still waiting for a technician, paid (or nothing due) and not cancelled."""
    return (
        order.dispatch is not None
        and order.dispatch.waiting
        and order.technician_id is None
        and order.state == OrderState.PENDING_ACCEPTANCE
    )


def _locked(uow: UnitOfWork, order_id: OrderId) -> Order:
    uow.locks.take(LockKey.order(order_id))
    return uow.orders.get(order_id)


def _taken(order_id: OrderId) -> OrderAlreadyTaken:
    return OrderAlreadyTaken(
        f"Order {order_id} is already taken by another technician.",
        details={"order_id": order_id},
    )


def _dispatcher(actor: Actor, doing: str) -> None:
    if actor.role is Role.STORE:
        return
    if actor.role is not Role.PLATFORM:
        raise PermissionDenied(
            f"Only a platform dispatcher or a store {doing}; you act as a {actor.role.value}.",
            details={"role": actor.role.value},
        )
    check_staff(actor, Permission.ORDERS, doing)
