"""Availability use cases: the slots offered, from the same rules that accept bookings.

One technician's slots come from :class:`~booking_core.services.steps.reservations.Reservations`,
the one rule path that ordering, holds and modification reserve through (INVARIANTS I2); the
"any technician" search asks the same engine for many technicians at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

import attrs
from pendulum import Date, DateTime

from booking_core.catalog import Service
from booking_core.errors import (
    InvalidInput,
    InvalidTimeRange,
)
from booking_core.ids import CustomerId, ServiceId, StoreId, TechnicianId
from booking_core.money import Money
from booking_core.ports.clock import Clock
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.ports.travel import TravelTime
from booking_core.scheduling import Booking, Technician
from booking_core.scheduling.availability import (
    BookingPolicy,
    ServiceTiming,
    from_epoch_minutes,
)
from booking_core.scheduling.busy_block import BusyBlock
from booking_core.scheduling.geo import GeoPoint
from booking_core.scheduling.offer_memo import OfferMemo, OfferQuestion, offered_minutes
from booking_core.scheduling.profile import Gender
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.services.steps.reservations import (
    Reservations,
    candidate_days,
    reach,
    service_timing,
)
from booking_core.timerange import TimeRange, zone

__all__ = [
    "AvailabilityService",
    "OfferedSlot",
    "SlotSearch",
    "TechnicianOffer",
    "find_offered_slots",
    "local_days",
    "merge_offers",
]

_DAY = 24 * 60
#: The longest date range one search may cover (keeps a request's cost bounded).
MAX_SEARCH_DAYS = 62


# -- searching ------------------------------------------------------------------------------


def _string_set(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


def _window_or_none(value: object) -> TimeRange | None:
    if value is None or isinstance(value, TimeRange):
        return value
    raise InvalidTimeRange(
        f"A search window is a TimeRange of aware instants; got {value!r}.",
        details={"value": repr(value)},
    )


@attrs.frozen
class SlotSearch:
    """An "any technician" search: free slots for a service across technicians.

    The time searched is given either by local dates (``first_day``/``last_day``) or by
    instants (``window``), exactly one of the two.

    Attributes:
        service_id: The service wanted.
        first_day: First local date (in each technician's zone) to search.
        last_day: Last local date, inclusive (None: ``first_day``).
        window: Instead of dates: the slots whose *start* lies in ``[window.start,
            window.end)``, whatever the technicians' zones (at most 62 days long).
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
        customer_id: Who searches (his own holds do not block him; his tier's privilege
            may widen the booking window).
    """

    service_id: ServiceId
    first_day: Date | None = None
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
    window: TimeRange | None = attrs.field(default=None, converter=_window_or_none)

    def __attrs_post_init__(self) -> None:
        if self.window is not None:
            if self.first_day is not None or self.last_day is not None:
                raise InvalidInput(
                    "Search either by local dates (first_day, last_day) or by instants "
                    "(window), not both.",
                    details={"field": "window"},
                )
            _check_window(self.window)
        elif self.first_day is None:
            raise InvalidInput(
                "Say what time to search: first_day (and last_day), or a window of instants.",
                details={"field": "first_day"},
            )
        else:
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


def _check_window(window: TimeRange) -> None:
    if window.duration.total_seconds() > MAX_SEARCH_DAYS * 86400:
        raise InvalidTimeRange(
            f"Search at most {MAX_SEARCH_DAYS} days at a time; got {window.start} to {window.end}.",
            details={"from": window.start.isoformat(), "to": window.end.isoformat()},
        )


def _days(first: Date, last: Date) -> list[Date]:
    return [first.add(days=n) for n in range((last - first).in_days() + 1)]


def local_days(window: TimeRange, time_zone: str) -> tuple[Date, Date]:
    """The first and last local day (in ``time_zone``) whose slots may start in
    ``window``: from the day before the local date of ``window.start`` (a working range
    running past midnight lists its slots under the day it starts on) to the local date of
    the window's last instant (``window.end`` itself is outside the window)."""
    tz = zone(time_zone)
    first = window.start.in_timezone(tz).date().subtract(days=1)
    last = window.end.subtract(microseconds=1).in_timezone(tz).date()
    return Date(first.year, first.month, first.day), Date(last.year, last.month, last.day)


def _starting_in(window: TimeRange, slots: Iterable[TimeRange]) -> list[TimeRange]:
    # A slot is in the window when its START is: [from, to), the end may run past ``to``.
    return sorted((s for s in slots if window.contains(s.start)), key=lambda s: s.start)


@attrs.frozen
class TechnicianOffer:
    """One technician who can take an offered slot, at his price; ``time_zone`` is his
    IANA zone, the one to show the (UTC) slot in to a person booking him."""

    technician_id: TechnicianId
    price: Money
    time_zone: str


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
        travel: TravelTime,
        reservations: Reservations,
        memo: OfferMemo,
    ) -> None:
        self._uow = uow
        self._memo = memo
        self._clock = clock
        self._policy = policy
        self._travel = travel
        self._reservations = reservations

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
        """Free slots of a technician over local days ``first_day``…``last_day``
        (``customer_id``: who asks — his holds do not block him, and his tier's
        ``extra_window_days`` widen the booking window).

        None on the days he is not verified (his application is pending or was rejected, or
        a required document has expired): what booking them would refuse with
        ``TechnicianNotVerified``.

        Raises:
            InvalidTimeRange: if the range ends before it starts or is too long.
            NotFound, ServiceNotOffered.
        """
        _check_days(first_day, last_day)
        return self._listed(
            technician_id, service_id, first_day, last_day, None, customer_id, location
        )

    def free_slots_in(
        self,
        technician_id: TechnicianId,
        service_id: ServiceId,
        window: TimeRange,
        *,
        customer_id: CustomerId | None = None,
        location: GeoPoint | None = None,
    ) -> list[TimeRange]:
        """Free slots of a technician whose **start** lies in ``window`` (``[from, to)``:
        one starting exactly at ``window.end`` is left out, one may end after it), by
        start, in his zone.

        The same answer as :meth:`free_slots_between` over the local days that cover the
        window (:func:`local_days`), kept to the starts inside it; ``customer_id`` and
        ``location`` as there.

        Raises:
            InvalidTimeRange: ``window`` is not a range of aware instants (a naive time) or
                is longer than 62 days.
            NotFound, ServiceNotOffered.
        """
        if not isinstance(window, TimeRange):
            raise InvalidTimeRange(
                f"The window must be a TimeRange of aware instants; got {window!r}.",
                details={"value": repr(window)},
            )
        _check_window(window)
        # Days covering the window in every zone: the agenda is read once, before his zone
        # is known; only his own local days are then asked.
        first, last = candidate_days(window.start)[0], candidate_days(window.end)[1]
        return self._listed(
            technician_id, service_id, Date(first.year, first.month, first.day),
            Date(last.year, last.month, last.day), window, customer_id, location,
        )  # fmt: skip

    def _listed(
        self,
        technician_id: TechnicianId,
        service_id: ServiceId,
        first_day: Date,
        last_day: Date,
        window: TimeRange | None,
        customer_id: CustomerId | None,
        location: GeoPoint | None,
    ) -> list[TimeRange]:
        now = self._clock.now()
        minutes: list[int] = []
        with self._uow() as uow:
            extra = self._reservations.extra_days(uow, customer_id)
            loaded = self._reservations.agenda(
                uow, technician_id, service_id, first_day, last_day, now=now,
                customer_id=customer_id,
            )  # fmt: skip
        tz = loaded.technician.time_zone
        if window is not None:
            first_day, last_day = local_days(window, tz)
        for day in _days(first_day, last_day):
            minutes.extend(self._reservations.offered_on(loaded, day, now=now, location=location,
                                                         extra_days=extra))  # fmt: skip
        timing = service_timing(loaded.service, self._policy)
        slots = [
            TimeRange(from_epoch_minutes(m, tz), from_epoch_minutes(m + timing.duration, tz))
            for m in minutes
        ]
        return slots if window is None else _starting_in(window, slots)

    def search(self, search: SlotSearch) -> list[OfferedSlot]:
        """Free slots for a service across every technician matching the filters.

        Each slot lists the technicians who can take it (sorted by id), each with his zone;
        slots are sorted by start. Times are in UTC (technicians may live in different
        zones): show a slot to a person in ``offer.time_zone``. With ``search.window``,
        only slots whose start lies in it. Answers of technicians whose agenda has not
        changed come from the app's :class:`~booking_core.scheduling.offer_memo.OfferMemo`;
        only the others' schedules and bookings are read.
        """
        now = self._clock.now()
        with self._uow() as uow:
            service = uow.services.get(search.service_id)
            offering = [t for t in uow.technicians.list() if t.offers(service.id)]
            days = _search_days(search, offering)
            candidates = [t for t in offering if _matches(t, service, search, days[0])]
            # His tier may widen the window: a policy of its own, a memo key of its own.
            window = self._reservations.window(
                self._reservations.extra_days(uow, search.customer_id), service
            )
            question = OfferQuestion(
                service_timing(service, self._policy),
                window,
                tuple(days),
                now,
                location=search.location,
                travel=self._travel.minutes,
                customer_id=search.customer_id,
            )
            # The versions first: an answer is never filed under a version newer than its data.
            versions = uow.agendas.versions([t.id for t in candidates])
            known, missing = self._memo.recall(candidates, versions, question)
            ids = [t.id for t in missing]
            within = reach(days[0], days[-1])
            schedules = uow.schedules.get_many(ids) if ids else {}
            bookings = _by_technician(uow.bookings.list_active_many(ids, within)) if ids else {}
            # Outside busy time (one statement more, only for technicians not remembered).
            busy: dict[TechnicianId, list[tuple[int, int]]] = {}
            blocks = uow.busy_blocks.list_many(ids, within) if ids else []
            for block in blocks:
                busy.setdefault(block.technician_id, []).append(block.minutes)
        for technician in missing:
            known[technician.id] = self._memo.compute(
                technician,
                schedules.get(technician.id),
                bookings.get(technician.id, ()),
                versions.get(technician.id, 0),
                question,
                busy.get(technician.id, ()),
            )
        found = merge_offers(candidates, known, service, question.timing)
        if search.window is None:
            return found
        kept = search.window
        return [s for s in found if kept.contains(s.slot.start)]


