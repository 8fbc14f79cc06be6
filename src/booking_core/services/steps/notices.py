"""Turning notices into stored notifications and their deliveries, in the caller's unit of
work (the relay's, a reminder's): one place applies preferences and quiet hours."""

from __future__ import annotations

from collections.abc import Sequence

from pendulum import DateTime

from booking_core.notifications import (
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
    template_kind,
)
from booking_core.notifications.catalog import TEMPLATES
from booking_core.notifications.channel import Channel
from booking_core.notifications.rules import Notice
from booking_core.ports.jobs import Job
from booking_core.ports.storage import UnitOfWork

__all__ = ["DELIVER", "Notices"]

#: The job kind that sends one delivery (its subject is the delivery's id).
DELIVER = "deliver_notification"


class Notices:
    """Stores notices as notifications and plans one delivery job per channel allowed."""

    def __init__(self, channels: Sequence[Channel]) -> None:
        self._channels = tuple(channels)

    @property
    def channels(self) -> tuple[Channel, ...]:
        """The push channels, in the order deliveries are planned."""
        return self._channels

    def store(
        self, uow: UnitOfWork, notices: Sequence[Notice], *, cause: str, now: DateTime
    ) -> list[Notification]:
        """Store each notice as notification ``ntf_<cause>_<n>`` and plan its deliveries;
        a notification stored before (the same cause relayed twice) is left as it is.

        Raises:
            ValueError: a notice's parameters are not exactly its template's.
        """
        self.check(notices)
        stored = []
        for n, notice in enumerate(notices):
            notification = Notification(
                id=f"ntf_{cause}_{n}",
                recipient=notice.recipient,
                template=notice.template,
                params=dict(notice.params),
                kind=template_kind(notice.template).value,
                subject=notice.subject,
                created_at=now,
                urgent=notice.urgent,
            )
            if uow.notifications.add(notification):
                self._plan(uow, notification, now)
                stored.append(notification)
        return stored

    @staticmethod
    def check(notices: Sequence[Notice]) -> None:
        """Raise ValueError unless every notice's parameters are exactly its template's."""
        for notice in notices:
            expected = TEMPLATES.get(notice.template)
            if expected is None or set(notice.params) != expected:
                raise ValueError(
                    f"template {notice.template!r} takes {sorted(expected or ())}, "
                    f"the rule gave {sorted(notice.params)}"
                )

    def _plan(self, uow: UnitOfWork, notification: Notification, now: DateTime) -> None:
        preferences = uow.notifications.preferences(notification.recipient)
        due = now
        if not notification.urgent and notification.kind != NotificationKind.SECURITY:
            quiet = preferences.quiet_hours
            release = quiet.release(now) if quiet is not None else None
            due = release if release is not None else now
        for channel in self._channels:
            if not preferences.allows(notification.kind, channel.name):
                continue
            delivery = Delivery(
                id=f"{notification.id}:{channel.name}",
                notification_id=notification.id,
                channel=channel.name,
                status=DeliveryStatus.PENDING,
                updated_at=now,
            )
            if uow.notifications.add_delivery(delivery):
                uow.jobs.schedule(Job(f"deliver:{delivery.id}", DELIVER, delivery.id, due))
