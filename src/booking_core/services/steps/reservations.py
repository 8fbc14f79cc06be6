"""Reservations: the one rule path that offers starts and takes time (INVARIANTS I2).

:meth:`Reservations.offered_minutes` is what listing slots returns; :meth:`Reservations.plan`
accepts a start only if it is among them for the same inputs; :meth:`Reservations.reserve`
plans and takes the time. Each loads the technician's agenda once (technician, schedule,
bookings and the service in one storage read, ``uow.agendas.load``) and asks the engine
for every day it needs from that one agenda.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence

import attrs
import pendulum
from pendulum import Date, DateTime

from booking_core.catalog import Service
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
from booking_core.ids import BookingId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.loyalty import TierPrivileges
from booking_core.ports.storage import LockKey, StoredAgenda, UnitOfWork
from booking_core.ports.travel import TravelTime
from booking_core.scheduling import Booking, Technician
from booking_core.scheduling.availability import (
    BookingPolicy,
    BusyIndex,
    ServiceTiming,
    TechnicianAgenda,
    TravelEstimate,
    epoch_minutes,
)
from booking_core.scheduling.geo import GeoPoint
from booking_core.timerange import TimeRange

__all__ = [
    "BookingPlan",
    "LoadedAgenda",
    "Reservation",
    "Reservations",
    "candidate_days",
    "ensure_offers",
    "ensure_verified",
    "reach",
    "service_policy",
    "service_timing",
]

# Local midnight lies between UTC midnight - 14 h (UTC+14) and UTC midnight + 12 h (UTC-12).
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()
_WEST_SECONDS = 12 * 3600
_EAST_SECONDS = 14 * 3600


def service_policy(service: Service, policy: BookingPolicy) -> BookingPolicy:
    """``policy`` with the service's own rules in place, on the shared grid of a service
    for several technicians (:meth:`BookingPolicy.on_shared_grid`)."""
    own = policy.with_rules(service.rules)
    return own if service.technicians_needed == 1 else own.on_shared_grid(service.duration_minutes)


def service_timing(service: Service, policy: BookingPolicy) -> ServiceTiming:
    """The service's duration and buffers under ``policy`` (with the service's own rules)."""
    return service_policy(service, policy).timing(
        service.duration_minutes, service.buffer_before_minutes, service.buffer_after_minutes
    )


def reach(first: _dt.date, last: _dt.date) -> TimeRange:
    """Every instant that can matter for working ranges starting on local days
    ``first``…``last`` in any zone: the ranges (up to two local days long), buffers (up to
    a day each), the neighbouring jobs whose address decides travel time, and whole local
    days for the daily cap."""
    # UTC midnight of the day before ``first``, less 14 h: 10:00 two days before; UTC
    # midnight four days after ``last``, plus 12 h. Built from the dates, not by pendulum
    # arithmetic (once per reservation).
    start = _dt.date.fromordinal(first.toordinal() - 2)
    end = _dt.date.fromordinal(last.toordinal() + 4)
    return TimeRange.of_aware(
        DateTime(start.year, start.month, start.day, 10, 0, 0, 0, pendulum.UTC),
        DateTime(end.year, end.month, end.day, 12, 0, 0, 0, pendulum.UTC),
    )


def candidate_days(start: DateTime) -> tuple[_dt.date, _dt.date]:
    """The first and last local day whose ranges may offer ``start`` in some zone: its
    local date lies between its UTC date at UTC-12 and at UTC+14, and a range of the day
    before may run past midnight into it. ``reach`` of them covers ``reach`` of the two
    candidate days in the technician's own zone (what listing them loads)."""
    seconds = start.int_timestamp
    west = _EPOCH_ORDINAL + (seconds - _WEST_SECONDS) // 86400
    east = _EPOCH_ORDINAL + (seconds + _EAST_SECONDS) // 86400
    return _dt.date.fromordinal(west - 1), _dt.date.fromordinal(east)


def ensure_offers(technician: Technician, service: Service) -> None:
    """Raise ``ServiceNotOffered`` unless the technician performs the service."""
    if not technician.offers(service.id):
        raise ServiceNotOffered(
            f"{technician.name} does not perform {service.name!r}.",
            details={"technician_id": technician.id, "service_id": service.id},
        )


def ensure_verified(technician: Technician, day: Date) -> None:
    """Raise ``TechnicianNotVerified`` unless the technician is verified on his local
    ``day`` (the engine offers no start of an unverified day either)."""
    verification = technician.profile.verification
    if verification.is_verified_on(day):
        return
    expires = verification.expires_on
    why = (
        f"a required document of his expired on {expires}"
        if verification.ever_verified and expires is not None
        else f"his verification is {verification.status.value}"
    )
    raise TechnicianNotVerified(
        f"{technician.name} cannot be booked on {day}: {why}; pick another technician.",
        details={
            "technician_id": technician.id,
            "day": day.isoformat(),
            "verification": verification.status.value,
        },
    )


