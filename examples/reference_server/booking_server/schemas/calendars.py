"""Outside calendars on the wire: a technician's calendar feeds, his busy blocks, the
read of a feed, and the bulk import of bookings and busy blocks (docs/calendars.md).

* **Times** in answers are shown in the technician's zone (an import's report has none).
* A busy block's ``summary`` is what he wrote: only he, his store and the platform read
  blocks at all (the core refuses everyone else), so it never reaches a customer.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final
from urllib.parse import urlsplit

import pendulum
from annotated_types import Interval
from pydantic import AwareDatetime, Field, StrictInt

from booking_core.errors import InvalidCalendar
from booking_core.ids import ServiceId, TechnicianId
from booking_core.scheduling.busy_block import MAX_BUFFER_MINUTES, BusyBlock
from booking_core.scheduling.calendar_feed import (
    MAX_REFRESH_MINUTES,
    MIN_REFRESH_MINUTES,
    CalendarFeed,
)
from booking_core.services.bulk_import import (
    MAX_ROWS,
    ImportedBooking,
    ImportedBusyBlock,
    ImportReport,
    ImportRow,
    RowStatus,
)
from booking_core.services.outside_calendars import RefreshOutcome
from booking_core.timerange import TimeRange
from booking_server.paging import NextCursor
from booking_server.schemas.availability import RangeOut
from booking_server.schemas.common import (
    TAKE_WHOLE_FLOATS,
    EntityId,
    InModel,
    Instant,
    OutModel,
    in_zone,
)

__all__ = [
    "BUSY_SOURCE_PATTERN",
    "UID_PATTERN",
    "BusyBlockIn",
    "BusyBlockList",
    "BusyBlockOut",
    "CalendarFeedIn",
    "CalendarFeedList",
    "CalendarFeedOut",
    "CalendarLinkOut",
    "FeedRefreshOut",
    "ImportBookingIn",
    "ImportBusyBlockIn",
    "ImportIn",
    "ImportReportOut",
    "ImportRowOut",
]

#: A pushed block's uid in a path: the outside system's id for it (an iCalendar UID is
#: often ``<id>@<host>``). The core takes up to 255 printable characters; a path segment
#: takes no ``/``, so the server takes the characters of its ids, up to 255.
UID_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,254}$"
#: Where busy time came from: ``api`` (pushed), ``import`` or ``ical:<feed id>``.
BUSY_SOURCE_PATTERN: Final = r"^(api|import|ical:[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63})$"
_ZONE: Final = r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+){0,2}$"
#: What the core takes for an external id; the core reports a row over it as invalid.
_MAX_EXTERNAL_ID: Final = 200

BufferMinutes = Annotated[StrictInt, Interval(ge=0, le=MAX_BUFFER_MINUTES), TAKE_WHOLE_FLOATS]
RefreshMinutes = Annotated[
    StrictInt, Interval(ge=MIN_REFRESH_MINUTES, le=MAX_REFRESH_MINUTES), TAKE_WHOLE_FLOATS
]
Summary = Annotated[str, Field(max_length=500, examples=["Dentist"])]


def _at(value: dt.datetime) -> pendulum.DateTime:
    # pydantic gives a standard datetime; the core works in pendulum's.
    return pendulum.instance(value)


def _optional_in_zone(instant: pendulum.DateTime | None, time_zone: str) -> dt.datetime | None:
    return None if instant is None else in_zone(instant, time_zone)


# --- feeds -----------------------------------------------------------------------------------


class CalendarFeedIn(InModel):
    """An iCalendar feed of his own calendar (his calendar app's "secret address")."""

    url: str = Field(
        max_length=2048,
        # The scheme only: the core checks the rest (a host, no space or control character)
        # and names the field (422 invalid_calendar).
        pattern=r"^https?://",
        description="An http(s) address (a `webcal://` one: write `https://`). It often "
        "holds a secret: it is shown only to him, his store and the platform.",
        examples=["https://calendar.example.com/li/private-5f0c8e6b.ics"],
    )
    refresh_minutes: RefreshMinutes = Field(
        default=60, description="How often it is read while it answers.", examples=[60]
    )
    buffer_before_minutes: BufferMinutes = Field(
        default=0, description="Minutes blocked before each of its events.", examples=[0]
    )
    buffer_after_minutes: BufferMinutes = Field(
        default=0, description="Minutes blocked after each of its events.", examples=[30]
    )
    time_zone: str | None = Field(
        default=None,
        max_length=64,
        pattern=_ZONE,
        description="The zone of its all-day and floating events (default: his).",
        examples=["Asia/Shanghai"],
    )

    def checked_url(self) -> str:
        """The URL, once the standard library can split it.

        Raises:
            InvalidCalendar: a host with a lone ``[`` or ``]`` (the core's own check lets
                ``urlsplit``'s ValueError through, a 500). Here, not in a pydantic
                validator: the document cannot say it, so it must not fail request
                validation (api_contract.py holds the server to that).
        """
        try:
            urlsplit(self.url)
        except ValueError:
            raise InvalidCalendar(
                f"A calendar feed's URL is an http(s) address; got {self.url!r}.",
                details={"field": "url"},
            ) from None
        return self.url


class CalendarFeedOut(OutModel):
    """A registered feed and how its last reads went."""

    id: str
    technician_id: str
    url: str
    refresh_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    time_zone: str | None
    last_refreshed_at: AwareDatetime | None = Field(description="The last successful read.")
    failures: int = Field(description="Reads failed in a row since then.")
    last_error: str | None = Field(description="Why the last read failed (null after a success).")

    @classmethod
    def from_domain(cls, feed: CalendarFeed, time_zone: str) -> CalendarFeedOut:
        """From the domain feed, times in ``time_zone`` (his)."""
        return cls(
            id=feed.id,
            technician_id=feed.technician_id,
            url=feed.url,
            refresh_minutes=feed.refresh_minutes,
            buffer_before_minutes=feed.buffer_before_minutes,
            buffer_after_minutes=feed.buffer_after_minutes,
            time_zone=feed.time_zone,
            last_refreshed_at=_optional_in_zone(feed.last_refreshed_at, time_zone),
            failures=feed.failures,
            last_error=feed.last_error,
        )


class CalendarFeedList(OutModel):
    """His feeds, by id, one page."""

    technician_id: str
    items: list[CalendarFeedOut]
    next_cursor: NextCursor = None


class CalendarLinkOut(OutModel):
    """A secret link to a technician's bookings as an iCalendar feed, for his calendar app
    to subscribe to without signing in. Shown once: only the key's hash is kept."""

    url: str = Field(description="The link: the feed's URL with its key.")
    key: str = Field(description="The secret in it (43 URL-safe characters).")


class FeedRefreshOut(OutModel):
    """What one read of a feed did. A failed read is an answer, not an error: the blocks
    of the last good read stay and the next try waits a backoff that grows."""

    feed_id: str
    ok: bool = Field(description="True: read, and its blocks replaced by what it holds now.")
    blocks: int = Field(description="How many blocks it holds now.")
    removed: int = Field(description="Blocks of the last read that are gone (on success).")
    conflicts: int = Field(
        description="Its blocks over a booking already made: kept (the calendar is the "
        "fact); sort those bookings out by hand."
    )
    next_at: AwareDatetime | None = Field(
        description="When the worker reads it next; null after a read by hand (the "
        "worker's next read stays as scheduled)."
    )
    error: str | None = Field(
        description="Why the read failed: `calendar_unavailable: …` or `invalid_calendar: …`."
    )

    @classmethod
    def from_domain(cls, outcome: RefreshOutcome, time_zone: str) -> FeedRefreshOut:
        """From the domain outcome, times in ``time_zone`` (his)."""
        return cls(
            feed_id=outcome.feed_id,
            ok=outcome.ok,
            blocks=outcome.blocks,
            removed=outcome.removed,
            conflicts=outcome.conflicts,
            next_at=None if outcome.next_at is None else in_zone(outcome.next_at, time_zone),
            error=outcome.error,
        )


# --- busy blocks -----------------------------------------------------------------------------


class BusyBlockIn(InModel):
    """A busy interval pushed by your system: ``[start, end)`` and its own buffers."""

    start: Instant = Field(examples=["2026-03-03T12:00:00+08:00"])
    end: Instant = Field(examples=["2026-03-03T13:00:00+08:00"])
    summary: Summary | None = Field(
        default=None, description="For him and staff only, never shown to customers."
    )
    buffer_before_minutes: BufferMinutes = Field(default=0, examples=[0])
    buffer_after_minutes: BufferMinutes = Field(default=0, examples=[30])

    def span(self) -> TimeRange:
        """The span (InvalidTimeRange, 422, when the end is not after the start)."""
        return TimeRange(_at(self.start), _at(self.end))


class BusyBlockOut(OutModel):
    """A busy block: where it came from, its span and the whole time it blocks."""

    technician_id: str
    source: str = Field(description="`api` (pushed), `import` or `ical:<feed id>`.")
    uid: str
    span: RangeOut
    blocked: RangeOut = Field(
        description="The span widened by its buffers: no booking's blocked time may overlap it."
    )
    buffer_before_minutes: int
    buffer_after_minutes: int
    summary: str | None

    @classmethod
    def from_domain(cls, block: BusyBlock, time_zone: str) -> BusyBlockOut:
        """From the domain block, times in ``time_zone`` (his)."""
        return cls(
            technician_id=block.technician_id,
            source=block.source,
            uid=block.uid,
            span=RangeOut.of(block.span, time_zone),
            blocked=RangeOut.of(block.blocked, time_zone),
            buffer_before_minutes=block.buffer_before_minutes,
            buffer_after_minutes=block.buffer_after_minutes,
            summary=block.summary,
        )


class BusyBlockList(OutModel):
    """His busy blocks, by blocked start (then source, uid), one page."""

    technician_id: str
    time_zone: str
    items: list[BusyBlockOut]
    next_cursor: NextCursor = None


# --- bulk import -----------------------------------------------------------------------------


ExternalId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=_MAX_EXTERNAL_ID,
        description="Its id on the old platform: importing it again finds it.",
        examples=["old-17"],
    ),
]


