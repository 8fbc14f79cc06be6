"""In-memory notifications, their deliveries, preferences and subscription grants."""

from __future__ import annotations

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidInput, NotFound
from booking_core.notifications import (
    Delivery,
    InboxCursor,
    Notification,
    Preferences,
    Recipient,
)
from booking_core.testing.memory.table import Table

__all__ = ["InMemoryNotifications"]

_DELIVERIES = "notification_deliveries"
_PREFERENCES = "notification_preferences"
_GRANTS = "subscription_grants"


def _key(*parts: str) -> str:
    # NUL joins the parts: no stored text holds it (PostgreSQL refuses it in text), so the
    # key is unambiguous whatever the ids contain.
    return "\0".join(parts)


def _copy(notification: Notification) -> Notification:
    # Its params are a mutable dict: neither the caller's nor a reader's changes may reach
    # the stored row (they would not reach a database either).
    return attrs.evolve(notification, params=dict(notification.params))


def _sort_key(notification: Notification) -> tuple[DateTime, str]:
    return notification.created_at, notification.id


class InMemoryNotifications(Table):
    """:class:`~booking_core.ports.storage.NotificationRepository` over a snapshot
    (notifications in its own table, deliveries in ``notification_deliveries``, preferences
    in ``notification_preferences``, grants — remaining counts — in
    ``subscription_grants``)."""

    # -- the inbox -------------------------------------------------------------------------

    def add(self, notification: Notification) -> bool:
        if notification.id in self.rows:
            return False
        self.rows[notification.id] = _copy(notification)
        return True

    def get(self, notification_id: str) -> Notification:
        return _copy(self._get(notification_id))

    def _of(self, recipient: Recipient) -> list[Notification]:
        return [n for n in self.rows.values() if n.recipient == recipient]

    def inbox(
        self,
        recipient: Recipient,
        *,
        limit: int,
        after: InboxCursor | None = None,
        unread_only: bool = False,
    ) -> list[Notification]:
        found = [
            n
            for n in self._of(recipient)
            if not (unread_only and n.read_at is not None)
            and (after is None or _sort_key(n) < (after.created_at, after.notification_id))
        ]
        found.sort(key=_sort_key, reverse=True)
        return [_copy(n) for n in found[:limit]]

    def unread_count(self, recipient: Recipient) -> int:
        return sum(1 for n in self._of(recipient) if n.read_at is None)

    def _mark(self, unread: list[Notification], at: DateTime) -> int:
        for notification in unread:
            self.rows[notification.id] = attrs.evolve(notification, read_at=at)
        return len(unread)

    def mark_read(self, recipient: Recipient, notification_ids: list[str], at: DateTime) -> int:
        wanted = set(notification_ids)
        return self._mark(
            [n for n in self._of(recipient) if n.id in wanted and n.read_at is None], at
        )

    def mark_all_read(self, recipient: Recipient, at: DateTime) -> int:
        return self._mark([n for n in self._of(recipient) if n.read_at is None], at)

    # -- deliveries ------------------------------------------------------------------------

    def add_delivery(self, delivery: Delivery) -> bool:
        deliveries = self.table(_DELIVERIES)
        if delivery.id in deliveries:
            return False
        deliveries[delivery.id] = delivery
        return True

    def get_delivery(self, delivery_id: str) -> Delivery:
        try:
            found: Delivery = self.table(_DELIVERIES)[delivery_id]
        except KeyError:
            raise NotFound("delivery", delivery_id) from None
        return found

    def save_delivery(self, delivery: Delivery) -> None:
        self.get_delivery(delivery.id)
        self.table(_DELIVERIES)[delivery.id] = delivery

    def deliveries(self, notification_id: str) -> list[Delivery]:
        found = [
            d for d in self.table(_DELIVERIES).values() if d.notification_id == notification_id
        ]
        return sorted(found, key=lambda d: (d.channel, d.id))

    # -- preferences -----------------------------------------------------------------------

    def preferences(self, recipient: Recipient) -> Preferences:
        found: Preferences | None = self.table(_PREFERENCES).get(_key(recipient.role, recipient.id))
        return Preferences(recipient) if found is None else found

    def save_preferences(self, preferences: Preferences) -> None:
        recipient = preferences.recipient
        self.table(_PREFERENCES)[_key(recipient.role, recipient.id)] = preferences

    # -- subscription grants ---------------------------------------------------------------

    def grant(self, recipient: Recipient, template: str, count: int) -> int:
        if isinstance(count, bool) or count < 1:
            raise InvalidInput(
                f"Grant at least one message, not {count!r}.", details={"field": "count"}
            )
        key = _key(recipient.role, recipient.id, template)
        grants = self.table(_GRANTS)
        left: int = grants.get(key, 0) + count
        grants[key] = left
        return left

    def grants_left(self, recipient: Recipient, template: str) -> int:
        left: int = self.table(_GRANTS).get(_key(recipient.role, recipient.id, template), 0)
        return left

    def consume_grant(self, recipient: Recipient, template: str) -> bool:
        # Units of work run one at a time here, so read-then-write is already atomic.
        key = _key(recipient.role, recipient.id, template)
        grants = self.table(_GRANTS)
        left: int = grants.get(key, 0)
        if left < 1:
            return False
        grants[key] = left - 1
        return True
