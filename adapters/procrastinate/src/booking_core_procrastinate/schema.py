"""procrastinate's own tables, next to the core's in the same PostgreSQL database."""

from __future__ import annotations

import procrastinate

__all__ = ["apply_schema"]

_PRESENT = "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present"


def apply_schema(app: procrastinate.App) -> bool:
    """Create procrastinate's schema unless its tables exist; True if it was created.

    The app must be open (``with app.open(): apply_schema(app)``). Upgrading procrastinate
    to a version with a new schema is its own migrations' job (see procrastinate's docs).
    """
    connector = app.connector.get_sync_connector()
    if connector.execute_query_one(_PRESENT)["present"]:
        return False
    app.schema_manager.apply_schema()
    return True
