"""In-memory audit log."""

from __future__ import annotations

from booking_core.audit import AuditEntry, AuditQuery
from booking_core.testing.memory.table import Table

__all__ = ["InMemoryAuditLog"]


class InMemoryAuditLog(Table):
    """:class:`~booking_core.ports.storage.AuditLog` over a snapshot (rolled back with it)."""

    def append(self, entry: AuditEntry) -> None:
        self._insert(entry.id, entry)

    def find(self, query: AuditQuery) -> list[AuditEntry]:
        found = [e for e in self.rows.values() if query.admits(e)]
        found.sort(key=AuditQuery.sort_key, reverse=True)
        return found[: query.limit]
