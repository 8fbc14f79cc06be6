"""People's own notifications: the inbox (C14), their preferences, their WeChat grants."""

from __future__ import annotations

from pendulum import DateTime

from booking_core.errors import InvalidInput
from booking_core.notifications import (
    InboxCursor,
    Notification,
    NotificationKind,
    Preferences,
    QuietHours,
    Recipient,
)
from booking_core.notifications.catalog import TEMPLATES
from booking_core.orders.actor import Actor, Role
from booking_core.ports.clock import Clock
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.staff import StaffRole

__all__ = ["NotificationService", "recipient_of"]

#: Most grants one prompt can add (WeChat asks per template, one at a time).
MAX_GRANTS = 50


def recipient_of(actor: Actor) -> Recipient:
    """Whose inbox ``actor`` reads: his own, or for staff his sub-role's shared one."""
    if actor.role is Role.PLATFORM:
        return Recipient("platform", (actor.staff or StaffRole.SUPER_ADMIN).value)
    if actor.role is Role.SYSTEM:
        raise InvalidInput(
            "The system has no inbox: act as a person.", details={"role": actor.role.value}
        )
    return Recipient(actor.role.value, actor.id)


class NotificationService:
    """Each person reads and settles only his own inbox and preferences."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def inbox(
        self,
        actor: Actor,
        *,
        limit: int = 20,
        after: InboxCursor | None = None,
        unread_only: bool = False,
    ) -> list[Notification]:
        """One page of the actor's inbox, newest first; the next page is after
        ``InboxCursor.after(page[-1])``."""
        recipient = recipient_of(actor)
        with self._uow() as uow:
            return uow.notifications.inbox(
                recipient, limit=limit, after=after, unread_only=unread_only
            )

    def unread_count(self, actor: Actor) -> int:
        """How many of the actor's notifications are unread."""
        recipient = recipient_of(actor)
        with self._uow() as uow:
            return uow.notifications.unread_count(recipient)

    def mark_read(self, actor: Actor, notification_ids: list[str]) -> int:
        """Mark the actor's own unread ones among ``notification_ids`` read; how many."""
        return self._mark(actor, notification_ids)

    def mark_all_read(self, actor: Actor) -> int:
        """Mark all the actor's notifications read; how many were unread."""
        return self._mark(actor, None)

    def _mark(self, actor: Actor, ids: list[str] | None) -> int:
        recipient = recipient_of(actor)
        now: DateTime = self._clock.now()
        with self._uow() as uow:
            if ids is None:
                changed = uow.notifications.mark_all_read(recipient, now)
            else:
                changed = uow.notifications.mark_read(recipient, ids, now)
            uow.commit()
        return changed

    def preferences(self, actor: Actor) -> Preferences:
        """The actor's preferences (the defaults until he saves some)."""
        recipient = recipient_of(actor)
        with self._uow() as uow:
            return uow.notifications.preferences(recipient)

    def set_preferences(
        self,
        actor: Actor,
        *,
        muted: frozenset[tuple[str, str]],
        quiet_hours: QuietHours | None,
        locale: str,
    ) -> Preferences:
        """Replace the actor's preferences.

        Raises:
            InvalidInput: a muted kind is unknown or is ``security`` (never switched off).
        """
        kinds = {kind for kind, _ in muted}
        known = {kind.value for kind in NotificationKind} - {NotificationKind.SECURITY.value}
        if not kinds <= known:
            raise InvalidInput(
                f"Messages are switched off by kind: {', '.join(sorted(known))} "
                f"(security messages always go); not {', '.join(sorted(kinds - known))}.",
                details={"field": "muted"},
            )
        preferences = Preferences(
            recipient_of(actor), frozenset(muted), quiet_hours=quiet_hours, locale=locale
        )
        with self._uow() as uow:
            uow.notifications.save_preferences(preferences)
            uow.commit()
        return preferences

    def grant(self, actor: Actor, template: str, count: int = 1) -> int:
        """Record that the actor accepted ``count`` more one-time messages of ``template``
        (a WeChat subscribe prompt); the grants left for it.

        Raises:
            InvalidInput: an unknown template, or a count outside 1–50.
        """
        if template not in TEMPLATES:
            raise InvalidInput(
                f"No message template {template!r}; see the template catalog.",
                details={"field": "template"},
            )
        if not 1 <= count <= MAX_GRANTS:
            raise InvalidInput(
                f"A prompt grants 1 to {MAX_GRANTS} messages; got {count}.",
                details={"field": "count"},
            )
        recipient = recipient_of(actor)
        with self._uow() as uow:
            left = uow.notifications.grant(recipient, template, count)
            uow.commit()
        return left
