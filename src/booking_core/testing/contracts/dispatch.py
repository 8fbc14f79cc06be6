"""Contract cases of dispatch storage: an order's dispatch state, the waiting filter of
:meth:`OrderRepository.find`, the per-technician counts and the order lock (part of
:class:`~booking_core.testing.contracts.StorageContract`).

The data make every field count: the dispatch state has a standing offer, three refusals
(a set), a broadcast whose order is not sorted, instants with microseconds; among the
orders that do not wait, one has a technician and a dispatch, one a technician only, and
one neither (a rejected order placed with a technician).
"""

from __future__ import annotations

import functools
import time

import attrs
import pendulum
from pendulum import DateTime

from booking_core.dispatch.metrics import DispatchMetrics, DispatchOutcome
from booking_core.ids import BookingId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Order
from booking_core.orders.dispatching import DispatchMode, DispatchState, Offer
from booking_core.ports.storage import LockKey, OrderQuery, OrderSort, UnitOfWorkFactory
from booking_core.testing.contracts.orders import at_once, race
from booking_core.timerange import TimeRange

__all__ = ["DispatchStorageContract"]

_T0 = pendulum.datetime(2026, 3, 2, 9, 0, 0, 123_456, tz="Asia/Shanghai")
_LI = TechnicianId("tec_li")
_WANG = TechnicianId("tec_wang")
_ZHAO = TechnicianId("tec_zhao")
_SUN = TechnicianId("tec_sun")
_ZHOU = TechnicianId("tec_zhou")


def _state() -> DispatchState:
    """A dispatch state with every field set to something other than its default."""
    return DispatchState(
        DispatchMode.OFFER,
        holder=_ZHOU,
        opened_at=_T0,
        rounds=3,
        offers=4,
        offer=Offer(_ZHOU, 4, _T0.add(minutes=7), _T0.add(minutes=7, seconds=90)),
        refused=frozenset({_WANG, _LI, _ZHAO}),
        broadcast=(_SUN, _ZHOU, _LI),  # best first: not in sorted order
        escalated_at=pendulum.datetime(2026, 3, 2, 1, 30, 0, 654_321, tz="UTC"),
    )


def _order(
    n: int,
    *,
    technician: TechnicianId | None = None,
    dispatch: DispatchState | None = None,
    slot_hours: int = 0,
) -> Order:
    start = _T0.add(days=1, hours=slot_hours)
    order = Order.place(
        order_id=OrderId(f"ord_d{n}"),
        customer_id=CustomerId("cus_1"),
        technician_id=technician,
        service_id=ServiceId("svc_1"),
        booking_id=BookingId(f"bkg_d{n}"),
        slot=TimeRange(start, start.add(hours=1)),
        time_zone="Asia/Shanghai",
        price=Money(19900, "CNY"),
        at=_T0,
        dispatch=dispatch,
    )
    order.pull_events()
    return order


def _waiting(n: int, slot_hours: int = 0) -> Order:
    return _order(
        n, dispatch=DispatchState(DispatchMode.GRAB, opened_at=_T0), slot_hours=slot_hours
    )


def _counted(
    technician_id: TechnicianId, *outcomes: tuple[DispatchOutcome, DateTime]
) -> DispatchMetrics:
    """The reference: :meth:`DispatchMetrics.counted` folded over ``outcomes``."""
    return functools.reduce(
        lambda metrics, item: metrics.counted(*item), outcomes, DispatchMetrics(technician_id)
    )


