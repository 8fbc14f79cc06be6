"""Domain events: facts raised by a command, written to the outbox in its transaction."""

from __future__ import annotations

from typing import Any

import attrs
from pendulum import DateTime

__all__ = ["DomainEvent", "event_name"]


@attrs.frozen
class DomainEvent:
    """Base of every event; subclasses are past-tense facts (``OrderPlaced``)."""

    occurred_at: DateTime


def event_name(event: DomainEvent | type[DomainEvent]) -> str:
    """The stable name an event is stored and routed under (its class name)."""
    cls: type[Any] = event if isinstance(event, type) else type(event)
    return cls.__name__
