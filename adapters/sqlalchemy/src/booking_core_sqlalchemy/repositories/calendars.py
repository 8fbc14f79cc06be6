"""Outside calendars: busy blocks (``busy_blocks``) and feeds (``calendar_feeds``).

Busy blocks are keyed by ``(technician_id, source, uid)``; a put is one upsert. Writes
change the technician's agenda version by trigger (revision 0025). Overlaps are not refused
here: the services check a pushed block against the bookings under the technician's lock.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Final

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from booking_core.ids import TechnicianId
from booking_core.scheduling.busy_block import BusyBlock
from booking_core.scheduling.calendar_feed import CalendarFeed
from booking_core.timerange import TimeRange
from booking_core_sqlalchemy.repositories._base import (
    PerDialect,
    Repository,
    insert_or_nothing,
    new_values,
    rowcount,
    update_columns,
)
from booking_core_sqlalchemy.tables import (
    UtcDateTime,
    busy_blocks,
    calendar_feeds,
    feed_secrets,
    utc_instant,
)

__all__ = [
    "SqlAlchemyBusyBlockRepository",
    "SqlAlchemyCalendarFeedRepository",
    "SqlAlchemyFeedSecretRepository",
    "busy_block_from_values",
    "busy_block_to_row",
]

_KEY_COLUMNS = ("technician_id", "source", "uid")


def busy_block_to_row(block: BusyBlock) -> dict[str, Any]:
    """The ``busy_blocks`` row of ``block``."""
    blocked = block.blocked
    return {
        "technician_id": block.technician_id,
        "source": block.source,
        "uid": block.uid,
        "span_start": block.span.start,
        "span_end": block.span.end,
        "blocked_start": blocked.start,
        "blocked_end": blocked.end,
        "buffer_before_minutes": block.buffer_before_minutes,
        "buffer_after_minutes": block.buffer_after_minutes,
        "summary": block.summary,
    }


def busy_block_from_values(values: Sequence[Any]) -> BusyBlock:
    """The block of a row's values in table column order (instants as the driver gives
    them: the agenda read takes them from a compound SELECT)."""
    technician_id, source, uid, span_start, span_end, _, _, before, after, summary = values
    start, end = utc_instant(span_start), utc_instant(span_end)
    assert start is not None
    assert end is not None
    return BusyBlock(
        TechnicianId(technician_id),
        source,
        uid,
        TimeRange.of_aware(start, end),
        before,
        after,
        summary,
    )


def _upsert(dialect: Any) -> Any:
    statement = dialect.insert(busy_blocks)
    return statement.on_conflict_do_update(
        index_elements=list(_KEY_COLUMNS),
        set_={
            c.name: statement.excluded[c.name] for c in busy_blocks.c if c.name not in _KEY_COLUMNS
        },
    )


_UPSERT: Final = PerDialect(sqlite=_upsert(sqlite), postgres=_upsert(postgresql))
_INSERT: Final = insert(busy_blocks)
_EXISTS: Final = select(busy_blocks.c.uid).where(
    busy_blocks.c.technician_id == bindparam("technician_id"),
    busy_blocks.c.source == bindparam("source"),
    busy_blocks.c.uid == bindparam("uid"),
)
_REMOVE: Final = delete(busy_blocks).where(
    busy_blocks.c.technician_id == bindparam("technician_id"),
    busy_blocks.c.source == bindparam("source"),
    busy_blocks.c.uid == bindparam("uid"),
)
_REMOVE_SOURCE: Final = delete(busy_blocks).where(
    busy_blocks.c.technician_id == bindparam("technician_id"),
    busy_blocks.c.source == bindparam("source"),
)
_ORDER: Final = (busy_blocks.c.blocked_start, busy_blocks.c.source, busy_blocks.c.uid)
_WITHIN_START = bindparam("within_start", type_=UtcDateTime())
_WITHIN_END = bindparam("within_end", type_=UtcDateTime())
_OF_TECHNICIAN = busy_blocks.c.technician_id == bindparam("technician_id")
_OF_SOURCE = busy_blocks.c.source == bindparam("source")
_OVERLAPPING = (
    busy_blocks.c.blocked_start < _WITHIN_END,
    busy_blocks.c.blocked_end > _WITHIN_START,
)
#: The listings by (source given, within given).
_LISTS: Final = {
    (False, False): select(busy_blocks).where(_OF_TECHNICIAN).order_by(*_ORDER),
    (True, False): select(busy_blocks).where(_OF_TECHNICIAN, _OF_SOURCE).order_by(*_ORDER),
    (False, True): select(busy_blocks).where(_OF_TECHNICIAN, *_OVERLAPPING).order_by(*_ORDER),
    (True, True): select(busy_blocks)
    .where(_OF_TECHNICIAN, _OF_SOURCE, *_OVERLAPPING)
    .order_by(*_ORDER),
}
_UIDS_OF_SOURCE: Final = select(busy_blocks.c.uid).where(_OF_TECHNICIAN, _OF_SOURCE)
_MANY: Final = (
    select(busy_blocks)
    .where(
        busy_blocks.c.technician_id.in_(bindparam("technician_ids", expanding=True)), *_OVERLAPPING
    )
    .order_by(busy_blocks.c.technician_id, *_ORDER)
)


def _blocks(rows: Any) -> list[BusyBlock]:
    return [busy_block_from_values(tuple(row)) for row in rows]


class SqlAlchemyBusyBlockRepository(Repository):
    """Busy blocks in ``busy_blocks``."""

    entity = "busy_block"

    def put(self, block: BusyBlock) -> bool:
        """Upsert ``block``; True if it was new (one statement more to tell)."""
        key = {"technician_id": block.technician_id, "source": block.source, "uid": block.uid}
        new = self._conn.execute(_EXISTS, key).first() is None
        self._conn.execute(_UPSERT.on(self._postgres), busy_block_to_row(block))
        return new

    def remove(self, technician_id: TechnicianId, source: str, uid: str) -> bool:
        """Delete the block; True if there was one."""
        params = {"technician_id": technician_id, "source": source, "uid": uid}
        return bool(rowcount(self._conn.execute(_REMOVE, params)))

    def replace(self, technician_id: TechnicianId, source: str, blocks: Sequence[BusyBlock]) -> int:
        """Delete the source's blocks, insert ``blocks``; returns how many of the old ones
        are not among the new (by uid)."""
        if any(b.technician_id != technician_id or b.source != source for b in blocks):
            raise ValueError("replace() takes blocks of the one technician and source only")
        params = {"technician_id": technician_id, "source": source}
        old = {uid for (uid,) in self._conn.execute(_UIDS_OF_SOURCE, params)}
        self._conn.execute(_REMOVE_SOURCE, params)
        if blocks:
            self._conn.execute(_INSERT, [busy_block_to_row(b) for b in blocks])
        return len(old - {b.uid for b in blocks})

    def list_for(
        self,
        technician_id: TechnicianId,
        *,
        source: str | None = None,
        within: TimeRange | None = None,
    ) -> list[BusyBlock]:
        """The technician's blocks, by blocked start, source, uid."""
        params: dict[str, Any] = {"technician_id": technician_id, "source": source}
        if within is not None:
            params.update(within_start=within.start, within_end=within.end)
        query = _LISTS[source is not None, within is not None]
        return _blocks(self._conn.execute(query, params))

    def list_many(
        self, technician_ids: Collection[TechnicianId], within: TimeRange
    ) -> list[BusyBlock]:
        """Blocks of any of ``technician_ids`` overlapping ``within`` (one query)."""
        if not technician_ids:
            return []
        params = {
            "technician_ids": sorted(set(technician_ids)),
            "within_start": within.start,
            "within_end": within.end,
        }
        return _blocks(self._conn.execute(_MANY, params))


