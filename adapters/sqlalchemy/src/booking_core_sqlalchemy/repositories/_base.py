"""What every repository shares: the connection source, the base class and the statement pairs."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Final, Generic, Protocol, TypeVar

import attrs
from sqlalchemy import (
    ColumnElement,
    Connection,
    CursorResult,
    Executable,
    Insert,
    Row,
    Table,
    Text,
    Update,
    bindparam,
    cast,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from booking_core.errors import ConcurrentUpdate, DuplicateEntity, NotFound

__all__ = [
    "DEADLOCK_DETECTED",
    "EXCLUSION_VIOLATION",
    "IDEMPOTENCY_LOCK_CLASS",
    "UNIQUE_VIOLATION",
    "ConnectionSource",
    "PerDialect",
    "Repository",
    "insert_or_nothing",
    "new_values",
    "rowcount",
    "update_columns",
]

#: PostgreSQL SQLSTATEs translated into booking_core errors.
EXCLUSION_VIOLATION: Final = "23P01"
UNIQUE_VIOLATION: Final = "23505"
DEADLOCK_DETECTED: Final = "40P01"

#: First key of the advisory locks held by the unit of work that claimed an idempotency key.
IDEMPOTENCY_LOCK_CLASS: Final = 0x69646B  # "idk"

T = TypeVar("T")


class ConnectionSource(Protocol):
    """Where a repository finds the connection of its unit of work's open transaction."""

    @property
    def connection(self) -> Connection:
        """The open connection; raises RuntimeError outside ``with uow:``."""
        ...


@attrs.frozen
class PerDialect(Generic[T]):
    """One statement phrased for each database, built once at import."""

    sqlite: T
    postgres: T

    def on(self, postgres: bool) -> T:
        """The PostgreSQL phrasing if ``postgres``, else the SQLite one."""
        return self.postgres if postgres else self.sqlite


def json_as_text(column: ColumnElement[Any], postgres: bool) -> ColumnElement[Any]:
    """A JSON column read as its text: parsed documents are remembered by it (ReadCache)."""
    return cast(column, Text) if postgres else type_coerce(column, Text)


def insert_or_nothing(
    table: Table, index_elements: Sequence[str] | None = None
) -> PerDialect[Insert]:
    """``INSERT ... ON CONFLICT DO NOTHING`` on ``table`` (rowcount 0 means a duplicate);
    with ``index_elements`` only that key may conflict."""
    # SQLAlchemy keeps an INSERT's rowcount only when asked to.
    return PerDialect(
        sqlite=sqlite.insert(table)
        .on_conflict_do_nothing(index_elements=index_elements)
        .execution_options(preserve_rowcount=True),
        postgres=postgresql.insert(table)
        .on_conflict_do_nothing(index_elements=index_elements)
        .execution_options(preserve_rowcount=True),
    )


def update_columns(
    table: Table, where: ColumnElement[bool], *, keep: Collection[str] = ()
) -> Update:
    """``UPDATE table SET <column> = :new_<column>, ... WHERE where`` for every column not
    in ``keep`` (parameters from :func:`new_values`)."""
    return (
        update(table)
        .where(where)
        .values(
            {
                c.name: bindparam(f"new_{c.name}", type_=c.type)
                for c in table.c
                if c.name not in keep
            }
        )
    )


def new_values(values: Mapping[str, Any], **where: Any) -> dict[str, Any]:
    """The parameters of an :func:`update_columns` statement: ``values`` as ``new_<column>``,
    plus the ``where`` parameters."""
    return {**{f"new_{name}": value for name, value in values.items()}, **where}


def rowcount(result: CursorResult[Any]) -> int:
    """How many rows the statement changed."""
    return result.rowcount


class Repository:
    """A repository on its unit of work's connection (construction costs two attributes)."""

    entity = ""

    def __init__(self, source: ConnectionSource, *, postgres: bool) -> None:
        self._source = source
        self._postgres = postgres

    @property
    def _conn(self) -> Connection:
        return self._source.connection

    def _compare_and_set(
        self,
        statement: Executable,
        params: Mapping[str, Any],
        entity_id: str,
        get: Callable[[Any], object],
    ) -> None:
        """Run an ``UPDATE … WHERE id = … AND version = …`` of one aggregate.

        Raises:
            NotFound: (from ``get``) it was never stored.
            ConcurrentUpdate: someone saved it since it was read.
        """
        if rowcount(self._conn.execute(statement, params)):
            return
        get(entity_id)
        raise ConcurrentUpdate(
            f"{self.entity.capitalize()} {entity_id} was changed by someone else; reload it "
            "and try again.",
            details={f"{self.entity}_id": entity_id},
        )

    def _insert_new(
        self, statement: PerDialect[Insert], values: Mapping[str, Any], entity_id: str
    ) -> None:
        """Insert one row with ``statement`` (``ON CONFLICT DO NOTHING``).

        Raises:
            DuplicateEntity: if nothing was inserted (the key exists).
        """
        if not rowcount(self._conn.execute(statement.on(self._postgres), values)):
            raise DuplicateEntity(self.entity, entity_id)

    def _one(self, query: Executable, params: Mapping[str, Any], entity_id: str) -> Row[Any]:
        """The row ``query`` finds. Raises NotFound (``<entity>_not_found``) if none."""
        row = self._conn.execute(query, params).first()
        if row is None:
            raise NotFound(self.entity, entity_id)
        return row

    def _with_children(
        self,
        parents: Executable,
        params: Mapping[str, Any],
        children: Executable,
        parent_column: str,
    ) -> list[tuple[Row[Any], list[Row[Any]]]]:
        """The rows ``parents`` finds, each with its rows of ``children`` — two queries,
        whatever the count. ``children`` takes the parents' ids as ``parent_ids`` and names
        its parent in ``parent_column``."""
        conn = self._conn
        rows = conn.execute(parents, params).all()
        if not rows:
            return []
        found: dict[str, list[Row[Any]]] = {row.id: [] for row in rows}
        for child in conn.execute(children, {"parent_ids": list(found)}):
            found[getattr(child, parent_column)].append(child)
        return [(row, found[row.id]) for row in rows]

    def _update_one(self, statement: Executable, params: Mapping[str, Any], entity_id: str) -> None:
        """Run an ``UPDATE`` of one row. Raises NotFound if it matched none."""
        if not rowcount(self._conn.execute(statement, params)):
            raise NotFound(self.entity, entity_id)
