"""Contract cases of notification storage: the inbox (stored once, newest-first keyset pages,
unread list and count, marking read), the delivery log, preferences and one-time
subscription grants (part of :class:`~booking_core.testing.contracts.StorageContract`).

The data make every field count: two recipients share an id under different roles, several
notifications share an instant (only the id breaks the tie), instants carry microseconds and
come in several zones, and some entries are read already.
"""

from __future__ import annotations

import attrs
import pendulum
import pytest
from pendulum import DateTime

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
from booking_core.ports.storage import UnitOfWorkFactory

__all__ = ["NotificationStorageContract"]

_T0 = pendulum.datetime(2026, 3, 2, 9, 0, 0, 250_000, tz="UTC")
_ZONES = ("UTC", "Asia/Shanghai", "America/New_York")
ALICE = Recipient("customer", "u_1")
# The same id under another role is someone else.
LI = Recipient("technician", "u_1")
OPS = Recipient("platform", "operations")


def _at(minutes: int, n: int = 0) -> DateTime:
    return _T0.add(minutes=minutes).in_timezone(_ZONES[n % 3])


def _notification(
    n: int,
    *,
    minutes: int,
    recipient: Recipient = ALICE,
    read_minutes: int | None = None,
    template: str = "order_accepted",
) -> Notification:
    return Notification(
        id=f"ntf_{n:03d}",
        recipient=recipient,
        template=template,
        params={
            "order_id": f"ord_{n}",
            "order_number": f"B{n:05d}",
            "service": "推拿 60",
            "start": "2026-03-02 18:00",
            "technician": "李师傅",
        },
        kind="orders",
        subject=f"ord_{n}",
        created_at=_at(minutes, n),
        urgent=n % 2 == 0,
        read_at=None if read_minutes is None else _at(read_minutes, n + 1),
    )


def _notifications() -> list[Notification]:
    return [
        _notification(1, minutes=0),
        _notification(2, minutes=10, read_minutes=12),
        _notification(3, minutes=10),  # ties with ntf_002: the id orders them
        _notification(4, minutes=10),
        _notification(5, minutes=20, recipient=LI),
        _notification(6, minutes=30, read_minutes=31),
        _notification(7, minutes=40),
        _notification(8, minutes=50, recipient=OPS, template="order_needs_attention"),
    ]


def _delivery(
    notification: str, channel: str, status: DeliveryStatus = DeliveryStatus.PENDING
) -> Delivery:
    return Delivery(
        id=f"{notification}:{channel}",
        notification_id=notification,
        channel=channel,
        status=status,
        updated_at=_at(1, 1),
    )


