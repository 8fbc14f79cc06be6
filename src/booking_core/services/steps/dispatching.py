"""Step: dispatch inside the caller's unit of work — the plan an order follows, its
candidates ranked, the agenda check, and opening dispatch when an order is paid."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pendulum
from pendulum import DateTime

from booking_core.dispatch import (
    CandidateFacts,
    DispatchRequest,
    RankedCandidate,
    TechnicianSnapshot,
    exclusion,
    find_candidates,
    rank,
    snapshot_of,
)
from booking_core.dispatch.candidates import Exclusion
from booking_core.dispatch.plan import DispatchPlan, DispatchPolicy
from booking_core.errors import (
    DailyCapReached,
    NotFound,
    OutsideServiceArea,
    ServiceNotOffered,
    SlotHeld,
    SlotTaken,
    SlotUnavailable,
    TechnicianNotVerified,
)
from booking_core.ids import BookingId, CustomerId, ServiceId, TechnicianId
from booking_core.orders import Order, OrderState
from booking_core.orders.dispatching import DispatchMode, DispatchState
from booking_core.ports.jobs import Job
from booking_core.ports.storage import UnitOfWork
from booking_core.scheduling import Technician
from booking_core.scheduling.geo import GeoPoint
from booking_core.services.jobs import JobKind
from booking_core.services.steps.locator import TechnicianLocator
from booking_core.services.steps.reservations import Reservations
from booking_core.timerange import TimeRange

# RESERVATION_REFUSALS is public too, left out of __all__: ruff sorts constants first, the
# public-API test wants a plain sort, and a list mixing both cannot satisfy the two.
__all__ = ["Dispatching", "Looked", "Wanted", "catalog_priced"]

#: What a reservation raises when the technician cannot take the time: dispatch then asks
#: the next candidate.
RESERVATION_REFUSALS = (
    SlotTaken,
    SlotHeld,
    SlotUnavailable,
    DailyCapReached,
    OutsideServiceArea,
    TechnicianNotVerified,
    ServiceNotOffered,
)


def catalog_priced(technician: Technician) -> Technician:
    """``technician`` without prices of his own or his store's: an order placed without
    choosing him is sold at the catalog price, whoever dispatch sends."""
    profile = attrs.evolve(technician.profile, prices={}, store_prices={})
    return attrs.evolve(technician, profile=profile)


@attrs.frozen
class Wanted:
    """What a customer wants served: a service at a start, at a place."""

    service_id: ServiceId
    start: DateTime
    location: GeoPoint
    customer_id: CustomerId
    city: str | None = None
    booking_id: BookingId | None = None  # the order's own booking (counts as free)


@attrs.frozen
class Looked:
    """One candidate round: the ranked candidates, and those left out with why."""

    ranked: tuple[RankedCandidate, ...]
    left_out: tuple[tuple[TechnicianId, Exclusion], ...]
    distances: dict[TechnicianId, float] = attrs.field(eq=False)


class Dispatching:
    """Built once by :func:`booking_core.bootstrap.build` with the platform's
    :class:`~booking_core.dispatch.plan.DispatchPolicy` and the app's locator."""

    def __init__(
        self, policy: DispatchPolicy, locator: TechnicianLocator, reservations: Reservations
    ) -> None:
        self.policy = policy
        self.locator = locator
        self._reservations = reservations

    def plan_for(self, order: Order) -> DispatchPlan:
        """The plan ``order`` follows (its service's, its city's, or the default)."""
        city = order.contact.city if order.contact is not None else None
        return self.policy.plan_for(order.service_id, city)

    def new_state(self, service_id: ServiceId, city: str | None) -> DispatchState:
        """The dispatch state of a new order of ``service_id`` at an address in ``city``."""
        return DispatchState(mode=self.policy.plan_for(service_id, city).mode)

    @staticmethod
    def wanted(order: Order) -> Wanted:
        """What ``order`` wants (its address, which a dispatched order always has)."""
        assert order.destination is not None, "a dispatched order has an address"
        city = order.contact.city if order.contact is not None else None
        return Wanted(
            order.service_id, order.slot.start, order.destination, order.customer_id, city,
            order.booking_id,
        )  # fmt: skip

    def look(
        self,
        uow: UnitOfWork,
        wanted: Wanted,
        plan: DispatchPlan,
        now: DateTime,
        *,
        excluded: frozenset[TechnicianId] = frozenset(),
        grab: bool = False,
        only: frozenset[TechnicianId] | None = None,
        check_free: bool = False,
    ) -> Looked:
        """The candidates for ``wanted`` within the plan's radius, ranked by its weights.

        The agenda check (free for the slot, travel and buffers counted) is left to
        :meth:`is_free`, asked in rank order by whoever takes the time, unless
        ``check_free`` (a dispatcher's board shows everyone's answer). ``only``: just these
        technicians (a store's own)."""
        service = uow.services.get(wanted.service_id)
        slot = TimeRange(wanted.start, wanted.start.add(minutes=service.duration_minutes))
        request = DispatchRequest(
            wanted.service_id, slot, wanted.location, wanted.customer_id, excluded=excluded,
            radius_km=plan.radius_km, grab=grab,
        )  # fmt: skip
        near = [
            (tid, km)
            for tid, km in self.locator.near(uow, wanted.location, plan.radius_km)
            if only is None or tid in only
        ]
        ids = [tid for tid, _ in near]
        counts = self._orders_on_day(uow, ids, wanted.start)
        snapshots: dict[TechnicianId, TechnicianSnapshot] = {}
        for tid in ids:
            technician = self.locator.technician(tid)
            if technician is None:
                continue
            day = wanted.start.in_timezone(technician.time_zone).date()
            snapshots[tid] = snapshot_of(
                technician, status=self.locator.status(tid), day=day,
                orders_today=counts.get(tid, 0),
            )  # fmt: skip

        def free(tid: TechnicianId) -> bool:
            return not check_free or self.is_free(uow, tid, wanted, now)

        def near_query(center: GeoPoint, radius: float) -> list[tuple[TechnicianId, float]]:
            return near

        found = find_candidates(near_query, request, snapshots.get, free)
        kept = {c.technician_id for c in found}
        left_out = tuple(
            (tid, why)
            for tid in ids
            if tid not in kept and (why := exclusion(snapshots.get(tid), request, free)) is not None
        )
        metrics = uow.dispatch_metrics.get_many(list(kept))
        try:
            favourites = uow.customers.get(wanted.customer_id).favourite_technicians
        except NotFound:  # a customer known only by id (an embedding without profiles)
            favourites = frozenset()
        facts = []
        for candidate in found:
            tid = candidate.technician_id
            technician = self.locator.technician(tid)
            assert technician is not None
            counted = metrics[tid]
            facts.append(
                CandidateFacts(
                    tid,
                    distance_km=candidate.distance_km,
                    rating=technician.profile.rating,
                    acceptance_rate=counted.acceptance_rate,
                    last_assigned_at=counted.last_assigned_at,
                    orders_today=candidate.technician.orders_today,
                    favourite=tid in favourites,
                    completed_orders=counted.completed,
                )
            )
        ranked = tuple(rank(facts, plan.weights, now))
        return Looked(ranked, left_out, {c.technician_id: c.distance_km for c in found})

    def is_free(
        self, uow: UnitOfWork, technician_id: TechnicianId, wanted: Wanted, now: DateTime
    ) -> bool:
        """Whether the technician can take ``wanted`` now (the one rule path: hours,
        bookings, buffers, travel, his area, his verification), its own booking aside."""
        exclude = (wanted.booking_id,) if wanted.booking_id is not None else ()
        try:
            self._reservations.plan(
                uow, technician_id, wanted.service_id, wanted.start, now=now,
                customer_id=wanted.customer_id, location=wanted.location, exclude=exclude,
            )  # fmt: skip
        except (*RESERVATION_REFUSALS, NotFound):
            return False
        return True

    def first_free(
        self,
        uow: UnitOfWork,
        ranked: Sequence[RankedCandidate],
        wanted: Wanted,
        now: DateTime,
        count: int,
    ) -> list[TechnicianId]:
        """The first ``count`` of ``ranked`` who are free, in rank order."""
        chosen: list[TechnicianId] = []
        for candidate in ranked:
            if len(chosen) == count:
                break
            if self.is_free(uow, candidate.technician_id, wanted, now):
                chosen.append(candidate.technician_id)
        return chosen

    def opened(self, uow: UnitOfWork, order: Order, now: DateTime) -> None:
        """Start (or restart, after a rejection) looking for ``order``'s technician: a
        round is scheduled now; offers and grabs also get their escalation deadline. An
        order with a technician, or not waiting for acceptance, is left alone."""
        dispatch = order.dispatch
        if dispatch is None or not dispatch.waiting or order.technician_id is not None:
            return
        if order.state != OrderState.PENDING_ACCEPTANCE:
            return
        first = dispatch.opened_at is None
        dispatch = dispatch.opened(now).next_round()
        order.dispatch = dispatch
        uow.jobs.schedule(
            _job(JobKind.DISPATCH, f"dispatch:{order.id}:{dispatch.rounds}", order, now)
        )
        if first and dispatch.mode in (DispatchMode.OFFER, DispatchMode.GRAB):
            due = now + pendulum.duration(minutes=self.plan_for(order).escalate_after_minutes)
            uow.jobs.schedule(_job(JobKind.ESCALATE_DISPATCH, f"escalate:{order.id}", order, due))

    def _orders_on_day(
        self, uow: UnitOfWork, ids: Sequence[TechnicianId], start: DateTime
    ) -> dict[TechnicianId, int]:
        """Orders each of ``ids`` has on the local day of ``start`` (in his zone)."""
        if not ids:
            return {}
        around = TimeRange(start.subtract(days=1), start.add(days=1))
        counts: dict[TechnicianId, int] = {}
        for booking in uow.bookings.list_active_many(list(ids), around):
            technician = self.locator.technician(booking.technician_id)
            if booking.order_id is None or technician is None:
                continue  # a checkout hold
            zone = technician.time_zone
            if booking.slot.start.in_timezone(zone).date() == start.in_timezone(zone).date():
                counts[booking.technician_id] = counts.get(booking.technician_id, 0) + 1
        return counts


def _job(kind: JobKind, job_id: str, order: Order, due: DateTime) -> Job:
    return Job(id=job_id, kind=kind.value, subject=order.id, due_at=due)
