"""The availability engine: one rule set for the slots offered and the bookings accepted.

The engine works on integer minutes since the Unix epoch (UTC). Callers convert aware
datetimes once at its edge; the inner loop never touches datetime objects.

Every rule lives here, and :meth:`TechnicianAgenda.offered` is the single function that
applies them. Listing slots returns its result; accepting a booking at ``t`` asks whether
``t`` is in its result for the same inputs (INVARIANTS I2). Semantics (docs/availability.md):

* intervals are half-open ``[start, end)``; touching is not overlapping;
* the slot grid counts from where the policy's :class:`SlotAlignment` says (the start of
  each working stretch by default, a clock grid, or local midnight in the technician's
  zone), and restarts right after a busy block when the policy says so;
* the minimum notice is strict (a start exactly at ``now + notice`` is not offered); the
  window is inclusive (a start exactly at ``now + window`` is);
* buffers add up: a booking's blocked range is ``[start - before - travel, end + after)``
  and blocked ranges never overlap, so neighbours are separated by the sum of their buffers;
* travel time comes from the previous job's address to the new one, and from the new one
  to the next job's address.
"""

from __future__ import annotations

import datetime as _dt
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from operator import attrgetter

import attrs
import pendulum
from pendulum import Date, DateTime

from booking_core.catalog.booking_rules import BookingRules, WindowKind
from booking_core.errors import InvalidSchedule, InvalidTimeRange
from booking_core.ids import BookingId, CustomerId
from booking_core.scheduling.alignment import SlotAlignment, clock_grid
from booking_core.scheduling.booking import Booking
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.scheduling.technician import Technician
from booking_core.scheduling.weekly_hours import Ranges, WeeklyHours
from booking_core.timerange import TimeRange, zone

__all__ = [
    "BookingPolicy",
    "BusyIndex",
    "ServiceTiming",
    "SlotRequest",
    "TechnicianAgenda",
    "WorkRange",
    "busy_intervals",
    "day_ranges",
    "epoch_minutes",
    "free_slot_minutes",
    "from_epoch_minutes",
    "local_midnight",
    "start_bounds",
    "working_intervals",
]

Interval = tuple[int, int]
TravelEstimate = Callable[[GeoPoint, GeoPoint], int]

_DAY = 24 * 60
_MAX_STEP = 24 * 60
#: The latest start of a policy without a window: far beyond any working range.
_NO_WINDOW = 2**62


def _alignment(value: object) -> SlotAlignment:
    # A setting read from configuration arrives as its value ("clock").
    if isinstance(value, SlotAlignment):
        return value
    try:
        return SlotAlignment(value if isinstance(value, str) else "")
    except ValueError:
        raise InvalidSchedule(
            f"The slot alignment is one of {', '.join(repr(a.value) for a in SlotAlignment)}; "
            f"got {value!r}.",
            details={"slot_alignment": str(value)},
        ) from None


