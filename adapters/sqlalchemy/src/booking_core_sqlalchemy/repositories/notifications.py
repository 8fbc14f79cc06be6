"""Notifications in ``notifications`` (the inbox), their deliveries in
``notification_deliveries``, preferences in ``notification_preferences`` and one-time
subscription grants in ``subscription_grants``.

Inbox pages are keyset pages: the row comparison ``(created_at, id) < (:at, :id)`` over the
recipient's ``(recipient_role, recipient_id, created_at, id)`` index (the partial
``ix_notifications_unread`` for unread ones). Taking a grant is one conditional ``UPDATE``
(``remaining > 0``), so two transactions can never both take the last one: on PostgreSQL the
second waits for the first's row lock and re-checks the condition; on SQLite the writers are
serialized.
"""

from __future__ import annotations

from typing import Any, Final

from pendulum import DateTime, Time
from sqlalchemy import ColumnElement, Row, Select, bindparam, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from booking_core.errors import InvalidInput, NotFound
from booking_core.notifications import (
    Delivery,
    DeliveryStatus,
    InboxCursor,
    Notification,
    Preferences,
    QuietHours,
    Recipient,
)
from booking_core_sqlalchemy.repositories._base import (
    PerDialect,
    Repository,
    insert_or_nothing,
    new_values,
    rowcount,
    update_columns,
)
from booking_core_sqlalchemy.tables import (
    UtcDateTime,
    notification_deliveries,
    notification_preferences,
    notifications,
    subscription_grants,
)

__all__ = ["SqlAlchemyNotificationRepository"]

_n, _d, _p, _g = (
    notifications.c,
    notification_deliveries.c,
    notification_preferences.c,
    subscription_grants.c,
)

_MINE: Final = (_n.recipient_role == bindparam("role")) & (_n.recipient_id == bindparam("rid"))
_UNREAD: Final = _n.read_at.is_(None)

_INSERT: Final = insert_or_nothing(notifications)
_GET: Final = select(notifications).where(_n.id == bindparam("notification_id"))


def _inbox(*, after: bool, unread_only: bool) -> Select[Any]:
    conditions: list[ColumnElement[bool]] = [_MINE]
    if unread_only:
        conditions.append(_UNREAD)
    if after:
        edge = tuple_(bindparam("after_at", type_=UtcDateTime()), bindparam("after_id"))
        conditions.append(tuple_(_n.created_at, _n.id) < edge)
    return (
        select(notifications)
        .where(*conditions)
        .order_by(_n.created_at.desc(), _n.id.desc())
        .limit(bindparam("limit"))
    )


#: (after a cursor, unread only) → the inbox query of that shape.
_INBOX: Final = {
    (after, unread_only): _inbox(after=after, unread_only=unread_only)
    for after in (False, True)
    for unread_only in (False, True)
}
_UNREAD_COUNT: Final = select(func.count()).select_from(notifications).where(_MINE, _UNREAD)
_MARK_ALL_READ: Final = (
    update(notifications).where(_MINE, _UNREAD).values(read_at=bindparam("at", type_=UtcDateTime()))
)
_MARK_READ: Final = _MARK_ALL_READ.where(_n.id.in_(bindparam("ids", expanding=True)))

_INSERT_DELIVERY: Final = insert_or_nothing(notification_deliveries)
_DELIVERY: Final = select(notification_deliveries).where(_d.id == bindparam("delivery_id"))
_SAVE_DELIVERY: Final = update_columns(
    notification_deliveries, _d.id == bindparam("delivery_id"), keep=("id",)
)
_DELIVERIES: Final = (
    select(notification_deliveries)
    .where(_d.notification_id == bindparam("notification_id"))
    .order_by(_d.channel, _d.id)
)

_PREFERENCES: Final = select(notification_preferences).where(
    _p.recipient_role == bindparam("role"), _p.recipient_id == bindparam("rid")
)

_GRANT_KEY: Final = (
    (_g.recipient_role == bindparam("role"))
    & (_g.recipient_id == bindparam("rid"))
    & (_g.template == bindparam("tmpl"))
)
_GRANTS_LEFT: Final = select(_g.remaining).where(_GRANT_KEY)
_CONSUME: Final = (
    update(subscription_grants)
    .where(_GRANT_KEY, _g.remaining > 0)
    .values(remaining=_g.remaining - 1)
)


