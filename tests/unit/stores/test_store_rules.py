"""The store's rules: at most one store per technician, own prices only where allowed,
price precedence (his own, his store's, the catalog's), announcements by audience."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.errors import InvalidInput, MembershipConflict, PermissionDenied
from booking_core.ids import ServiceId, StoreId, TechnicianId
from booking_core.money import Money
from booking_core.scheduling import WeeklyHours
from booking_core.scheduling.geo import GeoPoint
from booking_core.scheduling.profile import TechnicianProfile
from booking_core.stores import (
    Announcement,
    Audience,
    Store,
    StoreAddress,
    StoreDetails,
    join,
    leave,
    transfer,
    with_store_prices,
)

TUINA = ServiceId("svc_tuina")
FOOT = ServiceId("svc_foot")
LI = TechnicianId("tec_li")
CATALOG = Money(19900, "CNY")


def _store(store_id: str = "sto_1", **prices: int) -> Store:
    details = StoreDetails(
        "Jing'an Spa",
        StoreAddress("上海市", "静安区", "南京西路 1 号", GeoPoint(31.23, 121.45)),
        "Asia/Shanghai",
        WeeklyHours.every_day("10:00", "22:00"),
    )
    return Store(
        StoreId(store_id),
        details,
        own_prices_allowed=True,
        prices={ServiceId(k): Money(v, "CNY") for k, v in prices.items()},
    )


def test_joining_takes_the_store_and_its_prices() -> None:
    store = _store(svc_tuina=15900)

    profile = join(TechnicianProfile(), store)

    assert profile.store_id == store.id
    assert profile.store_prices == {TUINA: Money(15900, "CNY")}


def test_a_member_of_one_store_cannot_join_another() -> None:
    member = join(TechnicianProfile(), _store("sto_1"))

    with pytest.raises(MembershipConflict) as other:
        join(member, _store("sto_2"))
    with pytest.raises(MembershipConflict):
        join(member, _store("sto_1"))

    assert other.value.details == {"store_id": "sto_1", "joining": "sto_2"}


def test_a_transfer_moves_him_whatever_his_store() -> None:
    member = join(TechnicianProfile(), _store("sto_1", svc_tuina=1))

    moved = transfer(member, _store("sto_2", svc_foot=2))

    assert (moved.store_id, moved.store_prices) == ("sto_2", {FOOT: Money(2, "CNY")})


def test_leaving_drops_the_store_and_its_prices_only_for_a_member() -> None:
    store = _store(svc_tuina=15900)
    member = join(TechnicianProfile(), store)

    left = leave(member, store)

    assert (left.store_id, left.store_prices) == (None, {})
    with pytest.raises(MembershipConflict):
        leave(left, store)
    with pytest.raises(MembershipConflict):
        leave(member, _store("sto_2"))


def test_new_store_prices_reach_only_its_members() -> None:
    store = _store(svc_tuina=15900)
    member, elsewhere = join(TechnicianProfile(), store), join(TechnicianProfile(), _store("x"))
    repriced = store.with_prices({TUINA: Money(14900, "CNY")})

    assert with_store_prices(member, repriced).store_prices == {TUINA: Money(14900, "CNY")}
    assert with_store_prices(elsewhere, repriced) == elsewhere


def test_his_own_price_then_his_store_s_then_the_catalog_s() -> None:
    profile = TechnicianProfile(
        prices={TUINA: Money(21900, "CNY")},
        store_prices={TUINA: Money(15900, "CNY"), FOOT: Money(8900, "CNY")},
    )

    assert profile.price_for(TUINA, CATALOG) == Money(21900, "CNY")
    assert profile.price_for(FOOT, CATALOG) == Money(8900, "CNY")
    assert profile.price_for(ServiceId("svc_spa"), CATALOG) == CATALOG


def test_own_prices_only_where_the_platform_allows() -> None:
    store = _store()
    forbidden = store.with_own_prices_allowed(False)

    with pytest.raises(PermissionDenied):
        forbidden.with_prices({TUINA: Money(1, "CNY")})
    assert forbidden.with_prices({}).prices == {}
    assert _store(svc_tuina=5).with_own_prices_allowed(False).prices == {}
    with pytest.raises(InvalidInput):
        store.with_prices({TUINA: Money(-1, "CNY")})


def test_an_invitation_is_used_once() -> None:
    store = _store().inviting(LI)

    used = store.without_invitation(LI)

    assert used.invitations == frozenset()
    with pytest.raises(MembershipConflict):
        used.without_invitation(LI)


@pytest.mark.parametrize(
    ("audience", "technicians", "customers"),
    [
        (Audience.TECHNICIANS, True, False),
        (Audience.CUSTOMERS, False, True),
        (Audience.BOTH, True, True),
    ],
)
def test_an_announcement_reaches_its_audience(
    audience: Audience, technicians: bool, customers: bool
) -> None:
    assert audience.reaches(Audience.TECHNICIANS) is technicians
    assert audience.reaches(Audience.CUSTOMERS) is customers


@pytest.mark.parametrize(("title", "body"), [("", "x"), ("x", " "), ("x" * 101, "x")])
def test_an_announcement_needs_a_title_and_a_body(title: str, body: str) -> None:
    with pytest.raises(InvalidInput):
        Announcement(
            "ann_1",
            StoreId("sto_1"),
            Audience.BOTH,
            title,
            body,
            pendulum.datetime(2026, 3, 1, tz="UTC"),
        )


@pytest.mark.parametrize(
    "field",
    [
        {"time_zone": "Mars/Olympus"},
        {"phone": "12345"},
        {"name": "x" * 81},
    ],
)
def test_store_details_check_their_fields(field: dict[str, str]) -> None:
    values: dict[str, object] = {
        "name": "Spa",
        "address": StoreAddress("上海市", "静安区", "1 号", GeoPoint(31.2, 121.4)),
        "time_zone": "Asia/Shanghai",
        "hours": WeeklyHours.every_day("10:00", "22:00"),
        **field,
    }
    with pytest.raises(InvalidInput):
        StoreDetails(**values)  # type: ignore[arg-type]
