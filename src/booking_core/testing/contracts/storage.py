"""The storage contract: what every UnitOfWork and its repositories guarantee."""

from __future__ import annotations

import itertools
import threading
import time
from decimal import Decimal

import attrs
import pendulum
import pytest
from pendulum import DateTime

from booking_core.catalog import BookingRules, Category, Service, WindowKind
from booking_core.errors import (
    ConcurrentUpdate,
    DuplicateEntity,
    NotFound,
    SlotTaken,
)
from booking_core.ids import (
    BookingId,
    CategoryId,
    CustomerId,
    OrderId,
    ReviewId,
    ServiceId,
    StoreId,
    TechnicianId,
)
from booking_core.money import Money
from booking_core.orders import Actor, Order, OrderContact, Review
from booking_core.outbox import OutboxMessage, OutboxState
from booking_core.ports.storage import LockKey, StoredAgenda, UnitOfWorkFactory
from booking_core.reviews import Moderation, ModerationState, Reply
from booking_core.scheduling import Booking, DispatchSettings, Technician, WeeklyHours
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.scheduling.profile import Gender, TechnicianProfile
from booking_core.scheduling.schedule import DateOverride, Shift, TimeOff, WorkSchedule, WorkStatus
from booking_core.testing.contracts.accounts import AccountStorageContract
from booking_core.testing.contracts.audit import AuditStorageContract
from booking_core.testing.contracts.customers import CustomerStorageContract
from booking_core.testing.contracts.dispatch import DispatchStorageContract
from booking_core.testing.contracts.listing import OrderListingStorageContract
from booking_core.testing.contracts.loyalty import LoyaltyStorageContract
from booking_core.testing.contracts.notifications import NotificationStorageContract
from booking_core.testing.contracts.onboarding import OnboardingStorageContract
from booking_core.testing.contracts.orders import at_once, race
from booking_core.testing.contracts.placement import PlacementStorageContract
from booking_core.testing.contracts.referrals import ReferralStorageContract
from booking_core.testing.contracts.rewards import RewardStorageContract
from booking_core.testing.contracts.stores import StoreStorageContract
from booking_core.testing.contracts.withdrawals import WithdrawalStorageContract
from booking_core.timerange import TimeRange

__all__ = ["StorageContract"]

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="Asia/Shanghai")
TECH = TechnicianId("tec_1")
OTHER_TECH = TechnicianId("tec_2")
SERVICE = ServiceId("svc_1")
CATEGORY = CategoryId("cat_1")


def _range(start_minute: int, end_minute: int) -> TimeRange:
    return TimeRange(T0.add(minutes=start_minute), T0.add(minutes=end_minute))


def _booking(n: int, start: int, end: int, technician: TechnicianId = TECH) -> Booking:
    return Booking(BookingId(f"bkg_{n}"), technician, None, _range(start, end), _range(start, end))


def _padded(n: int, start: int, end: int, *, before: int, after: int, travel: int = 0) -> Booking:
    """A booking whose blocked range is wider than its slot: buffers (and travel) around it.

    Every field matters here: an adapter that checks only the slot, or drops travel or a
    buffer from its check, lets some of the bookings built with this through.
    """
    return Booking(
        BookingId(f"bkg_{n}"),
        TECH,
        None,
        _range(start, end),
        _range(start - before - travel, end + after),
        service_id=SERVICE,
        travel_minutes=travel,
    )


def _order(n: int, *, customer: str = "cus_1", at: DateTime = T0) -> Order:
    return Order.place(
        order_id=OrderId(f"ord_{n}"),
        customer_id=CustomerId(customer),
        technician_id=TECH,
        service_id=SERVICE,
        booking_id=BookingId(f"bkg_{n}"),
        slot=_range(60, 120),
        time_zone="Asia/Shanghai",
        price=Money(19900, "CNY"),
        at=at,
    )


#: The seeded service's own booking rules: every one set, so storage must keep each.
RULES = BookingRules(
    slot_step_minutes=30, notice_minutes=120, window_days=7, window_kind=WindowKind.CALENDAR_DAYS
)