# -- feeds ----------------------------------------------------------------------------------

_INSERT_FEED: Final = insert_or_nothing(calendar_feeds)
_FEED: Final = select(calendar_feeds).where(calendar_feeds.c.id == bindparam("feed_id"))
_FEEDS_OF: Final = (
    select(calendar_feeds)
    .where(calendar_feeds.c.technician_id == bindparam("technician_id"))
    .order_by(calendar_feeds.c.id)
)
_SAVE_FEED: Final = update_columns(
    calendar_feeds, calendar_feeds.c.id == bindparam("feed_id"), keep=("id",)
)
_REMOVE_FEED: Final = delete(calendar_feeds).where(calendar_feeds.c.id == bindparam("feed_id"))


def _feed_row(feed: CalendarFeed) -> dict[str, Any]:
    return {
        "id": feed.id,
        "technician_id": feed.technician_id,
        "url": feed.url,
        "refresh_minutes": feed.refresh_minutes,
        "buffer_before_minutes": feed.buffer_before_minutes,
        "buffer_after_minutes": feed.buffer_after_minutes,
        "time_zone": feed.time_zone,
        "last_refreshed_at": feed.last_refreshed_at,
        "failures": feed.failures,
        "last_error": feed.last_error,
    }


def _feed(row: Any) -> CalendarFeed:
    return CalendarFeed(
        row.id,
        TechnicianId(row.technician_id),
        row.url,
        refresh_minutes=row.refresh_minutes,
        buffer_before_minutes=row.buffer_before_minutes,
        buffer_after_minutes=row.buffer_after_minutes,
        time_zone=row.time_zone,
        last_refreshed_at=row.last_refreshed_at,
        failures=row.failures,
        last_error=row.last_error,
    )


