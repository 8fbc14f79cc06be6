"""A notifier that prints each message: demo mode's SMS gateway for one-time codes."""

from __future__ import annotations

import sys
from typing import TextIO

from booking_core.ports.notifier import DeliveryOutcome, DeliveryResult, Message

__all__ = ["ConsoleNotifier"]


class ConsoleNotifier:
    """Prints every message to ``out`` (standard output by default) instead of sending it.

    For demo mode and local runs only: it shows one-time codes to whoever reads the console.
    """

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out

    def send(self, message: Message) -> DeliveryResult:
        """Print ``message``: channel, recipient, template and parameters."""
        params = ", ".join(f"{key}={value}" for key, value in sorted(message.params.items()))
        print(
            f"[{message.channel} to {message.recipient}] {message.template}: {params}",
            file=self._out or sys.stdout,
            flush=True,
        )
        return DeliveryResult(DeliveryOutcome.ACCEPTED, provider_id="console")
