"""A notifier that records what it was asked to send."""

from __future__ import annotations

from booking_core.ports.notifier import DeliveryOutcome, DeliveryResult, Message

__all__ = ["RecordingNotifier"]


class RecordingNotifier:
    """Accepts every message once per dedupe key and keeps it in :attr:`sent`."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self._seen: set[str] = set()

    def send(self, message: Message) -> DeliveryResult:
        """Record ``message``; a repeated dedupe key is skipped."""
        if message.dedupe_key and message.dedupe_key in self._seen:
            return DeliveryResult(DeliveryOutcome.SKIPPED, detail="duplicate")
        self._seen.add(message.dedupe_key)
        self.sent.append(message)
        return DeliveryResult(DeliveryOutcome.ACCEPTED, provider_id=f"rec-{len(self.sent)}")
