"""Schedule edits (issue 10): every time-off entry gets an id, so it can be removed.

Schedules are converter documents in ``work_schedules``; no column changes. Entries stored
before this revision have no ``id``: they are named ``off_0_<n>``, ``n`` counting them in
the document's order (the schedule's own order, by start, end and reason) — the names the
core gives such entries when it reads them (``WorkSchedule``), so a schedule read before
and after this revision names its time off alike. New entries are named ``off_<version>``
by the core. The schedule's ``version`` does not change: its content is the same.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_schedules = sa.table(
    "work_schedules",
    sa.column("technician_id", sa.Text()),
    sa.column("document", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
)


def _named(document: dict[str, Any]) -> dict[str, Any] | None:
    entries = document.get("time_off") or []
    if all(entry.get("id") for entry in entries):
        return None
    blank = 0
    named = []
    for entry in entries:
        if entry.get("id"):
            named.append(entry)
        else:
            named.append({**entry, "id": f"off_0_{blank}"})
            blank += 1
    return {**document, "time_off": named}


def upgrade() -> None:
    """Name the time off stored without an id."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(_schedules.c.technician_id, _schedules.c.document)).all()
    for technician_id, document in rows:
        named = _named(document)
        if named is not None:
            bind.execute(
                _schedules.update()
                .where(_schedules.c.technician_id == technician_id)
                .values(document=named)
            )


def downgrade() -> None:
    """Drop the ids again: an older core refuses keys it does not know."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(_schedules.c.technician_id, _schedules.c.document)).all()
    for technician_id, document in rows:
        entries = document.get("time_off") or []
        if any("id" in entry for entry in entries):
            bare = [{k: v for k, v in entry.items() if k != "id"} for entry in entries]
            bind.execute(
                _schedules.update()
                .where(_schedules.c.technician_id == technician_id)
                .values(document={**document, "time_off": bare})
            )
