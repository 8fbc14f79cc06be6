"""Every template the core emits, with the parameters it fills and the kind of message it is.

Channel adapters keep one rendering per template and locale; their tests render each one
with exactly these parameters, so a template that needs a name the core does not send fails
there, not in production.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from booking_core.notifications.kinds import NotificationKind

__all__ = ["TEMPLATES", "template_kind"]


_ORDER = ("order_id", "order_number", "service", "start")
#: A withdrawal's: its id, what was asked for (fee included) and what is paid out.
_WITHDRAWAL = ("withdrawal_id", "amount", "net")

#: template id → (kind, parameter names). ``start`` is the slot's local start in the
#: order's zone, written ``YYYY-MM-DD HH:mm`` (the zone is where the service happens);
#: ``deadline`` — when an offer lapses — likewise, to the second (``YYYY-MM-DD HH:mm:ss``).
_CATALOG: dict[str, tuple[NotificationKind, tuple[str, ...]]] = {
    "order_placed": (NotificationKind.ORDERS, _ORDER),
    "order_paid": (NotificationKind.PAYMENTS, (*_ORDER, "amount")),
    "order_accepted": (NotificationKind.ORDERS, (*_ORDER, "technician")),
    "technician_departed": (NotificationKind.ORDERS, (*_ORDER, "technician")),
    "technician_arrived": (NotificationKind.ORDERS, (*_ORDER, "technician")),
    "order_completed": (NotificationKind.ORDERS, _ORDER),
    "order_cancelled": (NotificationKind.ORDERS, (*_ORDER, "reason")),
    "order_rescheduled": (NotificationKind.ORDERS, (*_ORDER, "previous_start")),
    "order_assigned": (NotificationKind.ORDERS, _ORDER),
    "order_unassigned": (NotificationKind.ORDERS, _ORDER),
    "technician_changed": (NotificationKind.ORDERS, (*_ORDER, "technician")),
    "order_offered": (NotificationKind.ORDERS, (*_ORDER, "deadline")),
    "order_open_for_grab": (NotificationKind.ORDERS, _ORDER),
    "order_refunded": (NotificationKind.PAYMENTS, (*_ORDER, "amount")),
    "order_needs_attention": (NotificationKind.OPERATIONS, (*_ORDER, "problem", "detail")),
    "complaint_opened": (NotificationKind.COMPLAINTS, (*_ORDER, "complaint_id")),
    "complaint_resolved": (NotificationKind.COMPLAINTS, (*_ORDER, "complaint_id", "outcome")),
    "reminder_soon": (NotificationKind.REMINDERS, (*_ORDER, "minutes")),
    "reminder_day_before": (NotificationKind.REMINDERS, _ORDER),
    "application_decided": (NotificationKind.ACCOUNT, ("application_id", "outcome", "reason")),
    "document_expiring": (NotificationKind.ACCOUNT, ("application_id", "documents", "expires_on")),
    "tip_received": (NotificationKind.PAYMENTS, (*_ORDER, "amount")),
    "review_received": (NotificationKind.ORDERS, (*_ORDER, "stars")),
    "review_replied": (NotificationKind.ORDERS, (*_ORDER, "review_id")),
    "review_followed_up": (NotificationKind.ORDERS, (*_ORDER, "review_id")),
    "review_hidden": (NotificationKind.ORDERS, (*_ORDER, "review_id", "reason")),
    "review_appealed": (NotificationKind.OPERATIONS, (*_ORDER, "review_id")),
    "review_appeal_decided": (NotificationKind.ORDERS, (*_ORDER, "review_id", "outcome")),
    "withdrawal_to_approve": (NotificationKind.OPERATIONS, (*_WITHDRAWAL, "payee")),
    "withdrawal_approved": (NotificationKind.PAYMENTS, _WITHDRAWAL),
    "withdrawal_rejected": (NotificationKind.PAYMENTS, (*_WITHDRAWAL, "reason")),
    "withdrawal_paid": (NotificationKind.PAYMENTS, _WITHDRAWAL),
    "withdrawal_failed": (NotificationKind.PAYMENTS, (*_WITHDRAWAL, "reason")),
}

#: template id → the parameter names the core fills for it (and no others).
TEMPLATES: Mapping[str, frozenset[str]] = MappingProxyType(
    {template: frozenset(params) for template, (_, params) in _CATALOG.items()}
)


def template_kind(template: str) -> NotificationKind:
    """The kind of message ``template`` is. Raises KeyError for an unknown template."""
    return _CATALOG[template][0]
