"""Jobs: scheduling is idempotent, a claim is a lease, concurrent workers never share a job."""

from __future__ import annotations

import threading

import pendulum
import pytest

from booking_core.errors import ConcurrentUpdate, NotFound
from booking_core.ports.jobs import Job, JobStatus
from booking_core_sqlalchemy import SqlAlchemyStorage

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="UTC")
LEASE = pendulum.duration(minutes=5)


def _job(n: int, minutes: int = 0) -> Job:
    return Job(f"expire_unpaid:ord_{n}", "expire_unpaid", f"ord_{n}", T0.add(minutes=minutes))


def test_schedule_is_idempotent_and_claims_are_leases(storage: SqlAlchemyStorage) -> None:
    with storage.unit_of_work() as uow:
        assert uow.jobs.schedule(_job(1)) is True
        assert uow.jobs.schedule(_job(1, minutes=99)) is False
        assert uow.jobs.schedule(_job(2, minutes=10)) is True
        uow.commit()

    with storage.unit_of_work() as uow:
        (claimed,) = uow.jobs.claim_due(T0, worker="w1", limit=10, lease=LEASE)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.jobs.claim_due(T0.add(minutes=1), worker="w2", limit=10, lease=LEASE) == []
        (expired,) = uow.jobs.claim_due(T0.add(minutes=6), worker="w2", limit=1, lease=LEASE)
        uow.commit()

    assert (claimed.id, claimed.status, claimed.attempts) == (_job(1).id, JobStatus.RUNNING, 1)
    assert (expired.id, expired.locked_by, expired.attempts) == (_job(1).id, "w2", 2)
    assert expired.locked_until == T0.add(minutes=11)
    with storage.unit_of_work() as uow:
        with pytest.raises(ConcurrentUpdate):
            uow.jobs.finish(_job(1).id, worker="w1")  # its lease was taken over
        uow.jobs.retry(_job(1).id, worker="w2", due_at=T0.add(hours=1), error="timeout")
        with pytest.raises(NotFound) as caught:
            uow.jobs.finish("nope", worker="w2")
        uow.commit()
    assert caught.value.error_code == "job_not_found"
    with storage.unit_of_work() as uow:
        found = uow.jobs.list_for_subject("ord_1")
    assert [(j.status, j.last_error, j.locked_by) for j in found] == [
        (JobStatus.PENDING, "timeout", None)
    ]


def test_finish_and_bury(storage: SqlAlchemyStorage) -> None:
    with storage.unit_of_work() as uow:
        uow.jobs.schedule(_job(1))
        uow.jobs.schedule(_job(2))
        uow.jobs.claim_due(T0, worker="w", limit=2, lease=LEASE)
        uow.jobs.finish(_job(1).id, worker="w")
        uow.jobs.bury(_job(2).id, worker="w", error="gave up")
        uow.commit()

    with storage.unit_of_work() as uow:
        assert uow.jobs.get(_job(1).id).status is JobStatus.DONE
        assert uow.jobs.get(_job(2).id).status is JobStatus.DEAD
        assert uow.jobs.claim_due(T0.add(days=1), worker="w", limit=10, lease=LEASE) == []


def test_concurrent_workers_never_claim_the_same_job(storage: SqlAlchemyStorage) -> None:
    with storage.unit_of_work() as uow:
        for n in range(60):
            uow.jobs.schedule(_job(n, minutes=-n))
        uow.commit()
    barrier = threading.Barrier(10)
    claimed: list[str] = []
    lock = threading.Lock()

    def work(worker: int) -> None:
        barrier.wait()
        with storage.unit_of_work() as uow:
            jobs = uow.jobs.claim_due(T0, worker=f"w{worker}", limit=4, lease=LEASE)
            uow.commit()
        with lock:
            claimed.extend(job.id for job in jobs)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(claimed) == 40
    assert len(set(claimed)) == 40
