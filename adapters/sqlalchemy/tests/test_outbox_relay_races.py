"""The relay and the dead letters under concurrency, on SQLite and PostgreSQL with real
threads (issue 11).

Relays running at once each take a message no other relay holds (PostgreSQL: ``FOR UPDATE
SKIP LOCKED``; SQLite: one writer at a time): every message is relayed once, none twice,
none left behind. Operators retrying one dead job at once revive it once.
"""

from __future__ import annotations

import pendulum
import pytest

from booking_core.audit import AuditQuery
from booking_core.bootstrap import BookingApp, build
from booking_core.errors import ConcurrentUpdate
from booking_core.orders import Actor
from booking_core.outbox import OutboxMessage, OutboxState
from booking_core.ports.jobs import Job, JobStatus
from booking_core.staff import StaffRole
from booking_core.testing import FrozenClock, ScriptedPaymentGateway
from booking_core.testing.contracts.orders import at_once
from booking_core_sqlalchemy import SqlAlchemyStorage

pytestmark = pytest.mark.slow

T0 = pendulum.datetime(2026, 3, 2, 8, tz="UTC")
MESSAGES = 60
RELAYS = 8


def _app(storage: SqlAlchemyStorage) -> BookingApp:
    return build(uow=storage.unit_of_work, payments=ScriptedPaymentGateway(), clock=FrozenClock(T0))


def test_relays_at_once_relay_every_message_exactly_once(storage: SqlAlchemyStorage) -> None:
    # given sixty events no rule turns into a notification (nothing for a relay to read)
    app = _app(storage)
    with storage.unit_of_work() as uow:
        for n in range(MESSAGES):
            uow.outbox.add(
                OutboxMessage(
                    f"msg_{n:03d}",
                    "ReviewWindowClosed",
                    {"order_id": f"ord_{n}"},
                    T0.add(seconds=n),
                )
            )
        uow.commit()

    # when eight relays work through them at once
    def relay(_: int) -> int:
        relayed = 0
        while (run := app.relay.run(limit=3)).relayed:
            relayed += run.relayed
        return relayed

    outcomes = at_once(RELAYS, relay)

    # then together they relayed each exactly once, and nothing is left
    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert sum(o for o in outcomes if isinstance(o, int)) == MESSAGES
    assert app.relay.run().relayed == 0
    with storage.unit_of_work() as uow:
        delivered = uow.outbox.in_state(OutboxState.DELIVERED, limit=MESSAGES + 1)
    assert len(delivered) == MESSAGES


def test_operators_retrying_one_dead_job_at_once_revive_it_once(
    storage: SqlAlchemyStorage,
) -> None:
    app = _app(storage)
    with storage.unit_of_work() as uow:
        uow.jobs.schedule(Job("sync:1", "sync", "ord_1", T0))
        uow.jobs.claim_due(T0, worker="w", limit=1, lease=pendulum.duration(minutes=5))
        uow.jobs.bury("sync:1", worker="w", error="broken")
        uow.commit()
    operators = [Actor.platform(f"ops_{n}", StaffRole.OPERATIONS) for n in range(RELAYS)]

    outcomes = at_once(RELAYS, lambda n: app.dead_letters.retry_job("sync:1", operators[n]))

    revived = [o for o in outcomes if isinstance(o, Job)]
    refused = [o for o in outcomes if isinstance(o, ConcurrentUpdate)]
    assert (len(revived), len(refused)) == (1, RELAYS - 1), outcomes
    assert revived[0].status is JobStatus.PENDING
    with storage.unit_of_work() as uow:
        entries = uow.audit.find(AuditQuery(action="job.retry"))
    assert len(entries) == 1  # the refused ones left no entry either
