"""The job queue contract: what ``uow.jobs`` of every storage adapter guarantees."""

from __future__ import annotations

import threading

import pendulum
import pytest

from booking_core.errors import ConcurrentUpdate, NotFound
from booking_core.ports.jobs import Job, JobStatus
from booking_core.ports.storage import UnitOfWorkFactory

__all__ = ["JobQueueContract"]

T0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
LEASE = pendulum.duration(minutes=5)


def _job(n: int, minutes: int = 0, subject: str = "ord_1") -> Job:
    return Job(f"job_{n:03d}", "expire_unpaid", subject, T0.add(minutes=minutes))


class JobQueueContract:
    """Mix into a ``Test*`` class that provides a ``uow_factory`` fixture over empty storage.

    ``claim_workers`` is how many threads the claiming race starts.
    """

    claim_workers = 8

    def _schedule(self, uow_factory: UnitOfWorkFactory, *jobs: Job) -> list[bool]:
        with uow_factory() as uow:
            added = [uow.jobs.schedule(job) for job in jobs]
            uow.commit()
        return added

    def test_scheduling_is_idempotent_per_id(self, uow_factory: UnitOfWorkFactory) -> None:
        added = self._schedule(uow_factory, _job(1), _job(1, minutes=30))

        with uow_factory() as uow:
            stored = uow.jobs.get("job_001")
        assert added == [True, False]
        assert stored == _job(1)
        with uow_factory() as uow, pytest.raises(NotFound) as caught:
            uow.jobs.get("nope")
        assert caught.value.error_code == "job_not_found"

    def test_only_due_jobs_are_claimed_oldest_first(self, uow_factory: UnitOfWorkFactory) -> None:
        self._schedule(uow_factory, _job(3, 2), _job(1, 1), _job(2, 10))

        with uow_factory() as uow:
            claimed = uow.jobs.claim_due(T0.add(minutes=5), worker="w1", limit=10, lease=LEASE)
            uow.commit()

        assert [j.id for j in claimed] == ["job_001", "job_003"]
        assert all(j.status is JobStatus.RUNNING and j.locked_by == "w1" for j in claimed)
        assert [j.attempts for j in claimed] == [1, 1]
        assert claimed[0].locked_until == T0.add(minutes=10)

    def test_finish_retry_and_bury(self, uow_factory: UnitOfWorkFactory) -> None:
        self._schedule(uow_factory, _job(1), _job(2), _job(3))
        with uow_factory() as uow:
            uow.jobs.claim_due(T0, worker="w1", limit=10, lease=LEASE)
            uow.jobs.finish("job_001", worker="w1")
            uow.jobs.retry("job_002", worker="w1", due_at=T0.add(hours=1), error="timeout")
            uow.jobs.bury("job_003", worker="w1", error="broken")
            uow.commit()

        with uow_factory() as uow:
            done, again, dead = (uow.jobs.get(f"job_00{n}") for n in (1, 2, 3))
            soon = uow.jobs.claim_due(T0.add(minutes=59), worker="w2", limit=10, lease=LEASE)
            later = uow.jobs.claim_due(T0.add(hours=1), worker="w2", limit=10, lease=LEASE)
        assert done.status is JobStatus.DONE
        assert (again.status, again.due_at, again.last_error) == (
            JobStatus.PENDING,
            T0.add(hours=1),
            "timeout",
        )
        assert (dead.status, dead.last_error) == (JobStatus.DEAD, "broken")
        assert soon == []
        assert [(j.id, j.attempts) for j in later] == [("job_002", 2)]

    def test_an_expired_lease_is_claimed_again_and_the_old_worker_is_refused(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._schedule(uow_factory, _job(1))
        with uow_factory() as uow:
            uow.jobs.claim_due(T0, worker="w1", limit=1, lease=LEASE)
            uow.commit()

        with uow_factory() as uow:
            during = uow.jobs.claim_due(T0.add(minutes=4), worker="w2", limit=1, lease=LEASE)
            after = uow.jobs.claim_due(T0.add(minutes=5), worker="w2", limit=1, lease=LEASE)
            uow.commit()

        assert during == []
        assert [j.locked_by for j in after] == ["w2"]
        with uow_factory() as uow, pytest.raises(ConcurrentUpdate):
            uow.jobs.finish("job_001", worker="w1")

    def test_jobs_are_listed_by_subject(self, uow_factory: UnitOfWorkFactory) -> None:
        self._schedule(uow_factory, _job(2, 5), _job(1, 9), _job(3, 1, subject="ord_2"))

        with uow_factory() as uow:
            listed = uow.jobs.list_for_subject("ord_1")

        assert [j.id for j in listed] == ["job_002", "job_001"]

    def test_concurrent_workers_never_claim_the_same_job(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._schedule(uow_factory, *(_job(n) for n in range(40)))
        barrier = threading.Barrier(self.claim_workers)
        claimed: list[str] = []
        errors: list[str] = []
        lock = threading.Lock()

        def work(worker: int) -> None:
            barrier.wait()
            try:
                while True:
                    with uow_factory() as uow:
                        jobs = uow.jobs.claim_due(T0, worker=f"w{worker}", limit=3, lease=LEASE)
                        uow.commit()
                    if not jobs:
                        return
                    with lock:
                        claimed.extend(j.id for j in jobs)
            except Exception as exc:
                errors.append(repr(exc))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(self.claim_workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        assert errors == []
        assert sorted(claimed) == [f"job_{n:03d}" for n in range(40)]
