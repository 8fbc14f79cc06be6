"""What the HTTP channels share: one client, failures of the wire as results, short details."""

from __future__ import annotations

import httpx

from booking_core.ports.notifier import DeliveryOutcome, DeliveryResult

__all__ = ["DETAIL_LIMIT", "new_client", "retryable_status", "short", "transport_failure"]

#: How much of a provider's answer a delivery log line keeps.
DETAIL_LIMIT = 200


def new_client(timeout: float) -> httpx.Client:
    """A client that never follows redirects: a provider that moved is a configuration fix."""
    return httpx.Client(timeout=timeout, follow_redirects=False)


def short(text: str, limit: int = DETAIL_LIMIT) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def retryable_status(status: int) -> bool:
    """Whether an HTTP status says "not now" rather than "never": 408, 425, 429 and 5xx."""
    return status in (408, 425, 429) or status >= 500


def transport_failure(exc: httpx.HTTPError) -> DeliveryResult:
    """A request that got no answer: retry later, unless the address itself is unusable."""
    detail = short(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return DeliveryResult(DeliveryOutcome.REJECTED, detail=detail)
    return DeliveryResult(DeliveryOutcome.RETRY_LATER, detail=detail)