class ImportBookingIn(InModel):
    """A booking made before the platform used the SDK (a fact: not held to his hours,
    notice, window or cap)."""

    external_id: ExternalId
    technician_id: EntityId = Field(examples=["tec_0008"])
    service_id: EntityId = Field(examples=["svc_0002"])
    start: Instant = Field(examples=["2026-03-03T10:00:00+08:00"])
    end: Instant | None = Field(default=None, description="Default: after the service's duration.")

    def to_domain(self) -> ImportedBooking:
        """The domain row (its checks are the import's: a bad row is reported, not raised)."""
        return ImportedBooking(
            self.external_id,
            TechnicianId(self.technician_id),
            ServiceId(self.service_id),
            _at(self.start),
            None if self.end is None else _at(self.end),
        )


class ImportBusyBlockIn(InModel):
    """A busy interval from the old platform (stored as source ``import``, uid its
    external id)."""

    external_id: ExternalId
    technician_id: EntityId = Field(examples=["tec_0008"])
    start: Instant = Field(examples=["2026-03-03T14:00:00+08:00"])
    end: Instant = Field(examples=["2026-03-03T16:00:00+08:00"])
    summary: Summary | None = None
    buffer_before_minutes: BufferMinutes = 0
    buffer_after_minutes: BufferMinutes = 0

    def to_domain(self) -> ImportedBusyBlock:
        """The domain row."""
        return ImportedBusyBlock(
            self.external_id,
            TechnicianId(self.technician_id),
            _at(self.start),
            _at(self.end),
            self.summary,
            self.buffer_before_minutes,
            self.buffer_after_minutes,
        )


