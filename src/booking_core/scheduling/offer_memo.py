"""Remembered answers of the engine: one technician's offered starts on one day.

An "any technician" search asks the engine the same question for thousands of technicians,
and most of them have not changed since the last search. :class:`OfferMemo` keeps each
answer with the technician's *agenda version* — a number storage changes whenever one of
his bookings, his record or his schedule changes
(:meth:`~booking_core.ports.storage.AgendaRepository.versions`) — and hands it out again
while nothing it was computed from has moved:

* the version is the same (read *before* the data it was computed from, so an answer is
  never filed under a version newer than its data);
* the clock has not crossed what the answer depends on: the notice and the window, clamped
  to the day's working ranges (:func:`~booking_core.scheduling.availability.start_bounds`),
  and the earliest expiry among the holds it counted;
* the service timing, the policy, the day and the address are the same (they are the key);
* the searching customer holds none of the counted holds (his own holds do not block him,
  so his answer differs; it is computed and not remembered).

One memo serves one storage and one travel-time model: :func:`booking_core.bootstrap.build`
makes it with the app. Bounded (least recently used go first) and safe across threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence

import attrs
from pendulum import Date, DateTime

from booking_core.ids import CustomerId, TechnicianId
from booking_core.scheduling.availability import (
    BookingPolicy,
    BusyIndex,
    ServiceTiming,
    TechnicianAgenda,
    TravelEstimate,
    start_bounds,
)
from booking_core.scheduling.booking import Booking
from booking_core.scheduling.geo import GeoPoint
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.scheduling.technician import Technician

__all__ = ["OfferMemo", "OfferQuestion", "offered_minutes"]


@attrs.frozen
class OfferQuestion:
    """What one search asks every technician: the same for all of them.

    Attributes:
        timing: The service's minutes under the policy.
        policy: The booking rules (notice, window, step).
        days: The local days searched, in order.
        now: The instant of the search.
        location: The at-home address (filters by service area, adds travel).
        travel: Minutes between two addresses (used with ``location``).
        customer_id: Who searches: his own holds do not block him.
    """

    timing: ServiceTiming
    policy: BookingPolicy
    days: tuple[Date, ...]
    now: DateTime
    location: GeoPoint | None = None
    travel: TravelEstimate | None = attrs.field(default=None, eq=False)
    customer_id: CustomerId | None = None

    @property
    def now_minute(self) -> int:
        """The minute of :attr:`now` (seconds past it never make a slot earlier)."""
        return self.now.int_timestamp // 60


def offered_minutes(
    technician: Technician,
    schedule: WorkSchedule | None,
    bookings: Sequence[Booking],
    question: OfferQuestion,
    busy: Sequence[tuple[int, int]] = (),
) -> list[int]:
    """The starts ``technician`` offers over ``question.days``, from ``bookings`` as storage
    lists them (active, by blocked start) and his outside ``busy`` time (busy blocks'
    minutes): the engine's answer, nothing remembered."""
    agenda = TechnicianAgenda(
        technician,
        schedule,
        BusyIndex.of_sorted(
            bookings, now=question.now, customer_id=question.customer_id, busy=busy
        ),
    )
    return _offered(agenda, question, question.days)


def _offered(agenda: TechnicianAgenda, question: OfferQuestion, days: Iterable[Date]) -> list[int]:
    minutes: list[int] = []
    for day in days:
        minutes.extend(
            agenda.offered(
                question.timing,
                day,
                now_minute=question.now_minute,
                policy=question.policy,
                location=question.location,
                travel=question.travel if question.location is not None else None,
            )
        )
    return minutes


#: What every technician of a search is asked on one day (hashed once per search and day).
_Question = tuple[Date, ServiceTiming, BookingPolicy, GeoPoint | None]


@attrs.frozen
class _Answer:
    version: int
    minutes: tuple[int, ...]
    #: The day's working ranges' first start and last end (None: no ranges that day).
    span: tuple[int, int] | None
    #: start_bounds() at the time of computing (None with no ranges).
    bounds: tuple[int, int] | None
    #: The earliest expiry (epoch seconds) among the holds counted, if any.
    expires: int | None
    holders: frozenset[CustomerId]

    def holds_for(
        self, version: int, seconds: int, customer: CustomerId | None, unclamped: tuple[int, int]
    ) -> bool:
        """Whether this answer is the engine's for ``version`` at ``seconds`` for
        ``customer``, ``unclamped`` being ``(now + notice, now + window)`` in minutes."""
        if version != self.version:
            return False
        if self.expires is not None and seconds >= self.expires:
            return False
        if customer is not None and customer in self.holders:
            return False
        span = self.span
        if span is None:
            return True
        # start_bounds(), inlined: this runs once per technician and day of every search.
        return (max(unclamped[0], span[0] - 1), min(unclamped[1], span[1])) == self.bounds