@attrs.frozen
class LoadedAgenda:
    """One storage read of a technician and the engine's agenda built from it."""

    stored: StoredAgenda
    engine: TechnicianAgenda

    @property
    def technician(self) -> Technician:
        """The technician."""
        return self.stored.technician

    @property
    def service(self) -> Service:
        """The service it was loaded with."""
        assert self.stored.service is not None, "load the agenda with a service_id"
        return self.stored.service


@attrs.frozen
class BookingPlan:
    """What a booking at an offered start takes: the service time, the whole blocked time
    (travel + buffers + service), and the travel minutes inside it."""

    slot: TimeRange
    blocked: TimeRange
    travel_minutes: int


@attrs.frozen
class Reservation:
    """The time taken, and the technician and service it was checked against."""

    booking: Booking
    technician: Technician
    service: Service


class Reservations:
    """Step: checks starts and takes time inside the caller's unit of work (never commits).

    Built once by :func:`booking_core.bootstrap.build` with the booking rules and the
    travel-time port; ordering, holds and modification reserve through it.

    A customer's tier may widen the booking window (``extra_days``: his
    :class:`~booking_core.loyalty.TierPrivilege`'s ``extra_window_days``, looked up by
    :meth:`extra_days` or by the caller from the standing it read).
    """

    def __init__(
        self,
        policy: BookingPolicy,
        travel: TravelTime | None = None,
        *,
        privileges: TierPrivileges | None = None,
    ) -> None:
        # Without ``travel`` no travel time is added before at-home bookings.
        self.policy = policy
        self._travel = travel
        self.privileges = privileges or TierPrivileges()

    def extra_days(self, uow: UnitOfWork, customer_id: CustomerId | None) -> int:
        """Days his stored tier adds to the booking window (0 for no customer, no tier, an
        unregistered id; no statement at all when no tier widens the window)."""
        if customer_id is None or not self.privileges.widens_window:
            return 0
        try:
            tier = uow.customers.get(customer_id).tier
        except NotFound:
            return 0
        return self.privileges.for_tier(tier).extra_window_days

    def window(self, extra_days: int = 0, service: Service | None = None) -> BookingPolicy:
        """The booking rules of ``service`` (the platform's with the service's own in their
        place) with ``extra_days`` added to the window (a policy of its own, so the offer
        memo files widened answers apart from the plain ones)."""
        policy = self.policy if service is None else service_policy(service, self.policy)
        if extra_days <= 0:
            return policy
        return attrs.evolve(policy, window_days=policy.window_days + extra_days)

    def agenda(
        self,
        uow: UnitOfWork,
        technician_id: TechnicianId,
        service_id: ServiceId,
        first: _dt.date,
        last: _dt.date,
        *,
        now: DateTime,
        customer_id: CustomerId | None = None,
        exclude: Iterable[BookingId] = (),
    ) -> LoadedAgenda:
        """Load the technician, his schedule, his bookings around local days
        ``first``…``last`` and the service, in one read; his own checkout holds do not
        block ``customer_id``; ``exclude`` counts as free (a booking being moved).

        Raises:
            NotFound: no such technician or service.
            ServiceNotOffered: the technician does not perform the service.
        """
        stored = uow.agendas.load(technician_id, reach(first, last), service_id=service_id)
        loaded = LoadedAgenda(
            stored,
            TechnicianAgenda(
                stored.technician,
                stored.schedule,
                BusyIndex.build(
                    stored.bookings,
                    now=now,
                    customer_id=customer_id,
                    exclude=exclude,
                    busy=[b.minutes for b in stored.busy_blocks],
                ),
            ),
        )
        ensure_offers(loaded.technician, loaded.service)
        return loaded

    def offered_minutes(
        self,
        uow: UnitOfWork,
        technician_id: TechnicianId,
        service_id: ServiceId,
        day: Date,
        *,
        now: DateTime,
        customer_id: CustomerId | None = None,
        location: GeoPoint | None = None,
        exclude: Iterable[BookingId] = (),
        extra_days: int = 0,
    ) -> list[int]:
        """Start minutes offered for the service by the technician on his local ``day``
        (``location``: the at-home address, which filters by service area and adds travel)."""
        loaded = self.agenda(
            uow, technician_id, service_id, day, day, now=now, customer_id=customer_id,
            exclude=exclude,
        )  # fmt: skip
        return self.offered_on(loaded, day, now=now, location=location, extra_days=extra_days)

    def offered_on(
        self,
        loaded: LoadedAgenda,
        day: Date,
        *,
        now: DateTime,
        location: GeoPoint | None,
        travel: TravelEstimate | None = None,
        extra_days: int = 0,
    ) -> list[int]:
        """The starts a loaded agenda offers on local ``day`` (``travel``: the request's
        estimate from :meth:`_estimate`, made here when not given; ``extra_days``: his
        tier's days added to the window)."""
        return loaded.engine.offered(
            service_timing(loaded.service, self.policy),
            day,
            now_minute=now.int_timestamp // 60,  # seconds past the minute never make a slot earlier
            policy=self.window(extra_days, loaded.service),
            location=location,
            travel=self._estimate(location) if travel is None else travel,
        )

    def plan(
        self,
        uow: UnitOfWork,
        technician_id: TechnicianId,
        service_id: ServiceId,
        start: DateTime,
        *,
        now: DateTime,
        customer_id: CustomerId | None = None,
        location: GeoPoint | None = None,
        exclude: Iterable[BookingId] = (),
        extra_days: int = 0,
    ) -> tuple[LoadedAgenda, BookingPlan]:
        """The agenda and the plan for a booking at ``start``, if ``start`` is offered
        (``extra_days``: his tier's days added to the booking window).

        Raises:
            NotFound: no such technician or service.
            ServiceNotOffered: the technician does not perform the service.
            TechnicianNotVerified: he is not verified on the start's local day.
            SlotTaken: another booking takes the time.
            SlotHeld: another customer holds the time during checkout.
            DailyCapReached: the technician's day is full.
            OutsideServiceArea: the address is outside his service area then.
            SlotUnavailable: the rules (hours, notice, window, grid) do not offer it.
        """
        excluded = tuple(exclude)
        # A start may come from a range of its own local day or of the day before (a range
        # running past midnight): one agenda covers both, whatever the technician's zone.
        first, last = candidate_days(start)
        loaded = self.agenda(
            uow, technician_id, service_id, first, last, now=now, customer_id=customer_id,
            exclude=excluded,
        )  # fmt: skip
        local_day = start.in_timezone(loaded.technician.time_zone).date()
        ensure_verified(loaded.technician, local_day)
        minute = epoch_minutes(start)
        estimate = self._estimate(location)  # one per request: both days and the plan share it
        for candidate in (local_day.subtract(days=1), local_day):
            # Every offered start lies inside one of the day's ranges (free_slot_minutes):
            # a day none of whose ranges holds the start (mostly the day before) offers it
            # not, and need not be worked out.
            if not any(r[0] <= minute < r[1] for r in loaded.engine.ranges(candidate, location)):
                continue
            offered = self.offered_on(
                loaded, candidate, now=now, location=location, travel=estimate,
                extra_days=extra_days,
            )  # fmt: skip
            if minute in offered:
                timing = service_timing(loaded.service, self.policy)
                travel_minutes = loaded.engine.travel_before(minute, timing, location, estimate)
                slot = TimeRange(start, start.add(minutes=timing.duration))
                blocked = slot.expand(
                    pendulum.duration(minutes=timing.buffer_before + travel_minutes),
                    pendulum.duration(minutes=timing.buffer_after),
                )
                return loaded, BookingPlan(slot, blocked, travel_minutes)
        raise _why_not(
            loaded, start, service_timing(loaded.service, self.policy), now=now,
            customer_id=customer_id, exclude=excluded, location=location,
        )  # fmt: skip

    def reserve(
        self,
        uow: UnitOfWork,
        technician_id: TechnicianId,
        service_id: ServiceId,
        start: DateTime,
        *,
        booking_id: BookingId,
        order_id: OrderId | None,
        now: DateTime,
        customer_id: CustomerId | None = None,
        location: GeoPoint | None = None,
        replaces: BookingId | None = None,
        hold_until: DateTime | None = None,
        also_lock: Sequence[LockKey] = (),
        extra_days: int = 0,
    ) -> Reservation:
        """Check ``start`` against the one rule path and take the time.

        Takes ``also_lock`` and the technician's lock first, in one call (so the rules
        over several bookings — the daily cap, travel to the next job — hold under
        concurrent reservations, not only the no-overlap rule storage enforces itself).
        Then releases, only after the check passed: the booking being moved
        (``replaces``), expired holds in the way, and the customer's own holds in the way
        (a holder converts his hold into the booking). With ``hold_until`` the new booking
        is a checkout hold of ``customer_id``. ``extra_days``: his tier's days added to
        the booking window.

        Raises:
            The errors of :meth:`plan`; ``SlotTaken`` also when a concurrent command took
            the time first (storage refuses the overlap).
        """
        uow.locks.take(*also_lock, LockKey.technician(technician_id))
        excluded = (replaces,) if replaces is not None else ()
        loaded, plan = self.plan(
            uow, technician_id, service_id, start, now=now, customer_id=customer_id,
            location=location, exclude=excluded, extra_days=extra_days,
        )  # fmt: skip
        released = False
        # In UTC, as storage returns instants: comparing two instants of one zone asks
        # neither for its offset (once per loaded booking).
        blocked = plan.blocked.in_utc()
        for other in loaded.stored.bookings:
            if not other.blocked.overlaps(blocked) and other.id != replaces:
                continue
            own_hold = other.is_hold and customer_id is not None and other.holder == customer_id
            if other.id == replaces or not other.counts_at(now) or own_hold:
                uow.bookings.release(other.id)
                released = released or other.id == replaces
        if replaces is not None and not released and uow.bookings.get(replaces).active:
            uow.bookings.release(replaces)  # a booking of another technician (a reassignment)
        booking = Booking(
            id=booking_id,
            technician_id=technician_id,
            order_id=order_id,
            slot=plan.slot,
            blocked=plan.blocked,
            service_id=service_id,
            holder=customer_id if hold_until is not None else None,
            hold_expires_at=hold_until,
            location=location,
            travel_minutes=plan.travel_minutes,
        )
        uow.bookings.add(booking)
        return Reservation(booking, loaded.technician, loaded.service)

    def _estimate(self, location: GeoPoint | None) -> TravelEstimate | None:
        if location is None or not self._travel:
            return None
        return _remembered(self._travel.minutes)


