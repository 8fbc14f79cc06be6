"""Dispatch's own storage: per-technician counts in ``dispatch_metrics``.

Counting is one ``INSERT ... ON CONFLICT (technician_id) DO UPDATE SET <count> = <count> +
excluded.<count>`` on both databases: the row is created or added to by the database in one
statement, so two units of work counting for one technician at once both count — a read
then a write (of the count read) would lose one of them under READ COMMITTED.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final

from pendulum import DateTime
from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite

from booking_core.dispatch.metrics import DispatchMetrics, DispatchOutcome
from booking_core.ids import TechnicianId
from booking_core_sqlalchemy import mapping
from booking_core_sqlalchemy.repositories._base import PerDialect, Repository
from booking_core_sqlalchemy.tables import dispatch_metrics

__all__ = ["SqlAlchemyDispatchMetricsRepository"]

_COUNTS: Final = tuple(outcome.value for outcome in DispatchOutcome)
_m = dispatch_metrics.c


def _record(dialect: Any) -> Any:
    # One statement for every outcome (its column gets 1, the others 0): built once, and
    # the database adds up. ``last_assigned_at`` is null unless the outcome is an
    # assignment, and then replaces the stored one (DispatchMetrics.counted).
    insert = dialect.insert(dispatch_metrics)
    return insert.on_conflict_do_update(
        index_elements=["technician_id"],
        set_={
            **{name: _m[name] + insert.excluded[name] for name in _COUNTS},
            "last_assigned_at": func.coalesce(
                insert.excluded.last_assigned_at, _m.last_assigned_at
            ),
        },
    )


_RECORD: Final = PerDialect(sqlite=_record(sqlite), postgres=_record(postgresql))
_MANY: Final = select(dispatch_metrics).where(
    _m.technician_id.in_(bindparam("technician_ids", expanding=True))
)


class SqlAlchemyDispatchMetricsRepository(Repository):
    """Per-technician dispatch counts in ``dispatch_metrics`` (one statement per method)."""

    entity = "dispatch_metrics"

    def record(self, technician_id: TechnicianId, outcome: DispatchOutcome, at: DateTime) -> None:
        """Count ``outcome`` for ``technician_id``: one atomic upsert (see the module)."""
        values: dict[str, Any] = dict.fromkeys(_COUNTS, 0)
        values[outcome.value] = 1
        values["technician_id"] = technician_id
        values["last_assigned_at"] = at if outcome is DispatchOutcome.ASSIGNED else None
        self._conn.execute(_RECORD.on(self._postgres), values)

    def get_many(
        self, technician_ids: Collection[TechnicianId]
    ) -> dict[TechnicianId, DispatchMetrics]:
        """The counts of each technician asked for, all zero for one never counted (one
        ``SELECT``; none when nobody is asked for)."""
        wanted = list(dict.fromkeys(technician_ids))
        if not wanted:
            return {}
        rows = self._conn.execute(_MANY, {"technician_ids": wanted})
        found = {row.technician_id: mapping.dispatch_metrics_to_domain(row) for row in rows}
        return {tid: found.get(tid) or DispatchMetrics(tid) for tid in wanted}
