"""The base of every in-memory repository: one dict of rows in the unit of work's snapshot."""

from __future__ import annotations

from typing import Any, Protocol

from booking_core.errors import DuplicateEntity, NotFound

__all__ = ["Snapshot", "Table", "Tables"]

#: Table name to rows (row key to stored value).
Tables = dict[str, dict[str, Any]]


class Snapshot(Protocol):
    """What a table reads and writes: the unit of work's copy of the store's tables."""

    @property
    def tables(self) -> Tables: ...


class Table:
    """One table of a unit of work's snapshot, named ``name``, holding ``entity`` rows
    (the entity names the NotFound and DuplicateEntity codes: ``<entity>_not_found``)."""

    def __init__(self, snapshot: Snapshot, name: str, entity: str) -> None:
        self._snapshot = snapshot
        self._name = name
        self._entity = entity

    @property
    def rows(self) -> dict[str, Any]:
        """This table's rows in the current snapshot."""
        return self._snapshot.tables[self._name]

    def table(self, name: str) -> dict[str, Any]:
        """Another table's rows (for the few writes that span two tables)."""
        return self._snapshot.tables[name]

    def _insert(self, key: str, value: Any) -> None:
        if key in self.rows:
            raise DuplicateEntity(self._entity, key)
        self.rows[key] = value

    def _get(self, key: str) -> Any:
        try:
            return self.rows[key]
        except KeyError:
            raise NotFound(self._entity, key) from None
