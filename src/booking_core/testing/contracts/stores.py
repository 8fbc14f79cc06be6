"""Contract cases of the stores repositories: records, compare-and-set, announcements by
audience and recency (part of :class:`~booking_core.testing.contracts.StorageContract`)."""

from __future__ import annotations

import attrs
import pendulum
import pytest

from booking_core.errors import ConcurrentUpdate, DuplicateEntity, NotFound
from booking_core.ids import ServiceId, StoreId, TechnicianId
from booking_core.money import Money
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.scheduling import WeeklyHours
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.stores import Announcement, Audience, Store, StoreAddress, StoreDetails

__all__ = ["StoreStorageContract"]

_STORE = StoreId("sto_1")
_T0 = pendulum.datetime(2026, 3, 1, 8, tz="UTC")


def _store(store_id: StoreId = _STORE, name: str = "Jing'an Spa") -> Store:
    return Store(
        store_id,
        StoreDetails(
            name,
            StoreAddress(
                "上海市", "静安区", "南京西路 1 号", GeoPoint(31.23, 121.45), province="上海"
            ),
            "Asia/Shanghai",
            WeeklyHours.parse({"mon": ["10:00-22:00"], "sat": ["09:00-23:00"]}),
            phone="+862112345678",
            service_area=ServiceArea(GeoPoint(31.23, 121.45), 6.5),
        ),
        own_prices_allowed=True,
        prices={ServiceId("svc_1"): Money(18800, "CNY")},
        invitations={TechnicianId("tec_1")},
        join_requests={TechnicianId("tec_3"), TechnicianId("tec_2")},
    )


def _note(n: int, audience: Audience, *, minutes: int, store: StoreId = _STORE) -> Announcement:
    return Announcement(
        f"ann_{n}", store, audience, f"Title {n}", f"Body {n}", _T0.add(minutes=minutes)
    )


class StoreStorageContract:
    """Mix into a ``Test*`` class that provides a ``uow_factory`` fixture over empty storage."""

    def test_a_store_round_trips_at_version_one(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            stored = uow.stores.add(_store())
            uow.stores.add(_store(StoreId("sto_0"), name="Bund Spa"))
            uow.commit()

        with uow_factory() as uow:
            assert uow.stores.get(_STORE) == stored == attrs.evolve(_store(), version=1)
            assert [s.id for s in uow.stores.list()] == ["sto_0", "sto_1"]  # by name
            with pytest.raises(DuplicateEntity):
                uow.stores.add(_store())
            with pytest.raises(NotFound) as caught:
                uow.stores.get(StoreId("sto_nope"))
        assert caught.value.error_code == "store_not_found"

    def test_save_is_compare_and_set_on_version(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            first = uow.stores.add(_store())
            uow.commit()
        with uow_factory() as uow:
            second = uow.stores.save(first.with_prices({}))
            uow.commit()

        with uow_factory() as uow, pytest.raises(ConcurrentUpdate):
            uow.stores.save(first.inviting(TechnicianId("tec_2")))  # read before the save
        with uow_factory() as uow:
            assert uow.stores.get(_STORE) == second
            assert (second.version, second.prices) == (2, {})
            with pytest.raises(NotFound):
                uow.stores.save(attrs.evolve(first, id=StoreId("sto_nope")))

    def test_announcements_are_listed_by_audience_newest_first(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            uow.announcements.add(_note(1, Audience.TECHNICIANS, minutes=0))
            uow.announcements.add(_note(2, Audience.CUSTOMERS, minutes=5))
            uow.announcements.add(_note(3, Audience.BOTH, minutes=10))
            uow.announcements.add(_note(4, Audience.BOTH, minutes=10))  # same instant
            uow.announcements.add(_note(5, Audience.BOTH, minutes=20, store=StoreId("sto_2")))
            uow.commit()

        with uow_factory() as uow:
            customers = uow.announcements.list(_STORE, {Audience.CUSTOMERS, Audience.BOTH})
            everyone = uow.announcements.list(_STORE, set(Audience), limit=2)
            with pytest.raises(DuplicateEntity):
                uow.announcements.add(_note(1, Audience.BOTH, minutes=0))

        assert [a.id for a in customers] == ["ann_4", "ann_3", "ann_2"]
        assert [a.id for a in everyone] == ["ann_4", "ann_3"]
        assert customers[-1] == _note(2, Audience.CUSTOMERS, minutes=5)
