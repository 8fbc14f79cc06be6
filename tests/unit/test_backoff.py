"""Backoff: exponential, capped, jittered by a hash of the work's id (issue 11)."""

from __future__ import annotations

import pendulum

from booking_core.services.backoff import Backoff


def test_waits_double_within_their_jitter_and_stop_at_the_cap() -> None:
    backoff = Backoff(base=pendulum.duration(seconds=30), cap=pendulum.duration(minutes=10))

    waits = [backoff.after("job_1", n).total_seconds() for n in range(1, 9)]

    # the n-th wait lies in [full/2, full) where full = min(cap, 30 s * 2**(n-1))
    for n, wait in enumerate(waits, start=1):
        full = min(600, 30 * 2 ** (n - 1))
        assert full / 2 <= wait < full
    assert max(waits) < 600


def test_the_jitter_spreads_jobs_that_failed_together_and_is_reproducible() -> None:
    backoff = Backoff()

    spread = {backoff.after(f"job_{n}", 3) for n in range(50)}

    assert len(spread) > 40  # fifty jobs failing at once do not come back at once
    assert backoff.after("job_7", 3) == Backoff().after("job_7", 3)
