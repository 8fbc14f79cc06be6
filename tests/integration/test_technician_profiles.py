"""Technician profiles and hours are edited by the right actors; reviews keep the rating
(FEATURES T2, T4, C11; INVARIANTS I25)."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking_core import Money
from booking_core.errors import CurrencyMismatch, NotFound, PermissionDenied
from booking_core.ids import CustomerId, OrderId, ServiceId, StoreId, TechnicianId
from booking_core.orders import Actor, Role
from booking_core.scheduling import WeeklyHours
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.scheduling.profile import Gender, TechnicianProfile, average_rating
from booking_core.services.availability import SlotSearch
from booking_core.services.reviews import SubmitReview
from booking_core.services.technicians import RegisterTechnician
from booking_core.testing.orders import HOME, LOCAL_ZONE, OPERATOR, OrderWorld, at, order_world

STORE = StoreId("sto_1")
TUESDAY = pendulum.date(2026, 3, 3)


@pytest.fixture
def world() -> OrderWorld:
    return order_world()


def _profile(world: OrderWorld, **changes: object) -> TechnicianProfile:
    base = TechnicianProfile(
        gender=Gender.FEMALE,
        skills={"tuina", "thai"},
        prices={world.tuina: Money(25900, "CNY")},
        store_id=STORE,
        service_area=ServiceArea(HOME, 8.0),
    )
    return attrs.evolve(base, **changes)


def _with_store(world: OrderWorld) -> TechnicianId:
    """Li, employed by STORE (set by the platform)."""
    world.app.technicians.update_profile(world.li, _profile(world), OPERATOR)
    return world.li


def _completed(world: OrderWorld, count: int) -> list[OrderId]:
    """``count`` orders of Li's, back to back on Tuesday from 10:00 for cus_0, cus_1, …, each
    placed today and completed on time (the clock ends at the last one's end)."""
    orders = [world.paid_order(at(3, 10 + n), customer=f"cus_{n}") for n in range(count)]
    for order_id in orders:
        world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")
    return orders


# -- registering with a profile ---------------------------------------------------------------


def test_a_technician_registers_with_his_profile(world: OrderWorld) -> None:
    profile = _profile(world)

    zhao = world.app.technicians.register(
        RegisterTechnician(
            "Zhao", LOCAL_ZONE, WeeklyHours.every_day("09:00", "18:00"), {world.tuina}, profile
        ),
        Actor.platform(),
    )

    assert world.app.technicians.get(zhao.id).profile == profile


def test_registering_prices_an_unknown_service_or_a_foreign_currency_is_refused(
    world: OrderWorld,
) -> None:
    hours = WeeklyHours.every_day("09:00", "18:00")
    unknown = TechnicianProfile(prices={ServiceId("svc_nope"): Money(100, "CNY")})
    dollars = TechnicianProfile(prices={world.tuina: Money(2900, "USD")})

    with pytest.raises(NotFound):
        world.app.technicians.register(
            RegisterTechnician("Zhao", LOCAL_ZONE, hours, (), unknown), Actor.platform()
        )
    with pytest.raises(CurrencyMismatch):
        world.app.technicians.register(
            RegisterTechnician("Zhao", LOCAL_ZONE, hours, (), dollars), Actor.platform()
        )

    assert [t.name for t in world.app.technicians.list()] == ["Li", "Wang"]


# -- who edits a profile (I25) ----------------------------------------------------------------


def test_a_technician_edits_his_own_profile_but_not_his_rating(world: OrderWorld) -> None:
    li = _with_store(world)
    world.app.technicians.update_profile(li, _profile(world, rating=Decimal("3.5")), OPERATOR)
    wanted = _profile(world, skills={"foot"}, gender=Gender.MALE, rating=Decimal("5.0"))

    changed = world.app.technicians.update_profile(li, wanted, world.tech)

    assert changed.profile == attrs.evolve(wanted, rating=Decimal("3.5"))
    assert world.app.technicians.get(li).profile == changed.profile


def test_his_store_edits_his_profile_but_cannot_move_him_or_rate_him(world: OrderWorld) -> None:
    li = _with_store(world)
    store = Actor(STORE, Role.STORE)
    cheaper = _profile(world, prices={world.tuina: Money(15900, "CNY")}, rating=Decimal("5"))

    changed = world.app.technicians.update_profile(li, cheaper, store)

    assert changed.profile.prices == {world.tuina: Money(15900, "CNY")}
    assert changed.profile.rating is None
    with pytest.raises(PermissionDenied):
        world.app.technicians.update_profile(li, _profile(world, store_id=StoreId("sto_2")), store)
    with pytest.raises(PermissionDenied):
        world.app.technicians.update_profile(li, _profile(world, store_id=None), world.tech)
    assert world.app.technicians.get(li).profile.store_id == STORE


def test_the_platform_sets_rating_and_store(world: OrderWorld) -> None:
    wanted = _profile(world, rating=Decimal("4.8"), store_id=StoreId("sto_2"))

    changed = world.app.technicians.update_profile(world.li, wanted, OPERATOR)

    assert world.app.technicians.get(world.li).profile == changed.profile == wanted


@pytest.mark.parametrize(
    "actor",
    [
        Actor("tec_other", Role.TECHNICIAN),
        Actor("sto_2", Role.STORE),
        Actor("cus_1", Role.CUSTOMER),
        Actor.system(),
    ],
    ids=["another technician", "another store", "a customer", "the system"],
)
def test_anyone_else_is_refused_and_nothing_changes(world: OrderWorld, actor: Actor) -> None:
    li = _with_store(world)
    before = world.app.technicians.get(li)

    with pytest.raises(PermissionDenied) as refused:
        world.app.technicians.update_profile(li, _profile(world, skills={"x"}), actor)
    with pytest.raises(PermissionDenied):
        world.app.technicians.update_hours(li, WeeklyHours.every_day("00:00", "23:00"), (), actor)

    assert refused.value.error_code == "permission_denied"
    assert world.app.technicians.get(li) == before


def test_editing_an_unknown_technician_or_pricing_in_a_foreign_currency_is_refused(
    world: OrderWorld,
) -> None:
    dollars = TechnicianProfile(prices={world.tuina: Money(2900, "USD")})

    with pytest.raises(NotFound):
        world.app.technicians.update_profile(TechnicianId("tec_nope"), dollars, OPERATOR)
    with pytest.raises(CurrencyMismatch):
        world.app.technicians.update_profile(world.li, dollars, world.tech)

    assert world.app.technicians.get(world.li).profile == TechnicianProfile()


def test_a_new_price_and_area_show_in_the_search_at_once(world: OrderWorld) -> None:
    far_away = ServiceArea(GeoPoint(39.9042, 116.4074), 10.0)  # Beijing
    wanted = TechnicianProfile(prices={world.tuina: Money(9900, "CNY")}, service_area=far_away)

    world.app.technicians.update_profile(world.li, wanted, world.tech)

    cheap = SlotSearch(world.tuina, TUESDAY, max_price=Money(10000, "CNY"))
    near_home = SlotSearch(world.tuina, TUESDAY, location=HOME)
    assert {
        o.technician_id for s in world.app.availability.search(cheap) for o in s.technicians
    } == {world.li}
    assert world.li not in {
        o.technician_id for s in world.app.availability.search(near_home) for o in s.technicians
    }


# -- weekly hours and services ----------------------------------------------------------------


def test_a_technician_changes_his_hours_and_services(world: OrderWorld) -> None:
    mornings = WeeklyHours.every_day("09:00", "11:00")

    changed = world.app.technicians.update_hours(world.li, mornings, {world.tuina}, world.tech)

    slots = world.app.availability.free_slots(world.li, world.tuina, TUESDAY)
    assert changed.service_ids == {world.tuina}
    assert [s.start.format("HH:mm") for s in slots] == ["09:00", "10:00"]
    assert world.app.technicians.get(world.li) == changed


def test_hours_naming_an_unknown_service_are_refused(world: OrderWorld) -> None:
    before = world.app.technicians.get(world.li)

    with pytest.raises(NotFound):
        world.app.technicians.update_hours(
            world.li, before.weekly_hours, {ServiceId("svc_nope")}, world.tech
        )

    assert world.app.technicians.get(world.li) == before


# -- ratings from reviews ---------------------------------------------------------------------


def test_each_review_updates_the_rating_rounded_half_up(world: OrderWorld) -> None:
    orders = _completed(world, 4)
    ratings = []

    for n, (order_id, stars) in enumerate(zip(orders, (4, 4, 5, 4), strict=True)):
        world.app.reviews.submit(
            SubmitReview(order_id, CustomerId(f"cus_{n}"), stars), Actor.customer(f"cus_{n}")
        )
        ratings.append(world.app.technicians.get(world.li).profile.rating)

    # 4, 4, 4.333…, 4.25 — the last one rounds half up to 4.3 (half-even would give 4.2)
    assert ratings == [Decimal("4.0"), Decimal("4.0"), Decimal("4.3"), Decimal("4.3")]


def test_the_minimum_rating_filter_follows_reviews(world: OrderWorld) -> None:
    orders = _completed(world, 2)
    world.clock.set(at(4, 8))
    search = SlotSearch(world.tuina, pendulum.date(2026, 3, 5), min_rating=Decimal("4.5"))
    before = world.app.availability.search(search)

    world.app.reviews.submit(
        SubmitReview(orders[0], CustomerId("cus_0"), 5), Actor.customer("cus_0")
    )
    world.app.reviews.submit(
        SubmitReview(orders[1], CustomerId("cus_1"), 4), Actor.customer("cus_1")
    )

    after = {o.technician_id for s in world.app.availability.search(search) for o in s.technicians}
    assert before == []  # nobody is rated yet
    assert after == {world.li}  # 4.5 qualifies (inclusive); Wang is still unrated
    stricter = attrs.evolve(search, min_rating=Decimal("4.6"))
    assert world.app.availability.search(stricter) == []


def test_a_profile_edit_keeps_the_rating_reviews_earned(world: OrderWorld) -> None:
    [order_id] = _completed(world, 1)
    world.app.reviews.submit(
        SubmitReview(order_id, CustomerId("cus_0"), 3), Actor.customer("cus_0")
    )

    world.app.technicians.update_profile(world.li, TechnicianProfile(skills={"foot"}), world.tech)

    assert world.app.technicians.get(world.li).profile.rating == Decimal("3.0")


# -- the rounding rule ------------------------------------------------------------------------


def test_no_reviews_means_unrated() -> None:
    assert average_rating([]) is None


@given(st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=200))
def test_the_rating_is_the_mean_to_one_decimal_half_up(stars: list[int]) -> None:
    rating = average_rating(stars)

    assert rating is not None
    exact = Decimal(sum(stars)) / len(stars)
    assert rating.as_tuple().exponent == -1
    assert Decimal(1) <= rating <= Decimal(5)
    assert exact - Decimal("0.05") < rating <= exact + Decimal("0.05")
