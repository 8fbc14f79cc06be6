"""Storage of the audit log: append-only entries of platform actions, listed newest first."""

from __future__ import annotations

from typing import Protocol

from booking_core.audit import AuditEntry, AuditQuery

__all__ = ["AuditLog", "AuditStore"]


class AuditLog(Protocol):
    """The audit log: entries are appended, never changed or removed."""

    def append(self, entry: AuditEntry) -> None:
        """Store ``entry`` in this unit of work (a rollback drops it with the change it
        records).

        Raises:
            DuplicateEntity: (``audit_entry_exists``) an entry with its id is stored.
        """
        ...

    def find(self, query: AuditQuery) -> list[AuditEntry]:
        """The first ``query.limit`` entries :meth:`AuditQuery.admits`, newest first
        (``at`` then ``id``, both descending), before and after as stored. One statement."""
        ...


class AuditStore(Protocol):
    """The audit part of a unit of work."""

    @property
    def audit(self) -> AuditLog: ...
