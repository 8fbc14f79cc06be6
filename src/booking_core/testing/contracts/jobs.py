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

    def test_due_jobs_are_listed_without_being_claimed(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._schedule(uow_factory, _job(3, 2), _job(1, 1), _job(2, 10), _job(4, 3), _job(5))
        with uow_factory() as uow:
            uow.jobs.claim_due(T0, worker="w1", limit=1, lease=LEASE)  # job_005 until 09:05
            uow.commit()

        with uow_factory() as uow:
            listed = uow.jobs.list_due(T0.add(minutes=4), limit=10)
            first_two = uow.jobs.list_due(T0.add(minutes=4), limit=2)
            expired = uow.jobs.list_due(T0.add(minutes=6), limit=10)
            none = uow.jobs.list_due(T0.add(minutes=4), limit=0)
            after = uow.jobs.get("job_001")

        assert [j.id for j in listed] == ["job_001", "job_003", "job_004"]
        assert [j.id for j in first_two] == ["job_001", "job_003"]
        assert [j.id for j in expired] == ["job_005", "job_001", "job_003", "job_004"]
        assert none == []
        assert (after.status, after.attempts) == (JobStatus.PENDING, 0)

    def test_one_job_is_claimed_by_id_only_when_claimable(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._schedule(uow_factory, _job(1), _job(2, 30), _job(3), _job(4))
        with uow_factory() as uow:
            claimed = uow.jobs.claim("job_001", now=T0, worker="w1", lease=LEASE)
            not_due = uow.jobs.claim("job_002", now=T0, worker="w1", lease=LEASE)
            unknown = uow.jobs.claim("nope", now=T0, worker="w1", lease=LEASE)
            uow.jobs.claim("job_003", now=T0, worker="w1", lease=LEASE)
            uow.jobs.finish("job_003", worker="w1")
            uow.jobs.claim("job_004", now=T0, worker="w1", lease=LEASE)
            uow.jobs.bury("job_004", worker="w1", error="broken")
            uow.commit()

        with uow_factory() as uow:
            held = uow.jobs.claim("job_001", now=T0.add(minutes=4), worker="w2", lease=LEASE)
            done = uow.jobs.claim("job_003", now=T0.add(days=1), worker="w2", lease=LEASE)
            dead = uow.jobs.claim("job_004", now=T0.add(days=1), worker="w2", lease=LEASE)
            untouched = uow.jobs.get("job_002")

        assert claimed is not None
        assert (claimed.status, claimed.attempts, claimed.locked_by) == (
            JobStatus.RUNNING,
            1,
            "w1",
        )
        assert claimed.locked_until == T0.add(minutes=5)
        assert (not_due, unknown, held, done, dead) == (None, None, None, None, None)
        assert (untouched.status, untouched.attempts) == (JobStatus.PENDING, 0)

    def test_a_claim_by_id_takes_an_expired_lease_or_renews_the_holders(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._schedule(uow_factory, _job(1), _job(2))
        with uow_factory() as uow:
            uow.jobs.claim("job_001", now=T0, worker="w1", lease=LEASE)
            uow.jobs.claim("job_002", now=T0, worker="w1", lease=LEASE)
            uow.commit()

        with uow_factory() as uow:
            renewed = uow.jobs.claim("job_001", now=T0.add(minutes=1), worker="w1", lease=LEASE)
            taken = uow.jobs.claim("job_002", now=T0.add(minutes=5), worker="w2", lease=LEASE)
            uow.commit()

        assert renewed is not None
        assert taken is not None
        assert (renewed.attempts, renewed.locked_until) == (2, T0.add(minutes=6))
        assert (taken.locked_by, taken.attempts) == ("w2", 2)
        with uow_factory() as uow, pytest.raises(ConcurrentUpdate):
            uow.jobs.finish("job_002", worker="w1")  # its lease was taken over

    def test_concurrent_claims_of_one_job_by_id_give_it_to_one_worker(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._schedule(uow_factory, *(_job(n) for n in range(10)))
        barrier = threading.Barrier(self.claim_workers)
        won: list[tuple[str, str]] = []
        errors: list[str] = []
        lock = threading.Lock()

        def work(worker: int) -> None:
            barrier.wait()
            try:
                for n in range(10):
                    with uow_factory() as uow:
                        job = uow.jobs.claim(
                            f"job_{n:03d}", now=T0, worker=f"w{worker}", lease=LEASE
                        )
                        uow.commit()
                    if job is not None:
                        with lock:
                            won.append((job.id, f"w{worker}"))
            except Exception as exc:
                errors.append(repr(exc))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(self.claim_workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        assert errors == []
        assert sorted(job_id for job_id, _ in won) == [f"job_{n:03d}" for n in range(10)]
        with uow_factory() as uow:
            stored = [uow.jobs.get(job_id) for job_id, _ in sorted(won)]
        assert [(j.attempts, j.locked_by) for j in stored] == [(1, w) for _, w in sorted(won)]

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

    # -- dead letters ----------------------------------------------------------------------

    def _bury(self, uow_factory: UnitOfWorkFactory, *jobs: Job) -> None:
        self._schedule(uow_factory, *jobs)
        with uow_factory() as uow:
            for job in uow.jobs.claim_due(T0, worker="w1", limit=len(jobs), lease=LEASE):
                uow.jobs.bury(job.id, worker="w1", error=f"broken {job.id}")
            uow.commit()

    def test_dead_jobs_are_listed_by_id_after_a_cursor(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._bury(uow_factory, _job(3), _job(1), _job(2))
        self._schedule(uow_factory, _job(4))  # alive: never listed

        with uow_factory() as uow:
            first = uow.jobs.dead(limit=2)
            rest = uow.jobs.dead(limit=2, after=first[-1].id)

        assert [j.id for j in first + rest] == ["job_001", "job_002", "job_003"]
        assert first[0].last_error == "broken job_001"

    def test_a_dead_job_is_revived_once_or_discarded_once(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._bury(uow_factory, _job(1), _job(2))
        later = T0.add(hours=2)

        with uow_factory() as uow:
            revived = uow.jobs.revive("job_001", due_at=later)
            discarded = uow.jobs.discard("job_002")
            uow.commit()

        assert (revived.status, revived.due_at, revived.attempts) == (
            JobStatus.PENDING,
            later,
            0,
        )
        assert revived.last_error == "broken job_001"
        assert discarded.status is JobStatus.DISCARDED
        with uow_factory() as uow:
            assert uow.jobs.get("job_001") == revived
            assert uow.jobs.dead(limit=10) == []
            assert [j.id for j in uow.jobs.claim_due(later, worker="w2", limit=10,
                                                     lease=LEASE)] == ["job_001"]  # fmt: skip
            with pytest.raises(ConcurrentUpdate):
                uow.jobs.revive("job_002", due_at=later)
            with pytest.raises(ConcurrentUpdate):
                uow.jobs.discard("job_002")
            with pytest.raises(NotFound):
                uow.jobs.discard("nope")

    def test_a_rolled_back_revival_leaves_the_job_dead(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._bury(uow_factory, _job(1))

        with uow_factory() as uow:
            uow.jobs.revive("job_001", due_at=T0)  # no commit

        with uow_factory() as uow:
            assert uow.jobs.get("job_001").status is JobStatus.DEAD