class StorageContract(
    AccountStorageContract,
    AuditStorageContract,
    CustomerStorageContract,
    DispatchStorageContract,
    LoyaltyStorageContract,
    NotificationStorageContract,
    OnboardingStorageContract,
    OrderListingStorageContract,
    PlacementStorageContract,
    ReferralStorageContract,
    RewardStorageContract,
    StoreStorageContract,
    WithdrawalStorageContract,
):
    """Mix into a ``Test*`` class that provides a ``uow_factory`` fixture over empty storage.

    It includes :class:`~booking_core.testing.contracts.placement.PlacementStorageContract`
    (idempotency keys, the anti-hoarding count).

    ``concurrency_workers`` is how many threads the race tests start.
    """

    concurrency_workers = 20

    @pytest.fixture
    def seeded(self, uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
        with uow_factory() as uow:
            uow.categories.add(Category(CATEGORY, "Massage"))
            uow.services.add(
                Service(
                    SERVICE,
                    CATEGORY,
                    "Tuina 60",
                    60,
                    Money(19900, "CNY"),
                    buffer_before_minutes=10,
                    buffer_after_minutes=15,
                    rules=RULES,
                    technicians_needed=2,
                )
            )
            for tid, name in ((TECH, "Li"), (OTHER_TECH, "Wang")):
                uow.technicians.add(
                    Technician(
                        tid,
                        name,
                        "Asia/Shanghai",
                        WeeklyHours.every_day("09:00", "18:00"),
                        frozenset({SERVICE}),
                    )
                )
            uow.commit()
        return uow_factory

    # -- catalog and technicians -------------------------------------------------------

    def test_added_entities_read_back_equal(self, seeded: UnitOfWorkFactory) -> None:
        with seeded() as uow:
            service = uow.services.get(SERVICE)
            technician = uow.technicians.get(TECH)
            category = uow.categories.get(CATEGORY)

        assert service == Service(
            SERVICE,
            CATEGORY,
            "Tuina 60",
            60,
            Money(19900, "CNY"),
            buffer_before_minutes=10,
            buffer_after_minutes=15,
            rules=RULES,
            technicians_needed=2,
        )
        assert technician.weekly_hours == WeeklyHours.every_day("09:00", "18:00")
        assert technician.time_zone == "Asia/Shanghai"
        assert technician.service_ids == frozenset({SERVICE})
        assert category == Category(CATEGORY, "Massage")

    def test_a_saved_service_replaces_the_stored_one(self, seeded: UnitOfWorkFactory) -> None:
        with seeded() as uow:
            before = uow.services.get(SERVICE)
            uow.services.save(attrs.evolve(before, rules=None, technicians_needed=1))
            uow.commit()

        with seeded() as uow:
            after = uow.services.get(SERVICE)
            with pytest.raises(NotFound) as missing:
                uow.services.save(attrs.evolve(after, id=ServiceId("svc_nope")))
        assert (after.rules, after.technicians_needed, after.name) == (None, 1, before.name)
        assert missing.value.error_code == "service_not_found"

    def test_lists_are_ordered_and_filtered(self, seeded: UnitOfWorkFactory) -> None:
        with seeded() as uow:
            uow.categories.add(Category(CategoryId("cat_2"), "Beauty"))
            uow.services.add(
                Service(ServiceId("svc_2"), CategoryId("cat_2"), "Facial", 45, Money(9900, "CNY"))
            )
            uow.commit()

        with seeded() as uow:
            assert [c.name for c in uow.categories.list()] == ["Beauty", "Massage"]
            assert [s.id for s in uow.services.list()] == ["svc_2", "svc_1"]
            assert [s.id for s in uow.services.list(CATEGORY)] == ["svc_1"]
            assert [t.name for t in uow.technicians.list()] == ["Li", "Wang"]

    def test_missing_entities_raise_not_found_with_entity_code(
        self, seeded: UnitOfWorkFactory
    ) -> None:
        with seeded() as uow:
            for lookup, code in (
                (lambda: uow.services.get(ServiceId("nope")), "service_not_found"),
                (lambda: uow.categories.get(CategoryId("nope")), "category_not_found"),
                (lambda: uow.technicians.get(TechnicianId("nope")), "technician_not_found"),
                (lambda: uow.orders.get(OrderId("nope")), "order_not_found"),
                (lambda: uow.bookings.get(BookingId("nope")), "booking_not_found"),
            ):
                with pytest.raises(NotFound) as caught:
                    lookup()
                assert caught.value.error_code == code

    def test_duplicate_ids_are_refused(self, seeded: UnitOfWorkFactory) -> None:
        with seeded() as uow, pytest.raises(DuplicateEntity):
            uow.categories.add(Category(CATEGORY, "Again"))

    # -- transactions ------------------------------------------------------------------

    def test_uncommitted_changes_are_discarded(self, seeded: UnitOfWorkFactory) -> None:
        with seeded() as uow:
            uow.categories.add(Category(CategoryId("cat_x"), "Hair"))

        with seeded() as uow, pytest.raises(NotFound):
            uow.categories.get(CategoryId("cat_x"))

    def test_rollback_discards_and_commit_keeps(self, seeded: UnitOfWorkFactory) -> None:
        with seeded() as uow:
            uow.categories.add(Category(CategoryId("cat_x"), "Hair"))
            uow.rollback()
            uow.categories.add(Category(CategoryId("cat_y"), "Nails"))
            uow.commit()

        with seeded() as uow:
            assert [c.id for c in uow.categories.list()] == ["cat_1", "cat_y"]

    def test_an_error_inside_the_unit_of_work_stores_nothing(
        self, seeded: UnitOfWorkFactory
    ) -> None:
        def crash() -> None:
            with seeded() as uow:
                uow.categories.add(Category(CategoryId("cat_x"), "Hair"))
                raise RuntimeError("crash mid-command")

        with pytest.raises(RuntimeError):
            crash()

        with seeded() as uow, pytest.raises(NotFound):
            uow.categories.get(CategoryId("cat_x"))

    # -- bookings: no overlap (I1) -----------------------------------------------------

    def test_overlapping_active_booking_is_refused(self, seeded: UnitOfWorkFactory) -> None:
        with seeded() as uow:
            uow.bookings.add(_booking(1, 0, 60))
            uow.commit()

        with seeded() as uow, pytest.raises(SlotTaken) as caught:
            uow.bookings.add(_booking(2, 59, 120))
        assert caught.value.error_code == "slot_taken"
        with seeded() as uow, pytest.raises(NotFound):
            uow.bookings.get(BookingId("bkg_2"))

    def test_touching_bookings_and_other_technicians_do_not_conflict(
        self, seeded: UnitOfWorkFactory
    ) -> None:
        with seeded() as uow:
            uow.bookings.add(_booking(1, 0, 60))
            uow.bookings.add(_booking(2, 60, 120))
            uow.bookings.add(_booking(3, -60, 0))
            uow.bookings.add(_booking(4, 0, 60, OTHER_TECH))
            uow.commit()

        with seeded() as uow:
            found = uow.bookings.list_active(TECH, _range(-120, 240))
        assert [b.id for b in found] == ["bkg_3", "bkg_1", "bkg_2"]

    # -- bookings: the blocked range, not the slot, is what may not overlap --------------

    @pytest.mark.parametrize(
        ("second", "taken_by"),
        [
            # The slots touch (60 = 60); the second's 10-minute buffer before overlaps the
            # first's 15-minute buffer after.
            (_padded(2, 60, 120, before=10, after=15), "buffer after"),
            # The slots are 10 minutes apart; the second's buffer before reaches into the
            # first's buffer after (only the buffers overlap).
            (_padded(2, 70, 130, before=10, after=0), "buffers"),
            # The slots are 20 minutes apart, buffers alone fit; the second's travel does not.
            (_padded(2, 80, 140, before=0, after=0, travel=10), "travel"),
            # The second's slot ends where the first's begins; its own buffer after reaches
            # into the first's buffer before (and slot).
            (_padded(2, -60, 0, before=0, after=5), "buffer before"),
        ],
        ids=["slots-touch", "buffers-overlap", "travel-overlaps", "before-side"],
    )
    def test_slots_apart_but_blocked_ranges_overlapping_are_refused(
        self, seeded: UnitOfWorkFactory, second: Booking, taken_by: str
    ) -> None:
        first = _padded(1, 0, 60, before=5, after=15)  # blocked [-5, 75)
        with seeded() as uow:
            uow.bookings.add(first)
            uow.commit()
        assert not first.slot.overlaps(second.slot), "the slots themselves must not overlap"

        with seeded() as uow, pytest.raises(SlotTaken) as caught:
            uow.bookings.add(second)

        assert caught.value.error_code == "slot_taken", taken_by
        with seeded() as uow:
            with pytest.raises(NotFound):
                uow.bookings.get(BookingId("bkg_2"))
            assert uow.bookings.list_active(TECH, _range(-600, 600)) == [first]

    def test_blocked_ranges_that_touch_do_not_conflict(self, seeded: UnitOfWorkFactory) -> None:
        first = _padded(1, 0, 60, before=10, after=15)  # blocked [-10, 75)
        after = _padded(2, 95, 155, before=10, after=0, travel=10)  # blocked [75, 155)
        before = _padded(3, -60, -25, before=0, after=15)  # blocked [-60, -10)
        elsewhere = _padded(4, 60, 120, before=10, after=15)  # another technician: no conflict
        elsewhere = attrs.evolve(elsewhere, technician_id=OTHER_TECH)

        with seeded() as uow:
            for booking in (first, after, before, elsewhere):
                uow.bookings.add(booking)
            uow.commit()

        with seeded() as uow:
            found = uow.bookings.list_active(TECH, _range(-600, 600))
        assert found == [before, first, after]
        _assert_no_overlap(found)

    def test_list_active_finds_a_booking_by_its_buffer_alone(
        self, seeded: UnitOfWorkFactory
    ) -> None:
        booking = _padded(1, 0, 60, before=10, after=15)  # blocked [-10, 75)
        with seeded() as uow:
            uow.bookings.add(booking)
            uow.commit()

        with seeded() as uow:
            in_buffer_after = uow.bookings.list_active(TECH, _range(70, 75))
            in_buffer_before = uow.bookings.list_active(TECH, _range(-10, -5))
            touching = uow.bookings.list_active(TECH, _range(75, 90))
            many = uow.bookings.list_active_many([TECH], _range(60, 61))
        assert (in_buffer_after, in_buffer_before, touching, many) == (
            [booking],
            [booking],
            [],
            [booking],
        )

    def test_concurrent_bookings_with_apart_slots_and_overlapping_buffers_one_wins(
        self, seeded: UnitOfWorkFactory
    ) -> None:
        # Worker n's slot is [3n, 3n + 2): no two slots overlap, but every blocked range is
        # [3n - 200, 202), so all of them overlap and exactly one booking may stand.
        results = race(
            self.concurrency_workers,
            lambda n: _add_committed(
                seeded, _padded(600 + n, 3 * n, 3 * n + 2, before=200, after=200 - 3 * n)
            ),
        )

        assert results.count("ok") == 1, results
        assert results.count("slot_taken") == self.concurrency_workers - 1, results
        with seeded() as uow:
            assert len(uow.bookings.list_active(TECH, _range(-600, 600))) == 1

    def test_released_booking_frees_its_time(self, seeded: UnitOfWorkFactory) -> None:
        with seeded() as uow:
            uow.bookings.add(_booking(1, 0, 60))
            uow.commit()

        with seeded() as uow:
            uow.bookings.release(BookingId("bkg_1"))
            uow.bookings.add(_booking(2, 0, 60))
            uow.commit()

        with seeded() as uow:
            assert uow.bookings.get(BookingId("bkg_1")).active is False
            assert [b.id for b in uow.bookings.list_active(TECH, _range(0, 60))] == ["bkg_2"]

    def test_list_active_keeps_zone_aware_ranges(self, seeded: UnitOfWorkFactory) -> None:
        with seeded() as uow:
            uow.bookings.add(_booking(1, 0, 60))
            uow.commit()

        with seeded() as uow:
            (booking,) = uow.bookings.list_active(TECH, _range(30, 31))
        assert booking.slot == _range(0, 60)
        assert booking.slot.start.tzinfo is not None

    def test_concurrent_overlapping_bookings_exactly_one_wins(
        self, seeded: UnitOfWorkFactory
    ) -> None:
        results = race(
            self.concurrency_workers,
            lambda n: _add_committed(seeded, _booking(100 + n, n, 60 + n)),
        )

        assert results.count("ok") == 1, results
        assert results.count("slot_taken") == self.concurrency_workers - 1, results
        with seeded() as uow:
            assert len(uow.bookings.list_active(TECH, _range(-60, 200))) == 1

    # -- orders: timeline and compare-and-set ------------------------------------------

    def test_order_round_trips_with_timeline(self, seeded: UnitOfWorkFactory) -> None:
        order = _order(1)
        order.paid = Money(19900, "CNY")
        order.transition("pay", actor=Actor.system(), at=T0.add(minutes=1), reason="paid")

        with seeded() as uow:
            uow.orders.add(order)
            uow.commit()
        with seeded() as uow:
            loaded = uow.orders.get(OrderId("ord_1"))

        assert loaded.state == "pending_acceptance"
        assert loaded.paid == Money(19900, "CNY")
        assert loaded.slot == order.slot
        assert loaded.price == order.price
        assert loaded.time_zone == "Asia/Shanghai"
        assert loaded.timeline == order.timeline
        assert loaded.version == 0

    def test_an_orders_contact_copy_round_trips(self, seeded: UnitOfWorkFactory) -> None:
        contact = OrderContact(
            phone="+8613812345678",
            name="王女士",
            province="上海市",
            city="上海市",
            district="徐汇区",
            detail="漕溪北路 88 号 12 楼 1203",
            address_id="addr_home",
        )
        with seeded() as uow:
            uow.orders.add(attrs.evolve(_order(1), contact=contact))
            uow.orders.add(_order(2))
            uow.commit()
        with seeded() as uow:
            with_contact, without = (
                uow.orders.get(OrderId("ord_1")),
                uow.orders.get(OrderId("ord_2")),
            )

        assert with_contact.contact == contact
        assert without.contact is None

    def test_save_is_compare_and_set_on_version(self, seeded: UnitOfWorkFactory) -> None:
        with seeded() as uow:
            uow.orders.add(_order(1))
            uow.commit()
        with seeded() as uow:
            first = uow.orders.get(OrderId("ord_1"))
        with seeded() as uow:
            second = uow.orders.get(OrderId("ord_1"))

        first.transition("cancel", actor=Actor.system(), at=T0)
        with seeded() as uow:
            uow.orders.save(first)
            uow.commit()
        second.transition("cancel", actor=Actor.system(), at=T0.add(minutes=1))
        with seeded() as uow, pytest.raises(ConcurrentUpdate):
            uow.orders.save(second)

        with seeded() as uow:
            stored = uow.orders.get(OrderId("ord_1"))
        assert (stored.state, stored.version, len(stored.timeline)) == ("cancelled", 1, 1)

    def test_orders_list_for_customer_newest_first(self, seeded: UnitOfWorkFactory) -> None:
        with seeded() as uow:
            uow.orders.add(_order(1, at=T0))
            uow.orders.add(_order(2, at=T0.add(minutes=5)))
            uow.orders.add(_order(3, customer="cus_2"))
            uow.commit()

        with seeded() as uow:
            found = uow.orders.list_for_customer(CustomerId("cus_1"))
        assert [o.id for o in found] == ["ord_2", "ord_1"]

    # -- reviews and outbox ------------------------------------------------------------

    def test_one_review_per_order(self, seeded: UnitOfWorkFactory) -> None:
        review = Review(
            ReviewId("rev_1"), OrderId("ord_1"), CustomerId("cus_1"), TECH, 5, "Great", T0
        )
        with seeded() as uow:
            uow.reviews.add(review)
            uow.commit()

        with seeded() as uow:
            with pytest.raises(DuplicateEntity) as caught:
                uow.reviews.add(
                    Review(
                        ReviewId("rev_2"),
                        OrderId("ord_1"),
                        CustomerId("cus_1"),
                        TECH,
                        1,
                        "Again",
                        T0,
                    )
                )
            assert caught.value.error_code == "review_exists"
            assert uow.reviews.for_order(OrderId("ord_1")) == review
            assert uow.reviews.list_for_technician(TECH) == [review]

    def test_a_review_is_saved_by_compare_and_set(self, seeded: UnitOfWorkFactory) -> None:
        review = Review(
            ReviewId("rev_1"), OrderId("ord_1"), CustomerId("cus_1"), TECH, 4, "Good", T0,
            ratings={"skill": 5, "attitude": 3}, tags=("on_time",), photos=("file_1",),
            anonymous=True,
        )  # fmt: skip
        with seeded() as uow:
            uow.reviews.add(review)
            uow.commit()
        replied = attrs.evolve(review, reply=Reply("Thank you", T0.add(hours=1)))
        hidden = attrs.evolve(
            review, moderation=Moderation(ModerationState.HIDDEN, "spam", "ops_1", T0)
        )

        with seeded() as uow:
            saved = uow.reviews.save(replied)
            with pytest.raises(ConcurrentUpdate):
                uow.reviews.save(hidden)  # read at the version the reply replaced
            uow.commit()

        assert saved.version == review.version + 1
        with seeded() as uow:
            assert uow.reviews.get(review.id) == saved
            assert uow.reviews.list_moderated(ModerationState.HIDDEN) == []
            with pytest.raises(NotFound):
                uow.reviews.get(ReviewId("rev_9"))

    def test_moderated_reviews_are_listed_by_state_oldest_first(
        self, seeded: UnitOfWorkFactory
    ) -> None:
        def hidden(n: int, state: ModerationState) -> Review:
            return Review(
                ReviewId(f"rev_{n}"), OrderId(f"ord_{n}"), CustomerId("cus_1"), TECH, 1, "",
                T0.add(minutes=10 - n),
                moderation=Moderation(state, "abuse", "ops_1", T0.add(hours=2)),
            )  # fmt: skip

        reviews = [hidden(1, ModerationState.APPEALED), hidden(2, ModerationState.HIDDEN),
                   hidden(3, ModerationState.APPEALED)]  # fmt: skip
        with seeded() as uow:
            for review in reviews:
                uow.reviews.add(review)
            uow.commit()

        with seeded() as uow:
            appealed = uow.reviews.list_moderated(ModerationState.APPEALED)
        assert appealed == [reviews[2], reviews[0]]

    def test_outbox_keeps_pending_messages_in_order(self, seeded: UnitOfWorkFactory) -> None:
        first = OutboxMessage("msg_1", "OrderPlaced", {"order_id": "ord_1"}, T0)
        second = OutboxMessage("msg_2", "OrderPlaced", {"order_id": "ord_2"}, T0.add(seconds=1))
        with seeded() as uow:
            uow.outbox.add(second)
            uow.outbox.add(first)
            uow.commit()

        with seeded() as uow:
            uow.outbox.mark_delivered(
                OutboxMessage(
                    "msg_1",
                    "OrderPlaced",
                    {"order_id": "ord_1"},
                    T0,
                    delivered_at=T0.add(seconds=5),
                )
            )
            uow.outbox.mark_failed(
                OutboxMessage(
                    "msg_2",
                    "OrderPlaced",
                    {"order_id": "ord_2"},
                    T0.add(seconds=1),
                    attempts=1,
                    last_error="timeout",
                )
            )
            uow.commit()

        with seeded() as uow:
            pending = uow.outbox.pending(10)
        assert [(m.id, m.attempts, m.last_error) for m in pending] == [("msg_2", 1, "timeout")]
        assert pending[0].payload == {"order_id": "ord_2"}

    def test_the_relay_takes_due_pending_messages_oldest_first(
        self, seeded: UnitOfWorkFactory
    ) -> None:
        later = OutboxMessage("msg_3", "OrderPlaced", {}, T0.add(seconds=2), due_at=T0.add(hours=1))
        messages = [
            OutboxMessage("msg_2", "OrderPlaced", {}, T0.add(seconds=1)),
            OutboxMessage("msg_1", "OrderPlaced", {}, T0),
            later,
        ]
        with seeded() as uow:
            for message in messages:
                uow.outbox.add(message)
            uow.commit()

        with seeded() as uow:
            first = uow.outbox.next_due(T0)
            assert first is not None
            uow.outbox.mark_delivered(attrs.evolve(first, delivered_at=T0))
            uow.commit()
        with seeded() as uow:
            second = uow.outbox.next_due(T0)
            assert second is not None
            uow.outbox.save(
                attrs.evolve(second, attempts=5, last_error="boom", state=OutboxState.DEAD)
            )
            uow.commit()

        with seeded() as uow:
            assert (first.id, second.id) == ("msg_1", "msg_2")
            assert uow.outbox.next_due(T0.add(minutes=59)) is None  # msg_3 waits an hour
            assert uow.outbox.next_due(T0.add(hours=1)) == later
            assert uow.outbox.get("msg_1").state is OutboxState.DELIVERED
            dead = uow.outbox.in_state(OutboxState.DEAD, limit=10)
            assert [(m.id, m.attempts, m.last_error) for m in dead] == [("msg_2", 5, "boom")]
            assert uow.outbox.in_state(OutboxState.DEAD, limit=10, after="msg_2") == []
            assert [m.id for m in uow.outbox.pending(10)] == ["msg_3"]
            with pytest.raises(NotFound) as missing:
                uow.outbox.get("msg_9")
            assert missing.value.error_code == "outbox_message_not_found"

    # -- scheduling: holds, booking details, schedules (availability) -------------------

    def test_booking_details_and_holds_round_trip(self, seeded: UnitOfWorkFactory) -> None:
        hold = attrs.evolve(
            _booking(1, 0, 60),
            blocked=_range(-25, 75),
            service_id=SERVICE,
            holder=CustomerId("cus_1"),
            hold_expires_at=T0.add(minutes=-50),
            location=GeoPoint(31.2304, 121.4737),
            travel_minutes=15,
        )
        with seeded() as uow:
            uow.bookings.add(hold)
            uow.commit()

        with seeded() as uow:
            loaded = uow.bookings.get(BookingId("bkg_1"))
        assert loaded == hold
        assert loaded.hold_expires_at is not None
        assert loaded.hold_expires_at.tzinfo is not None

    def test_a_hold_is_active_and_blocks_overlapping_bookings(
        self, seeded: UnitOfWorkFactory
    ) -> None:
        hold = attrs.evolve(
            _booking(1, 0, 60), holder=CustomerId("cus_1"), hold_expires_at=T0.add(minutes=-50)
        )
        with seeded() as uow:
            uow.bookings.add(hold)
            uow.commit()

        with seeded() as uow, pytest.raises(SlotTaken):
            uow.bookings.add(_booking(2, 30, 90))

    def test_list_active_many_covers_several_technicians(self, seeded: UnitOfWorkFactory) -> None:
        with seeded() as uow:
            uow.bookings.add(_booking(1, 0, 60))
            uow.bookings.add(_booking(2, 0, 60, OTHER_TECH))
            uow.bookings.add(_booking(3, 600, 660))
            uow.bookings.add(_booking(4, 60, 120))
            uow.bookings.release(BookingId("bkg_4"))
            uow.commit()

        with seeded() as uow:
            both = uow.bookings.list_active_many([TECH, OTHER_TECH], _range(-10, 300))
            none = uow.bookings.list_active_many([], _range(-10, 300))
        assert [b.id for b in both] == ["bkg_1", "bkg_2"]
        assert none == []

    def test_schedule_defaults_to_empty_and_round_trips(self, seeded: UnitOfWorkFactory) -> None:
        day = T0.date()
        schedule = WorkSchedule(
            TECH,
            overrides=[DateOverride.parse(day, ["10:00-14:00", "22:00-02:00"])],
            time_off=[TimeOff(_range(0, 60), "dentist")],
            shifts=[
                Shift.parse(
                    "sh_1",
                    StoreId("sto_1"),
                    day.add(days=1),
                    "09:00-12:00",
                    ServiceArea(GeoPoint(31.2, 121.4), 5.5),
                )
            ],
            daily_cap=6,
            status=WorkStatus.ONLINE,
        )
        with seeded() as uow:
            assert uow.schedules.get(TECH) == WorkSchedule.empty(TECH)
            saved = uow.schedules.save(schedule)
            uow.commit()

        with seeded() as uow:
            loaded = uow.schedules.get(TECH)
            many = uow.schedules.get_many([TECH, OTHER_TECH])
        assert saved.version == 1
        assert loaded == saved
        assert many == {TECH: saved, OTHER_TECH: WorkSchedule.empty(OTHER_TECH)}

    def test_schedule_save_is_compare_and_set_on_version(self, seeded: UnitOfWorkFactory) -> None:
        with seeded() as uow:
            first = uow.schedules.get(TECH)
        with seeded() as uow:
            second = uow.schedules.get(TECH)
        with seeded() as uow:
            uow.schedules.save(first.with_daily_cap(3))
            uow.commit()

        with seeded() as uow, pytest.raises(ConcurrentUpdate):
            uow.schedules.save(second.with_daily_cap(5))
        with seeded() as uow:
            assert uow.schedules.get(TECH).daily_cap == 3

    def test_time_off_keeps_its_id_and_removing_it_changes_the_agenda_version(
        self, seeded: UnitOfWorkFactory
    ) -> None:
        with seeded() as uow:
            first = uow.schedules.save(
                WorkSchedule.empty(TECH).with_time_off(TimeOff(_range(0, 60), "dentist"))
            )
            second = uow.schedules.save(first.with_time_off(TimeOff(_range(0, 60), "dentist")))
            uow.commit()
        with seeded() as uow:
            stored = uow.schedules.get(TECH)
            before = uow.agendas.versions([TECH])
        with seeded() as uow:
            uow.schedules.save(stored.without_time_off("off_1"))
            uow.commit()
        with seeded() as uow:
            after = uow.agendas.versions([TECH])
            left = uow.schedules.get(TECH)

        # two equal periods, told apart by the ids given when each was added
        assert [t.id for t in stored.time_off] == ["off_1", "off_2"]
        assert stored == second
        assert [t.id for t in left.time_off] == ["off_2"]
        assert after[TECH] != before[TECH]

    # -- scheduling: the agenda, the reservation path's one read ------------------------

    def test_agenda_holds_the_technician_schedule_and_bookings_blocking_the_range(
        self, seeded: UnitOfWorkFactory
    ) -> None:
        within = _range(0, 120)
        # Blocked [-60, 10): its slot ends before the range, its buffer after reaches in.
        early = _padded(3, -60, -5, before=0, after=15)
        inside = _padded(1, 30, 90, before=10, after=15)  # blocked [20, 105)
        # Blocked [115, 180): its slot starts after the range, its travel reaches in.
        late = _padded(2, 125, 180, before=0, after=0, travel=10)
        outside = _padded(4, 190, 250, before=5, after=0)  # blocked [185, 250)
        ends_before = _padded(5, -90, -70, before=0, after=10)  # blocked [-90, -60)
        released = _padded(6, 40, 50, before=0, after=0)
        elsewhere = attrs.evolve(_padded(7, 30, 90, before=10, after=15), technician_id=OTHER_TECH)
        with seeded() as uow:
            uow.bookings.add(released)
            uow.bookings.release(released.id)
            for booking in (inside, late, early, outside, ends_before, elsewhere):
                uow.bookings.add(booking)
            schedule = uow.schedules.save(WorkSchedule.empty(TECH).with_daily_cap(4))
            uow.commit()

        with seeded() as uow:
            agenda = uow.agendas.load(TECH, within)
            technician = uow.technicians.get(TECH)

        assert agenda == StoredAgenda(
            technician=technician, schedule=schedule, bookings=(early, inside, late)
        )
        assert agenda.schedule.version == 1
        assert agenda.service is None

    def test_agenda_of_a_technician_without_schedule_or_bookings(
        self, seeded: UnitOfWorkFactory
    ) -> None:
        with seeded() as uow:
            uow.bookings.add(_booking(1, 0, 60))
            uow.commit()

        with seeded() as uow:
            agenda = uow.agendas.load(OTHER_TECH, _range(-600, 600))

        assert agenda.technician.id == OTHER_TECH
        assert agenda.schedule == WorkSchedule.empty(OTHER_TECH)
        assert agenda.schedule.version == 0
        assert agenda.bookings == ()

    def test_agenda_brings_the_service_asked_for(self, seeded: UnitOfWorkFactory) -> None:
        with seeded() as uow:
            agenda = uow.agendas.load(TECH, _range(0, 60), service_id=SERVICE)
            service = uow.services.get(SERVICE)

        assert agenda.service == service
        assert (agenda.service.buffer_before_minutes, agenda.service.buffer_after_minutes) == (
            10,
            15,
        )

    @pytest.mark.parametrize(
        ("technician", "service", "code"),
        [
            (TechnicianId("tec_nope"), None, "technician_not_found"),
            (TechnicianId("tec_nope"), SERVICE, "technician_not_found"),
            (TECH, ServiceId("svc_nope"), "service_not_found"),
        ],
        ids=["technician", "technician-with-service", "service"],
    )
    def test_agenda_of_an_unknown_technician_or_service_raises_not_found(
        self,
        seeded: UnitOfWorkFactory,
        technician: TechnicianId,
        service: ServiceId | None,
        code: str,
    ) -> None:
        with seeded() as uow, pytest.raises(NotFound) as caught:
            uow.agendas.load(technician, _range(0, 60), service_id=service)

        assert caught.value.error_code == code

    # -- agenda versions -----------------------------------------------------------------

    def _versions(self, seeded: UnitOfWorkFactory) -> dict[TechnicianId, int]:
        with seeded() as uow:
            return uow.agendas.versions([TECH, OTHER_TECH, TechnicianId("tec_nope")])

    def test_agenda_versions_of_known_technicians_only(self, seeded: UnitOfWorkFactory) -> None:
        versions = self._versions(seeded)

        assert set(versions) == {TECH, OTHER_TECH}
        with seeded() as uow:
            assert uow.agendas.versions([]) == {}
            # A search over thousands of technicians asks for thousands of ids at once.
            many = [TechnicianId(f"tec_unknown_{n}") for n in range(2500)]
            assert uow.agendas.versions([*many, TECH, OTHER_TECH]) == versions
            assert uow.agendas.versions([*many, TECH]) == {TECH: versions[TECH]}

    @pytest.mark.parametrize(
        "change",
        ["add a booking", "release a booking", "save the schedule", "save the technician"],
    )
    def test_every_write_of_an_agenda_changes_its_version_and_no_other(
        self, seeded: UnitOfWorkFactory, change: str
    ) -> None:
        _add_committed(seeded, _booking(1, 0, 60))
        before = self._versions(seeded)

        with seeded() as uow:
            if change == "add a booking":
                uow.bookings.add(_booking(2, 120, 180))
            elif change == "release a booking":
                uow.bookings.release(BookingId("bkg_1"))
            elif change == "save the schedule":
                uow.schedules.save(WorkSchedule.empty(TECH).with_daily_cap(3))
            else:
                uow.technicians.save(attrs.evolve(uow.technicians.get(TECH), name="Li Na"))
            # Inside the unit of work the change is already counted (searches read their
            # own writes).
            assert uow.agendas.versions([TECH])[TECH] != before[TECH]
            uow.commit()

        after = self._versions(seeded)
        assert after[TECH] != before[TECH]
        assert after[OTHER_TECH] == before[OTHER_TECH]

    def test_a_rolled_back_write_leaves_the_version(self, seeded: UnitOfWorkFactory) -> None:
        before = self._versions(seeded)

        with seeded() as uow:
            uow.bookings.add(_booking(1, 0, 60))
            uow.rollback()

        assert self._versions(seeded) == before

    def test_technician_profile_round_trips(self, seeded: UnitOfWorkFactory) -> None:
        profile = TechnicianProfile(
            gender=Gender.FEMALE,
            skills={"tuina", "thai"},
            rating=Decimal("4.75"),
            prices={SERVICE: Money(25900, "CNY")},
            store_id=StoreId("sto_1"),
            service_area=ServiceArea(GeoPoint(31.2304, 121.4737), 8.0),
            dispatch=DispatchSettings(accepts_grabs=False, max_orders_per_day=6),
        )
        technician = Technician(
            TechnicianId("tec_3"),
            "Zhao",
            "Europe/London",
            WeeklyHours.parse({"fri": ["22:00-02:00"]}),
            {SERVICE},
            profile,
        )
        with seeded() as uow:
            uow.technicians.add(technician)
            uow.commit()

        with seeded() as uow:
            assert uow.technicians.get(TechnicianId("tec_3")) == technician

    def test_saved_technician_replaces_the_stored_one(self, seeded: UnitOfWorkFactory) -> None:
        with seeded() as uow:
            before = uow.technicians.get(TECH)
            assert before in uow.technicians.list()  # listed (maybe remembered) before
        changed = attrs.evolve(
            before,
            weekly_hours=WeeklyHours.parse({"sat": ["10:00-16:00"]}),
            service_ids=frozenset(),
            profile=TechnicianProfile(
                gender=Gender.MALE,
                skills={"tuina"},
                rating=Decimal("4.5"),
                prices={SERVICE: Money(15900, "CNY")},
                store_id=StoreId("sto_1"),
                service_area=ServiceArea(GeoPoint(31.2, 121.4), 5.0),
            ),
        )

        with seeded() as uow:
            uow.technicians.save(changed)
            uow.commit()

        with seeded() as uow:
            assert uow.technicians.get(TECH) == changed
            assert uow.technicians.get(OTHER_TECH).profile == TechnicianProfile()
            # The list (which adapters may parse through a cache) sees the change too.
            assert changed in uow.technicians.list()

    def test_saving_an_unknown_technician_raises_not_found(self, seeded: UnitOfWorkFactory) -> None:
        with seeded() as uow:
            stranger = attrs.evolve(uow.technicians.get(TECH), id=TechnicianId("tec_nope"))

        with seeded() as uow, pytest.raises(NotFound) as caught:
            uow.technicians.save(stranger)

        assert caught.value.error_code == "technician_not_found"
        with seeded() as uow:
            assert [t.id for t in uow.technicians.list()] == [TECH, OTHER_TECH]

    def test_the_technician_lock_serializes_check_then_add(self, seeded: UnitOfWorkFactory) -> None:
        # Each worker takes the lock, then books only if the technician has nothing that day
        # (a rule over several bookings, like the daily cap): exactly one may book.
        capped: list[int] = []

        def book_if_day_is_free(n: int) -> None:
            with seeded() as uow:
                uow.locks.take(LockKey.technician(TECH))
                if uow.bookings.list_active(TECH, _range(-540, 900)):
                    capped.append(n)
                    return
                uow.bookings.add(_booking(500 + n, 10 * n, 10 * n + 5))
                uow.commit()

        results = race(self.concurrency_workers, book_if_day_is_free)

        assert results.count("ok") == self.concurrency_workers, results
        assert len(capped) == self.concurrency_workers - 1
        with seeded() as uow:
            assert len(uow.bookings.list_active(TECH, _range(-540, 900))) == 1

    @pytest.mark.parametrize("second_takes", ["customer", "technician"])
    def test_keys_taken_together_hold_off_a_unit_of_work_taking_either(
        self, seeded: UnitOfWorkFactory, second_takes: str
    ) -> None:
        # The first unit of work takes both keys in one call and reads, as a placement
        # does, then books a moment later; the second, started meanwhile, takes one of
        # the keys: it must wait for the first to end and then see its booking.
        customer, technician = LockKey.customer(CustomerId("cus_1")), LockKey.technician(TECH)
        taken = threading.Event()
        booked = _padded(1, 0, 60, before=10, after=15)
        seen: list[list[Booking]] = []

        def first() -> None:
            with seeded() as uow:
                uow.locks.take(customer, technician)
                assert uow.bookings.list_active(TECH, _range(-600, 600)) == []
                taken.set()
                time.sleep(0.2)  # the window a lock not held would let the second into
                uow.bookings.add(booked)
                uow.commit()

        def second() -> None:
            assert taken.wait(timeout=30), "the first unit of work never took its keys"
            with seeded() as uow:
                uow.locks.take(customer if second_takes == "customer" else technician)
                seen.append(uow.bookings.list_active(TECH, _range(-600, 600)))

        results = at_once(2, lambda n: (first, second)[n]())

        assert [r for r in results if r is not None] == []
        assert seen == [[booked]]

    def test_a_saved_order_keeps_its_new_booking_and_slot(self, seeded: UnitOfWorkFactory) -> None:
        with seeded() as uow:
            uow.orders.add(_order(1))
            uow.commit()
        with seeded() as uow:
            order = uow.orders.get(OrderId("ord_1"))
            order.booking_id = BookingId("bkg_9")
            order.slot = _range(180, 240)
            uow.orders.save(order)
            uow.commit()

        with seeded() as uow:
            loaded = uow.orders.get(OrderId("ord_1"))
        assert (loaded.booking_id, loaded.slot) == ("bkg_9", _range(180, 240))

    def test_concurrent_holds_and_bookings_exactly_one_wins(
        self, seeded: UnitOfWorkFactory
    ) -> None:
        def attempt(n: int) -> None:
            booking = _booking(200 + n, n, 60 + n)
            if n % 2:
                booking = attrs.evolve(
                    booking, holder=CustomerId(f"cus_{n}"), hold_expires_at=T0.add(hours=1)
                )
            _add_committed(seeded, booking)

        results = race(self.concurrency_workers, attempt)

        assert results.count("ok") == 1, results
        assert results.count("slot_taken") == self.concurrency_workers - 1, results

    def test_concurrent_moves_into_the_same_time_exactly_one_wins(
        self, seeded: UnitOfWorkFactory
    ) -> None:
        # Each worker moves its own booking (release + add, one transaction) onto one time.
        with seeded() as uow:
            for n in range(self.concurrency_workers):
                uow.bookings.add(_booking(300 + n, 1000 + 100 * n, 1060 + 100 * n))
            uow.commit()

        def move(n: int) -> None:
            with seeded() as uow:
                uow.bookings.release(BookingId(f"bkg_{300 + n}"))
                uow.bookings.add(_booking(400 + n, n, 60 + n))
                uow.commit()

        results = race(self.concurrency_workers, move)

        assert results.count("ok") == 1, results
        with seeded() as uow:
            active = uow.bookings.list_active(TECH, _range(-100, 10_000))
        assert len(active) == self.concurrency_workers  # the winner moved, the rest stayed
        _assert_no_overlap(active)


def _assert_no_overlap(bookings: list[Booking]) -> None:
    ordered = sorted(bookings, key=lambda b: b.blocked.start)
    for first, second in itertools.pairwise(ordered):
        assert not first.blocked.overlaps(second.blocked), (first, second)


def _add_committed(uow_factory: UnitOfWorkFactory, booking: Booking) -> None:
    with uow_factory() as uow:
        uow.bookings.add(booking)
        uow.commit()
