"""Contract cases of order listings: :meth:`OrderRepository.find` filters, sorts and pages
(part of :class:`~booking_core.testing.contracts.StorageContract`).

The data make every field count: orders differ in customer, technician, store, state, the
instant they were placed and their slot, several share an instant (so only the id breaks
the tie), instants carry microseconds and arrive in several zones.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pendulum
import pytest

from booking_core.errors import InvalidInput
from booking_core.ids import BookingId, CustomerId, OrderId, ServiceId, StoreId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Actor, Order, OrderState, Role
from booking_core.ports.storage import (
    OrderCursor,
    OrderQuery,
    OrderSort,
    UnitOfWorkFactory,
)
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.profile import TechnicianProfile
from booking_core.timerange import TimeRange

__all__ = ["OrderListingStorageContract"]

_T0 = pendulum.datetime(2026, 3, 2, 9, 0, 0, 250_000, tz="UTC")
_SHANGHAI = "Asia/Shanghai"
_SERVICE = ServiceId("svc_listing")
_STORE = StoreId("sto_north")
_OTHER_STORE = StoreId("sto_south")
_LI = TechnicianId("tec_li")  # works for the north store
_WANG = TechnicianId("tec_wang")  # works for the north store too
_ZHAO = TechnicianId("tec_zhao")  # the south store
_SOLO = TechnicianId("tec_solo")  # independent
_ALICE = CustomerId("cus_alice")
_BOB = CustomerId("cus_bob")


def _technician(technician_id: TechnicianId, store: StoreId | None) -> Technician:
    return Technician(
        technician_id,
        technician_id.removeprefix("tec_").title(),
        _SHANGHAI,
        WeeklyHours.every_day("09:00", "18:00"),
        frozenset({_SERVICE}),
        TechnicianProfile(store_id=store),
    )


def _order(
    n: int,
    *,
    customer: CustomerId = _ALICE,
    technician: TechnicianId | None = _LI,
    placed_minutes: int = 0,
    slot_minutes: int = 24 * 60,
    state: OrderState = OrderState.PENDING_PAYMENT,
) -> Order:
    # Zones differ per order: storage compares instants, not wall clocks.
    zone = ("UTC", _SHANGHAI, "America/New_York")[n % 3]
    start = _T0.add(minutes=slot_minutes).in_timezone(zone)
    order = Order.place(
        order_id=OrderId(f"ord_{n:03d}"),
        customer_id=customer,
        technician_id=technician or _LI,
        service_id=_SERVICE,
        booking_id=BookingId(f"bkg_{n:03d}"),
        slot=TimeRange(start, start.add(minutes=60)),
        time_zone=_SHANGHAI,
        price=Money(19900 + n, "CNY"),
        at=_T0.add(minutes=placed_minutes).in_timezone(zone),
    )
    order.technician_id = technician
    order.state = state.value
    order.pull_events()
    return order


def _ids(orders: list[Order]) -> list[str]:
    return [o.id for o in orders]


class OrderListingStorageContract:
    """Mix into a ``Test*`` class that provides a ``uow_factory`` fixture over empty storage."""

    @pytest.fixture
    def listed(self, uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
        """Four technicians in two stores and one alone, and nine orders between them."""
        with uow_factory() as uow:
            for technician_id, store in (
                (_LI, _STORE),
                (_WANG, _STORE),
                (_ZHAO, _OTHER_STORE),
                (_SOLO, None),
            ):
                uow.technicians.add(_technician(technician_id, store))
            for order in self._orders():
                uow.orders.add(order)
            uow.commit()
        return uow_factory

    @staticmethod
    def _orders() -> Iterator[Order]:
        accepted, completed = OrderState.ACCEPTED, OrderState.COMPLETED
        yield _order(1, placed_minutes=0, slot_minutes=3000)
        yield _order(2, technician=_WANG, placed_minutes=10, slot_minutes=1500, state=accepted)
        yield _order(3, customer=_BOB, placed_minutes=10, slot_minutes=1500, state=accepted)
        yield _order(4, technician=_ZHAO, placed_minutes=20, slot_minutes=600, state=completed)
        yield _order(5, technician=_SOLO, placed_minutes=30, slot_minutes=2000)
        yield _order(6, technician=None, placed_minutes=40, slot_minutes=2500)
        yield _order(7, customer=_BOB, technician=_WANG, placed_minutes=50, slot_minutes=900)
        yield _order(8, placed_minutes=60, slot_minutes=1500, state=OrderState.CANCELLED)
        yield _order(9, technician=_ZHAO, placed_minutes=70, slot_minutes=4000, state=accepted)

    def _find(self, uow_factory: UnitOfWorkFactory, **filters: object) -> list[str]:
        with uow_factory() as uow:
            return _ids(uow.orders.find(OrderQuery(**filters)))  # type: ignore[arg-type]

    # -- filters -------------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            ({}, [f"ord_{n:03d}" for n in range(9, 0, -1)]),
            ({"customer_id": _BOB}, ["ord_007", "ord_003"]),
            ({"technician_id": _WANG}, ["ord_007", "ord_002"]),
            ({"store_id": _STORE}, ["ord_008", "ord_007", "ord_003", "ord_002", "ord_001"]),
            ({"store_id": _OTHER_STORE}, ["ord_009", "ord_004"]),
            ({"store_id": StoreId("sto_nope")}, []),
            ({"states": {OrderState.ACCEPTED}}, ["ord_009", "ord_003", "ord_002"]),
            ({"states": {OrderState.COMPLETED, OrderState.CANCELLED}}, ["ord_008", "ord_004"]),
            ({"states": set()}, []),
            # Half-open: placed at +10 (twice) and +20 are in, +30 is not.
            (
                {"placed_from": _T0.add(minutes=10), "placed_until": _T0.add(minutes=30)},
                ["ord_004", "ord_003", "ord_002"],
            ),
            # The bounds may come in any zone; an instant is an instant.
            (
                {
                    "slot_from": _T0.add(minutes=1500).in_timezone(_SHANGHAI),
                    "slot_until": _T0.add(minutes=2500).in_timezone("America/New_York"),
                },
                ["ord_008", "ord_005", "ord_003", "ord_002"],
            ),
            (
                {
                    "store_id": _STORE,
                    "customer_id": _ALICE,
                    "states": {OrderState.PENDING_PAYMENT},
                    "slot_until": _T0.add(minutes=3001),
                },
                ["ord_001"],
            ),
            ({"technician_id": _LI, "store_id": _OTHER_STORE}, []),
        ],
        ids=[
            "all",
            "customer",
            "technician",
            "store",
            "other-store",
            "unknown-store",
            "state",
            "states",
            "no-states",
            "placed-range",
            "slot-range",
            "combined",
            "disjoint",
        ],
    )
    def test_find_keeps_the_orders_every_filter_admits(
        self, listed: UnitOfWorkFactory, filters: dict[str, object], expected: list[str]
    ) -> None:
        assert self._find(listed, **filters) == expected

    def test_store_follows_the_technicians_profile_as_stored_now(
        self, listed: UnitOfWorkFactory
    ) -> None:
        with listed() as uow:
            solo = uow.technicians.get(_SOLO)
            uow.technicians.save(attrs.evolve(solo, profile=TechnicianProfile(store_id=_STORE)))
            uow.commit()

        assert self._find(listed, store_id=_STORE, placed_from=_T0.add(minutes=20)) == [
            "ord_008",
            "ord_007",
            "ord_005",
        ]

    # -- sorts and limits ------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            # ord_002 and ord_003 share their placing instant: the id breaks the tie.
            (OrderSort.NEWEST_PLACED, ["ord_005", "ord_004", "ord_003", "ord_002", "ord_001"]),
            # ord_002, ord_003 and ord_008 share a slot start.
            (OrderSort.SOONEST_SLOT, ["ord_004", "ord_007", "ord_002", "ord_003", "ord_008"]),
            (OrderSort.LATEST_SLOT, ["ord_009", "ord_001", "ord_006", "ord_005", "ord_008"]),
        ],
    )
    def test_find_sorts_and_limits(
        self, listed: UnitOfWorkFactory, sort: OrderSort, expected: list[str]
    ) -> None:
        # Newest placed: only those placed before +40, so that the tie is on the page.
        bound = {"placed_until": _T0.add(minutes=40)} if sort is OrderSort.NEWEST_PLACED else {}

        assert self._find(listed, sort=sort, limit=5, **bound) == expected

    def test_found_orders_read_back_whole_with_their_timelines(
        self, listed: UnitOfWorkFactory
    ) -> None:
        with listed() as uow:
            order = uow.orders.get(OrderId("ord_005"))
            order.record_capture(order.price)
            order.transition("pay", actor=Actor.system("checkout"), at=_T0.add(minutes=31))
            order.transition("accept", actor=Actor(_SOLO, Role.TECHNICIAN), at=_T0.add(minutes=32))
            uow.orders.save(order)
            uow.commit()

        with listed() as uow:
            found = uow.orders.find(OrderQuery(technician_id=_SOLO))
            stored = uow.orders.get(OrderId("ord_005"))

        assert len(found) == 1
        assert [r.event for r in found[0].timeline] == ["pay", "accept"]
        assert found[0].timeline == stored.timeline
        assert (found[0].state, found[0].version, found[0].slot, found[0].placed_at) == (
            stored.state,
            stored.version,
            stored.slot,
            stored.placed_at,
        )

    # -- keyset pages ----------------------------------------------------------------------

    @pytest.mark.parametrize("sort", list(OrderSort))
    def test_pages_follow_the_cursor_without_gaps_or_repeats_while_orders_arrive(
        self, listed: UnitOfWorkFactory, sort: OrderSort
    ) -> None:
        # Between pages, orders are added both before and after the cursor's position;
        # the pages must show each original order exactly once, in order.
        with listed() as uow:
            originals = uow.orders.find(OrderQuery(sort=sort))
        seen: list[Order] = []
        after: OrderCursor | None = None
        extra = 100

        while True:
            with listed() as uow:
                page = uow.orders.find(OrderQuery(sort=sort, after=after, limit=2))
            if not page:
                break
            seen.extend(page)
            after = OrderCursor.after(page[-1], sort)
            with listed() as uow:
                for minutes in (-500, 5000):  # one at each end of the list
                    extra += 1
                    uow.orders.add(
                        _order(extra, placed_minutes=minutes, slot_minutes=minutes + 9000)
                    )
                uow.commit()

        seen_ids = _ids(seen)
        assert len(seen_ids) == len(set(seen_ids)), "an order was shown twice"
        keys = [(sort.instant(o), o.id) for o in seen]
        assert keys == sorted(keys, reverse=sort.descending)
        assert [i for i in seen_ids if i in set(_ids(originals))] == _ids(originals)

    def test_a_cursor_between_tied_instants_continues_by_id(
        self, listed: UnitOfWorkFactory
    ) -> None:
        # ord_002, ord_003 and ord_008 start at the same instant.
        tie = _T0.add(minutes=1500).in_timezone(_SHANGHAI)

        with listed() as uow:
            soonest = uow.orders.find(
                OrderQuery(sort=OrderSort.SOONEST_SLOT, after=OrderCursor(tie, OrderId("ord_002")))
            )
            latest = uow.orders.find(
                OrderQuery(sort=OrderSort.LATEST_SLOT, after=OrderCursor(tie, OrderId("ord_008")))
            )

        assert _ids(soonest)[:3] == ["ord_003", "ord_008", "ord_005"]
        assert _ids(latest)[:2] == ["ord_003", "ord_002"]

    def test_a_cursor_keeps_microseconds(self, listed: UnitOfWorkFactory) -> None:
        # ord_001 was placed at _T0 (…:00.250000): a cursor a microsecond earlier or later
        # is a different place in the list.
        just_before = OrderCursor(_T0.subtract(microseconds=1), OrderId("ord_999"))
        just_after = OrderCursor(_T0.add(microseconds=1), OrderId("ord_000"))

        assert "ord_001" not in self._find(listed, after=just_before)
        assert self._find(listed, after=just_after)[-1] == "ord_001"

    @pytest.mark.parametrize("limit", [0, -1, 1001, True])
    def test_an_unreasonable_limit_is_refused(self, limit: int) -> None:
        with pytest.raises(InvalidInput):
            OrderQuery(limit=limit)
