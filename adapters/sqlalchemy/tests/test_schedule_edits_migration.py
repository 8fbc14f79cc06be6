"""Revision 0012: time off stored before entries had ids gets the ids the core gives such
entries, so it can be removed; a downgrade takes them away again."""

from __future__ import annotations

import json
from typing import Any

from alembic import command
from sqlalchemy import Engine, text

from booking_core.ids import TechnicianId
from booking_core_sqlalchemy import SqlAlchemyStorage, alembic_config, migrate

TECH = TechnicianId("tec_1")

#: A schedule document as revision 0011 stored it: its time off has no ids.
LEGACY: dict[str, Any] = {
    "technician_id": TECH,
    "overrides": [],
    "time_off": [
        {
            "period": {"start": "2026-03-03T08:00:00+08:00", "end": "2026-03-03T10:00:00+08:00"},
            "reason": "dentist",
        },
        {
            "period": {"start": "2026-03-09T00:00:00+08:00", "end": "2026-03-11T00:00:00+08:00"},
            "reason": "leave",
        },
    ],
    "shifts": [],
    "daily_cap": None,
    "status": "offline",
}


def _document(engine: Engine) -> Any:
    with engine.connect() as connection:
        found = connection.execute(text("SELECT document FROM work_schedules")).scalar_one()
    return json.loads(found) if isinstance(found, str) else found


def test_time_off_stored_without_ids_is_named_and_unnamed_again(empty_engine: Engine) -> None:
    # given a schedule with two entries of time off stored at revision 0011
    migrate(empty_engine, revision="0011")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO work_schedules (technician_id, document, version) VALUES (:t, :d, 3)"
            ),
            {"t": TECH, "d": json.dumps(LEGACY)},
        )

    # when the database is brought to 0012
    migrate(empty_engine, revision="0012")
    storage = SqlAlchemyStorage(empty_engine)
    with storage.unit_of_work() as uow:
        schedule = uow.schedules.get(TECH)
    stored = _document(empty_engine)

    # then each entry has its id, in storage, and the schedule reads as it did
    assert [t.get("id") for t in stored["time_off"]] == ["off_0_0", "off_0_1"]
    assert [(t.id, t.reason) for t in schedule.time_off] == [
        ("off_0_0", "dentist"),
        ("off_0_1", "leave"),
    ]
    assert schedule.version == 3

    # and a downgrade gives back the document revision 0011 reads
    with empty_engine.begin() as connection:
        command.downgrade(alembic_config(connection=connection), "0011")
    assert _document(empty_engine)["time_off"] == LEGACY["time_off"]
