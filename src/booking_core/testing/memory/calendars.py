"""In-memory busy blocks and calendar feeds."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from booking_core.ids import TechnicianId
from booking_core.scheduling.busy_block import BusyBlock
from booking_core.scheduling.calendar_feed import CalendarFeed
from booking_core.testing.memory.scheduling import bump_agenda_version
from booking_core.testing.memory.table import Table
from booking_core.timerange import TimeRange

__all__ = [
    "InMemoryBusyBlocks",
    "InMemoryCalendarFeeds",
    "InMemoryFeedSecrets",
    "busy_blocks_of",
]


def _key(technician_id: str, source: str, uid: str) -> str:
    # NUL never occurs in the parts (BusyBlock refuses control characters).
    return f"{technician_id}\x00{source}\x00{uid}"


def _order(block: BusyBlock) -> tuple[object, ...]:
    return (block.blocked.start, block.source, block.uid)


def busy_blocks_of(
    rows: dict[str, BusyBlock], technician_id: TechnicianId, within: TimeRange | None
) -> list[BusyBlock]:
    """The technician's blocks in ``rows`` overlapping ``within``, by blocked start."""
    found = [
        b
        for b in rows.values()
        if b.technician_id == technician_id and (within is None or b.blocked.overlaps(within))
    ]
    return sorted(found, key=_order)


class InMemoryBusyBlocks(Table):
    """:class:`~booking_core.ports.storage.BusyBlockRepository` over a snapshot."""

    def put(self, block: BusyBlock) -> bool:
        key = _key(*block.key)
        new = key not in self.rows
        self.rows[key] = block
        bump_agenda_version(self, block.technician_id)
        return new

    def remove(self, technician_id: TechnicianId, source: str, uid: str) -> bool:
        found = self.rows.pop(_key(technician_id, source, uid), None)
        if found is None:
            return False
        bump_agenda_version(self, technician_id)
        return True

    def replace(self, technician_id: TechnicianId, source: str, blocks: Sequence[BusyBlock]) -> int:
        if any(b.technician_id != technician_id or b.source != source for b in blocks):
            raise ValueError("replace() takes blocks of the one technician and source only")
        old = [
            k
            for k, b in self.rows.items()
            if b.technician_id == technician_id and b.source == source
        ]
        kept = {_key(*b.key) for b in blocks}
        for key in old:
            del self.rows[key]
        for block in blocks:
            self.rows[_key(*block.key)] = block
        bump_agenda_version(self, technician_id)
        return len([k for k in old if k not in kept])

    def list_for(
        self,
        technician_id: TechnicianId,
        *,
        source: str | None = None,
        within: TimeRange | None = None,
    ) -> list[BusyBlock]:
        found = busy_blocks_of(self.rows, technician_id, within)
        return found if source is None else [b for b in found if b.source == source]

    def list_many(
        self, technician_ids: Collection[TechnicianId], within: TimeRange
    ) -> list[BusyBlock]:
        wanted = set(technician_ids)
        found = [
            b
            for b in self.rows.values()
            if b.technician_id in wanted and b.blocked.overlaps(within)
        ]
        return sorted(found, key=lambda b: (b.technician_id, *_order(b)))


class InMemoryCalendarFeeds(Table):
    """:class:`~booking_core.ports.storage.CalendarFeedRepository` over a snapshot."""

    def add(self, feed: CalendarFeed) -> None:
        self._insert(feed.id, feed)

    def get(self, feed_id: str) -> CalendarFeed:
        found: CalendarFeed = self._get(feed_id)
        return found

    def save(self, feed: CalendarFeed) -> None:
        self._get(feed.id)
        self.rows[feed.id] = feed

    def remove(self, feed_id: str) -> None:
        self._get(feed_id)
        del self.rows[feed_id]

    def list_for(self, technician_id: TechnicianId) -> list[CalendarFeed]:
        return sorted(
            (f for f in self.rows.values() if f.technician_id == technician_id),
            key=lambda f: f.id,
        )


class InMemoryFeedSecrets(Table):
    """:class:`~booking_core.ports.storage.FeedSecretRepository` over a snapshot."""

    def get(self, technician_id: TechnicianId) -> str | None:
        found: str | None = self.rows.get(technician_id)
        return found

    def put(self, technician_id: TechnicianId, secret_hash: str | None) -> None:
        if secret_hash is None:
            self.rows.pop(technician_id, None)
        else:
            self.rows[technician_id] = secret_hash
