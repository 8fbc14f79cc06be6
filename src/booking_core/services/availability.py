"""Availability use cases: the slots offered, from the same rules that accept bookings.

:func:`offered_minutes` is the one rule path. Listing slots returns what it returns;
:func:`plan_booking` (used by ordering, holds and rescheduling through :func:`reserve`)
accepts a start only if it is among them for the same inputs (INVARIANTS I2).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs
import pendulum
from pendulum import Date, DateTime

from booking_core.catalog import Service
from booking_core.errors import (
    DailyCapReached,
    InvalidInput,
    InvalidTimeRange,
    OutsideServiceArea,
    ServiceNotOffered,
    SlotHeld,
    SlotTaken,
    SlotUnavailable,
)
from booking_core.ids import BookingId, CustomerId, OrderId, ServiceId, StoreId, TechnicianId
from booking_core.money import Money
from booking_core.ports.clock import Clock
from booking_core.ports.storage import UnitOfWork, UnitOfWorkFactory
from booking_core.ports.travel import TravelTime
from booking_core.scheduling import Booking, Technician
from booking_core.scheduling.availability import (
    BookingPolicy,
    BusyIndex,
    ServiceTiming,
    TechnicianAgenda,
    epoch_minutes,
    from_epoch_minutes,
    local_midnight,
)
from booking_core.scheduling.geo import GeoPoint, StraightLineTravel
from booking_core.scheduling.profile import Gender
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.timerange import TimeRange

__all__ = [
    "AvailabilityService",
    "BookingPlan",
    "OfferedSlot",
    "SlotSearch",
    "TechnicianOffer",
    "check_bookable",
    "offered_minutes",
    "plan_booking",
    "reserve",
]

_DAY = 24 * 60
#: The longest date range one search may cover (keeps a request's cost bounded).
MAX_SEARCH_DAYS = 62


def _timing(service: Service, policy: BookingPolicy) -> ServiceTiming:
    return policy.timing(
        service.duration_minutes, service.buffer_before_minutes, service.buffer_after_minutes
    )


def _reach(technician: Technician, first: Date, last: Date) -> TimeRange:
    # Everything that can matter for ranges starting on first..last: the ranges themselves
    # (up to two local days long), buffers (up to a day each), the neighbouring jobs whose
    # address decides travel time, and whole local days for the daily cap.
    tz = technician.time_zone
    return TimeRange(
        from_epoch_minutes(local_midnight(tz, first.subtract(days=1))),
        from_epoch_minutes(local_midnight(tz, last.add(days=4))),
    )


def _agenda(
    uow: UnitOfWork,
    technician: Technician,
    first: Date,
    last: Date,
    *,
    now: DateTime,
    customer_id: CustomerId | None,
    exclude: Iterable[BookingId],
    schedule: WorkSchedule | None = None,
) -> TechnicianAgenda:
    bookings = uow.bookings.list_active(technician.id, _reach(technician, first, last))
    return TechnicianAgenda(
        technician,
        schedule if schedule is not None else uow.schedules.get(technician.id),
        BusyIndex.build(bookings, now=now, customer_id=customer_id, exclude=exclude),
    )


def _ensure_offers(technician: Technician, service: Service) -> None:
    if not technician.offers(service.id):
        raise ServiceNotOffered(
            f"{technician.name} does not perform {service.name!r}.",
            details={"technician_id": technician.id, "service_id": service.id},
        )


def offered_minutes(
    uow: UnitOfWork,
    technician: Technician,
    service: Service,
    day: Date,
    *,
    now: DateTime,
    policy: BookingPolicy,
    customer_id: CustomerId | None = None,
    location: GeoPoint | None = None,
    travel: TravelTime | None = None,
    exclude: Iterable[BookingId] = (),
) -> list[int]:
    """Start minutes offered for ``service`` by ``technician`` on his local ``day``.

    Args:
        customer_id: Who asks; his own checkout holds do not block him.
        location: The at-home address: filters by service area, adds travel time.
        travel: The travel-time port (used only with ``location``).
        exclude: Bookings to treat as free (the one being rescheduled).
    """
    _ensure_offers(technician, service)
    agenda = _agenda(uow, technician, day, day, now=now, customer_id=customer_id, exclude=exclude)
    return agenda.offered(
        _timing(service, policy),
        day,
        now_minute=now.int_timestamp // 60,  # seconds past the minute never make a slot earlier
        policy=policy,
        location=location,
        travel=travel.minutes if travel is not None else None,
    )


@attrs.frozen
class BookingPlan:
    """What a booking at an offered start takes: the service time, the whole blocked time
    (travel + buffers + service), and the travel minutes inside it."""

    slot: TimeRange
    blocked: TimeRange
    travel_minutes: int


def plan_booking(
    uow: UnitOfWork,
    technician: Technician,
    service: Service,
    start: DateTime,
    *,
    now: DateTime,
    policy: BookingPolicy,
    customer_id: CustomerId | None = None,
    location: GeoPoint | None = None,
    travel: TravelTime | None = None,
    exclude: Iterable[BookingId] = (),
) -> BookingPlan:
    """The plan for a booking at ``start``, if ``start`` is offered for the same inputs.

    Raises:
        ServiceNotOffered: the technician does not perform the service.
        SlotTaken: another booking takes the time.
        SlotHeld: another customer holds the time during checkout.
        DailyCapReached: the technician's day is full.
        OutsideServiceArea: the address is outside his service area then.
        SlotUnavailable: the rules (hours, notice, window, grid) do not offer it.
    """
    _ensure_offers(technician, service)
    minute = epoch_minutes(start)
    timing = _timing(service, policy)
    estimate = travel.minutes if travel is not None else None
    excluded = tuple(exclude)
    now_minute = now.int_timestamp // 60
    local_day = start.in_timezone(technician.time_zone).date()
    # A start may come from a range of its own local day or of the day before (a range
    # running past midnight): ask the engine for exactly those days.
    for day in (local_day.subtract(days=1), local_day):
        agenda = _agenda(
            uow, technician, day, day, now=now, customer_id=customer_id, exclude=excluded
        )
        offered = agenda.offered(
            timing, day, now_minute=now_minute, policy=policy, location=location, travel=estimate
        )
        if minute in offered:
            travel_minutes = agenda.travel_before(minute, timing, location, estimate)
            slot = TimeRange(start, start.add(minutes=timing.duration))
            blocked = slot.expand(
                pendulum.duration(minutes=timing.buffer_before + travel_minutes),
                pendulum.duration(minutes=timing.buffer_after),
            )
            return BookingPlan(slot, blocked, travel_minutes)
    raise _why_not(
        uow,
        technician,
        service,
        start,
        timing,
        agenda,
        now=now,
        customer_id=customer_id,
        exclude=excluded,
        location=location,
    )


def _why_not(
    uow: UnitOfWork,
    technician: Technician,
    service: Service,
    start: DateTime,
    timing: ServiceTiming,
    agenda: TechnicianAgenda,
    *,
    now: DateTime,
    customer_id: CustomerId | None,
    exclude: Sequence[BookingId],
    location: GeoPoint | None,
) -> Exception:
    # Only for the message: the decision was made by the engine above.
    local = start.in_timezone(technician.time_zone)
    details = {"technician_id": technician.id, "start": start.isoformat()}
    wanted = TimeRange(start, start.add(minutes=timing.duration)).expand(
        pendulum.duration(minutes=timing.buffer_before),
        pendulum.duration(minutes=timing.buffer_after),
    )
    blocking = [
        b
        for b in uow.bookings.list_active(technician.id, wanted)
        if b.counts_at(now)
        and b.id not in exclude
        and not (b.is_hold and customer_id is not None and b.holder == customer_id)
    ]
    if any(not b.is_hold for b in blocking):
        return SlotTaken(
            f"{technician.name} is already booked around {local}; pick another slot.",
            details=details,
        )
    if blocking:
        return SlotHeld(
            f"Another customer is holding {local} with {technician.name} during checkout; "
            "pick another slot or try again in a few minutes.",
            details=details,
        )
    if agenda.is_capped(epoch_minutes(start)):
        return DailyCapReached(
            f"{technician.name} takes no more bookings on {local.date()}; pick another day.",
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


def check_bookable(
    uow: UnitOfWork,
    technician: Technician,
    service: Service,
    start: DateTime,
    *,
    now: DateTime,
    policy: BookingPolicy,
    customer_id: CustomerId | None = None,
    location: GeoPoint | None = None,
    travel: TravelTime | None = None,
    exclude: Iterable[BookingId] = (),
) -> tuple[TimeRange, TimeRange]:
    """The (service, blocked) ranges for a booking at ``start``, if ``start`` is offered.

    Raises the errors of :func:`plan_booking`.
    """
    plan = plan_booking(
        uow,
        technician,
        service,
        start,
        now=now,
        policy=policy,
        customer_id=customer_id,
        location=location,
        travel=travel,
        exclude=exclude,
    )
    return plan.slot, plan.blocked


def reserve(
    uow: UnitOfWork,
    technician: Technician,
    service: Service,
    start: DateTime,
    *,
    booking_id: BookingId,
    order_id: OrderId | None,
    now: DateTime,
    policy: BookingPolicy,
    customer_id: CustomerId | None = None,
    location: GeoPoint | None = None,
    travel: TravelTime | None = None,
    replaces: BookingId | None = None,
    hold_until: DateTime | None = None,
) -> Booking:
    """Check ``start`` against the one rule path and take the time, in ``uow``'s transaction.

    Releases, in the same transaction and only after the check passed: the booking being
    moved (``replaces``), expired holds in the way, and the customer's own holds in the way
    (a holder converts his hold into the booking). With ``hold_until`` the new booking is a
    checkout hold of ``customer_id``.

    The technician's lock (:meth:`~booking_core.ports.storage.BookingRepository.lock_technician`)
    is taken before anything is read, so the rules over several bookings — the daily cap,
    travel time to the next job — hold under concurrent reservations too, not only the
    no-overlap rule storage enforces by itself.

    Raises:
        The errors of :func:`plan_booking`; ``SlotTaken`` also when a concurrent command
        took the time first (storage refuses the overlap).
    """
    uow.bookings.lock_technician(technician.id)
    excluded = (replaces,) if replaces is not None else ()
    plan = plan_booking(
        uow,
        technician,
        service,
        start,
        now=now,
        policy=policy,
        customer_id=customer_id,
        location=location,
        travel=travel,
        exclude=excluded,
    )
    for other in uow.bookings.list_active(technician.id, plan.blocked):
        own_hold = other.is_hold and customer_id is not None and other.holder == customer_id
        if other.id == replaces or not other.counts_at(now) or own_hold:
            uow.bookings.release(other.id)
    if replaces is not None and uow.bookings.get(replaces).active:
        uow.bookings.release(replaces)
    booking = Booking(
        id=booking_id,
        technician_id=technician.id,
        order_id=order_id,
        slot=plan.slot,
        blocked=plan.blocked,
        service_id=service.id,
        holder=customer_id if hold_until is not None else None,
        hold_expires_at=hold_until,
        location=location,
        travel_minutes=plan.travel_minutes,
    )
    uow.bookings.add(booking)
    return booking


# -- searching ------------------------------------------------------------------------------


def _string_set(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


@attrs.frozen
class SlotSearch:
    """An "any technician" search: free slots for a service across technicians.

    Attributes:
        service_id: The service wanted.
        first_day: First local date (in each technician's zone) to search.
        last_day: Last local date, inclusive (None: ``first_day``).
        location: The customer's address; only technicians whose service area (or shift
            area) contains it are offered, travel time is counted from and to their jobs.
        max_distance_km: Only technicians whose service-area centre is this close.
        gender: Only technicians of this gender.
        skills: Only technicians having every one of these skills.
        min_rating: Only technicians rated at least this (unrated ones are left out).
        min_price / max_price: Only technicians whose price for the service is in range
            (inclusive).
        store_id: Only this store's technicians.
        technician_ids: Only these technicians (None: all).
        customer_id: Who searches (his own holds do not block him).
    """

    service_id: ServiceId
    first_day: Date
    last_day: Date | None = None
    location: GeoPoint | None = None
    max_distance_km: float | None = None
    gender: Gender | None = None
    skills: frozenset[str] = attrs.field(default=frozenset(), converter=_string_set)
    min_rating: Decimal | None = None
    min_price: Money | None = None
    max_price: Money | None = None
    store_id: StoreId | None = None
    technician_ids: frozenset[TechnicianId] | None = None
    customer_id: CustomerId | None = None

    def __attrs_post_init__(self) -> None:
        _check_days(self.first_day, self.last_day or self.first_day)
        if self.max_distance_km is not None and self.location is None:
            raise InvalidInput(
                "A distance filter needs the customer's address (location).",
                details={"field": "max_distance_km"},
            )
        if (
            self.min_price is not None
            and self.max_price is not None
            and self.max_price.amount < self.min_price.amount
        ):
            raise InvalidInput(
                f"The price range ends ({self.max_price}) below its start ({self.min_price}).",
                details={"field": "max_price"},
            )


def _check_days(first: Date, last: Date) -> None:
    if last < first:
        raise InvalidTimeRange(
            f"The date range ends ({last}) before it starts ({first}); swap the dates.",
            details={"first_day": first.isoformat(), "last_day": last.isoformat()},
        )
    if (last - first).in_days() >= MAX_SEARCH_DAYS:
        raise InvalidTimeRange(
            f"Search at most {MAX_SEARCH_DAYS} days at a time; got {first} to {last}.",
            details={"first_day": first.isoformat(), "last_day": last.isoformat()},
        )


def _days(first: Date, last: Date) -> list[Date]:
    return [first.add(days=n) for n in range((last - first).in_days() + 1)]


@attrs.frozen
class TechnicianOffer:
    """One technician who can take an offered slot, at his price."""

    technician_id: TechnicianId
    price: Money


@attrs.frozen
class OfferedSlot:
    """A start offered by at least one technician, and which ones can take it."""

    slot: TimeRange
    technicians: tuple[TechnicianOffer, ...]


class AvailabilityService:
    """Lists free slots: of one technician, or of any technician matching filters."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        policy: BookingPolicy,
        travel: TravelTime | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._policy = policy
        self._travel: TravelTime = travel if travel is not None else StraightLineTravel()

    def free_slots(
        self,
        technician_id: TechnicianId,
        service_id: ServiceId,
        day: Date,
        *,
        customer_id: CustomerId | None = None,
        location: GeoPoint | None = None,
    ) -> list[TimeRange]:
        """Free slots of a technician for a service on his local ``day``, in his zone."""
        return self.free_slots_between(
            technician_id, service_id, day, day, customer_id=customer_id, location=location
        )

    def free_slots_between(
        self,
        technician_id: TechnicianId,
        service_id: ServiceId,
        first_day: Date,
        last_day: Date,
        *,
        customer_id: CustomerId | None = None,
        location: GeoPoint | None = None,
    ) -> list[TimeRange]:
        """Free slots of a technician over local days ``first_day``…``last_day``.

        Raises:
            InvalidTimeRange: if the range ends before it starts or is too long.
            NotFound, ServiceNotOffered.
        """
        _check_days(first_day, last_day)
        now = self._clock.now()
        minutes: list[int] = []
        with self._uow() as uow:
            technician = uow.technicians.get(technician_id)
            service = uow.services.get(service_id)
            _ensure_offers(technician, service)
            timing = _timing(service, self._policy)
            agenda = _agenda(
                uow,
                technician,
                first_day,
                last_day,
                now=now,
                customer_id=customer_id,
                exclude=(),
            )
        for day in _days(first_day, last_day):
            minutes.extend(self._offered(agenda, timing, day, now, location))
        tz = technician.time_zone
        return [
            TimeRange(from_epoch_minutes(m, tz), from_epoch_minutes(m + timing.duration, tz))
            for m in minutes
        ]

    def _offered(
        self,
        agenda: TechnicianAgenda,
        timing: ServiceTiming,
        day: Date,
        now: DateTime,
        location: GeoPoint | None,
    ) -> list[int]:
        return agenda.offered(
            timing,
            day,
            now_minute=now.int_timestamp // 60,
            policy=self._policy,
            location=location,
            travel=self._travel.minutes if location is not None else None,
        )

    def search(self, search: SlotSearch) -> list[OfferedSlot]:
        """Free slots for a service across every technician matching the filters.

        Each slot lists the technicians who can take it (sorted by id); slots are sorted by
        start. Times are shown in UTC (technicians may live in different zones).
        """
        now = self._clock.now()
        last_day = search.last_day or search.first_day
        with self._uow() as uow:
            service = uow.services.get(search.service_id)
            candidates = [t for t in uow.technicians.list() if _matches(t, service, search)]
            ids = [t.id for t in candidates]
            schedules = uow.schedules.get_many(ids)
            bookings = _by_technician(
                uow.bookings.list_active_many(
                    ids, _union_reach(candidates, search.first_day, last_day)
                )
                if ids
                else []
            )
        return find_offered_slots(
            candidates,
            schedules,
            bookings,
            service,
            _days(search.first_day, last_day),
            now=now,
            policy=self._policy,
            location=search.location,
            travel=self._travel if search.location is not None else None,
            customer_id=search.customer_id,
        )