class ImportIn(InModel):
    """Bookings and busy blocks to import, at most ``MAX_ROWS`` rows in all."""

    bookings: list[ImportBookingIn] = Field(default_factory=list, max_length=MAX_ROWS)
    busy_blocks: list[ImportBusyBlockIn] = Field(default_factory=list, max_length=MAX_ROWS)


class ImportRowOut(OutModel):
    """What became of one row."""

    kind: str = Field(description="`booking` or `busy_block`.")
    index: int = Field(description="Its position in its list, from 0.")
    external_id: str
    status: RowStatus = Field(
        description="`imported`, `unchanged` (imported before with the same data), "
        "`conflict` or `invalid` (neither stored)."
    )
    reason: str | None = Field(
        description="A conflict's: what it overlaps (`booking <id>`, `busy block "
        "<source>/<uid>`); an invalid row's: why."
    )
    booking_id: str | None = Field(description="The booking's id (imported or unchanged).")

    @classmethod
    def from_domain(cls, row: ImportRow) -> ImportRowOut:
        """From the domain row."""
        return cls(
            kind=row.kind,
            index=row.index,
            external_id=row.external_id,
            status=row.status,
            reason=row.reason,
            booking_id=row.booking_id,
        )


class ImportReportOut(OutModel):
    """A report per row, bookings first, each list in the order given; and the counts."""

    imported: int
    unchanged: int
    conflict: int
    invalid: int
    rows: list[ImportRowOut]

    @classmethod
    def from_domain(cls, report: ImportReport) -> ImportReportOut:
        """From the domain report."""
        return cls(
            imported=report.count(RowStatus.IMPORTED),
            unchanged=report.count(RowStatus.UNCHANGED),
            conflict=report.count(RowStatus.CONFLICT),
            invalid=report.count(RowStatus.INVALID),
            rows=[ImportRowOut.from_domain(r) for r in report.rows],
        )
