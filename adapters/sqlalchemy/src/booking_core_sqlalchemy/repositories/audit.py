"""The audit log in the append-only ``audit_entries``."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Row, bindparam, select, tuple_

from booking_core.audit import AuditEntry, AuditQuery
from booking_core_sqlalchemy.repositories._base import Repository, insert_or_nothing
from booking_core_sqlalchemy.tables import UtcDateTime, audit_entries

__all__ = ["SqlAlchemyAuditLog"]

_INSERT: Final = insert_or_nothing(audit_entries)
# The character after "." in byte order: "a.b" <= x < "a/" holds exactly the names below "a".
_AFTER_DOT: Final = chr(ord(".") + 1)


def _find(query: AuditQuery) -> tuple[Any, dict[str, Any]]:
    """One ``SELECT`` of the entries ``query`` asks for, with its parameters.

    Only the filters that are set become conditions (each shape of query its own cached
    statement). An action family is the name itself or a range of names (``"order." <= action
    < "order/"``): index-friendly, and no ``LIKE`` whose ``_`` would match any character.
    The cursor is the row comparison ``(at, id) < (:at, :id)`` the ``(at, id)`` index serves.
    """
    c = audit_entries.c
    conditions: list[Any] = []
    params: dict[str, Any] = {}
    for name in ("actor_id", "subject_kind", "subject_id"):
        value = getattr(query, name)
        if value is not None:
            conditions.append(c[name] == bindparam(name))
            params[name] = value
    if query.action is not None:
        conditions.append(
            (c.action == bindparam("family"))
            | ((c.action >= bindparam("family_low")) & (c.action < bindparam("family_high")))
        )
        params |= {
            "family": query.action,
            "family_low": query.action + ".",
            "family_high": query.action + _AFTER_DOT,
        }
    if query.since is not None:
        conditions.append(c.at >= bindparam("since", type_=UtcDateTime()))
        params["since"] = query.since
    if query.until is not None:
        conditions.append(c.at < bindparam("until", type_=UtcDateTime()))
        params["until"] = query.until
    if query.after is not None:
        edge = tuple_(bindparam("after_at", type_=UtcDateTime()), bindparam("after_id"))
        conditions.append(tuple_(c.at, c.id) < edge)
        params["after_at"], params["after_id"] = query.after.at, query.after.entry_id
    statement = (
        select(audit_entries)
        .where(*conditions)
        .order_by(c.at.desc(), c.id.desc())
        .limit(bindparam("limit"))
    )
    params["limit"] = query.limit
    return statement, params


def _to_row(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at,
        "actor_id": entry.actor_id,
        "staff": entry.staff.value,
        "action": entry.action,
        "subject_kind": entry.subject_kind,
        "subject_id": entry.subject_id,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
    }


def _to_domain(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor_id=row.actor_id,
        staff=row.staff,
        action=row.action,
        subject_kind=row.subject_kind,
        subject_id=row.subject_id,
        before=row.before,
        after=row.after,
        reason=row.reason,
    )


class SqlAlchemyAuditLog(Repository):
    """Audit entries: inserted, never updated; listed with one statement."""

    entity = "audit_entry"

    def append(self, entry: AuditEntry) -> None:
        """Store the entry. Raises DuplicateEntity if its id is taken."""
        self._insert_new(_INSERT, _to_row(entry), entry.id)

    def find(self, query: AuditQuery) -> list[AuditEntry]:
        """The entries ``query`` asks for, newest first: one ``SELECT``."""
        statement, params = _find(query)
        return [_to_domain(row) for row in self._conn.execute(statement, params)]
