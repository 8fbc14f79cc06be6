"""Contract cases of the customers repository: records, compare-and-set, and the standing
checkout reads (part of :class:`~booking_core.testing.contracts.StorageContract`)."""

from __future__ import annotations

import datetime as _dt

import attrs
import pendulum
import pytest

from booking_core.customers import Address, Customer, CustomerDetails
from booking_core.errors import ConcurrentUpdate, DuplicateEntity, NotFound
from booking_core.ids import CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.orders.hoarding import UnpaidCount
from booking_core.orders.order import OrderState
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.scheduling.geo import GeoPoint
from booking_core.scheduling.profile import Gender
from booking_core.testing.contracts.placement import _order

__all__ = ["CustomerStorageContract"]

_ALICE = CustomerId("cus_1")
_T0 = pendulum.datetime(2026, 3, 1, 8, tz="UTC")
_LI = TechnicianId("tec_li")


def _alice() -> Customer:
    home = Address(
        "addr_1", "Home", "上海", "上海市", "黄浦区", "南京东路 1 号 3 楼", GeoPoint(31.23, 121.47)
    )
    return Customer(
        _ALICE,
        CustomerDetails(
            "Alice",
            avatar_url="https://example.com/a.png",
            gender=Gender.FEMALE,
            birthday=_dt.date(1990, 5, 17),
            time_zone="Asia/Shanghai",
            phone="+8613812345678",
        ),
        pendulum.datetime(2026, 3, 1, 8, tz="UTC"),
        addresses=(home,),
        default_address_id="addr_1",
        favourite_technicians={_LI},
        favourite_services={ServiceId("svc_1")},
        tier="gold",
    )


class CustomerStorageContract:
    """Mix into a ``Test*`` class that provides a ``uow_factory`` fixture over empty storage."""

    def test_a_customer_round_trips_at_version_one(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            stored = uow.customers.add(_alice())
            uow.commit()

        with uow_factory() as uow:
            assert uow.customers.get(_ALICE) == stored == attrs.evolve(_alice(), version=1)
            with pytest.raises(DuplicateEntity):
                uow.customers.add(_alice())
            with pytest.raises(NotFound) as caught:
                uow.customers.get(CustomerId("cus_nope"))
        assert caught.value.error_code == "customer_not_found"

    def test_save_is_compare_and_set_on_version(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            first = uow.customers.add(_alice())
            uow.commit()
        with uow_factory() as uow:
            second = uow.customers.save(attrs.evolve(first, tier="platinum"))
            uow.commit()

        with uow_factory() as uow, pytest.raises(ConcurrentUpdate):
            uow.customers.save(attrs.evolve(first, tier="silver"))  # read before the save
        with uow_factory() as uow:
            assert uow.customers.get(_ALICE) == second
            assert second.version == 2
            assert second.tier == "platinum"
            with pytest.raises(NotFound):
                uow.customers.save(attrs.evolve(first, id=CustomerId("cus_nope")))

    def test_born_on_finds_birthdays_by_month_and_day_in_id_pages(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        born = [("cus_a", (1990, 5, 17)), ("cus_b", (2001, 5, 17)), ("cus_c", (1990, 5, 18)),
                ("cus_d", (2000, 2, 29)), ("cus_e", (1990, 12, 17)), ("cus_f", None)]  # fmt: skip
        with uow_factory() as uow:
            for customer_id, date in born:
                details = CustomerDetails("N", birthday=None if date is None else _dt.date(*date))
                uow.customers.add(Customer(CustomerId(customer_id), details, _T0))
            uow.commit()

        with uow_factory() as uow:
            first = uow.customers.born_on([(5, 17)], limit=1)
            rest = uow.customers.born_on([(5, 17)], after=first[0].id)
            several = uow.customers.born_on([(2, 29), (5, 17), (2, 28)])
            none = uow.customers.born_on([(1, 5)])
            nothing_asked = uow.customers.born_on([])

        assert [c.id for c in first] == ["cus_a"]
        assert [c.id for c in rest] == ["cus_b"]
        assert [c.id for c in several] == ["cus_a", "cus_b", "cus_d"]
        assert several[2].details.birthday == _dt.date(2000, 2, 29)
        assert none == nothing_asked == []

    def test_standing_of_an_unregistered_customer_without_orders(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            standing = uow.customers.standing(CustomerId("cus_new"), technician_id=_LI)

        assert standing.tier is None
        assert standing.is_new
        assert standing.unpaid == UnpaidCount(total=0, with_technician=0)

    def test_standing_brings_the_tier_and_derives_new_from_paid_orders(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            uow.customers.add(_alice())
            uow.orders.add(_order(1))  # placed, unpaid: still new
            uow.orders.add(_order(2, state=OrderState.CANCELLED))  # cancelled unpaid
            uow.orders.add(_order(3, customer="cus_2", state=OrderState.COMPLETED, paid=100))
            uow.commit()

        with uow_factory() as uow:
            before = uow.customers.standing(_ALICE, technician_id=_LI)
            uow.orders.add(_order(4, state=OrderState.REFUNDED, paid=19900))  # paid once
            uow.commit()
        with uow_factory() as uow:
            after = uow.customers.standing(_ALICE, technician_id=_LI)
            # The order being priced never makes its own customer "not new".
            itself = uow.customers.standing(_ALICE, excluding_order=OrderId("ord_4"))

        assert (before.tier, before.is_new, before.unpaid.total) == ("gold", True, 1)
        assert (after.tier, after.is_new) == ("gold", False)
        assert itself.is_new
        assert before.pricing_profile().tier == "gold"
        assert before.pricing_profile().is_new
