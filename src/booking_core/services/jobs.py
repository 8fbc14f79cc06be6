"""Running time-driven work: workers claim due jobs and hand them to their handlers.

Any number of :class:`JobRunner` s (threads, processes, machines) may run over one storage:
claiming is safe (see :class:`~booking_core.ports.jobs.JobRepository`). A handler re-checks
what it acts on, does its work in its own units of work, and returns ``None`` when done or
an instant to come back at. A handler that raises is retried after a
:class:`~booking_core.services.backoff.Backoff` (exponential, jittered) and, after
``max_attempts`` claims, buried as dead: an operator lists, revives or discards it
(:class:`~booking_core.services.dead_letters.DeadLetterService`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum

import attrs
import pendulum
from pendulum import DateTime, Duration

from booking_core.errors import ConcurrentUpdate
from booking_core.ports.clock import Clock
from booking_core.ports.jobs import Job
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.services.backoff import Backoff

__all__ = ["JobHandler", "JobKind", "JobRun", "JobRunner", "settle_job"]


class JobKind(StrEnum):
    """The kinds of work the services schedule (orders, payments, technicians' documents)."""

    EXPIRE_UNPAID = "expire_unpaid"  # cancel an order still unpaid after the timeout
    AUTO_COMPLETE = "auto_complete"  # complete an order left in service past its end
    CLOSE_REVIEW_WINDOW = "close_review_window"  # the customer can no longer review
    RECONCILE_PAYMENTS = "reconcile_payments"  # ask the gateway about open money
    DOCUMENT_EXPIRING = "document_expiring"  # remind a technician his document expires soon
    DELIVER_NOTIFICATION = "deliver_notification"  # copy a notification to a push channel
    REMIND = "remind"  # remind the customer and the technician of an appointment
    DISPATCH = "dispatch"  # a dispatch round: assign, offer or broadcast a waiting order
    OFFER_TIMEOUT = "offer_timeout"  # an offer nobody answered ends; the next is made
    ESCALATE_DISPATCH = "escalate_dispatch"  # an order still waiting goes to a dispatcher
    EXPIRE_POINTS = "expire_points"  # expire the points lots past their expiry (periodic)
    EVALUATE_TIERS = "evaluate_tiers"  # re-evaluate membership tiers (periodic)
    BIRTHDAY_GIFTS = "birthday_gifts"  # give the tiers' birthday gifts due today (hourly)
    PAY_WITHDRAWAL = "pay_withdrawal"  # send an approved withdrawal to the payout provider
    SETTLE_COMMISSIONS = "settle_commissions"  # settle the commissions due (a batch at a time)
    CHECK_STATEMENT = "check_statement"  # match a provider's statement of a day (daily)
    REFRESH_CALENDAR = "refresh_calendar"  # read a technician's calendar feed (periodic)


JobHandler = Callable[[Job, DateTime], DateTime | None]
"""Does a job at ``now``; returns None when done, or when to run it again."""


@attrs.frozen
class JobRun:
    """What happened to one claimed job: ``done``, ``again``, ``failed``, ``dead`` or
    ``lost`` (its lease expired: another worker took it, or may)."""

    job_id: str
    outcome: str
    error: str | None = None


class JobRunner:
    """Claims due jobs for one worker and runs them."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        handlers: Mapping[str, JobHandler],
        *,
        worker: str,
        lease: Duration | None = None,
        max_attempts: int = 5,
        backoff: Backoff | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._handlers = dict(handlers)
        self._worker = worker
        self._lease = lease if lease is not None else pendulum.duration(minutes=5)
        self._max_attempts = max_attempts
        self._backoff = backoff or Backoff()

    def run_due(self, limit: int = 20) -> list[JobRun]:
        """Claim up to ``limit`` due jobs, run each, and record the outcome."""
        now = self._clock.now()
        with self._uow() as uow:
            jobs = uow.jobs.claim_due(now, worker=self._worker, limit=limit, lease=self._lease)
            uow.commit()
        return [self._run(job) for job in jobs]

    def _run(self, job: Job) -> JobRun:
        if job.locked_until is not None and self._clock.now() >= job.locked_until:
            # The jobs before it in the batch took the whole lease: another worker may run
            # it now, so this one leaves it alone.
            return JobRun(job.id, "lost", None)
        if job.attempts > self._max_attempts:
            # Claimed more often than it may fail, and never settled: each run killed its
            # worker (out of memory, a crash). Running it again would kill this one.
            error = f"claimed {job.attempts} times without finishing: its worker died each time"
            return self._settle(job, "dead", error, None)
        handler = self._handlers.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            again = handler(job, self._clock.now())
        except Exception as exc:  # a job's failure must not stop the worker
            error = f"{type(exc).__name__}: {exc}"
            if job.attempts >= self._max_attempts:
                return self._settle(job, "dead", error, None)
            wait = self._backoff.after(job.id, job.attempts)
            return self._settle(job, "failed", error, self._clock.now() + wait)
        if again is None:
            return self._settle(job, "done", None, None)
        return self._settle(job, "again", None, again)

    def _settle(self, job: Job, outcome: str, error: str | None, due: DateTime | None) -> JobRun:
        return settle_job(self._uow, job, worker=self._worker, outcome=outcome, error=error,
                          due=due)  # fmt: skip


def settle_job(
    uow_factory: UnitOfWorkFactory,
    job: Job,
    *,
    worker: str,
    outcome: str,
    error: str | None,
    due: DateTime | None,
) -> JobRun:
    """Record what became of ``job`` run by ``worker``: ``done`` finishes it, ``dead``
    buries it with ``error``, anything else puts it back as pending at ``due``; ``lost``
    when the worker no longer holds it. Shared by every runner (the built-in one and the
    procrastinate adapter's)."""
    try:
        with uow_factory() as uow:
            if outcome == "done":
                uow.jobs.finish(job.id, worker=worker)
            elif outcome == "dead":
                uow.jobs.bury(job.id, worker=worker, error=error or "")
            else:
                assert due is not None
                uow.jobs.retry(job.id, worker=worker, due_at=due, error=error)
            uow.commit()
    except ConcurrentUpdate:
        return JobRun(job.id, "lost", error)
    return JobRun(job.id, outcome, error)