def _save_preferences(dialect: Any) -> Any:
    insert = dialect.insert(notification_preferences)
    return insert.on_conflict_do_update(
        index_elements=["recipient_role", "recipient_id"],
        set_={
            name: insert.excluded[name]
            for name in ("muted", "quiet_start", "quiet_end", "quiet_time_zone", "locale")
        },
    )


def _grant(dialect: Any) -> Any:
    # One statement: two grants at once add up instead of one overwriting the other.
    insert = dialect.insert(subscription_grants)
    return insert.on_conflict_do_update(
        index_elements=["recipient_role", "recipient_id", "template"],
        set_={"remaining": subscription_grants.c.remaining + insert.excluded.remaining},
    ).returning(subscription_grants.c.remaining)


_SAVE_PREFERENCES: Final = PerDialect(
    sqlite=_save_preferences(sqlite), postgres=_save_preferences(postgresql)
)
_GRANT: Final = PerDialect(sqlite=_grant(sqlite), postgres=_grant(postgresql))


def _whom(recipient: Recipient) -> dict[str, str]:
    return {"role": recipient.role, "rid": recipient.id}


def _notification_to_row(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.id,
        "recipient_role": notification.recipient.role,
        "recipient_id": notification.recipient.id,
        "template": notification.template,
        "params": notification.params,
        "kind": notification.kind,
        "subject": notification.subject,
        "created_at": notification.created_at,
        "urgent": notification.urgent,
        "read_at": notification.read_at,
    }


def _notification_to_domain(row: Row[Any]) -> Notification:
    return Notification(
        id=row.id,
        recipient=Recipient(row.recipient_role, row.recipient_id),
        template=row.template,
        params=dict(row.params),
        kind=row.kind,
        subject=row.subject,
        created_at=row.created_at,
        urgent=row.urgent,
        read_at=row.read_at,
    )


def _delivery_to_row(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "notification_id": delivery.notification_id,
        "channel": delivery.channel,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "provider_id": delivery.provider_id,
        "detail": delivery.detail,
        "updated_at": delivery.updated_at,
    }


def _delivery_to_domain(row: Row[Any]) -> Delivery:
    return Delivery(
        id=row.id,
        notification_id=row.notification_id,
        channel=row.channel,
        status=DeliveryStatus(row.status),
        updated_at=row.updated_at,
        attempts=row.attempts,
        provider_id=row.provider_id,
        detail=row.detail,
    )


def _preferences_to_row(preferences: Preferences) -> dict[str, Any]:
    quiet = preferences.quiet_hours
    return {
        "recipient_role": preferences.recipient.role,
        "recipient_id": preferences.recipient.id,
        # Sorted: the same settings are the same document.
        "muted": [list(pair) for pair in sorted(preferences.muted)],
        "quiet_start": None if quiet is None else quiet.start.isoformat(),
        "quiet_end": None if quiet is None else quiet.end.isoformat(),
        "quiet_time_zone": None if quiet is None else quiet.time_zone,
        "locale": preferences.locale,
    }


def _preferences_to_domain(row: Row[Any]) -> Preferences:
    quiet = None
    if row.quiet_start is not None:
        quiet = QuietHours(
            Time.fromisoformat(row.quiet_start),
            Time.fromisoformat(row.quiet_end),
            row.quiet_time_zone,
        )
    return Preferences(
        Recipient(row.recipient_role, row.recipient_id),
        muted=frozenset((kind, channel) for kind, channel in row.muted),
        quiet_hours=quiet,
        locale=row.locale,
    )