def _union_reach(technicians: Sequence[Technician], first: Date, last: Date) -> TimeRange:
    reaches = [_reach(t, first, last) for t in technicians]
    return TimeRange(min(r.start for r in reaches), max(r.end for r in reaches))


def _by_technician(bookings: Iterable[Booking]) -> dict[TechnicianId, list[Booking]]:
    grouped: dict[TechnicianId, list[Booking]] = {}
    for booking in bookings:
        grouped.setdefault(booking.technician_id, []).append(booking)
    return grouped


def _matches(technician: Technician, service: Service, search: SlotSearch) -> bool:
    profile = technician.profile
    if not technician.offers(service.id):
        return False
    if search.technician_ids is not None and technician.id not in search.technician_ids:
        return False
    if search.gender is not None and profile.gender is not search.gender:
        return False
    if search.skills and not search.skills <= profile.skills:
        return False
    if search.min_rating is not None and (
        profile.rating is None or profile.rating < search.min_rating
    ):
        return False
    if search.store_id is not None and profile.store_id != search.store_id:
        return False
    price = profile.price_for(service.id, service.price)
    if search.min_price is not None and price.amount < search.min_price.amount:
        return False
    if search.max_price is not None and price.amount > search.max_price.amount:
        return False
    if search.max_distance_km is not None and search.location is not None:
        area = profile.service_area
        if area is None or area.center.distance_km(search.location) > search.max_distance_km:
            return False
    return True


