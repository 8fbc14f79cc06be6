"""Writing domain events to the outbox inside the command's unit of work."""

from __future__ import annotations

from collections.abc import Iterable

import cattrs

from booking_core.events import DomainEvent, event_name
from booking_core.outbox import OutboxMessage
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import UnitOfWork

__all__ = ["record_events"]


def record_events(
    uow: UnitOfWork, events: Iterable[DomainEvent], *, converter: cattrs.Converter, ids: IdSource
) -> None:
    """Add one outbox message per event, in the caller's transaction."""
    for event in events:
        uow.outbox.add(
            OutboxMessage(
                id=ids.new_id("msg"),
                name=event_name(event),
                payload=converter.unstructure(event),
                created_at=event.occurred_at,
            )
        )
