"""Outside calendars (issue 15): busy time from a technician's own calendar, and his
bookings out to it.

:class:`OutsideCalendarService` registers iCalendar feeds per technician (read by the
``refresh_calendar`` job through the :class:`~booking_core.ports.calendars.CalendarSource`
port), takes busy blocks pushed by API (upsert by uid, delete), lists them, and writes each
technician's bookings as an iCalendar feed. Busy blocks are treated like bookings by the one
rule engine (docs/calendars.md).

Every write of a technician's busy time takes his lock (``LockKey.technician``) first, as a
reservation does, so a pushed block and a booking of the same time never both succeed.
"""

from __future__ import annotations

import contextlib
import hmac

import attrs
import pendulum
from pendulum import DateTime

from booking_core.errors import (
    BusyTimeConflict,
    CalendarUnavailable,
    InvalidCalendar,
    NotFound,
    PermissionDenied,
)
from booking_core.ids import ServiceId, TechnicianId
from booking_core.orders import Actor, Role
from booking_core.ports.calendars import CalendarSource
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.jobs import Job
from booking_core.ports.storage import LockKey, UnitOfWork, UnitOfWorkFactory
from booking_core.scheduling import Booking, Technician
from booking_core.scheduling.busy_block import API_SOURCE, BusyBlock, ExternalBusy
from booking_core.scheduling.calendar_feed import CalendarFeed
from booking_core.scheduling.ical_out import FeedEvent, ical_feed
from booking_core.services._access import check_staff
from booking_core.services.backoff import Backoff
from booking_core.services.jobs import JobKind
from booking_core.staff import Permission
from booking_core.timerange import TimeRange

__all__ = ["OutsideCalendarService", "RefreshOutcome", "refresh_job_id"]


def refresh_job_id(feed_id: str, due: DateTime) -> str:
    """The id of the refresh job of the feed ``feed_id`` due at ``due``: each read
    schedules the next under its own id, so running one job twice schedules it once."""
    return f"{JobKind.REFRESH_CALENDAR.value}:{feed_id}:{due.in_timezone('UTC').isoformat()}"


def _schedule_refresh(uow: UnitOfWork, feed_id: str, due: DateTime) -> None:
    kind = JobKind.REFRESH_CALENDAR.value
    uow.jobs.schedule(Job(refresh_job_id(feed_id, due), kind, feed_id, due))


def _is_his_or_a_manager(actor: Actor, technician: Technician) -> bool:
    if actor.role in (Role.PLATFORM, Role.SYSTEM):
        return True
    if actor.role is Role.TECHNICIAN and actor.id == technician.id:
        return True
    return (
        actor.role is Role.STORE
        and technician.profile.store_id is not None
        and actor.id == technician.profile.store_id
    )


def _may_manage(actor: Actor, technician: Technician, doing: str) -> None:
    # His outside calendar is his own business, his store's and the platform's (I25):
    # customers never read a block (its summary is private) nor write one.
    check_staff(actor, Permission.TECHNICIANS, doing)
    if _is_his_or_a_manager(actor, technician):
        return
    raise PermissionDenied(
        f"A {actor.role.value} cannot {doing} of {technician.name}; he, his store and the "
        "platform can.",
        details={"technician_id": technician.id},
    )


@attrs.frozen
class RefreshOutcome:
    """What one read of a feed did.

    Attributes:
        feed_id: The feed read.
        ok: True when it was read and its blocks replaced; False when the read failed and
            the blocks of the last good read stay.
        blocks: How many blocks it holds now.
        removed: How many blocks of the last read are gone (on success).
        conflicts: How many of its blocks overlap a booking already made (kept: the
            outside calendar is the fact; staff sort the booking out).
        next_at: When the job reads it next (None after a read by hand: the job's own
            next read stays as it was scheduled).
        error: Why the read failed.
    """

    feed_id: str
    ok: bool
    blocks: int
    removed: int
    conflicts: int
    next_at: DateTime | None
    error: str | None = None