class SqlAlchemyCalendarFeedRepository(Repository):
    """Calendar feeds in ``calendar_feeds``."""

    entity = "calendar_feed"

    def add(self, feed: CalendarFeed) -> None:
        """Store a new feed. Raises DuplicateEntity."""
        self._insert_new(_INSERT_FEED, _feed_row(feed), feed.id)

    def get(self, feed_id: str) -> CalendarFeed:
        """The feed. Raises NotFound."""
        return _feed(self._one(_FEED, {"feed_id": feed_id}, feed_id))

    def save(self, feed: CalendarFeed) -> None:
        """Replace the stored feed. Raises NotFound."""
        values = _feed_row(feed)
        del values["id"]
        self._update_one(_SAVE_FEED, new_values(values, feed_id=feed.id), feed.id)

    def remove(self, feed_id: str) -> None:
        """Delete the feed. Raises NotFound."""
        self._update_one(_REMOVE_FEED, {"feed_id": feed_id}, feed_id)

    def list_for(self, technician_id: TechnicianId) -> list[CalendarFeed]:
        """The technician's feeds, by id."""
        return [_feed(r) for r in self._conn.execute(_FEEDS_OF, {"technician_id": technician_id})]


def _upsert_secret(dialect: Any) -> Any:
    statement = dialect.insert(feed_secrets)
    return statement.on_conflict_do_update(
        index_elements=["technician_id"],
        set_={"secret_hash": statement.excluded.secret_hash},
    )


_PUT_SECRET: Final = PerDialect(sqlite=_upsert_secret(sqlite), postgres=_upsert_secret(postgresql))
_SECRET: Final = select(feed_secrets.c.secret_hash).where(
    feed_secrets.c.technician_id == bindparam("technician_id")
)
_CLEAR_SECRET: Final = delete(feed_secrets).where(
    feed_secrets.c.technician_id == bindparam("technician_id")
)


class SqlAlchemyFeedSecretRepository(Repository):
    """The hashes of the feed-out secrets in ``feed_secrets``, one row per technician."""

    entity = "feed_secret"

    def get(self, technician_id: TechnicianId) -> str | None:
        """The hash of his secret; None when none is issued."""
        found = self._conn.execute(_SECRET, {"technician_id": technician_id}).scalar_one_or_none()
        return None if found is None else str(found)

    def put(self, technician_id: TechnicianId, secret_hash: str | None) -> None:
        """Set the hash of his secret (one upsert), or clear it."""
        if secret_hash is None:
            self._conn.execute(_CLEAR_SECRET, {"technician_id": technician_id})
            return
        values = {"technician_id": technician_id, "secret_hash": secret_hash}
        self._conn.execute(_PUT_SECRET.on(self._postgres), values)
