"""Store membership under concurrency, on SQLite and PostgreSQL with real threads.

Two stores accepting one technician at once: ``StoreService`` takes his lock before reading
his profile, so the second sees the first's store and is refused — he ends in exactly one
store. A join racing a price change: both write the store row compare-and-set, so no member
is left with a copy of the store's prices older than the store's own.
"""

from __future__ import annotations

import pytest

from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.scheduling import WeeklyHours
from booking_core.scheduling.geo import GeoPoint
from booking_core.stores import StoreAddress, StoreDetails
from booking_core.testing.contracts.orders import race
from booking_core.testing.orders import OPERATOR, OrderWorld, order_world
from booking_core_sqlalchemy import SqlAlchemyStorage

pytestmark = pytest.mark.slow

ROUNDS = 5


def _details(name: str) -> StoreDetails:
    return StoreDetails(
        name,
        StoreAddress("上海市", "静安区", "南京西路 1 号", GeoPoint(31.23, 121.45)),
        "Asia/Shanghai",
        WeeklyHours.every_day("10:00", "22:00"),
    )


def _world(storage: SqlAlchemyStorage) -> OrderWorld:
    return order_world(uow=storage.unit_of_work)


def test_two_joins_of_one_technician_leave_him_in_exactly_one_store(
    storage: SqlAlchemyStorage,
) -> None:
    world = _world(storage)
    app, li = world.app, world.li
    for n in range(ROUNDS):
        # given two stores that both invited Li, who belongs to none
        stores = [app.stores.create(_details(f"Store {n}{s}"), OPERATOR) for s in "ab"]
        for store in stores:
            app.stores.invite(store.id, li, Actor(store.id, Role.STORE))

        # when he accepts both at once
        joined: list[str] = []

        def accept(i: int) -> None:
            app.stores.accept(stores[i].id, li, Actor(li, Role.TECHNICIAN))  # noqa: B023
            joined.append(stores[i].id)  # noqa: B023

        outcomes = race(2, accept)

        # then one join won, the other was refused, and he is in the winner's store only
        assert sorted(outcomes) == ["membership_conflict", "ok"], outcomes
        (winner,) = joined
        assert app.technicians.get(li).profile.store_id == winner
        members = [[t.id for t in app.stores.members(s.id, OPERATOR)] for s in stores]
        assert sorted(members) == [[], [li]]
        app.stores.leave(winner, li, OPERATOR)


def test_a_join_racing_a_price_change_never_keeps_old_prices(storage: SqlAlchemyStorage) -> None:
    world = _world(storage)
    app = world.app
    store = app.stores.create(_details("Jing'an"), OPERATOR, own_prices_allowed=True)
    as_store = Actor(store.id, Role.STORE)
    app.stores.add_member(store.id, world.li, OPERATOR)
    for n in range(ROUNDS):
        app.stores.invite(store.id, world.wang, as_store)
        price = {world.tuina: Money(15000 + n, "CNY")}

        def attempt(i: int) -> object:
            if i == 0:
                return app.stores.accept(store.id, world.wang, Actor(world.wang, Role.TECHNICIAN))
            return app.stores.set_prices(store.id, price, as_store)  # noqa: B023

        outcomes = race(2, attempt)

        assert set(outcomes) <= {"ok", "concurrent_update"}, outcomes
        assert "ok" in outcomes
        prices = app.stores.get(store.id).prices
        for member in app.stores.members(store.id, OPERATOR):
            assert member.profile.store_prices == prices, (n, outcomes)
        if app.technicians.get(world.wang).profile.store_id == store.id:
            app.stores.leave(store.id, world.wang, OPERATOR)
