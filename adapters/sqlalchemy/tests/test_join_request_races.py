"""Requests to join, approved by two stores at once, on SQLite and PostgreSQL with real
threads: approval takes the technician's lock as accepting an invitation does, so he ends
in exactly one store."""

from __future__ import annotations

import pytest

from booking_core.orders import Actor, Role
from booking_core.scheduling import WeeklyHours
from booking_core.scheduling.geo import GeoPoint
from booking_core.stores import StoreAddress, StoreDetails
from booking_core.testing.contracts.orders import race
from booking_core.testing.orders import OPERATOR, order_world
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


def test_two_approvals_of_one_technician_leave_him_in_exactly_one_store(
    storage: SqlAlchemyStorage,
) -> None:
    world = order_world(uow=storage.unit_of_work)
    app, li = world.app, world.li
    for n in range(ROUNDS):
        # given two stores Li asked to join, belonging to none
        stores = [app.stores.create(_details(f"Store {n}{s}"), OPERATOR) for s in "ab"]
        for store in stores:
            app.stores.request_to_join(store.id, li, Actor(li, Role.TECHNICIAN))

        # when both approve at once
        def approve(i: int) -> None:
            app.stores.approve_join_request(
                stores[i].id,  # noqa: B023
                li,
                Actor(stores[i].id, Role.STORE),  # noqa: B023
            )

        outcomes = race(2, approve)

        # then one approval won and the other was refused: he is in one store only
        assert sorted(outcomes) == ["membership_conflict", "ok"], outcomes
        members = [[t.id for t in app.stores.members(s.id, OPERATOR)] for s in stores]
        assert sorted(members) == [[], [li]]
        winner = app.technicians.get(li).profile.store_id
        assert winner is not None
        app.stores.leave(winner, li, OPERATOR)
