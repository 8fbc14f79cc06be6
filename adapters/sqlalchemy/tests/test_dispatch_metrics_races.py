"""Dispatch counts under concurrency, on SQLite and PostgreSQL with real threads.

Many units of work count outcomes for one technician at once (offers made, refused, timed
out, assignments, from several dispatch jobs and answers arriving together): every count
counts. A repository that read the row and wrote back the count it read would lose counts
on PostgreSQL, where READ COMMITTED lets two transactions read the same count; the one
``INSERT ... ON CONFLICT DO UPDATE SET n = n + 1`` cannot.
"""

from __future__ import annotations

import pendulum
import pytest

from booking_core.dispatch.metrics import DispatchMetrics, DispatchOutcome
from booking_core.ids import TechnicianId
from booking_core.testing.contracts.orders import at_once
from booking_core_sqlalchemy import SqlAlchemyStorage

pytestmark = pytest.mark.slow

THREADS = 16
EACH = 25
LI = TechnicianId("tec_li")
T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
# Every outcome in turn, so each column (and last_assigned_at) is raced for.
OUTCOMES = list(DispatchOutcome)


def _outcome(thread: int, i: int) -> DispatchOutcome:
    return OUTCOMES[(thread + i) % len(OUTCOMES)]


def test_outcomes_counted_at_once_for_one_technician_all_count(
    storage: SqlAlchemyStorage,
) -> None:
    # His row exists already: the race is over adding up (the next case races to create it).
    with storage.unit_of_work() as uow:
        uow.dispatch_metrics.record(LI, DispatchOutcome.COMPLETED, T0)
        uow.commit()

    def count(thread: int) -> int:
        for i in range(EACH):
            with storage.unit_of_work() as uow:
                at = T0.add(seconds=thread * EACH + i)
                uow.dispatch_metrics.record(LI, _outcome(thread, i), at)
                uow.commit()
        return EACH

    outcomes = at_once(THREADS, count)

    with storage.unit_of_work() as uow:
        found = uow.dispatch_metrics.get_many([LI])[LI]
    assert outcomes == [EACH] * THREADS
    expected = dict.fromkeys(OUTCOMES, 0)
    expected[DispatchOutcome.COMPLETED] = 1
    for thread in range(THREADS):
        for i in range(EACH):
            expected[_outcome(thread, i)] += 1
    assert {outcome: getattr(found, outcome.value) for outcome in OUTCOMES} == expected
    assert sum(expected.values()) == THREADS * EACH + 1
    assert found.last_assigned_at is not None
    assert found.last_assigned_at >= T0


def test_the_first_count_of_a_technician_made_at_once_is_not_lost(
    storage: SqlAlchemyStorage,
) -> None:
    # No row yet: all threads race to create it (the insert half of the upsert).
    def count(n: int) -> None:
        with storage.unit_of_work() as uow:
            uow.dispatch_metrics.record(TechnicianId(f"tec_{n % 2}"), DispatchOutcome.OFFERED, T0)
            uow.commit()

    outcomes = at_once(THREADS, count)

    with storage.unit_of_work() as uow:
        found = uow.dispatch_metrics.get_many([TechnicianId("tec_0"), TechnicianId("tec_1")])
    assert outcomes == [None] * THREADS
    assert found == {
        TechnicianId(f"tec_{n}"): DispatchMetrics(TechnicianId(f"tec_{n}"), offered=THREADS // 2)
        for n in range(2)
    }
