"""Showing an order's contact copy — phone and address — full or masked (P11, I25)."""

from __future__ import annotations

from booking_core.errors import NotFound
from booking_core.ids import OrderId
from booking_core.orders import Actor, Role
from booking_core.orders.privacy import ContactView, PrivacyPolicy, contact_for
from booking_core.ports.clock import Clock
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.services._access import check_staff
from booking_core.services.steps.audit import AuditTrail
from booking_core.services.steps.orders import visible_order
from booking_core.staff import Permission

__all__ = ["ContactService"]


class ContactService:
    """Answers "whom do I call, where do I go" for an order, by the privacy rule.

    The rule is :func:`~booking_core.orders.privacy.contact_for`'s: the customer sees his
    own; the assigned technician sees it in full from his acceptance until the window after
    completion closes; platform staff see it masked, or in full when they give a reason and
    hold :attr:`~booking_core.staff.Permission.CONTACT` — and that reveal is written to the
    audit log in the same transaction, so no one sees it unrecorded.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, policy: PrivacyPolicy, audit: AuditTrail
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._policy = policy
        self._audit = audit

    @property
    def policy(self) -> PrivacyPolicy:
        """The privacy rules in force."""
        return self._policy

    def view(self, order_id: OrderId, actor: Actor, *, reason: str = "") -> ContactView:
        """The order's phone and address as ``actor`` may see them now.

        Raises:
            NotFound: no such order or ``actor`` may not see it (``order_not_found``); or the
                order was placed without an address-book entry (``contact_not_found``).
            PermissionDenied: a platform reason was given by staff without the contact
                permission (nothing is revealed or recorded).
            InvalidInput: ``reason`` is longer than the audit log keeps (500 characters).
        """
        why = reason.strip()
        if why:
            check_staff(actor, Permission.CONTACT, "sees a customer's full contact")
        with self._uow() as uow:
            order = visible_order(uow, order_id, actor)
            if order.contact is None:
                raise NotFound("contact", order_id)
            shown = contact_for(
                order,
                actor,
                self._clock.now(),
                self._policy,
                phone=order.contact.phone,
                address=order.contact,
                reason=why if actor.role is Role.PLATFORM else "",
            )
            if shown.audit is not None:
                self._audit.record(
                    uow,
                    actor,
                    "order.contact.reveal",
                    ("order", order.id),
                    reason=shown.audit.reason,
                )
                uow.commit()
        return shown