class OfferMemo:
    """Offered starts per technician and day, reused while the technician's agenda
    version and the clock allow (see the module's notes). ``max_entries=0`` remembers
    nothing."""

    def __init__(self, *, max_entries: int = 100_000) -> None:
        if max_entries < 0:
            raise ValueError(f"max_entries is 0 or more; got {max_entries}.")
        self._max = max_entries
        # Per question, the answers by technician; both levels least recently used first.
        self._answers: OrderedDict[_Question, OrderedDict[TechnicianId, _Answer]] = OrderedDict()
        self._count = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._count

    def clear(self) -> None:
        """Forget every answer (after restoring storage from a backup, say)."""
        with self._lock:
            self._answers.clear()
            self._count = 0

    def recall(
        self,
        technicians: Iterable[Technician],
        versions: Mapping[TechnicianId, int],
        question: OfferQuestion,
    ) -> tuple[dict[TechnicianId, list[int]], list[Technician]]:
        """The remembered answers of ``technicians`` (every day of the question), and the
        technicians with a day that must be computed again."""
        known: dict[TechnicianId, list[int]] = {}
        missing: list[Technician] = []
        seconds = question.now.int_timestamp
        customer = question.customer_id
        policy = question.policy
        minute = question.now_minute
        notice = minute + policy.notice_minutes
        # The window's last start: the same for all under a rolling window, per zone else.
        last_starts: dict[str, int] = {}
        with self._lock:
            days = []
            for day in question.days:
                answers = self._answers.get(_question(question, day))
                if answers is None:
                    return known, list(technicians)
                days.append(answers)
            for technician in technicians:
                tid = technician.id
                version = versions.get(tid, 0)
                zone = technician.time_zone
                last = last_starts.get(zone)
                if last is None:
                    last = last_starts[zone] = policy.last_start(minute, zone)
                unclamped = (notice, last)
                minutes: list[int] = []
                for answers in days:
                    answer = answers.get(tid)
                    if answer is None or not answer.holds_for(
                        version, seconds, customer, unclamped
                    ):
                        missing.append(technician)
                        break
                    answers.move_to_end(tid)
                    minutes.extend(answer.minutes)
                else:
                    known[tid] = minutes
        return known, missing

    def compute(
        self,
        technician: Technician,
        schedule: WorkSchedule | None,
        bookings: Sequence[Booking],
        version: int,
        question: OfferQuestion,
        busy: Sequence[tuple[int, int]] = (),
    ) -> list[int]:
        """The engine's answer (as :func:`offered_minutes`), remembered under ``version``
        — the technician's agenda version read before ``schedule``, ``bookings`` and his
        outside ``busy`` time (busy blocks' minutes)."""
        counted = [
            b for b in bookings if b.hold_expires_at is not None and b.counts_at(question.now)
        ]
        holders = frozenset(b.holder for b in counted if b.holder is not None)
        if question.customer_id is not None and question.customer_id in holders:
            return offered_minutes(technician, schedule, bookings, question, busy)
        agenda = TechnicianAgenda(
            technician, schedule, BusyIndex.of_sorted(bookings, now=question.now, busy=busy)
        )
        expires = min(
            (b.hold_expires_at.int_timestamp for b in counted if b.hold_expires_at is not None),
            default=None,
        )
        minutes: list[int] = []
        for day in question.days:
            found = _offered(agenda, question, (day,))
            minutes.extend(found)
            ranges = agenda.ranges(day, question.location)
            span = (ranges[0][0], ranges[-1][1]) if ranges else None
            answer = _Answer(
                version=version,
                minutes=tuple(found),
                span=span,
                bounds=None
                if span is None
                else start_bounds(
                    *span, question.now_minute, question.policy, technician.time_zone
                ),
                expires=expires,
                holders=holders,
            )
            self._remember(_question(question, day), technician.id, answer)
        return minutes

    def _remember(self, key: _Question, technician_id: TechnicianId, answer: _Answer) -> None:
        if not self._max:
            return
        with self._lock:
            answers = self._answers.get(key)
            if answers is None:
                answers = self._answers[key] = OrderedDict()
            self._answers.move_to_end(key)
            if technician_id not in answers:
                self._count += 1
            answers[technician_id] = answer
            answers.move_to_end(technician_id)
            while self._count > self._max:
                oldest_key, oldest = next(iter(self._answers.items()))
                oldest.popitem(last=False)
                self._count -= 1
                if not oldest:
                    del self._answers[oldest_key]


def _question(question: OfferQuestion, day: Date) -> _Question:
    return (day, question.timing, question.policy, question.location)