@attrs.frozen
class BookingPolicy:
    """Platform-wide booking rules (FEATURES P10).

    Attributes:
        notice_minutes: Minimum notice; strict — a slot starting exactly at
            ``now + notice`` is not offered.
        window_days: How far ahead a slot may start: at most ``window_days × 24 h`` after
            now (rolling, inclusive), or as ``window_kind`` counts it.
        slot_step_minutes: Minutes between offered starts; None means the service's
            duration.
        restart_after_busy: After a busy block the next start is the first free minute
            (then every step from there) rather than the next grid point; under
            ``SlotAlignment.CLOCK`` the first clock-grid point at or after it.
        hold_minutes: How long a checkout hold keeps a slot.
        slot_alignment: Where the starts of each working stretch count from
            (:class:`SlotAlignment`; a value such as ``"clock"`` is taken too). The default,
            ``STRETCH``, offers a slot in every stretch at least as long as the service
            (bookings, notice and window aside).
        window_kind: How the window is counted (:class:`~booking_core.catalog.WindowKind`):
            rolling 24-hour periods (the default), whole calendar days in the technician's
            zone, or no window at all (``NONE``; ``window_days`` is then not read).
    """

    notice_minutes: int = 60
    window_days: int = 30
    slot_step_minutes: int | None = None
    restart_after_busy: bool = True
    hold_minutes: int = 10
    slot_alignment: SlotAlignment = attrs.field(default=SlotAlignment.STRETCH, converter=_alignment)
    window_kind: WindowKind = attrs.field(default=WindowKind.ROLLING, converter=WindowKind)

    def __attrs_post_init__(self) -> None:
        for name in ("notice_minutes", "window_days", "hold_minutes"):
            if type(getattr(self, name)) is not int:
                raise InvalidSchedule(
                    f"The {name} is a whole number; got {getattr(self, name)!r}.",
                    details={"field": name},
                )
        if self.notice_minutes < 0 or self.window_days < 1:
            raise InvalidSchedule(
                "The notice is ≥ 0 minutes and the window at least one day; "
                f"got notice {self.notice_minutes} min, window {self.window_days} days.",
                details={"notice_minutes": self.notice_minutes, "window_days": self.window_days},
            )
        if (
            self.window_kind is not WindowKind.NONE
            and self.notice_minutes >= self.window_days * _DAY
        ):
            raise InvalidSchedule(
                f"The minimum notice ({self.notice_minutes} min) is as long as the booking "
                f"window ({self.window_days} days): nothing could be booked. Shorten the "
                "notice or lengthen the window.",
                details={"notice_minutes": self.notice_minutes, "window_days": self.window_days},
            )
        step = self.slot_step_minutes
        if step is not None and (type(step) is not int or not 1 <= step <= _MAX_STEP):
            raise InvalidSchedule(
                f"The slot step is a whole number of minutes from 1 to {_MAX_STEP} (or none "
                f"for the service's duration); got {step!r}.",
                details={"slot_step_minutes": step},
            )
        if not 1 <= self.hold_minutes <= _DAY:
            raise InvalidSchedule(
                f"A hold lasts 1 to {_DAY} minutes; got {self.hold_minutes}.",
                details={"hold_minutes": self.hold_minutes},
            )

    def last_start(self, now_minute: int, zone: str) -> int:
        """The latest start the window allows (epoch minutes, inclusive) at ``now_minute``,
        for a technician in ``zone`` (read only for calendar days)."""
        if self.window_kind is WindowKind.ROLLING:
            return now_minute + self.window_days * _DAY
        if self.window_kind is WindowKind.NONE:
            return _NO_WINDOW
        today = from_epoch_minutes(now_minute, zone).date()
        return local_midnight(zone, today.add(days=self.window_days + 1)) - 1

    def with_rules(self, rules: BookingRules | None) -> BookingPolicy:
        """This policy with a service's own ``rules`` in place of its own where given.

        Raises:
            InvalidSchedule: the combination books nothing (a notice as long as the window).
        """
        if rules is None or rules.is_empty:
            return self
        changes: dict[str, object] = {
            name: value
            for name in ("slot_step_minutes", "notice_minutes", "window_days", "window_kind")
            if (value := getattr(rules, name)) is not None
        }
        return attrs.evolve(self, **changes)  # type: ignore[arg-type]

    def on_shared_grid(self, duration: int) -> BookingPolicy:
        """This policy for a service that several technicians serve together: starts on
        every point of the clock grid of its step (:func:`clock_grid`: a 90-minute step
        offers every 30 minutes), counted from local midnight, never restarted after a busy
        block — so every technician's starts lie on one grid and a start where all of them
        are free is found wherever it is."""
        step = self.slot_step_minutes or duration
        return attrs.evolve(
            self,
            slot_step_minutes=clock_grid(step),
            slot_alignment=SlotAlignment.CLOCK,
            restart_after_busy=False,
        )

    def timing(self, duration: int, buffer_before: int = 0, buffer_after: int = 0) -> ServiceTiming:
        """The integer timing of a service under this policy."""
        return ServiceTiming(
            duration, self.slot_step_minutes or duration, buffer_before, buffer_after
        )


@attrs.frozen
class ServiceTiming:
    """Integer minutes of one service: its duration, the slot step and its buffers."""

    duration: int
    step: int
    buffer_before: int = 0
    buffer_after: int = 0


def epoch_minutes(instant: DateTime) -> int:
    """Whole minutes since the Unix epoch; refuses instants that are not on a minute."""
    seconds = instant.int_timestamp
    if seconds % 60 or instant.microsecond:
        raise InvalidTimeRange(f"Booking times fall on whole minutes; got {instant}.")
    return seconds // 60


def from_epoch_minutes(minutes: int, time_zone: str = "UTC") -> DateTime:
    """The instant ``minutes`` after the epoch, shown in ``time_zone``."""
    return pendulum.from_timestamp(minutes * 60, tz=_zone(time_zone))


@lru_cache(maxsize=512)
def _zone(name: str) -> pendulum.Timezone:
    return zone(name)


