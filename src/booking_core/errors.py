"""The one error tree of booking_core.

Every rule violation raises a subclass of :class:`BookingError` that carries a stable,
machine-readable ``code`` and a message a person can act on. The reference server maps the
families below to HTTP statuses (RFC 9457 problem+json); an embedding app can do the same.

::

    BookingError                      code           family
    ├── InvalidInput                  invalid_input  the caller sent something malformed
    │   ├── InvalidMoney              invalid_money
    │   ├── CurrencyMismatch          currency_mismatch
    │   ├── InvalidTimeRange          invalid_time_range
    │   ├── InvalidTimeZone           invalid_time_zone
    │   ├── InvalidSchedule           invalid_schedule
    │   └── ServiceNotOffered         service_not_offered
    ├── NotFound                      <entity>_not_found
    ├── Conflict                      conflict       the request lost to the stored state
    │   ├── SlotTaken                 slot_taken
    │   ├── SlotUnavailable           slot_unavailable
    │   ├── TransitionNotAllowed      transition_not_allowed
    │   ├── ConcurrentUpdate          concurrent_update
    │   ├── IdempotencyConflict       idempotency_conflict
    │   ├── ReviewNotAllowed          review_not_allowed
    │   └── DuplicateEntity           <entity>_exists
    ├── PermissionDenied              permission_denied
    └── PaymentError                  payment_error  a dependency failed or refused
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "BookingError",
    "Conflict",
    "ConcurrentUpdate",
    "CurrencyMismatch",
    "DuplicateEntity",
    "IdempotencyConflict",
    "InvalidInput",
    "InvalidMoney",
    "InvalidSchedule",
    "InvalidTimeRange",
    "InvalidTimeZone",
    "NotFound",
    "PaymentError",
    "PermissionDenied",
    "ReviewNotAllowed",
    "ServiceNotOffered",
    "SlotTaken",
    "SlotUnavailable",
    "TransitionNotAllowed",
]


class BookingError(Exception):
    """Root of every error booking_core raises on purpose.

    Attributes:
        code: Stable machine-readable code; never changes between releases.
        message: What went wrong and what the caller can do about it.
        details: Extra machine-readable facts (ids, limits) for the caller.
    """

    code: ClassVar[str] = "booking_error"

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    @property
    def error_code(self) -> str:
        """The code of this instance (entity-specific for some families)."""
        return self.code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.error_code!r}, {self.message!r})"


class InvalidInput(BookingError):
    """The input is malformed or breaks a validation rule; nothing was changed."""

    code = "invalid_input"


class InvalidMoney(InvalidInput):
    """An amount is not an integer of minor units, or the currency is not ISO 4217."""

    code = "invalid_money"


class CurrencyMismatch(InvalidInput):
    """Two amounts in different currencies were combined."""

    code = "currency_mismatch"


class InvalidTimeRange(InvalidInput):
    """A time range ends before it starts, or a time is naive (has no zone)."""

    code = "invalid_time_range"


class InvalidTimeZone(InvalidInput):
    """A time zone name is not a known IANA zone."""

    code = "invalid_time_zone"


class InvalidSchedule(InvalidInput):
    """Working hours or scheduling settings contradict themselves."""

    code = "invalid_schedule"


class ServiceNotOffered(InvalidInput):
    """The technician does not perform the requested service."""

    code = "service_not_offered"


class NotFound(BookingError):
    """A referenced entity does not exist (or is not visible to the caller)."""

    code = "not_found"

    def __init__(self, entity: str, entity_id: str) -> None:
        super().__init__(
            f"No {entity.replace('_', ' ')} with id {entity_id!r} exists.",
            details={"entity": entity, "id": entity_id},
        )
        self.entity = entity
        self.entity_id = entity_id

    @property
    def error_code(self) -> str:
        return f"{self.entity}_not_found"


class Conflict(BookingError):
    """The request is well-formed but conflicts with the stored state."""

    code = "conflict"


class SlotTaken(Conflict):
    """The technician already has an active booking overlapping the requested time."""

    code = "slot_taken"


class SlotUnavailable(Conflict):
    """The requested start is not among the slots the availability rules offer."""

    code = "slot_unavailable"


class TransitionNotAllowed(Conflict):
    """The order's current state does not allow the requested transition."""

    code = "transition_not_allowed"


class ConcurrentUpdate(Conflict):
    """Someone else changed the entity first; reload and decide again."""

    code = "concurrent_update"


class ReviewNotAllowed(Conflict):
    """The order cannot be reviewed (not completed yet)."""

    code = "review_not_allowed"


class IdempotencyConflict(Conflict):
    """An idempotency key was reused with different parameters."""

    code = "idempotency_conflict"


class DuplicateEntity(Conflict):
    """An entity with the same id or unique key already exists."""

    code = "duplicate"

    def __init__(self, entity: str, entity_id: str) -> None:
        super().__init__(
            f"A {entity.replace('_', ' ')} with id {entity_id!r} already exists.",
            details={"entity": entity, "id": entity_id},
        )
        self.entity = entity

    @property
    def error_code(self) -> str:
        return f"{self.entity}_exists"


class PermissionDenied(BookingError):
    """The actor's role does not allow this action on this entity."""

    code = "permission_denied"


class PaymentError(BookingError):
    """The payment gateway refused or failed in a way the caller must handle."""

    code = "payment_error"