class DispatchStorageContract:
    """Mix into a ``Test*`` class that provides a ``uow_factory`` fixture over empty storage.

    ``concurrency_workers`` is how many threads the race cases start.
    """

    concurrency_workers = 20

    # -- an order's dispatch state ---------------------------------------------------------

    def test_an_orders_dispatch_state_round_trips_through_add_and_save(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        state = _state()
        with uow_factory() as uow:
            uow.orders.add(_order(1, dispatch=state))
            uow.orders.add(_order(2, technician=_LI))
            uow.commit()
        with uow_factory() as uow:
            added = uow.orders.get(OrderId("ord_d1"))
            without = uow.orders.get(OrderId("ord_d2"))

        assert added.dispatch == state
        assert (added.technician_id, without.dispatch) == (None, None)

        assigned = attrs.evolve(state, assigned_by=DispatchMode.MANUAL, offer=None)
        added.technician_id, added.dispatch = _ZHOU, assigned
        with uow_factory() as uow:
            uow.orders.save(added)
            uow.commit()
        with uow_factory() as uow:
            saved = uow.orders.get(OrderId("ord_d1"))

        assert saved.dispatch == assigned
        assert (saved.technician_id, saved.version) == (_ZHOU, 1)
        assert saved.dispatch is not None
        assert saved.dispatch.broadcast == (_SUN, _ZHOU, _LI)

    def test_waiting_finds_the_orders_dispatch_still_looks_for_a_technician(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        rejected = _order(5, technician=_WANG)
        rejected.technician_id = None  # placed with him, rejected by him: waits for nobody
        assigned = _waiting(6)
        with uow_factory() as uow:
            uow.orders.add(_waiting(1, slot_hours=3))
            uow.orders.add(_waiting(2, slot_hours=1))
            uow.orders.add(_order(3, technician=_LI, dispatch=attrs.evolve(
                _state(), offer=None, assigned_by=DispatchMode.AUTO
            )))  # fmt: skip
            uow.orders.add(_order(4, technician=_LI))
            uow.orders.add(rejected)
            uow.orders.add(assigned)
            uow.commit()
        with uow_factory() as uow:
            order = uow.orders.get(OrderId("ord_d6"))
            assert order.dispatch is not None
            order.technician_id = _ZHAO
            order.dispatch = order.dispatch.assigned(DispatchMode.GRAB)
            uow.orders.save(order)  # it waited; now it has its technician
            uow.commit()

        with uow_factory() as uow:
            waiting = uow.orders.find(OrderQuery(waiting=True, sort=OrderSort.SOONEST_SLOT))
            others = uow.orders.find(OrderQuery(waiting=False))
            either = uow.orders.find(OrderQuery())
            first = uow.orders.find(OrderQuery(waiting=True, sort=OrderSort.SOONEST_SLOT, limit=1))

        assert [o.id for o in waiting] == ["ord_d2", "ord_d1"]
        assert {o.id for o in others} == {"ord_d3", "ord_d4", "ord_d5", "ord_d6"}
        assert len(either) == 6
        assert [o.id for o in first] == ["ord_d2"]
        assert waiting[0].dispatch == DispatchState(DispatchMode.GRAB, opened_at=_T0)

    # -- dispatch counts ---------------------------------------------------------------------

    def test_counts_are_zero_until_recorded_and_add_up(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        li = [
            (DispatchOutcome.OFFERED, _T0),
            (DispatchOutcome.REFUSED, _T0.add(minutes=1)),
            (DispatchOutcome.OFFERED, _T0.add(minutes=2)),
            (DispatchOutcome.ACCEPTED, _T0.add(minutes=3)),
            (DispatchOutcome.ASSIGNED, _T0.add(minutes=3, microseconds=7)),
            (DispatchOutcome.OFFERED, _T0.add(minutes=4)),
            (DispatchOutcome.TIMED_OUT, _T0.add(minutes=5)),
            (DispatchOutcome.COMPLETED, _T0.add(hours=2)),
        ]
        wang = [
            (DispatchOutcome.GRABBED, _T0),
            (DispatchOutcome.ASSIGNED, _T0),
            (DispatchOutcome.ASSIGNED, _T0.add(days=1, microseconds=1)),
            (DispatchOutcome.OFFERED, _T0.add(days=2)),  # not an assignment: keeps the last
        ]
        with uow_factory() as uow:
            assert uow.dispatch_metrics.get_many([_LI, _WANG]) == {
                _LI: DispatchMetrics(_LI),
                _WANG: DispatchMetrics(_WANG),
            }
            for outcome, at in li[:4]:
                uow.dispatch_metrics.record(_LI, outcome, at)
            for outcome, at in wang:
                uow.dispatch_metrics.record(_WANG, outcome, at)
            uow.commit()
        with uow_factory() as uow:
            for outcome, at in li[4:]:
                uow.dispatch_metrics.record(_LI, outcome, at)
            uow.commit()

        with uow_factory() as uow:
            found = uow.dispatch_metrics.get_many([_ZHAO, _WANG, _LI])
            one = uow.dispatch_metrics.get_many({_WANG})
            none = uow.dispatch_metrics.get_many([])

        assert found == {
            _LI: _counted(_LI, *li),
            _WANG: _counted(_WANG, *wang),
            _ZHAO: DispatchMetrics(_ZHAO),
        }
        assert (found[_LI].offered, found[_LI].refused, found[_LI].timed_out) == (3, 1, 1)
        assert found[_LI].last_assigned_at == _T0.add(minutes=3, microseconds=7)
        assert found[_WANG].last_assigned_at == _T0.add(days=1, microseconds=1)
        assert (found[_WANG].assigned, found[_WANG].grabbed) == (2, 1)
        assert one == {_WANG: _counted(_WANG, *wang)}
        assert none == {}

    def test_a_rolled_back_count_is_not_kept(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.dispatch_metrics.record(_LI, DispatchOutcome.OFFERED, _T0)
            uow.commit()
        with uow_factory() as uow:
            uow.dispatch_metrics.record(_LI, DispatchOutcome.ASSIGNED, _T0.add(minutes=1))
            uow.dispatch_metrics.record(_WANG, DispatchOutcome.OFFERED, _T0)
            uow.rollback()
            uow.dispatch_metrics.record(_LI, DispatchOutcome.REFUSED, _T0.add(minutes=2))
            uow.commit()
        with uow_factory() as uow:
            uow.dispatch_metrics.record(_LI, DispatchOutcome.COMPLETED, _T0.add(minutes=3))
            # left without commit

        with uow_factory() as uow:
            found = uow.dispatch_metrics.get_many([_LI, _WANG])

        assert found == {
            _LI: DispatchMetrics(_LI, offered=1, refused=1),
            _WANG: DispatchMetrics(_WANG),
        }

    def test_counts_made_at_once_all_count(self, uow_factory: UnitOfWorkFactory) -> None:
        def count(n: int) -> None:
            with uow_factory() as uow:
                uow.dispatch_metrics.record(_LI, DispatchOutcome.OFFERED, _T0.add(seconds=n))
                uow.dispatch_metrics.record(_LI, DispatchOutcome.ASSIGNED, _T0.add(seconds=n))
                uow.commit()

        results = race(self.concurrency_workers, count)

        assert results == ["ok"] * self.concurrency_workers
        with uow_factory() as uow:
            found = uow.dispatch_metrics.get_many([_LI])[_LI]
        assert (found.offered, found.assigned) == (self.concurrency_workers,) * 2
        assert found.last_assigned_at is not None

    # -- the order lock ----------------------------------------------------------------------

    def test_the_order_lock_serializes_check_then_act(self, uow_factory: UnitOfWorkFactory) -> None:
        # Each worker takes the order's lock, then makes "the first offer" only if none was
        # made (a rule over something no compare-and-set guards): exactly one may make it.
        key = LockKey.order(OrderId("ord_d1"))

        def offer_once(n: int) -> bool:
            with uow_factory() as uow:
                uow.locks.take(key)
                if uow.dispatch_metrics.get_many([_LI])[_LI].offered:
                    return False
                time.sleep(0.05)  # the window a lock not held would let the others into
                uow.dispatch_metrics.record(_LI, DispatchOutcome.OFFERED, _T0.add(seconds=n))
                uow.commit()
                return True

        outcomes = at_once(self.concurrency_workers, offer_once)

        assert sorted(outcomes, key=str) == [False] * (self.concurrency_workers - 1) + [True]
        with uow_factory() as uow:
            assert uow.dispatch_metrics.get_many([_LI])[_LI].offered == 1
