"""The audit log of platform actions (issue 10): who, what, when, before and after.

Every change a platform staff member makes through the services is recorded as one
:class:`AuditEntry`, in the unit of work of the change itself (a rolled-back change leaves
no entry). Staff with :attr:`~booking_core.staff.Permission.AUDIT` read the log with an
:class:`AuditQuery` (``AuditService.entries``).
"""

from booking_core.audit.entry import AuditEntry, check_action
from booking_core.audit.query import AuditCursor, AuditQuery

__all__ = ["AuditCursor", "AuditEntry", "AuditQuery", "check_action"]
