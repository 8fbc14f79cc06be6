"""One audit entry: who (a platform staff member), what (a dotted action on a subject),
when, and the subject before and after, as plain JSON."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidInput
from booking_core.staff.roles import StaffRole
from booking_core.timerange import ensure_aware

__all__ = ["ACTION_PATTERN", "AuditEntry", "check_action"]

#: An action name: lower-case words joined by dots, most general first
#: (``catalog.service.create``); a prefix of whole words selects a family of them.
ACTION_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")

#: The longest action name and the longest reason kept.
_MAX_ACTION: Final = 80
_MAX_REASON: Final = 500


def check_action(value: str, field: str = "action") -> str:
    """``value`` if it is an action name (see :data:`ACTION_PATTERN`).

    Raises:
        InvalidInput: it is not.
    """
    if (
        not isinstance(value, str)
        or len(value) > _MAX_ACTION
        or ACTION_PATTERN.fullmatch(value) is None
    ):
        raise InvalidInput(
            f"An action is lower-case words joined by dots, such as 'catalog.service.create' "
            f"(at most {_MAX_ACTION} characters); got {value!r}.",
            details={"field": field},
        )
    return value


def _action(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    check_action(value, attribute.name)


def _aware(value: object) -> DateTime:
    return ensure_aware(value, "audit instant")


def _not_blank(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(
            f"An audit entry's {attribute.name} is a non-empty string; got {value!r}.",
            details={"field": attribute.name},
        )


def _reason(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > _MAX_REASON:
        raise InvalidInput(
            f"A reason is at most {_MAX_REASON} characters.", details={"field": "reason"}
        )
    return value


def _snapshot(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else dict(value)


@attrs.frozen
class AuditEntry:
    """A platform staff member's action, as the audit log keeps it (append-only).

    Attributes:
        id: Unique id of the entry.
        at: When the action took effect (aware; the log compares instants).
        actor_id: Who acted (the platform actor's id).
        staff: The sub-role he acted in.
        action: What he did: a dotted name such as ``complaint.resolve``.
        subject_kind: What kind of record it changed (``order``, ``customer`` …).
        subject_id: Which one.
        before: The changed fields as they were (plain JSON), None for a creation.
        after: The changed fields as they became (plain JSON), None when nothing is left.
        reason: What the staff member said, if anything.
    """

    id: str = attrs.field(validator=_not_blank)
    at: DateTime = attrs.field(converter=_aware)
    actor_id: str = attrs.field(validator=_not_blank)
    staff: StaffRole = attrs.field(converter=StaffRole)
    action: str = attrs.field(validator=_action)
    subject_kind: str = attrs.field(validator=_not_blank)
    subject_id: str = attrs.field(validator=_not_blank)
    before: dict[str, Any] | None = attrs.field(default=None, converter=_snapshot)
    after: dict[str, Any] | None = attrs.field(default=None, converter=_snapshot)
    reason: str | None = attrs.field(default=None, converter=_reason)

    def is_in(self, family: str) -> bool:
        """Whether the action is ``family`` or below it (``order`` holds ``order.cancel``,
        not ``orders.x``)."""
        return self.action == family or self.action.startswith(family + ".")