def _remembered(minutes: TravelEstimate) -> TravelEstimate:
    """``minutes``, asked once per pair of places: the engine asks for every neighbouring
    job, and most jobs of one request share few addresses. TravelTime is deterministic for
    the life of a request, so an answer given once is the answer."""
    known: dict[tuple[GeoPoint, GeoPoint], int] = {}

    def estimate(origin: GeoPoint, destination: GeoPoint) -> int:
        key = (origin, destination)
        found = known.get(key)
        if found is None:
            found = known[key] = minutes(origin, destination)
        return found

    return estimate


def _why_not(
    loaded: LoadedAgenda,
    start: DateTime,
    timing: ServiceTiming,
    *,
    now: DateTime,
    customer_id: CustomerId | None,
    exclude: Sequence[BookingId],
    location: GeoPoint | None,
) -> Exception:
    # Only for the message: the decision was made by the engine.
    technician, service, agenda = loaded.technician, loaded.service, loaded.engine
    local = start.in_timezone(technician.time_zone)
    details = {"technician_id": technician.id, "start": start.isoformat()}
    wanted = TimeRange(start, start.add(minutes=timing.duration)).expand(
        pendulum.duration(minutes=timing.buffer_before),
        pendulum.duration(minutes=timing.buffer_after),
    )
    blocking = [
        b
        for b in loaded.stored.bookings
        if b.blocked.overlaps(wanted)
        and b.counts_at(now)
        and b.id not in exclude
        and not (b.is_hold and customer_id is not None and b.holder == customer_id)
    ]
    if any(not b.is_hold for b in blocking):
        return SlotTaken(
            f"{technician.name} is already booked around {local}; pick another slot.",
            details=details,
        )
    if any(block.blocked.overlaps(wanted) for block in loaded.stored.busy_blocks):
        # Busy in his own calendar: what he does then is his, never the customer's to read.
        return SlotTaken(
            f"{technician.name} is busy around {local}; pick another slot.",
            details={**details, "busy": "calendar"},
        )
    if blocking:
        return SlotHeld(
            f"Another customer is holding {local} with {technician.name} during checkout; "
            "pick another slot or try again in a few minutes.",
            details=details,
        )
    if agenda.is_capped(epoch_minutes(start), timing.duration):
        return DailyCapReached(
            f"{technician.name} takes no more bookings on {local.date()} (his daily cap of "
            "bookings or of booked minutes); pick another day or a shorter service.",
            details=details,
        )
    if location is not None:
        day = local.date()
        everywhere = [r for d in (day.subtract(days=1), day) for r in agenda.ranges(d)]
        here = [r for d in (day.subtract(days=1), day) for r in agenda.ranges(d, location)]
        minute = epoch_minutes(start)
        if any(r[0] <= minute < r[1] for r in everywhere) and not any(
            r[0] <= minute < r[1] for r in here
        ):
            return OutsideServiceArea(
                f"The address is outside the area {technician.name} serves at {local}; "
                "pick another technician or time.",
                details=details,
            )
    return SlotUnavailable(
        f"{local} is not an offered slot of {technician.name} for {service.name!r}; "
        "list the free slots and pick one.",
        details=details,
    )