class SqlAlchemyNotificationRepository(Repository):
    """Notifications, deliveries, preferences and grants: one statement per method."""

    entity = "notification"

    # -- the inbox -------------------------------------------------------------------------

    def add(self, notification: Notification) -> bool:
        """Store it unless its id is taken (``INSERT ... ON CONFLICT DO NOTHING``)."""
        result = self._conn.execute(_INSERT.on(self._postgres), _notification_to_row(notification))
        return rowcount(result) == 1

    def get(self, notification_id: str) -> Notification:
        """The notification. Raises NotFound (``notification_not_found``)."""
        row = self._one(_GET, {"notification_id": notification_id}, notification_id)
        return _notification_to_domain(row)

    def inbox(
        self,
        recipient: Recipient,
        *,
        limit: int,
        after: InboxCursor | None = None,
        unread_only: bool = False,
    ) -> list[Notification]:
        """The recipient's notifications newest first after ``after``: one ``SELECT``."""
        params: dict[str, Any] = {**_whom(recipient), "limit": limit}
        if after is not None:
            params["after_at"], params["after_id"] = after.created_at, after.notification_id
        statement = _INBOX[after is not None, unread_only]
        return [_notification_to_domain(row) for row in self._conn.execute(statement, params)]

    def unread_count(self, recipient: Recipient) -> int:
        """How many of the recipient's notifications are unread."""
        count: int = self._conn.execute(_UNREAD_COUNT, _whom(recipient)).scalar_one()
        return count

    def mark_read(self, recipient: Recipient, notification_ids: list[str], at: DateTime) -> int:
        """Mark the recipient's unread ones among ``notification_ids`` read: one ``UPDATE``."""
        if not notification_ids:
            return 0
        params = {**_whom(recipient), "at": at, "ids": list(notification_ids)}
        return rowcount(self._conn.execute(_MARK_READ, params))

    def mark_all_read(self, recipient: Recipient, at: DateTime) -> int:
        """Mark every unread notification of the recipient read: one ``UPDATE``."""
        return rowcount(self._conn.execute(_MARK_ALL_READ, {**_whom(recipient), "at": at}))

    # -- deliveries ------------------------------------------------------------------------

    def add_delivery(self, delivery: Delivery) -> bool:
        """Store the line unless its id is taken."""
        result = self._conn.execute(_INSERT_DELIVERY.on(self._postgres), _delivery_to_row(delivery))
        return rowcount(result) == 1

    def get_delivery(self, delivery_id: str) -> Delivery:
        """The line. Raises NotFound (``delivery_not_found``)."""
        row = self._conn.execute(_DELIVERY, {"delivery_id": delivery_id}).first()
        if row is None:
            raise NotFound("delivery", delivery_id)
        return _delivery_to_domain(row)

    def save_delivery(self, delivery: Delivery) -> None:
        """Replace the line. Raises NotFound (``delivery_not_found``) if there is none."""
        values = _delivery_to_row(delivery)
        del values["id"]
        params = new_values(values, delivery_id=delivery.id)
        if not rowcount(self._conn.execute(_SAVE_DELIVERY, params)):
            raise NotFound("delivery", delivery.id)

    def deliveries(self, notification_id: str) -> list[Delivery]:
        """The notification's lines by channel."""
        rows = self._conn.execute(_DELIVERIES, {"notification_id": notification_id})
        return [_delivery_to_domain(row) for row in rows]

    # -- preferences -----------------------------------------------------------------------

    def preferences(self, recipient: Recipient) -> Preferences:
        """The saved preferences, or the defaults."""
        row = self._conn.execute(_PREFERENCES, _whom(recipient)).first()
        return Preferences(recipient) if row is None else _preferences_to_domain(row)

    def save_preferences(self, preferences: Preferences) -> None:
        """Insert or replace the recipient's row: one statement."""
        self._conn.execute(_SAVE_PREFERENCES.on(self._postgres), _preferences_to_row(preferences))

    # -- subscription grants ---------------------------------------------------------------

    def grant(self, recipient: Recipient, template: str, count: int) -> int:
        """Add ``count`` grants (insert or add up, one statement); the grants left."""
        if isinstance(count, bool) or count < 1:
            raise InvalidInput(
                f"Grant at least one message, not {count!r}.", details={"field": "count"}
            )
        values = {
            "recipient_role": recipient.role,
            "recipient_id": recipient.id,
            "template": template,
            "remaining": count,
        }
        left: int = self._conn.execute(_GRANT.on(self._postgres), values).scalar_one()
        return left

    def grants_left(self, recipient: Recipient, template: str) -> int:
        """The grants left (0 when none were ever given)."""
        params = {**_whom(recipient), "tmpl": template}
        left: int | None = self._conn.execute(_GRANTS_LEFT, params).scalar_one_or_none()
        return left or 0

    def consume_grant(self, recipient: Recipient, template: str) -> bool:
        """Take one grant: ``UPDATE ... SET remaining = remaining - 1 WHERE ... AND
        remaining > 0``; True if it changed the row."""
        params = {**_whom(recipient), "tmpl": template}
        return rowcount(self._conn.execute(_CONSUME, params)) == 1
