"""The worker: relays the outbox and runs due jobs, round after round."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from booking_core.services.jobs import JobRun, JobRunner
from booking_core.services.relay import OutboxRelay, RelayRun

__all__ = ["Worker", "WorkerRound"]


@attrs.frozen
class WorkerRound:
    """What one round did."""

    relayed: RelayRun
    jobs: tuple[JobRun, ...]

    @property
    def busy(self) -> bool:
        """Whether it found anything to do (a busy worker goes on without a pause)."""
        return bool(self.jobs) or self.relayed != RelayRun()


class Worker:
    """One worker: any number of them (threads, processes, machines) may run over one
    storage — relaying claims each message, jobs are leased."""

    def __init__(self, relay: OutboxRelay, runner: JobRunner, *, batch: int = 20) -> None:
        self._relay = relay
        self._runner = runner
        self._batch = batch

    def run_once(self) -> WorkerRound:
        """Relay due outbox messages (their notifications and reminders become jobs), then
        run the due jobs."""
        relayed = self._relay.run(self._batch)
        return WorkerRound(relayed, tuple(self._runner.run_due(self._batch)))

    def run(self, stopped: Callable[[], bool], pause: Callable[[float], object], *,
            idle_seconds: float = 1.0) -> None:  # fmt: skip
        """Run rounds until ``stopped()``; after a round that found nothing, ``pause`` for
        ``idle_seconds`` (e.g. ``threading.Event().wait``, which a stop request cuts short)."""
        while not stopped():
            if not self.run_once().busy:
                pause(idle_seconds)
