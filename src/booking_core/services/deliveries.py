"""Sending deliveries: the job that copies one notification to one push channel."""

from __future__ import annotations

import attrs
from pendulum import DateTime

from booking_core.notifications import Delivery, DeliveryStatus, Recipient
from booking_core.notifications.channel import Channel
from booking_core.ports.clock import Clock
from booking_core.ports.jobs import Job
from booking_core.ports.notifier import AddressBook, DeliveryOutcome, DeliveryResult, Message
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.services.steps.notices import Notices

__all__ = ["DeliveryDeferred", "DeliveryService"]

_SETTLED = {
    DeliveryOutcome.ACCEPTED: DeliveryStatus.SENT,
    DeliveryOutcome.REJECTED: DeliveryStatus.REJECTED,
    DeliveryOutcome.SKIPPED: DeliveryStatus.SKIPPED,
}


class DeliveryDeferred(Exception):
    """The provider asked to try again later (or could not be reached): the job runner
    backs off and retries, and buries the job after its last attempt."""


class DeliveryService:
    """Runs delivery jobs (kind ``deliver_notification``).

    A delivery is sent at most once per successful job run, and never again once settled:
    the line's status is checked first, and the provider gets the line's id as dedupe key
    for the one case left — a worker killed between the send and its record.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        notices: Notices,
        addresses: AddressBook,
        *,
        max_attempts: int,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._channels = {channel.name: channel for channel in notices.channels}
        self._addresses = addresses
        self._max_attempts = max_attempts

    def run_job(self, job: Job, now: DateTime) -> None:
        """Send the delivery ``job.subject`` names, unless it is settled already.

        Raises:
            DeliveryDeferred: the provider said "later" or could not be reached.
        """
        with self._uow() as uow:
            delivery = uow.notifications.get_delivery(job.subject)
            if delivery.status is not DeliveryStatus.PENDING:
                return None
            notification = uow.notifications.get(delivery.notification_id)
            preferences = uow.notifications.preferences(notification.recipient)
        channel = self._channels.get(delivery.channel)
        if channel is None:
            return self._settle(delivery, DeliveryStatus.SKIPPED, "channel not wired in")
        if not preferences.allows(notification.kind, channel.name):
            return self._settle(delivery, DeliveryStatus.SKIPPED, "switched off by recipient")
        address = self._addresses.address(notification.recipient, channel.name)
        if address is None:
            return self._settle(delivery, DeliveryStatus.SKIPPED, "no address on this channel")
        recipient, template = notification.recipient, notification.template
        if channel.needs_grant and not self._take_grant(recipient, template):
            return self._settle(delivery, DeliveryStatus.SKIPPED, "no subscription grant left")
        message = Message(
            template=notification.template,
            recipient=address,
            channel=channel.name,
            params=dict(notification.params),
            locale=preferences.locale,
            dedupe_key=delivery.id,
        )
        result = self._send(channel, message)
        if channel.needs_grant and result.outcome is not DeliveryOutcome.ACCEPTED:
            with self._uow() as uow:  # nothing was sent: the grant is the user's again
                uow.notifications.grant(notification.recipient, notification.template, 1)
                uow.commit()
        if result.outcome is DeliveryOutcome.RETRY_LATER:
            last = job.attempts >= self._max_attempts
            status = DeliveryStatus.DEAD if last else DeliveryStatus.PENDING
            self._settle(delivery, status, result.detail or "retry later")
            raise DeliveryDeferred(result.detail or f"{channel.name}: retry later")
        self._settle(delivery, _SETTLED[result.outcome], result.detail, result.provider_id)
        return None

    def _take_grant(self, recipient: Recipient, template: str) -> bool:
        with self._uow() as uow:
            taken = uow.notifications.consume_grant(recipient, template)
            uow.commit()
        return taken

    @staticmethod
    def _send(channel: Channel, message: Message) -> DeliveryResult:
        try:
            return channel.notifier.send(message)
        except Exception as exc:  # an adapter's bug or a dropped connection: try again later
            return DeliveryResult(
                DeliveryOutcome.RETRY_LATER, detail=f"{type(exc).__name__}: {exc}"
            )

    def _settle(
        self,
        delivery: Delivery,
        status: DeliveryStatus,
        detail: str,
        provider_id: str | None = None,
    ) -> None:
        attempted = status is not DeliveryStatus.SKIPPED
        with self._uow() as uow:
            uow.notifications.save_delivery(
                attrs.evolve(
                    delivery,
                    status=status,
                    detail=detail,
                    provider_id=provider_id,
                    attempts=delivery.attempts + (1 if attempted else 0),
                    updated_at=self._clock.now(),
                )
            )
            uow.commit()
