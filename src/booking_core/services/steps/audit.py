"""The audit step: recording platform actions in the audit log, one helper every service calls.

A service calls :meth:`AuditTrail.record` inside the unit of work of the change, before it
commits, so the entry and the change are one transaction (a rollback drops both). Only
platform actors are recorded; for anyone else the call does nothing, so a service calls it
whoever acts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import cattrs

from booking_core.audit import AuditEntry
from booking_core.orders.actor import Actor, Role
from booking_core.orders.order import Order
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import UnitOfWork
from booking_core.staff import StaffRole

__all__ = ["AuditTrail", "Subject", "order_facts"]

#: What an entry is about: ``(kind, id)``, e.g. ``("order", "ord_1")``.
Subject = tuple[str, str]


def order_facts(order: Order) -> dict[str, Any]:
    """The facts of an order a platform action may change (its timeline and quote stay out:
    the order keeps them itself). Take it before the change and after it."""
    return {
        "state": order.state,
        "technician_id": order.technician_id,
        "service_id": order.service_id,
        "booking_id": order.booking_id,
        "slot": order.slot,
        "price": order.price,
        "refunded": order.refunded,
        "cancel_cause": order.cancel_cause,
        "version": order.version,
    }


class AuditTrail:
    """Appends audit entries of platform actions (ids and instants from the app's ports,
    snapshots in the one converter's wire form)."""

    def __init__(self, clock: Clock, ids: IdSource, converter: cattrs.Converter) -> None:
        self._clock = clock
        self._ids = ids
        self._converter = converter

    def snapshot(self, value: object) -> dict[str, Any] | None:
        """``value`` (a record, or a mapping of its fields) as plain JSON; None stays None."""
        if value is None:
            return None
        if isinstance(value, Mapping):
            value = dict(value)
        elif not attrs.has(type(value)):
            raise TypeError(f"An audit snapshot is a record or a mapping; got {value!r}.")
        plain = self._converter.unstructure(value)
        assert isinstance(plain, dict)
        return plain

    def record(
        self,
        uow: UnitOfWork,
        actor: Actor,
        action: str,
        subject: Subject,
        *,
        before: object = None,
        after: object = None,
        reason: str | None = None,
    ) -> AuditEntry | None:
        """Append the entry of ``actor``'s ``action`` on ``subject`` to ``uow``'s audit log
        (nothing for a non-platform actor). With both ``before`` and ``after`` only the
        fields that differ are kept; a creation has no ``before``.

        Returns:
            The entry appended, or None.
        """
        if actor.role is not Role.PLATFORM:
            return None
        old, new = self.snapshot(before), self.snapshot(after)
        if old is not None and new is not None:
            changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
            old = {k: old[k] for k in changed if k in old}
            new = {k: new[k] for k in changed if k in new}
        entry = AuditEntry(
            id=self._ids.new_id("aud"),
            at=self._clock.now(),
            actor_id=actor.id,
            staff=actor.staff or StaffRole.SUPER_ADMIN,
            action=action,
            subject_kind=subject[0],
            subject_id=subject[1],
            before=old,
            after=new,
            reason=reason,
        )
        uow.audit.append(entry)
        return entry
