"""Reading the audit log (issue 10): platform staff with the audit permission list who did
what, when, and what it changed. Entries are written by the services themselves, in the
unit of work of each change (:class:`~booking_core.services._audit.AuditTrail`)."""

from __future__ import annotations

from booking_core.audit import AuditEntry, AuditQuery
from booking_core.orders.actor import Actor
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.services._access import require_permission
from booking_core.staff import Permission

__all__ = ["AuditService"]


class AuditService:
    """Lists the audit log."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    def entries(self, actor: Actor, query: AuditQuery) -> list[AuditEntry]:
        """One page of the entries ``query`` asks for, newest first; the next page is
        ``attrs.evolve(query, after=AuditCursor.after(page[-1]))``.

        Raises:
            PermissionDenied: the actor is not platform staff with the audit permission.
        """
        require_permission(actor, Permission.AUDIT, "reads the audit log")
        with self._uow() as uow:
            return uow.audit.find(query)
