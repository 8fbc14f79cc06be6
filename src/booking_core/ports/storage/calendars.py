"""Storage of outside calendars: technicians' busy blocks and their registered feeds.

Every write of a technician's busy blocks changes his agenda version (as his bookings do),
so remembered "any technician" answers are not reused past it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from booking_core.ids import TechnicianId
from booking_core.scheduling.busy_block import BusyBlock
from booking_core.scheduling.calendar_feed import CalendarFeed
from booking_core.timerange import TimeRange

__all__ = [
    "BusyBlockRepository",
    "CalendarFeedRepository",
    "CalendarStore",
    "FeedSecretRepository",
]


class BusyBlockRepository(Protocol):
    """Busy blocks, identified by ``(technician_id, source, uid)``.

    Storage does not refuse overlaps here (blocks may overlap each other and bookings):
    the services check a pushed block against the bookings under the technician's lock.
    """

    def put(self, block: BusyBlock) -> bool:
        """Store ``block``, replacing the one with its key; True if it was new."""
        ...

    def remove(self, technician_id: TechnicianId, source: str, uid: str) -> bool:
        """Delete the block with that key; True if there was one."""
        ...

    def replace(self, technician_id: TechnicianId, source: str, blocks: Sequence[BusyBlock]) -> int:
        """Make ``blocks`` the whole of ``source``'s blocks of the technician (the others of
        that source deleted), inside the unit of work — atomic with its commit. Returns how
        many were deleted. Every block must have that technician and source (ValueError)."""
        ...

    def list_for(
        self,
        technician_id: TechnicianId,
        *,
        source: str | None = None,
        within: TimeRange | None = None,
    ) -> list[BusyBlock]:
        """The technician's blocks (of ``source``; whose blocked range overlaps
        ``within``), by blocked start, then source, then uid."""
        ...

    def list_many(
        self, technician_ids: Collection[TechnicianId], within: TimeRange
    ) -> list[BusyBlock]:
        """Blocks of any of ``technician_ids`` whose blocked range overlaps ``within``,
        by technician id then blocked start (one query for a search)."""
        ...


class CalendarFeedRepository(Protocol):
    """Technicians' registered calendar feeds."""

    def add(self, feed: CalendarFeed) -> None:
        """Store a new feed. Raises DuplicateEntity (``calendar_feed_exists``)."""
        ...

    def get(self, feed_id: str) -> CalendarFeed:
        """The feed. Raises NotFound (``calendar_feed_not_found``)."""
        ...

    def save(self, feed: CalendarFeed) -> None:
        """Replace the stored feed with ``feed`` (callers hold the technician's lock).
        Raises NotFound."""
        ...

    def remove(self, feed_id: str) -> None:
        """Delete the feed (its blocks are the caller's to delete). Raises NotFound."""
        ...

    def list_for(self, technician_id: TechnicianId) -> list[CalendarFeed]:
        """The technician's feeds, by id."""
        ...


class FeedSecretRepository(Protocol):
    """The secret of each technician's feed out (the key of the URL a calendar app
    subscribes to), kept as a hash only."""

    def get(self, technician_id: TechnicianId) -> str | None:
        """The hash of his secret; None when none is issued."""
        ...

    def put(self, technician_id: TechnicianId, secret_hash: str | None) -> None:
        """Set the hash of his secret (replacing the one before), or clear it (None)."""
        ...


class CalendarStore(Protocol):
    """The outside-calendar part of a unit of work."""

    @property
    def busy_blocks(self) -> BusyBlockRepository: ...
    @property
    def calendar_feeds(self) -> CalendarFeedRepository: ...
    @property
    def feed_secrets(self) -> FeedSecretRepository: ...