class OutsideCalendarService:
    """Feeds in, busy blocks pushed, and the feed out of each technician's bookings."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdSource,
        *,
        source: CalendarSource | None = None,
        backoff: Backoff | None = None,
        horizon_days: int = 180,
    ) -> None:
        # ``source``: without one, registered feeds are kept but never read (each refresh
        # fails with calendar_unavailable and backs off). ``horizon_days``: how far ahead
        # a feed's events are read (keep it beyond the longest booking window).
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._source = source
        self._backoff = backoff or Backoff(
            base=pendulum.duration(minutes=1), cap=pendulum.duration(hours=6)
        )
        self._horizon = horizon_days

    # -- feeds in ------------------------------------------------------------------------

    def register_feed(
        self,
        actor: Actor,
        technician_id: TechnicianId,
        url: str,
        *,
        refresh_minutes: int = 60,
        buffer_before_minutes: int = 0,
        buffer_after_minutes: int = 0,
        time_zone: str | None = None,
    ) -> CalendarFeed:
        """Register an iCalendar feed of the technician's own calendar; the first read is
        due at once (run by a worker's ``refresh_calendar`` job).

        Raises:
            NotFound: no such technician.
            PermissionDenied: ``actor`` is not he, his store or the platform.
            InvalidCalendar, InvalidTimeZone: the URL, period, buffers or zone are wrong.
        """
        now = self._clock.now()
        feed = CalendarFeed(
            self._ids.new_id("cal"),
            technician_id,
            url,
            refresh_minutes=refresh_minutes,
            buffer_before_minutes=buffer_before_minutes,
            buffer_after_minutes=buffer_after_minutes,
            time_zone=time_zone,
        )
        with self._uow() as uow:
            _may_manage(actor, uow.technicians.get(technician_id), "register a calendar")
            uow.calendar_feeds.add(feed)
            _schedule_refresh(uow, feed.id, now)
            uow.commit()
        return feed

    def feeds(self, actor: Actor, technician_id: TechnicianId) -> list[CalendarFeed]:
        """The technician's feeds, by id, with how their last reads went.

        Raises:
            NotFound, PermissionDenied.
        """
        with self._uow() as uow:
            _may_manage(actor, uow.technicians.get(technician_id), "read the calendars")
            return uow.calendar_feeds.list_for(technician_id)

    def remove_feed(self, actor: Actor, feed_id: str) -> None:
        """Remove a feed and every block read from it (its job ends at its next run).

        Raises:
            NotFound: no such feed. PermissionDenied.
        """
        with self._uow() as uow:
            feed = uow.calendar_feeds.get(feed_id)
            _may_manage(actor, uow.technicians.get(feed.technician_id), "remove a calendar")
            uow.locks.take(LockKey.technician(feed.technician_id))
            uow.busy_blocks.replace(feed.technician_id, feed.source, [])
            uow.calendar_feeds.remove(feed_id)
            uow.commit()

    def refresh(self, feed_id: str) -> RefreshOutcome:
        """Read the feed now and replace its blocks with what it holds, atomically (the
        job's work; also callable by hand). A read that fails keeps the blocks of the last
        good read and schedules the next try after a backoff that grows with the failures.

        A read by hand schedules nothing: the job's chain of reads goes on as it was (one
        chain per feed, however often it is read by hand).

        Raises:
            NotFound: no such feed.
        """
        return self._read(feed_id, chain=False)

    def _read(self, feed_id: str, *, chain: bool) -> RefreshOutcome:
        # ``chain``: the job's read, which schedules the next one.
        now = self._clock.now()
        with self._uow() as uow:
            feed = uow.calendar_feeds.get(feed_id)
            zone = uow.technicians.get(feed.technician_id).time_zone
        within = TimeRange(now.subtract(days=1), now.add(days=self._horizon))
        try:
            if self._source is None:
                raise CalendarUnavailable(
                    "No calendar source is configured: pass one to build(calendar_source=...).",
                    details={"feed_id": feed_id},
                )
            found = self._source.fetch(feed, within, time_zone=feed.time_zone or zone)
        except (CalendarUnavailable, InvalidCalendar) as exc:
            return self._failed(feed_id, now, f"{exc.code}: {exc.message}", chain)
        return self._replace(feed_id, found, now, chain)

    def run_refresh_job(self, job: Job, now: DateTime) -> DateTime | None:
        """The ``refresh_calendar`` job: read the feed and schedule the next read after its
        period (or after the backoff when the read failed), in the same transaction as the
        blocks; nothing more once the feed was removed."""
        with contextlib.suppress(NotFound):  # removed since: its reads end
            self._read(job.subject, chain=True)
        return None

    def _failed(self, feed_id: str, now: DateTime, error: str, chain: bool) -> RefreshOutcome:
        with self._uow() as uow:
            technician_id = uow.calendar_feeds.get(feed_id).technician_id
            uow.locks.take(LockKey.technician(technician_id))
            feed = uow.calendar_feeds.get(feed_id)  # as it is under the lock
            feed = attrs.evolve(feed, failures=feed.failures + 1, last_error=error[:500])
            uow.calendar_feeds.save(feed)
            held = len(uow.busy_blocks.list_for(feed.technician_id, source=feed.source))
            next_at = now + self._backoff.after(feed.id, feed.failures) if chain else None
            if next_at is not None:
                _schedule_refresh(uow, feed.id, next_at)
            uow.commit()
        return RefreshOutcome(feed.id, False, held, 0, 0, next_at, error)

    def _replace(
        self, feed_id: str, found: list[ExternalBusy], now: DateTime, chain: bool
    ) -> RefreshOutcome:
        with self._uow() as uow:
            feed = uow.calendar_feeds.get(feed_id)
            uow.locks.take(LockKey.technician(feed.technician_id))
            feed = uow.calendar_feeds.get(feed_id)  # as it is under the lock
            blocks: dict[str, BusyBlock] = {}
            for busy in found:  # a uid twice in one feed: the later one wins
                blocks[busy.uid] = BusyBlock(
                    feed.technician_id,
                    feed.source,
                    busy.uid,
                    busy.span,
                    feed.buffer_before_minutes,
                    feed.buffer_after_minutes,
                    busy.summary,
                )
            stored = uow.busy_blocks.list_for(feed.technician_id, source=feed.source)
            fresh = sorted(blocks.values(), key=lambda b: b.uid)
            # Unchanged: nothing written, so the agenda version (and remembered answers) stay.
            removed = (
                0
                if sorted(stored, key=lambda b: b.uid) == fresh
                else uow.busy_blocks.replace(feed.technician_id, feed.source, fresh)
            )
            conflicts = sum(
                1 for block in blocks.values() if _booking_over(uow, block, now) is not None
            )
            uow.calendar_feeds.save(
                attrs.evolve(feed, last_refreshed_at=now, failures=0, last_error=None)
            )
            next_at = now.add(minutes=feed.refresh_minutes) if chain else None
            if next_at is not None:
                _schedule_refresh(uow, feed.id, next_at)
            uow.commit()
        return RefreshOutcome(feed.id, True, len(blocks), removed, conflicts, next_at)

    # -- blocks pushed by API ------------------------------------------------------------

    def push_block(
        self,
        actor: Actor,
        technician_id: TechnicianId,
        uid: str,
        span: TimeRange,
        *,
        summary: str | None = None,
        buffer_before_minutes: int = 0,
        buffer_after_minutes: int = 0,
    ) -> BusyBlock:
        """Store a busy block (source ``"api"``), replacing the one with the same uid.

        Checked under the technician's lock against his bookings: a block whose blocked
        time (span and buffers) overlaps a booking or a live checkout hold is refused —
        of a push and a booking of the same time at once, exactly one succeeds.

        Raises:
            NotFound, PermissionDenied.
            InvalidCalendar: no uid, a buffer out of range, a summary too long.
            BusyTimeConflict: a booking takes some of that time (``details["booking_id"]``).
        """
        now = self._clock.now()
        block = BusyBlock(
            technician_id,
            API_SOURCE,
            uid,
            span,
            buffer_before_minutes,
            buffer_after_minutes,
            summary,
        )
        with self._uow() as uow:
            technician = uow.technicians.get(technician_id)
            _may_manage(actor, technician, "change the busy time")
            uow.locks.take(LockKey.technician(technician_id))
            booking = _booking_over(uow, block, now)
            if booking is not None:
                booked = booking.blocked
                raise BusyTimeConflict(
                    f"{technician.name} has a booking from {booked.start} to {booked.end} "
                    "inside that time; move or cancel it first, or push a shorter block.",
                    details={"technician_id": technician_id, "uid": uid, "booking_id": booking.id},
                )
            uow.busy_blocks.put(block)
            uow.commit()
        return block

    def delete_block(self, actor: Actor, technician_id: TechnicianId, uid: str) -> None:
        """Delete the pushed block ``uid`` (its time is free again).

        Raises:
            NotFound: no such technician, or (``busy_block_not_found``) no such block.
            PermissionDenied.
        """
        with self._uow() as uow:
            _may_manage(actor, uow.technicians.get(technician_id), "change the busy time")
            uow.locks.take(LockKey.technician(technician_id))
            if not uow.busy_blocks.remove(technician_id, API_SOURCE, uid):
                raise NotFound("busy_block", uid)
            uow.commit()

    def blocks(
        self,
        actor: Actor,
        technician_id: TechnicianId,
        *,
        within: TimeRange | None = None,
        source: str | None = None,
    ) -> list[BusyBlock]:
        """The technician's busy blocks (of every source, or ``source``; overlapping
        ``within``), by blocked start.

        Raises:
            NotFound, PermissionDenied.
        """
        with self._uow() as uow:
            _may_manage(actor, uow.technicians.get(technician_id), "read the busy time")
            return uow.busy_blocks.list_for(technician_id, source=source, within=within)

    # -- the feed out ----------------------------------------------------------------------

    def feed_out(
        self,
        actor: Actor,
        technician_id: TechnicianId,
        *,
        days_back: int = 30,
        days_ahead: int = 180,
    ) -> str:
        """His bookings from ``days_back`` days ago to ``days_ahead`` days ahead as an
        iCalendar feed (``text/calendar``): one event per booking (checkout holds left
        out), UID ``<booking id>@booking-core``, times in UTC, the service's name as the
        summary and no customer data.

        Raises:
            NotFound, PermissionDenied.
        """
        with self._uow() as uow:
            technician = uow.technicians.get(technician_id)
            _may_manage(actor, technician, "read the calendar")
            return self._feed(uow, technician, days_back, days_ahead)

    def set_feed_secret(
        self, actor: Actor, technician_id: TechnicianId, secret_hash: str | None
    ) -> None:
        """Keep the hash of the secret a calendar app presents to read his feed out without
        signing in (:meth:`feed_out_by_secret`), replacing the one before — the old link
        stops working — or clear it (None: no link works). The caller makes the secret
        (long, random) and its hash; only the hash is stored.

        Raises:
            NotFound, PermissionDenied (he, his store, staff with ``technicians``).
            InvalidCalendar: a hash that is empty, longer than 256 characters or not
                visible ASCII.
        """
        if secret_hash is not None and not _is_hash(secret_hash):
            raise InvalidCalendar(
                "A feed secret's hash is 1 to 256 visible ASCII characters.",
                details={"field": "secret_hash"},
            )
        with self._uow() as uow:
            _may_manage(actor, uow.technicians.get(technician_id), "issue the feed's link")
            uow.feed_secrets.put(technician_id, secret_hash)
            uow.commit()

    def feed_out_by_secret(
        self,
        technician_id: TechnicianId,
        secret_hash: str,
        *,
        days_back: int = 30,
        days_ahead: int = 180,
    ) -> str:
        """:meth:`feed_out` for whoever presents the secret whose hash is stored for him (a
        calendar app subscribed to the link; no actor).

        Raises:
            NotFound: (``technician_not_found``) no such technician, no secret issued, or
                another secret — one answer for all three, so a guess learns nothing.
        """
        with self._uow() as uow:
            stored = uow.feed_secrets.get(technician_id)
            if stored is None or not hmac.compare_digest(stored, secret_hash):
                raise NotFound("technician", technician_id)
            technician = uow.technicians.get(technician_id)
            return self._feed(uow, technician, days_back, days_ahead)

    def _feed(
        self, uow: UnitOfWork, technician: Technician, days_back: int, days_ahead: int
    ) -> str:
        now = self._clock.now()
        within = TimeRange(now.subtract(days=days_back), now.add(days=days_ahead))
        bookings = [b for b in uow.bookings.list_active(technician.id, within) if not b.is_hold]
        names: dict[ServiceId, str] = {}
        for service_id in {b.service_id for b in bookings if b.service_id is not None}:
            try:
                names[service_id] = uow.services.get(service_id).name
            except NotFound:
                names[service_id] = "Booking"
        events = [
            FeedEvent(
                f"{b.id}@booking-core",
                b.slot,
                names.get(b.service_id, "Booking") if b.service_id is not None else "Booking",
            )
            for b in bookings
        ]
        return ical_feed(f"{technician.name} — bookings", events, stamp=now)


def _is_hash(value: str) -> bool:
    return 1 <= len(value) <= 256 and value.isascii() and value.isprintable() and " " not in value


def _booking_over(uow: UnitOfWork, block: BusyBlock, now: DateTime) -> Booking | None:
    # A booking (or live hold) whose blocked time overlaps the block's, if any.
    for booking in uow.bookings.list_active(block.technician_id, block.blocked):
        if booking.counts_at(now):
            return booking
    return None
