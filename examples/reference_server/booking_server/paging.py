"""Cursor pagination for every list that can grow (slots, orders, the catalog, reviews,
complaints, coupons, campaigns, balances).

A list answer carries at most ``limit`` items (default 100, at most 500) and a
``next_cursor``: pass it back as ``cursor`` for the next page; ``null`` means the last page.
A cursor is opaque to clients; it holds the sort key of the last item shown, so a page
continues after that key even when items were added or taken meanwhile (a slot booked
between two pages simply no longer appears). A cursor also names the list (the request
path) it was given for: a cursor that is not one of ours, or is another list's, is 422
``invalid_cursor``.

A route takes one :data:`Page` parameter and calls :meth:`PageRequest.of` with the whole
list and a sort key that is unique within it (end the key with an id); its answer model
declares ``next_cursor: NextCursor = None``. A list that storage pages (orders) reads the
key with :meth:`PageRequest.after`, asks storage for one item more than the page, and
answers :meth:`PageRequest.cursor_after` the last item shown when there was more.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Annotated, Final, TypeVar

import attrs
from fastapi import Depends, Query, Request
from pydantic import Field

from booking_core.errors import InvalidInput
from booking_core.timerange import TimeRange

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_CURSOR_LENGTH",
    "MAX_PAGE_SIZE",
    "Cursor",
    "InvalidCursor",
    "Limit",
    "NextCursor",
    "Page",
    "PageRequest",
    "SortKey",
    "by_start",
    "micros",
    "page_request",
]

DEFAULT_PAGE_SIZE: Final = 100
MAX_PAGE_SIZE: Final = 500
#: Room for a key that holds a 200-character name in any script (up to 4 bytes a
#: character in UTF-8, a third more in base64) and a 128-character id.
MAX_CURSOR_LENGTH: Final = 2048

T = TypeVar("T")
SortKey = tuple[int | str, ...]

Limit = Annotated[
    int,
    Query(ge=1, le=MAX_PAGE_SIZE, description=f"Items per page (at most {MAX_PAGE_SIZE})."),
]
Cursor = Annotated[
    str | None,
    Query(
        max_length=MAX_CURSOR_LENGTH,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The `next_cursor` of the previous page; omit for the first page.",
    ),
]
NextCursor = Annotated[
    str | None, Field(description="Pass as `cursor` for the next page; null on the last.")
]


class InvalidCursor(InvalidInput):
    """The ``cursor`` is not one this server handed out (or belongs to another list)."""

    code = "invalid_cursor"


def micros(instant: dt.datetime) -> int:
    """``instant`` as whole microseconds since the epoch: an exact, sortable key part."""
    return calendar.timegm(instant.utctimetuple()) * 1_000_000 + instant.microsecond


def by_start(slot: TimeRange) -> SortKey:
    """The sort key of a slot: its start (slots of one list never share a start)."""
    return (micros(slot.start),)


@attrs.frozen
class PageRequest:
    """One page asked for: how many items, after which cursor, of which list.

    Attributes:
        limit: The most items the page holds.
        cursor: The previous page's ``next_cursor``; None for the first page.
        list_name: Names the list (the request path); its cursors fit no other list.
    """

    limit: int
    cursor: str | None
    list_name: str

    def of(
        self, items: Iterable[T], key: Callable[[T], SortKey], *, descending: bool = False
    ) -> tuple[list[T], str | None]:
        """The page of ``items``, in ``key`` order, after the cursor; and the next cursor.

        ``key`` must be unique within the list (end it with an id), or items that share a
        key at a page's edge would be skipped.

        Raises:
            InvalidCursor: the cursor cannot be decoded, belongs to another list, or its key
                has another shape.
        """
        # Sorted here, not trusted from storage: a database collation may order names
        # otherwise than Python compares them, and a cursor compares the Python way.
        remaining = sorted(items, key=key, reverse=descending)
        if self.cursor is not None:
            after = _decode(self.cursor, self._tag)
            try:
                remaining = [
                    i for i in remaining if (key(i) < after if descending else key(i) > after)
                ]
            except TypeError as exc:  # a key of another shape: other types
                raise InvalidCursor(_NOT_OURS) from exc
        shown = remaining[: self.limit]
        more = len(remaining) > self.limit
        return shown, _encode(self._tag, key(shown[-1])) if more and shown else None

    def after(self) -> SortKey | None:
        """The sort key the cursor holds (None without one), for a list that storage pages
        itself (asking for ``limit + 1`` items after this key).

        Raises:
            InvalidCursor: the cursor cannot be decoded or belongs to another list.
        """
        return None if self.cursor is None else _decode(self.cursor, self._tag)

    def cursor_after(self, key: SortKey) -> str:
        """The ``next_cursor`` that continues this list after the item with ``key``."""
        return _encode(self._tag, key)

    @property
    def _tag(self) -> str:
        # A short digest: the cursor stays small, and does not spell out the path.
        return hashlib.blake2s(self.list_name.encode(), digest_size=4).hexdigest()


def page_request(
    request: Request, limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None
) -> PageRequest:
    """The ``limit`` and ``cursor`` query parameters of a list route, for its path."""
    return PageRequest(limit=limit, cursor=cursor, list_name=request.url.path)


#: The paging parameters of a list route: ``page: Page`` adds ``limit`` and ``cursor``.
Page = Annotated[PageRequest, Depends(page_request)]

_NOT_OURS: Final = "The cursor is not one this server gave; start again without it."
_ANOTHER_LIST: Final = "The cursor belongs to another list; start again without it."


def _encode(tag: str, key: SortKey) -> str:
    raw = json.dumps([tag, *key], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, tag: str) -> SortKey:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursor(_NOT_OURS) from exc
    if not (
        isinstance(value, list)
        and len(value) >= 2
        and all(isinstance(v, int | str) and not isinstance(v, bool) for v in value)
    ):
        raise InvalidCursor(_NOT_OURS)
    if value[0] != tag:
        raise InvalidCursor(_ANOTHER_LIST)
    return tuple(value[1:])
