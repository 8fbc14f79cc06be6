"""Which audit entries a listing shows: filters, newest first, keyset pages."""

from __future__ import annotations

from typing import ClassVar

import attrs
from pendulum import DateTime

from booking_core.audit.entry import AuditEntry, check_action
from booking_core.errors import InvalidInput
from booking_core.timerange import ensure_aware

__all__ = ["AuditCursor", "AuditQuery"]


def _aware(value: object) -> DateTime:
    return ensure_aware(value, "cursor instant")


def _aware_or_none(value: object) -> DateTime | None:
    return None if value is None else ensure_aware(value, "bound")


def _family(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None:
        check_action(value, attribute.name)


def _check_limit(_: object, __: object, limit: int) -> None:
    bad = isinstance(limit, bool) or not isinstance(limit, int)
    if bad or not 1 <= limit <= AuditQuery.MAX_LIMIT:
        raise InvalidInput(
            f"An audit query returns 1 to {AuditQuery.MAX_LIMIT} entries; got {limit!r}.",
            details={"limit": limit},
        )


@attrs.frozen
class AuditCursor:
    """Where a page ended: the sort key ``(at, id)`` of its last entry; the next page holds
    the entries strictly older in that key."""

    at: DateTime = attrs.field(converter=_aware)
    entry_id: str

    @classmethod
    def after(cls, entry: AuditEntry) -> AuditCursor:
        """The cursor that continues after ``entry``."""
        return cls(entry.at, entry.id)


@attrs.frozen(kw_only=True)
class AuditQuery:
    """Which entries :meth:`~booking_core.ports.storage.AuditLog.find` returns: newest
    first (``at`` descending, ties broken by ``id`` descending), every set filter holding.

    Attributes:
        actor_id: Only this staff member's entries.
        action: Only actions in this family: the action itself or one below it by whole
            words (``order`` finds ``order.cancel``; ``order.can`` finds nothing).
        subject_kind: Only entries about this kind of record.
        subject_id: Only entries about this record.
        since: At or after this instant.
        until: Before this instant.
        after: Only entries after this cursor (the next page).
        limit: At most this many entries (1 to :attr:`MAX_LIMIT`).
    """

    #: The most entries one query returns.
    MAX_LIMIT: ClassVar[int] = 1000

    actor_id: str | None = None
    action: str | None = attrs.field(default=None, validator=_family)
    subject_kind: str | None = None
    subject_id: str | None = None
    since: DateTime | None = attrs.field(default=None, converter=_aware_or_none)
    until: DateTime | None = attrs.field(default=None, converter=_aware_or_none)
    after: AuditCursor | None = None
    limit: int = attrs.field(default=100, validator=_check_limit)

    def admits(self, entry: AuditEntry) -> bool:
        """Whether ``entry`` passes every filter and lies after the cursor (the reference
        semantics adapters implement)."""
        return (
            (self.actor_id is None or entry.actor_id == self.actor_id)
            and (self.action is None or entry.is_in(self.action))
            and (self.subject_kind is None or entry.subject_kind == self.subject_kind)
            and (self.subject_id is None or entry.subject_id == self.subject_id)
            and (self.since is None or entry.at >= self.since)
            and (self.until is None or entry.at < self.until)
            and (self.after is None or (entry.at, entry.id) < (self.after.at, self.after.entry_id))
        )

    @staticmethod
    def sort_key(entry: AuditEntry) -> tuple[DateTime, str]:
        """The key the listing is sorted by, descending."""
        return (entry.at, entry.id)