def _search_days(search: SlotSearch, technicians: Iterable[Technician]) -> list[Date]:
    """The local days to ask every technician for: the dates searched, or for a window the
    days covering it in each technician's zone (one list for all: the memo files answers
    per day; a technician asked a day outside his own cover offers nothing in the window
    there, and is filtered out with the rest)."""
    if search.window is None:
        first = search.first_day
        assert first is not None  # SlotSearch holds dates or a window
        return _days(first, search.last_day or first)
    wanted: set[Date] = set()
    for time_zone in {t.time_zone for t in technicians} or {"UTC"}:
        wanted.update(_days(*local_days(search.window, time_zone)))
    return sorted(wanted)


def _by_technician(bookings: Iterable[Booking]) -> dict[TechnicianId, list[Booking]]:
    grouped: dict[TechnicianId, list[Booking]] = {}
    for booking in bookings:
        grouped.setdefault(booking.technician_id, []).append(booking)
    return grouped


def _matches(technician: Technician, service: Service, search: SlotSearch, first: Date) -> bool:
    profile = technician.profile
    if not technician.offers(service.id):
        return False
    # Not verified on the first day is not verified on any later one: left out unread. One
    # whose document expires within the days searched stays; the engine stops at the expiry.
    if not profile.verification.is_verified_on(first):
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
    busy_blocks: Mapping[TechnicianId, Sequence[BusyBlock]] | None = None,
) -> list[OfferedSlot]:
    """The engine's answer for many technicians, merged by start (pure: no storage, nothing
    remembered).

    ``bookings`` holds each technician's active bookings as storage lists them (by blocked
    start): only those near the days searched are looked at. ``busy_blocks``: each
    technician's busy blocks from outside calendars.
    """
    question = OfferQuestion(
        service_timing(service, policy),
        policy,
        tuple(days),
        now,
        location=location,
        travel=travel.minutes if travel is not None else None,
        customer_id=customer_id,
    )
    blocks = busy_blocks or {}
    answers = {
        t.id: offered_minutes(
            t,
            schedules.get(t.id),
            bookings.get(t.id, ()),
            question,
            [b.minutes for b in blocks.get(t.id, ())],
        )
        for t in technicians
    }
    return merge_offers(technicians, answers, service, question.timing)


def merge_offers(
    technicians: Iterable[Technician],
    answers: Mapping[TechnicianId, Sequence[int]],
    service: Service,
    timing: ServiceTiming,
) -> list[OfferedSlot]:
    """Each technician's offered starts (epoch minutes) merged into slots by start, the
    technicians of a slot sorted by id, each at his price for ``service``. A service for
    several technicians at once is offered only where that many are free together."""
    by_start: dict[int, list[TechnicianOffer]] = {}
    for technician in sorted(technicians, key=lambda t: t.id):
        minutes = answers.get(technician.id)
        if not minutes:
            continue
        offer = TechnicianOffer(
            technician.id,
            technician.profile.price_for(service.id, service.price),
            technician.time_zone,
        )
        for minute in minutes:
            by_start.setdefault(minute, []).append(offer)
    return [
        OfferedSlot(
            TimeRange(from_epoch_minutes(m), from_epoch_minutes(m + timing.duration)),
            tuple(by_start[m]),
        )
        for m in sorted(by_start)
        if len(by_start[m]) >= service.technicians_needed
    ]
