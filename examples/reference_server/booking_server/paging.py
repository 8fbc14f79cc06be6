"""Cursor pagination for lists that can grow (slots, a customer's orders).

A list answer carries at most ``limit`` items (default 100, at most 500) and a
``next_cursor``: pass it back as ``cursor`` for the next page; ``null`` means the last page.
A cursor is opaque to clients; it holds the sort key of the last item shown, so a page
continues after that key even when items were added or taken meanwhile (a slot booked
between two pages simply no longer appears). A cursor that is not one of ours is 422
``invalid_cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Final, TypeVar

from fastapi import Query

from booking_core.errors import InvalidInput

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "Cursor",
    "InvalidCursor",
    "Limit",
    "SortKey",
    "page_of",
]

DEFAULT_PAGE_SIZE: Final = 100
MAX_PAGE_SIZE: Final = 500

T = TypeVar("T")
SortKey = tuple[int | str, ...]

Limit = Annotated[
    int,
    Query(ge=1, le=MAX_PAGE_SIZE, description=f"Items per page (at most {MAX_PAGE_SIZE})."),
]
Cursor = Annotated[
    str | None,
    Query(
        max_length=512,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The `next_cursor` of the previous page; omit for the first page.",
    ),
]


class InvalidCursor(InvalidInput):
    """The ``cursor`` is not one this server handed out (or belongs to another list)."""

    code = "invalid_cursor"


def page_of(
    items: Sequence[T],
    key: Callable[[T], SortKey],
    *,
    limit: int,
    cursor: str | None,
    descending: bool = False,
) -> tuple[list[T], str | None]:
    """The page of ``items`` (already sorted by ``key``) after ``cursor``, and the next cursor.

    Raises:
        InvalidCursor: ``cursor`` cannot be decoded, or its key has another shape.
    """
    remaining: Sequence[T] = items
    if cursor is not None:
        after = _decode(cursor)
        try:
            remaining = [i for i in items if (key(i) < after if descending else key(i) > after)]
        except TypeError as exc:  # a key of another list: other types, other length
            raise InvalidCursor(
                "The cursor does not belong to this list; start again without it."
            ) from exc
    shown = list(remaining[:limit])
    more = len(remaining) > limit
    return shown, _encode(key(shown[-1])) if more and shown else None


def _encode(key: SortKey) -> str:
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> SortKey:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursor(
            "The cursor is not one this server gave; start again without it."
        ) from exc
    if not isinstance(value, list) or not all(
        isinstance(v, int | str) and not isinstance(v, bool) for v in value
    ):
        raise InvalidCursor("The cursor is not one this server gave; start again without it.")
    return tuple(value)
