"""How the procrastinate app runs booking_core's work: queue, schedules, lease, retries."""

from __future__ import annotations

import attrs
import pendulum
from pendulum import Duration
from procrastinate import RetryStrategy

__all__ = ["ProcrastinateSettings"]


def _default_retry() -> RetryStrategy:
    # Waits 2, 4, 8, 16, 32 s between runs; six runs in all, then the job is buried.
    return RetryStrategy(max_attempts=5, exponential_wait=2)


@attrs.frozen
class ProcrastinateSettings:
    """Every knob, each with a production default.

    Crons are procrastinate's: five fields, or six with seconds last
    (``"* * * * * */5"`` is every five seconds).

    Attributes:
        queue: The procrastinate queue of every task here; point workers at it.
        sweep_cron: How often due jobs are looked for and handed to ``run_job`` tasks.
        sweep_limit: At most this many due jobs per sweep (the rest wait for the next).
        lease: How long a ``run_job`` holds its job before another may take it over.
        retry: When a failing handler runs again; when it gives up, the job is buried.
        periodic_cron: When each extra periodic callable (the outbox relay) runs.
        stalled_cron: How often tasks of workers that stopped beating are released.
        stalled_after_seconds: A worker without a heartbeat this long is stalled.
    """

    queue: str = "booking_core"
    sweep_cron: str = "* * * * * */5"
    sweep_limit: int = 500
    lease: Duration = attrs.field(factory=lambda: pendulum.duration(minutes=5))
    retry: RetryStrategy = attrs.field(factory=_default_retry)
    periodic_cron: str = "* * * * * */5"
    stalled_cron: str = "* * * * *"
    stalled_after_seconds: float = 30.0

    def __attrs_post_init__(self) -> None:
        if self.sweep_limit <= 0:
            raise ValueError(f"sweep_limit must be positive, got {self.sweep_limit}")
        if self.lease <= pendulum.duration():
            raise ValueError(f"lease must be positive, got {self.lease}")