class NotificationStorageContract:
    """Mix into a ``Test*`` class that provides a ``uow_factory`` fixture over empty storage."""

    @pytest.fixture
    def notified(self, uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
        """Six notifications for Alice (two read), one for Li, one for operations."""
        with uow_factory() as uow:
            for notification in _notifications():
                assert uow.notifications.add(notification)
            uow.commit()
        return uow_factory

    def _inbox(
        self,
        uow_factory: UnitOfWorkFactory,
        recipient: Recipient = ALICE,
        *,
        limit: int = 50,
        after: InboxCursor | None = None,
        unread_only: bool = False,
    ) -> list[str]:
        with uow_factory() as uow:
            found = uow.notifications.inbox(
                recipient, limit=limit, after=after, unread_only=unread_only
            )
        return [n.id for n in found]

    # -- the inbox -------------------------------------------------------------------------

    def test_notifications_read_back_whole(self, notified: UnitOfWorkFactory) -> None:
        with notified() as uow:
            found = {n.id: uow.notifications.get(n.id) for n in _notifications()}

        assert found == {n.id: n for n in _notifications()}
        read = found["ntf_002"]
        assert read.read_at == _T0.add(minutes=12)
        assert read.params["technician"] == "李师傅"
        assert (read.recipient, read.urgent) == (ALICE, True)
        assert (found["ntf_003"].urgent, found["ntf_003"].read_at) == (False, None)
        assert found["ntf_005"].recipient == LI
        assert found["ntf_003"].created_at == _T0.add(minutes=10)

    def test_notifications_an_id_is_stored_once(self, notified: UnitOfWorkFactory) -> None:
        again = attrs.evolve(_notification(1, minutes=99), params={"order_id": "ord_x"})

        with notified() as uow:
            added = uow.notifications.add(again)
            uow.commit()

        with notified() as uow:
            kept = uow.notifications.get("ntf_001")
            count = len(uow.notifications.inbox(ALICE, limit=50))
        assert added is False
        assert kept == _notifications()[0]
        assert count == 6

    def test_notifications_a_missing_one_is_not_found(self, notified: UnitOfWorkFactory) -> None:
        with notified() as uow, pytest.raises(NotFound) as caught:
            uow.notifications.get("ntf_999")

        assert caught.value.error_code == "notification_not_found"

    def test_notifications_a_caller_changing_params_changes_nothing_stored(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        mine = _notification(1, minutes=0)
        with uow_factory() as uow:
            uow.notifications.add(mine)
            mine.params["order_id"] = "changed"
            uow.notifications.get("ntf_001").params["service"] = "changed"
            uow.commit()

        with uow_factory() as uow:
            stored = uow.notifications.get("ntf_001")
        assert stored.params == _notification(1, minutes=0).params

    def test_notifications_a_rolled_back_one_is_not_kept(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            uow.notifications.add(_notification(1, minutes=0))
            uow.rollback()

        assert self._inbox(uow_factory) == []

    def test_notifications_an_inbox_is_the_recipients_newest_first(
        self, notified: UnitOfWorkFactory
    ) -> None:
        assert self._inbox(notified) == [
            "ntf_007",
            "ntf_006",
            "ntf_004",
            "ntf_003",
            "ntf_002",
            "ntf_001",
        ]
        assert self._inbox(notified, LI) == ["ntf_005"]
        assert self._inbox(notified, OPS) == ["ntf_008"]
        assert self._inbox(notified, Recipient("customer", "u_2")) == []
        assert self._inbox(notified, limit=2) == ["ntf_007", "ntf_006"]

    def test_notifications_pages_follow_the_cursor_over_tied_instants(
        self, notified: UnitOfWorkFactory
    ) -> None:
        pages: list[list[str]] = []
        after: InboxCursor | None = None
        for _ in range(5):  # bounded: a cursor that does not advance must fail, not hang
            with notified() as uow:
                page = uow.notifications.inbox(ALICE, limit=2, after=after)
            if not page:
                break
            pages.append([n.id for n in page])
            after = InboxCursor.after(page[-1])

        assert pages == [
            ["ntf_007", "ntf_006"],
            ["ntf_004", "ntf_003"],
            ["ntf_002", "ntf_001"],
        ]

    def test_notifications_a_cursor_between_tied_instants_continues_by_id(
        self, notified: UnitOfWorkFactory
    ) -> None:
        # ntf_002, ntf_003 and ntf_004 share their instant; the cursor is in another zone.
        tie = InboxCursor(_T0.add(minutes=10).in_timezone("America/New_York"), "ntf_003")

        assert self._inbox(notified, after=tie) == ["ntf_002", "ntf_001"]
        assert self._inbox(notified, after=tie, limit=1) == ["ntf_002"]

    def test_notifications_a_cursor_keeps_microseconds(self, notified: UnitOfWorkFactory) -> None:
        just_after = InboxCursor(_T0.add(microseconds=1), "ntf_000")
        just_before = InboxCursor(_T0.subtract(microseconds=1), "ntf_999")

        assert self._inbox(notified, after=just_after) == ["ntf_001"]
        assert self._inbox(notified, after=just_before) == []

    def test_notifications_unread_only_and_the_unread_count(
        self, notified: UnitOfWorkFactory
    ) -> None:
        with notified() as uow:
            counts = [uow.notifications.unread_count(r) for r in (ALICE, LI, OPS)]
            nobody = uow.notifications.unread_count(Recipient("store", "u_1"))

        assert self._inbox(notified, unread_only=True) == [
            "ntf_007",
            "ntf_004",
            "ntf_003",
            "ntf_001",
        ]
        after = InboxCursor(_T0.add(minutes=10), "ntf_004")
        assert self._inbox(notified, unread_only=True, after=after, limit=1) == ["ntf_003"]
        assert counts == [4, 1, 1]
        assert nobody == 0

    def test_notifications_mark_read_changes_only_the_recipients_unread_ones(
        self, notified: UnitOfWorkFactory
    ) -> None:
        at = _T0.add(hours=2).in_timezone("Asia/Shanghai")

        with notified() as uow:
            # Li's ntf_005, the read ntf_002, an unknown id and two of Alice's unread ones.
            changed = uow.notifications.mark_read(
                ALICE, ["ntf_005", "ntf_002", "ntf_404", "ntf_003", "ntf_007", "ntf_007"], at
            )
            none = uow.notifications.mark_read(ALICE, [], at)
            uow.commit()

        with notified() as uow:
            read_at = {n.id: uow.notifications.get(n.id).read_at for n in _notifications()}
            unread = uow.notifications.unread_count(ALICE)
        assert (changed, none) == (2, 0)
        assert read_at["ntf_003"] == read_at["ntf_007"] == at
        assert read_at["ntf_002"] == _T0.add(minutes=12)  # read before: left alone
        assert read_at["ntf_005"] is None  # Li's
        assert (read_at["ntf_001"], read_at["ntf_004"]) == (None, None)
        assert unread == 2

    def test_notifications_mark_all_read_marks_the_recipients_unread_ones(
        self, notified: UnitOfWorkFactory
    ) -> None:
        at = _T0.add(hours=2)

        with notified() as uow:
            changed = uow.notifications.mark_all_read(ALICE, at)
            again = uow.notifications.mark_all_read(ALICE, at.add(minutes=1))
            uow.commit()

        with notified() as uow:
            found = {n.id: uow.notifications.get(n.id) for n in _notifications()}
            counts = [uow.notifications.unread_count(r) for r in (ALICE, LI, OPS)]
        assert (changed, again) == (4, 0)
        assert {found[i].read_at for i in ("ntf_001", "ntf_003", "ntf_004", "ntf_007")} == {at}
        assert found["ntf_006"].read_at == _T0.add(minutes=31)
        assert (found["ntf_005"].read_at, found["ntf_008"].read_at) == (None, None)
        assert counts == [0, 1, 1]
        assert self._inbox(notified, unread_only=True) == []

    # -- deliveries ------------------------------------------------------------------------

    def test_notifications_a_delivery_is_added_once_read_saved_and_listed_by_channel(
        self, notified: UnitOfWorkFactory
    ) -> None:
        lines = [_delivery("ntf_001", c) for c in ("wechat", "email", "sms")]
        with notified() as uow:
            added = [uow.notifications.add_delivery(d) for d in lines]
            uow.notifications.add_delivery(_delivery("ntf_002", "email"))
            duplicate = uow.notifications.add_delivery(
                _delivery("ntf_001", "sms", DeliveryStatus.DEAD)
            )
            uow.commit()
        sent = attrs.evolve(
            lines[2],
            status=DeliveryStatus.SENT,
            attempts=2,
            provider_id="msg_42",
            detail="accepted after a timeout",
            updated_at=_at(3, 2),
        )

        with notified() as uow:
            uow.notifications.save_delivery(sent)
            uow.commit()

        with notified() as uow:
            got = uow.notifications.get_delivery("ntf_001:sms")
            listed = uow.notifications.deliveries("ntf_001")
            none = uow.notifications.deliveries("ntf_003")
        assert added == [True, True, True]
        assert duplicate is False
        assert got == sent
        assert (got.updated_at, got.provider_id) == (_T0.add(minutes=3), "msg_42")
        assert listed == [lines[1], sent, lines[0]]  # email, sms, wechat
        assert none == []

    def test_notifications_a_missing_delivery_is_not_found(
        self, notified: UnitOfWorkFactory
    ) -> None:
        with notified() as uow:
            with pytest.raises(NotFound) as missing:
                uow.notifications.get_delivery("ntf_001:sms")
            with pytest.raises(NotFound) as unsaved:
                uow.notifications.save_delivery(_delivery("ntf_001", "sms"))
            listed = uow.notifications.deliveries("ntf_001")

        assert missing.value.error_code == unsaved.value.error_code == "delivery_not_found"
        assert listed == []

    # -- preferences -----------------------------------------------------------------------

    def test_notifications_preferences_default_until_saved(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            found = uow.notifications.preferences(ALICE)

        assert found == Preferences(ALICE)
        assert (found.muted, found.quiet_hours, found.locale) == (frozenset(), None, "zh-CN")

    def test_notifications_saved_preferences_round_trip_and_replace(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        saved = Preferences(
            ALICE,
            muted=frozenset({("orders", "sms"), ("reminders", "wechat"), ("orders", "email")}),
            quiet_hours=QuietHours(pendulum.time(22, 30), pendulum.time(7, 45), "Asia/Shanghai"),
            locale="en",
        )
        replaced = Preferences(ALICE, muted=frozenset({("payments", "email")}))

        with uow_factory() as uow:
            uow.notifications.save_preferences(saved)
            uow.commit()
        with uow_factory() as uow:
            first = uow.notifications.preferences(ALICE)
            someone_else = uow.notifications.preferences(LI)
            uow.notifications.save_preferences(replaced)
            uow.commit()
        with uow_factory() as uow:
            second = uow.notifications.preferences(ALICE)

        assert first == saved
        assert first.quiet_hours == QuietHours(
            pendulum.time(22, 30), pendulum.time(7, 45), "Asia/Shanghai"
        )
        assert first.allows("orders", "wechat")
        assert not first.allows("orders", "email")
        assert someone_else == Preferences(LI)
        assert second == replaced

    # -- subscription grants ---------------------------------------------------------------

    def test_notifications_grants_add_up_and_are_taken_one_at_a_time(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            first = uow.notifications.grant(ALICE, "order_accepted", 2)
            second = uow.notifications.grant(ALICE, "order_accepted", 1)
            uow.notifications.grant(ALICE, "order_paid", 5)
            uow.notifications.grant(LI, "order_accepted", 7)
            uow.commit()

        with uow_factory() as uow:
            taken = [uow.notifications.consume_grant(ALICE, "order_accepted") for _ in range(4)]
            left = [
                uow.notifications.grants_left(ALICE, "order_accepted"),
                uow.notifications.grants_left(ALICE, "order_paid"),
                uow.notifications.grants_left(LI, "order_accepted"),
                uow.notifications.grants_left(OPS, "order_accepted"),
            ]
            never = uow.notifications.consume_grant(OPS, "order_accepted")
            uow.commit()
        with uow_factory() as uow:
            again = uow.notifications.grant(ALICE, "order_accepted", 1)

        assert (first, second) == (2, 3)
        assert taken == [True, True, True, False]
        assert left == [0, 5, 7, 0]
        assert never is False
        assert again == 1

    def test_notifications_a_rolled_back_grant_or_take_changes_nothing(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            uow.notifications.grant(ALICE, "order_accepted", 2)
            uow.commit()

        with uow_factory() as uow:
            uow.notifications.grant(ALICE, "order_accepted", 3)
            uow.notifications.grant(ALICE, "order_paid", 1)
            assert uow.notifications.consume_grant(ALICE, "order_accepted")
            uow.rollback()
        with uow_factory() as uow:
            left = [
                uow.notifications.grants_left(ALICE, "order_accepted"),
                uow.notifications.grants_left(ALICE, "order_paid"),
            ]

        assert left == [2, 0]

    @pytest.mark.parametrize("count", [0, -1, True])
    def test_notifications_a_grant_of_fewer_than_one_is_refused(
        self, uow_factory: UnitOfWorkFactory, count: int
    ) -> None:
        with uow_factory() as uow, pytest.raises(InvalidInput):
            uow.notifications.grant(ALICE, "order_accepted", count)

        with uow_factory() as uow:
            assert uow.notifications.grants_left(ALICE, "order_accepted") == 0
