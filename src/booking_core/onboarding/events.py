"""Events raised by technicians' applications and their documents."""

from __future__ import annotations

import attrs
from pendulum import Date

from booking_core.events import DomainEvent

__all__ = ["ApplicationStateChanged", "ApplicationSubmitted", "TechnicianDocumentExpiring"]


@attrs.frozen
class ApplicationSubmitted(DomainEvent):
    """A technician applied with his documents; the platform's review queue has it."""

    application_id: str
    technician_id: str
    document_kinds: tuple[str, ...]


@attrs.frozen
class ApplicationStateChanged(DomainEvent):
    """An application was approved, rejected, sent back for more, or resubmitted."""

    application_id: str
    technician_id: str
    event: str
    from_state: str
    to_state: str
    actor_id: str
    actor_role: str
    reason: str


@attrs.frozen
class TechnicianDocumentExpiring(DomainEvent):
    """A required document of an approved technician expires soon: he stops being bookable
    on ``expires_on`` unless he reapplies with a new one (a reminder to send him)."""

    application_id: str
    technician_id: str
    kinds: tuple[str, ...]
    expires_on: Date