@lru_cache(maxsize=1 << 16)
def _local_epoch(time_zone: str, ordinal: int, minute_of_day: int) -> int:
    # A wall-clock time on a local date, as epoch minutes. fold=0: an ambiguous time (the
    # repeated hour when clocks go back) is its first occurrence; a time that does not exist
    # (the skipped hour when clocks go forward) moves forward by the gap (02:30 → 03:30).
    day = _dt.date.fromordinal(ordinal + minute_of_day // _DAY)
    minute = minute_of_day % _DAY
    local = _dt.datetime(
        day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=_zone(time_zone), fold=0
    )
    return int(local.timestamp()) // 60


def local_midnight(time_zone: str, day: _dt.date) -> int:
    """Epoch minute of the local midnight that starts ``day`` in ``time_zone``."""
    return _local_epoch(time_zone, day.toordinal(), 0)


# -- working time of one local day ----------------------------------------------------------

#: ``(start, end, origin, area)``: epoch minutes of a working range, the epoch minute its
#: local slot grid counts from (the wall-clock midnight of its day, shifted so that the
#: range's local start keeps its local alignment on DST days), and where the technician
#: serves during it (None: his profile's service area).
WorkRange = tuple[int, int, int, ServiceArea | None]


def _local_ranges(
    hours: WeeklyHours, schedule: WorkSchedule | None, day: _dt.date
) -> list[tuple[int, int, ServiceArea | None]]:
    if schedule is not None:
        shifts = schedule.shifts_on(day)
        if shifts:  # the store's rota wins over the technician's own hours
            return [(s.start, s.end, s.area) for s in shifts]
        override = schedule.override_on(day)
        if override is not None:
            return [(s, e, None) for s, e in override.ranges]
    return [(s, e, None) for s, e in hours.ranges_on(day.weekday())]


def _joined_ranges(
    tz: str, hours: WeeklyHours, schedule: WorkSchedule | None, day: _dt.date
) -> list[WorkRange]:
    # The day's own ranges as epoch minutes, those that touch (same area) joined into one:
    # the joined range keeps the first one's grid origin, exactly as if it had been written
    # as one range. Joining in epoch minutes also joins ranges that touch only in absolute
    # time (01:00-02:00 and 03:00-04:00 on the night the clocks skip 02:00-03:00).
    ordinal = day.toordinal()
    local: list[tuple[int, int, ServiceArea | None]] = []
    for start, end, area in _local_ranges(hours, schedule, day):
        # Joined in wall-clock minutes first: a range split at a time the clocks skip
        # (02:30 on a spring-forward night) is then still exactly the unsplit range.
        if local and local[-1][2] == area and start <= local[-1][1]:
            local[-1] = (local[-1][0], max(local[-1][1], end), area)
        else:
            local.append((start, end, area))
    result: list[WorkRange] = []
    for start, end, area in local:
        begin = _local_epoch(tz, ordinal, start)
        finish = _local_epoch(tz, ordinal, end)
        if finish <= begin:
            continue
        if result and result[-1][3] == area and begin <= result[-1][1]:
            first, last_end, origin, _ = result[-1]
            result[-1] = (first, max(last_end, finish), origin, area)
        else:
            result.append((begin, finish, begin - start, area))
    return result


def _end_past_midnight(
    tz: str, hours: WeeklyHours, schedule: WorkSchedule | None, ordinal: int
) -> int | None:
    # Where the last range of the day ``ordinal`` ends, if it runs past midnight. Cheap on
    # the common path (weekly hours only, ending before midnight): no date is made.
    if schedule is None or not (schedule.shifts or schedule.overrides):
        ranges = hours.ranges_on((ordinal - 1) % 7)  # ordinal 1 is a Monday
        end = ranges[-1][1] if ranges else 0
    else:
        local = _local_ranges(hours, schedule, _dt.date.fromordinal(ordinal))
        end = max((e for _, e, _ in local), default=0)
    if end <= _DAY:
        return None
    return _local_epoch(tz, ordinal, end)


def _from(ranges: list[WorkRange], minute: int) -> list[WorkRange]:
    # The ranges cut to what lies at or after ``minute`` (their grid origins unchanged).
    return [
        (max(start, minute), end, origin, area)
        for start, end, origin, area in ranges
        if end > minute
    ]


def day_ranges(
    technician: Technician, schedule: WorkSchedule | None, day: _dt.date
) -> list[WorkRange]:
    """The working ranges that start on local ``day``, as epoch minutes, minus time off.

    Precedence: time off > the store's rota > the technician's date override > weekly
    hours. A range running past midnight belongs to the day it starts on. Ranges of the
    day that touch (and serve the same area) are returned joined as one. Where the day
    before runs past midnight into this day's ranges (weekly hours next to a date override
    or a shift), that time belongs to the day before: this day's ranges start after it.
    """
    tz, hours = technician.time_zone, technician.weekly_hours
    if schedule is None or not (schedule.shifts or schedule.overrides or schedule.time_off):
        # Weekly hours alone: the same for everyone with these hours in this zone (a search
        # asks for thousands of technicians who mostly share a few sets of hours).
        return list(_weekly_day_ranges(tz, hours, day.toordinal()))
    return _day_ranges(tz, hours, schedule, day)


@lru_cache(maxsize=1 << 12)
def _weekly_day_ranges(tz: str, hours: WeeklyHours, ordinal: int) -> tuple[WorkRange, ...]:
    return tuple(_day_ranges(tz, hours, None, _dt.date.fromordinal(ordinal)))


def _day_ranges(
    tz: str, hours: WeeklyHours, schedule: WorkSchedule | None, day: _dt.date
) -> list[WorkRange]:
    result = _joined_ranges(tz, hours, schedule, day)
    if result:
        before = _end_past_midnight(tz, hours, schedule, day.toordinal() - 1)
        if before is not None and before > result[0][0]:
            result = _from(result, before)
    if schedule is not None and schedule.time_off_minutes and result:
        result = _subtract(result, schedule.time_off_minutes)
    return result


def _subtract(ranges: list[WorkRange], cuts: Sequence[Interval]) -> list[WorkRange]:
    out: list[WorkRange] = []
    for start, end, origin, area in ranges:
        pieces = [(start, end)]
        for cut_start, cut_end in cuts:
            if cut_start >= end:
                break
            if cut_end <= start:
                continue
            next_pieces: list[Interval] = []
            for a, b in pieces:
                if cut_end <= a or cut_start >= b:
                    next_pieces.append((a, b))
                    continue
                if a < cut_start:
                    next_pieces.append((a, cut_start))
                if cut_end < b:
                    next_pieces.append((cut_end, b))
            pieces = next_pieces
        out.extend((a, b, origin, area) for a, b in pieces)
    return out


def working_intervals(hours: WeeklyHours, time_zone: str, day: Date) -> list[Interval]:
    """The weekly working ranges of local ``day`` as epoch-minute intervals.

    Wall-clock times are resolved in ``time_zone`` on that very day, so a shift keeps its
    local hours across daylight-saving changes (and is shorter or longer in absolute time).
    """
    ordinal = day.toordinal()
    ranges: Ranges = hours.ranges_on(day.weekday())
    intervals: list[Interval] = []
    for start, end in ranges:
        begin = _local_epoch(time_zone, ordinal, start)
        finish = _local_epoch(time_zone, ordinal, end)
        if finish <= begin:
            continue
        if intervals and begin <= intervals[-1][1]:  # touching ranges are one stretch of work
            intervals[-1] = (intervals[-1][0], max(intervals[-1][1], finish))
        else:
            intervals.append((begin, finish))
    return intervals


# -- busy time ------------------------------------------------------------------------------


#: A booking's minutes ``(blocked start, blocked end, service start)``; bisecting for
#: ``(minute,)`` with it finds the first booking whose blocked time starts at ``minute``.
_MINUTES = attrgetter("minutes")


class BusyIndex:
    """A technician's busy blocks as sorted integer arrays, built once and queried often.

    Built from the active bookings (and live holds) that take his time; expired holds, the
    requesting customer's own holds and the bookings named in ``exclude`` (the one being
    rescheduled) are left out, so they free their time for this request.

    ``busy`` adds busy blocks from outside calendars (``BusyBlock.minutes``): they may overlap
    each other and the bookings, so the time they add beyond the bookings is indexed as
    blocks of its own, without an address (no travel) and not counted by the daily cap.

    :meth:`of_sorted` builds it lazily from bookings already in storage order: a query then
    looks only at the stretch it asks for (an "any technician" search reads a few days of
    bookings per technician and needs one day of them).
    """

    __slots__ = (
        "_bookings",
        "_cores",
        "_customer",
        "_ends",
        "_locations",
        "_now",
        "_pending",
        "_service_starts",
        "_starts",
    )

    def __init__(self, bookings: Sequence[Booking], busy: Sequence[Interval] = ()) -> None:
        self._pending: Sequence[Booking] | None = None
        self._now: DateTime | None = None
        self._customer: CustomerId | None = None
        self._index(sorted(bookings, key=lambda b: (b.minutes[0], b.id)), busy)

    def _index(self, ordered: list[Booking], busy: Sequence[Interval] = ()) -> None:
        self._bookings: list[Booking] = ordered
        self._starts: list[int] = [b.minutes[0] for b in ordered]
        self._ends: list[int] = [b.minutes[1] for b in ordered]
        # Where the block starts without its own travel: the next job's travel from a new
        # booking placed before it is counted from here.
        self._cores: list[int] = [b.minutes[0] + b.travel_minutes for b in ordered]
        self._locations: list[GeoPoint | None] = [b.location for b in ordered]
        self._service_starts: list[int] = sorted(b.minutes[2] for b in ordered)
        if busy:
            self._add_busy(busy)

    def _add_busy(self, busy: Sequence[Interval]) -> None:
        # Outside busy time beyond the bookings, as blocks of its own: the union of the
        # blocks stays the union of everything busy, and the blocks still never overlap.
        pieces = _beyond(busy, self._starts, self._ends)
        if not pieces:
            return
        rows = sorted(
            [
                *zip(self._starts, self._ends, self._cores, self._locations, strict=True),
                *((a, b, a, None) for a, b in pieces),
            ],
            key=lambda row: row[0],
        )
        self._starts = [row[0] for row in rows]
        self._ends = [row[1] for row in rows]
        self._cores = [row[2] for row in rows]
        self._locations = [row[3] for row in rows]

    @classmethod
    def build(
        cls,
        bookings: Iterable[Booking],
        *,
        now: DateTime,
        customer_id: CustomerId | None = None,
        exclude: Iterable[BookingId] = (),
        busy: Sequence[Interval] = (),
    ) -> BusyIndex:
        """The index of the bookings that take time for this request at ``now``, and of
        the outside ``busy`` time (busy blocks' minutes)."""
        excluded = set(exclude)
        return cls(
            [
                b
                for b in bookings
                if b.counts_at(now)
                and b.id not in excluded
                and not (customer_id is not None and b.is_hold and b.holder == customer_id)
            ],
            busy,
        )

    @classmethod
    def of_sorted(
        cls,
        bookings: Sequence[Booking],
        *,
        now: DateTime,
        customer_id: CustomerId | None = None,
        busy: Sequence[Interval] = (),
    ) -> BusyIndex:
        """The index of :meth:`build` over ``bookings`` as storage lists them (active, by
        blocked start, the ones that count never overlapping), built lazily: asking for
        :meth:`blocks` looks only at the bookings near the stretch asked for. With outside
        ``busy`` time it is built at once (the few technicians who have any)."""
        index = cls.__new__(cls)
        index._pending, index._now, index._customer = bookings, now, customer_id
        if busy:
            index._pending = None
            index._index(sorted((b for b in bookings if index._counts(b)), key=_MINUTES), busy)
        return index

    def _counts(self, booking: Booking) -> bool:
        # build()'s filter, with nothing excluded by id.
        if booking.hold_expires_at is None:
            return booking.active
        assert self._now is not None
        return booking.counts_at(self._now) and not (
            self._customer is not None and booking.holder == self._customer
        )

    def _built(self) -> BusyIndex:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._index(sorted((b for b in pending if self._counts(b)), key=_MINUTES))
        return self

    @property
    def bookings(self) -> list[Booking]:
        """The bookings that take time, by blocked start."""
        return self._built()._bookings

    @property
    def starts(self) -> list[int]:
        """Blocked starts, in epoch minutes, ascending."""
        return self._built()._starts

    @property
    def ends(self) -> list[int]:
        """Blocked ends, in epoch minutes, ascending (blocks never overlap)."""
        return self._built()._ends

    @property
    def cores(self) -> list[int]:
        """Per block, its start without its own travel time."""
        return self._built()._cores

    @property
    def locations(self) -> list[GeoPoint | None]:
        """Per block, the address of its job (None: unknown, no travel)."""
        return self._built()._locations

    @property
    def service_starts(self) -> list[int]:
        """Service starts, ascending (for the daily cap)."""
        return self._built()._service_starts

    def __len__(self) -> int:
        return len(self.starts)

    def count_starting(self, start: int, end: int) -> int:
        """How many blocks have their service start in ``[start, end)``."""
        return bisect_left(self.service_starts, end) - bisect_left(self.service_starts, start)

    def minutes_starting(self, start: int, end: int) -> int:
        """Minutes of service of the bookings whose service starts in ``[start, end)`` (for
        the daily cap of booked minutes: read only when one is set, so worked out here)."""
        return sum(
            (b.slot.end.int_timestamp - b.slot.start.int_timestamp) // 60
            for b in self.bookings
            if start <= b.minutes[2] < end
        )

    def window(self, start: int, end: int) -> tuple[int, int]:
        """Indexes ``[i, j)`` of the blocks overlapping ``[start, end)`` plus one neighbour
        on each side (whose address decides travel time)."""
        starts, ends = self.starts, self.ends
        i = max(bisect_right(ends, start) - 1, 0)
        j = min(bisect_left(starts, end) + 1, len(starts))
        return i, j

    def blocks(
        self, start: int, end: int
    ) -> tuple[list[int], list[int], list[int], list[GeoPoint | None]]:
        """Starts, ends, cores and locations of the blocks of :meth:`window`."""
        if self._pending is None:
            i, j = self.window(start, end)
            return self._starts[i:j], self._ends[i:j], self._cores[i:j], self._locations[i:j]
        pending = self._pending
        counts = self._counts
        a = bisect_left(pending, (start,), key=_MINUTES)
        # Leftwards, the blocks reaching into the stretch, then the neighbour before it.
        left: list[Booking] = []
        k = a - 1
        while k >= 0:
            booking = pending[k]
            if counts(booking):
                left.append(booking)
                if booking.minutes[1] <= start:
                    break
            k -= 1
        rows: list[tuple[int, int, int, GeoPoint | None]] = []
        for booking in reversed(left):
            m = booking.minutes
            rows.append((m[0], m[1], m[0] + booking.travel_minutes, booking.location))
        # Rightwards, the blocks starting inside the stretch, then the neighbour after it
        # (most bookings are plain ones: their test is inline).
        for k in range(a, len(pending)):
            booking = pending[k]
            if (booking.active and booking.hold_expires_at is None) or counts(booking):
                m = booking.minutes
                rows.append((m[0], m[1], m[0] + booking.travel_minutes, booking.location))
                if m[0] >= end:
                    break
        return (
            [row[0] for row in rows],
            [row[1] for row in rows],
            [row[2] for row in rows],
            [row[3] for row in rows],
        )


def _beyond(busy: Sequence[Interval], starts: list[int], ends: list[int]) -> list[Interval]:
    # The union of ``busy`` less the sorted, disjoint intervals ``starts``/``ends``.
    merged: list[Interval] = []
    for start, end in sorted(busy):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    pieces: list[Interval] = []
    n = len(starts)
    for start, end in merged:
        k = bisect_right(ends, start)
        at = start
        while k < n and starts[k] < end:
            if starts[k] > at:
                pieces.append((at, starts[k]))
            at = max(at, ends[k])
            k += 1
        if at < end:
            pieces.append((at, end))
    return pieces


def busy_intervals(blocked: Sequence[TimeRange]) -> list[Interval]:
    """Blocked ranges as sorted epoch-minute intervals."""
    return sorted((epoch_minutes(r.start), epoch_minutes(r.end)) for r in blocked)


# -- the inner loop -------------------------------------------------------------------------


@attrs.frozen
class SlotRequest:
    """Everything that decides which starts are free, in epoch minutes.

    Attributes:
        working: Working intervals, sorted, not overlapping.
        busy: Blocked intervals of active bookings, sorted by start, not overlapping.
        duration: Service minutes (must fit inside a working interval).
        step: Minutes between candidate starts.
        buffer_before: Minutes blocked before the service (need not be working time).
        buffer_after: Minutes blocked after the service (need not be working time).
        not_before: Starts must be strictly after this minute (now + notice).
        not_after: Starts must be at or before this minute (end of the booking window).
        origins: Per working interval, an epoch minute the step grid counts from (None:
            each interval's own start).
        restart_after_busy: After a busy block, restart the grid at the first free minute
            (rounded up to ``restart_grid``).
        restart_grid: A restart after a busy block moves to the first point at or after
            the first free minute of a grid of this many minutes through the interval's
            origin (1: the free minute itself; the clock grid under ``CLOCK``).
        cores: Per busy block, its start without its own travel time (None: its start).
        travel_from: Per busy block, minutes to travel from it to the new booking.
        travel_to: Per busy block, minutes to travel from the new booking to it.
        closed: Sorted intervals in which no start may fall (days at their booking cap).
        reaches: Per working interval, where the continuous working time it begins ends
            (None: at its own end). A service may run on up to there, into the working
            ranges of the next day that touch it; its start stays inside the interval.
    """

    working: Sequence[Interval]
    busy: Sequence[Interval]
    duration: int
    step: int
    buffer_before: int
    buffer_after: int
    not_before: int
    not_after: int
    origins: Sequence[int] | None = None
    restart_after_busy: bool = False
    cores: Sequence[int] | None = None
    travel_from: Sequence[int] | None = None
    travel_to: Sequence[int] | None = None
    closed: Sequence[Interval] = ()
    reaches: Sequence[int] | None = None
    restart_grid: int = 1


def _grid_at_or_after(origin: int, step: int, minute: int) -> int:
    if minute <= origin:
        return origin - ((origin - minute) // step) * step
    return origin + -(-(minute - origin) // step) * step


def _before_closed(closed: Sequence[Interval], closed_ends: list[int], t: int, stop: int) -> int:
    # ``stop``, or the minute before the next closed interval after ``t`` if earlier.
    c = bisect_right(closed_ends, t)
    return min(stop, closed[c][0] - 1) if c < len(closed) else stop


def free_slot_minutes(request: SlotRequest) -> list[int]:
    """Start minutes of every free slot for ``request``; the single source of truth (I2).

    A start ``t`` is free when ``t`` lies inside a working interval and the service
    ``[t, t + duration)`` inside the continuous working time from there (its reach),
    ``not_before < t <= not_after``, ``t`` is on the grid, ``t`` is in no closed interval,
    and ``[t - buffer_before - travel_in, t + duration + buffer_after)`` overlaps no busy
    block, where ``travel_in`` is the travel time from the previous block; and the
    next block still has its travel time from the new booking before its core start.
    """
    busy = request.busy
    n = len(busy)
    ends = [end for _, end in busy]
    # Per block, the latest minute a new booking's blocked time may end before it: its
    # start, or earlier by the travel time from the new booking to its core.
    limits = (
        [start for start, _ in busy]
        if request.travel_to is None
        else [
            min(start, core - travel)
            for (start, _), core, travel in zip(
                busy,
                request.cores if request.cores is not None else [s for s, _ in busy],
                request.travel_to,
                strict=True,
            )
        ]
    )
    travel_from = request.travel_from
    closed = request.closed
    closed_ends = [end for _, end in closed]
    duration = request.duration
    step = request.step
    before = request.buffer_before
    tail = duration + request.buffer_after
    not_before = request.not_before
    restart = request.restart_after_busy
    reaches = request.reaches
    slots: list[int] = []
    for index, (work_start, work_end) in enumerate(request.working):
        origin = request.origins[index] if request.origins is not None else work_start
        t = _grid_at_or_after(origin, step, work_start)
        fits = (
            work_end - duration if reaches is None else min(reaches[index] - duration, work_end - 1)
        )
        last = min(fits, request.not_after)
        while t <= last:
            if t <= not_before:
                t = _grid_at_or_after(origin, step, not_before + 1)
                continue
            if closed:
                c = bisect_right(closed_ends, t)
                if c < len(closed) and closed[c][0] <= t:
                    t = _grid_at_or_after(origin, step, closed[c][1])
                    continue
            lo = t - before
            hi = t + tail
            # The first busy block ending after lo is the only one that can overlap.
            i = bisect_right(ends, lo)
            free_from = -1
            if travel_from is not None and i > 0 and ends[i - 1] > lo - travel_from[i - 1]:
                free_from = ends[i - 1] + travel_from[i - 1] + before
            elif i < n and limits[i] < hi:
                # Nothing before this block fits any later: jump past it.
                free_from = ends[i] + before + (travel_from[i] if travel_from is not None else 0)
            if free_from < 0:
                # Every step from t is free until the service would reach the next block
                # (or its travel time), a closed interval or the last start: take the run.
                stop = min(last, limits[i] - tail) if i < n else last
                if closed:
                    stop = _before_closed(closed, closed_ends, t, stop)
                run = range(t, stop + 1, step)
                slots.extend(run)
                t += len(run) * step
            elif restart:
                # A new grid from the first free minute (on CLOCK, the next clock point).
                origin = t = (
                    free_from
                    if request.restart_grid == 1
                    else _grid_at_or_after(origin, request.restart_grid, free_from)
                )
            else:
                t = _grid_at_or_after(origin, step, free_from)
    return slots


# -- one technician -------------------------------------------------------------------------


def _origins(alignment: SlotAlignment, step: int, ranges: list[WorkRange]) -> list[int] | None:
    # Where each range's grid counts from. A range here is a working stretch of the day: the
    # day's touching ranges joined, cut by time off, and (if yesterday runs on into it)
    # starting where yesterday's ends. r[2] is its local midnight, shifted on DST days so
    # wall-clock alignment holds.
    if alignment is SlotAlignment.STRETCH:
        return None  # each range's own first minute
    if alignment is SlotAlignment.MIDNIGHT:
        return [r[2] for r in ranges]
    grid = clock_grid(step)
    if grid == 1:
        return None  # no clock grid divides the step: every whole minute is on the clock
    return [_grid_at_or_after(r[2], grid, r[0]) for r in ranges]


def start_bounds(
    first: int, last: int, now_minute: int, policy: BookingPolicy, zone: str = "UTC"
) -> Interval:
    """``(not_before, not_after)`` for starts inside working ranges from ``first`` to
    ``last`` (epoch minutes): ``now + notice`` and the window's last start
    (:meth:`BookingPolicy.last_start`; ``zone``: the technician's, for calendar days),
    clamped to the ranges.

    Every start lies in ``[first, last)``, so a notice ending before ``first`` or a window
    ending after ``last`` cuts nothing: clamped, the bounds stop changing with ``now``, and
    an answer computed earlier for the same day still holds (what ``OfferMemo`` reuses).
    """
    not_before = max(now_minute + policy.notice_minutes, first - 1)
    not_after = min(policy.last_start(now_minute, zone), last)
    return not_before, not_after


@attrs.frozen
class TechnicianAgenda:
    """One technician with his schedule and busy time: the engine's unit of work.

    Build it once per request (or once per benchmark) and ask for as many days as needed.
    """

    technician: Technician
    schedule: WorkSchedule | None
    busy: BusyIndex

    def ranges(self, day: Date, location: GeoPoint | None = None) -> list[WorkRange]:
        """Working ranges of ``day``; with ``location``, only those whose service area
        (the shift's, else the profile's; none means anywhere) contains it."""
        ranges = day_ranges(self.technician, self.schedule, day)
        if location is None:
            return ranges
        default = self.technician.profile.service_area
        # The profile's area is asked once, whatever the number of ranges it covers.
        serves_default = default is None or default.contains(location)
        return [r for r in ranges if (serves_default if r[3] is None else r[3].contains(location))]

    def offered(
        self,
        timing: ServiceTiming,
        day: Date,
        *,
        now_minute: int,
        policy: BookingPolicy,
        location: GeoPoint | None = None,
        travel: TravelEstimate | None = None,
    ) -> list[int]:
        """Epoch-minute starts offered on the working ranges that start on local ``day``,
        none at or after :meth:`verified_until` (only verified technicians are booked).

        ``location`` is the address of an at-home booking: it filters ranges by service
        area and, with ``travel``, adds travel time from and to the neighbouring jobs.
        """
        ranges = self.ranges(day, location)
        if not ranges:
            return []
        zone = self.technician.time_zone
        not_before, not_after = start_bounds(ranges[0][0], ranges[-1][1], now_minute, policy, zone)
        verified_until = self.verified_until()
        if verified_until is not None:
            not_after = min(not_after, verified_until - 1)
        if ranges[-1][1] <= not_before + 1 or ranges[0][0] > not_after:
            return []  # every start lies inside a range: after not_before, before its end
        reaches = self._reaches(day, ranges, timing.duration)
        if reaches[-1] - timing.duration <= not_before:
            return []  # no service fits, even running on into the next day
        starts, ends, cores, locations = self.busy.blocks(
            ranges[0][0] - timing.buffer_before, reaches[-1] + timing.buffer_after
        )
        travel_from: list[int] | None = None
        travel_to: list[int] | None = None
        # No neighbouring job with an address: no travel either way (as all zeros would say).
        if travel is not None and location is not None and locations.count(None) < len(locations):
            travel_from = [0 if p is None else travel(p, location) for p in locations]
            travel_to = [0 if p is None else travel(location, p) for p in locations]
        return free_slot_minutes(
            SlotRequest(
                working=[(r[0], r[1]) for r in ranges],
                busy=list(zip(starts, ends, strict=True)),
                duration=timing.duration,
                step=timing.step,
                buffer_before=timing.buffer_before,
                buffer_after=timing.buffer_after,
                not_before=not_before,
                not_after=not_after,
                origins=_origins(policy.slot_alignment, timing.step, ranges),
                restart_after_busy=policy.restart_after_busy,
                restart_grid=(
                    clock_grid(timing.step) if policy.slot_alignment is SlotAlignment.CLOCK else 1
                ),
                cores=cores,
                travel_from=travel_from,
                travel_to=travel_to,
                closed=self._capped_days(day, ranges, timing.duration),
                reaches=reaches,
            )
        )

    def verified_until(self) -> int | None:
        """The epoch minute from which the technician is not verified, so offers no start:
        local midnight of the day his first required document expires, or the epoch for
        one never verified (pending, rejected); None while he is verified without end."""
        verification = self.technician.profile.verification
        if not verification.ever_verified:
            return 0
        # Cheapest test first: most technicians are vouched, with nothing to expire.
        expires = verification.expires_on if verification.expiries else None
        return None if expires is None else local_midnight(self.technician.time_zone, expires)

    def _reaches(self, day: Date, ranges: list[WorkRange], duration: int) -> list[int]:
        # Where the continuous working time of each range ends. The day's own touching
        # ranges are already joined, so only its last range can run on: across midnight, into
        # the first ranges of the next days (same area, no time off between), as far as a
        # service of ``duration`` could reach.
        reaches = [r[1] for r in ranges]
        reach, area = ranges[-1][1], ranges[-1][3]
        limit = reach + duration
        tz = self.technician.time_zone
        ordinal = day.toordinal()
        while reach < limit:
            ordinal += 1
            if reach < _local_epoch(tz, ordinal, 0):
                break  # the next day's ranges all start at or after its midnight
            extended = False
            following = day_ranges(self.technician, self.schedule, _dt.date.fromordinal(ordinal))
            for start, end, _, other in following:
                if start > reach or other != area:
                    break
                reach, extended = max(reach, end), True
            if not extended:
                break
        reaches[-1] = reach
        return reaches

    def _capped_days(self, day: Date, ranges: list[WorkRange], duration: int = 0) -> list[Interval]:
        schedule = self.schedule
        if schedule is None or (schedule.daily_cap is None and schedule.daily_minutes_cap is None):
            return []
        tz = self.technician.time_zone
        closed: list[Interval] = []
        # A range that runs past midnight offers starts on the next local date too.
        last = day.add(days=1) if ranges[-1][1] > local_midnight(tz, day.add(days=1)) else day
        current = day
        while current <= last:
            start = local_midnight(tz, current)
            end = local_midnight(tz, current.add(days=1))
            if self._full(start, end, duration):
                closed.append((start, end))
            current = current.add(days=1)
        return closed

    def _full(self, start: int, end: int, duration: int) -> bool:
        # Whether a day [start, end) takes no booking of ``duration`` minutes more.
        schedule = self.schedule
        assert schedule is not None
        cap, minutes = schedule.daily_cap, schedule.daily_minutes_cap
        if cap is not None and self.busy.count_starting(start, end) >= cap:
            return True
        return minutes is not None and self.busy.minutes_starting(start, end) + duration > minutes

    def is_capped(self, minute: int, duration: int = 0) -> bool:
        """True when the local date of ``minute`` already has the cap's number of bookings,
        or a booking of ``duration`` minutes would pass its cap of booked minutes."""
        schedule = self.schedule
        if schedule is None or (schedule.daily_cap is None and schedule.daily_minutes_cap is None):
            return False
        local = from_epoch_minutes(minute, self.technician.time_zone).date()
        tz = self.technician.time_zone
        start, end = local_midnight(tz, local), local_midnight(tz, local.add(days=1))
        return self._full(start, end, duration)

    def travel_before(
        self,
        minute: int,
        timing: ServiceTiming,
        location: GeoPoint | None,
        travel: TravelEstimate | None,
    ) -> int:
        """Travel minutes before a booking at ``minute``: from the previous block's address."""
        if travel is None or location is None:
            return 0
        i = bisect_right(self.busy.ends, minute - timing.buffer_before)
        if i == 0:
            return 0
        previous = self.busy.locations[i - 1]
        return 0 if previous is None else travel(previous, location)

    def days_to_check(self, minute: int) -> list[Date]:
        """The local days whose ranges may offer ``minute``: its date and the day before
        (whose range may run past midnight)."""
        local = from_epoch_minutes(minute, self.technician.time_zone).date()
        return [local.subtract(days=1), local]