def find_offered_slots(
    technicians: Sequence[Technician],
    schedules: dict[TechnicianId, WorkSchedule],
    bookings: dict[TechnicianId, list[Booking]],
    service: Service,
    days: Sequence[Date],
    *,
    now: DateTime,
    policy: BookingPolicy,
    location: GeoPoint | None = None,
    travel: TravelTime | None = None,
    customer_id: CustomerId | None = None,
) -> list[OfferedSlot]:
    """The engine's answer for many technicians, merged by start (pure: no storage)."""
    timing = _timing(service, policy)
    now_minute = now.int_timestamp // 60
    estimate = travel.minutes if travel is not None else None
    by_start: dict[int, list[TechnicianOffer]] = {}
    for technician in sorted(technicians, key=lambda t: t.id):
        agenda = TechnicianAgenda(
            technician,
            schedules.get(technician.id),
            BusyIndex.build(bookings.get(technician.id, ()), now=now, customer_id=customer_id),
        )
        offer = TechnicianOffer(
            technician.id, technician.profile.price_for(service.id, service.price)
        )
        for day in days:
            for minute in agenda.offered(
                timing,
                day,
                now_minute=now_minute,
                policy=policy,
                location=location,
                travel=estimate,
            ):
                by_start.setdefault(minute, []).append(offer)
    return [
        OfferedSlot(
            TimeRange(from_epoch_minutes(m), from_epoch_minutes(m + timing.duration)),
            tuple(by_start[m]),
        )
        for m in sorted(by_start)
    ]
