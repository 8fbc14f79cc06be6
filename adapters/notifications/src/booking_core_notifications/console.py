"""A notifier that writes each rendered message as one line: for local runs and demos."""

from __future__ import annotations

from typing import TextIO

from booking_core.errors import BookingError
from booking_core.ports.notifier import DeliveryOutcome, DeliveryResult, Message
from booking_core_notifications._http import short
from booking_core_notifications.templates import Renderer

__all__ = ["ConsoleNotifier"]


class ConsoleNotifier:
    """Writes ``[channel → recipient] title | body #dedupe_key`` per message to ``out``.

    The body's line breaks become `` / `` so that every message is exactly one line. For
    embedded and local use only: whoever reads the stream reads every message.
    """

    def __init__(self, out: TextIO, *, renderer: Renderer | None = None) -> None:
        self._out = out
        self._renderer = renderer or Renderer()

    def send(self, message: Message) -> DeliveryResult:
        """Render ``message`` and write it as one line."""
        try:
            rendered = self._renderer.render(message.template, message.locale, message.params)
        except BookingError as exc:
            return DeliveryResult(DeliveryOutcome.REJECTED, detail=short(exc.message))
        body = " / ".join(line.strip() for line in rendered.body.splitlines() if line.strip())
        line = f"[{message.channel} → {message.recipient}] {rendered.title} | {body}"
        if message.dedupe_key:
            line += f" #{message.dedupe_key}"
        try:
            self._out.write(line + "\n")
            self._out.flush()
        except (OSError, ValueError) as exc:  # a closed or broken stream
            return DeliveryResult(DeliveryOutcome.RETRY_LATER, detail=short(str(exc)))
        return DeliveryResult(DeliveryOutcome.ACCEPTED, provider_id="console", detail="written")
