"""The audit log of platform actions (issue 10): who did what, when, before and after."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, Field

from booking_core.audit import AuditEntry
from booking_server.paging import NextCursor
from booking_server.schemas.common import OutModel, in_zone

__all__ = ["AuditEntryOut", "AuditList"]


class AuditEntryOut(OutModel):
    """One platform action, as the audit log keeps it."""

    id: str
    at: AwareDatetime = Field(description="When it took effect (UTC).")
    actor_id: str = Field(description="The staff member who acted.")
    staff: str = Field(
        description="The sub-role he acted in: operations, finance, customer_service or "
        "super_admin."
    )
    action: str = Field(examples=["catalog.category.create", "order.contact.reveal"])
    subject_kind: str = Field(examples=["category", "order"])
    subject_id: str
    before: dict[str, Any] | None = Field(
        description="The changed fields as they were; null for a creation or a reveal."
    )
    after: dict[str, Any] | None = Field(
        description="The changed fields as they became; null when nothing is left."
    )
    reason: str | None = Field(description="What the staff member said, if anything.")

    @classmethod
    def from_domain(cls, entry: AuditEntry) -> AuditEntryOut:
        """The answer for ``entry``."""
        return cls(
            id=entry.id,
            at=in_zone(entry.at, "UTC"),
            actor_id=entry.actor_id,
            staff=entry.staff.value,
            action=entry.action,
            subject_kind=entry.subject_kind,
            subject_id=entry.subject_id,
            before=entry.before,
            after=entry.after,
            reason=entry.reason,
        )


class AuditList(OutModel):
    """Audit entries, newest first (then by id, larger first), one page."""

    items: list[AuditEntryOut]
    next_cursor: NextCursor = None
