"""How long a failed job or outbox message waits before its next try."""

from __future__ import annotations

import hashlib

import attrs
import pendulum
from pendulum import Duration

__all__ = ["Backoff"]


@attrs.frozen
class Backoff:
    """Exponential backoff with "equal jitter": after the n-th failed attempt the wait is
    ``min(cap, base * 2**(n-1))``, of which the second half is scaled by a jitter fraction
    in ``[0, 1)``.

    The fraction is a hash of the work's id and the attempt, not a random draw: retries of
    many jobs that failed together (a provider outage) spread out, while one job's waits
    stay reproducible in tests and across workers.
    """

    base: Duration = attrs.field(factory=lambda: pendulum.duration(seconds=30))
    cap: Duration = attrs.field(factory=lambda: pendulum.duration(hours=1))

    def after(self, key: str, attempts: int) -> Duration:
        """The wait after ``attempts`` failed attempts (at least one) of the work ``key``."""
        exponent = max(attempts, 1) - 1
        full = min(self.cap.total_seconds(), self.base.total_seconds() * 2 ** min(exponent, 40))
        digest = hashlib.sha256(f"{key}:{attempts}".encode()).digest()
        fraction = int.from_bytes(digest[:8], "big") / 2**64
        return pendulum.duration(seconds=round(full / 2 + full / 2 * fraction, 3))
