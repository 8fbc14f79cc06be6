"""Listing orders through the ordering service: each role lists only what it may, the
filters apply within that, and a technician's views (new, today, upcoming, history) pick the
states and the local day they promise."""

from __future__ import annotations

import attrs
import pytest

from booking_core.errors import NotFound, PermissionDenied
from booking_core.ids import CustomerId, OrderId, StoreId, TechnicianId
from booking_core.orders import Actor, OrderState, Role
from booking_core.ports.storage import OrderCursor, OrderQuery, OrderSort
from booking_core.services.ordering import PlaceOrder, TechnicianView
from booking_core.testing.orders import CUSTOMER, HOME, OPERATOR, OrderWorld, at, order_world
from tests.docs_examples import DOCS, examples

BOB = Actor.customer("cus_2")
NORTH = StoreId("sto_north")


def _with_wang(world: OrderWorld, customer: Actor, day: int, hour: int) -> OrderId:
    command = PlaceOrder(CustomerId(customer.id), world.wang, world.tuina, at(day, hour), HOME)
    return world.app.ordering.place_order(command, customer).id


def _join_store(world: OrderWorld, technician_id: TechnicianId, store: StoreId) -> None:
    with world.uow() as uow:
        technician = uow.technicians.get(technician_id)
        profile = attrs.evolve(technician.profile, store_id=store)
        uow.technicians.save(attrs.evolve(technician, profile=profile))
        uow.commit()


@pytest.fixture
def world() -> OrderWorld:
    """Alice: two orders with Li, one with Wang; Bob: one with Li. Li works for the north
    store, Wang for no store."""
    world = order_world()
    world.place(at(3, 10))  # ord: Alice, Li
    world.paid_order(at(4, 10))  # Alice, Li, pending_acceptance
    _with_wang(world, CUSTOMER, 3, 12)
    world.place(at(5, 10), customer=BOB.id)
    _join_store(world, world.li, NORTH)
    return world


def _found(world: OrderWorld, actor: Actor, **filters: object) -> list[tuple[str, str | None]]:
    orders = world.app.ordering.find_orders(OrderQuery(**filters), actor)  # type: ignore[arg-type]
    return sorted((o.customer_id, o.technician_id) for o in orders)


def test_a_customer_lists_only_his_own_orders(world: OrderWorld) -> None:
    assert _found(world, CUSTOMER) == [
        ("cus_1", world.li),
        ("cus_1", world.li),
        ("cus_1", world.wang),
    ]
    assert _found(world, BOB) == [("cus_2", world.li)]
    assert _found(world, CUSTOMER, technician_id=world.wang) == [("cus_1", world.wang)]


def test_a_technician_lists_only_the_orders_assigned_to_him(world: OrderWorld) -> None:
    wang = Actor(world.wang, Role.TECHNICIAN)

    assert _found(world, wang) == [("cus_1", world.wang)]
    assert _found(world, world.tech, customer_id=CustomerId("cus_2")) == [("cus_2", world.li)]


def test_a_store_lists_the_orders_of_its_technicians(world: OrderWorld) -> None:
    north, south = Actor(NORTH, Role.STORE), Actor("sto_south", Role.STORE)

    assert _found(world, north) == [("cus_1", world.li), ("cus_1", world.li), ("cus_2", world.li)]
    assert _found(world, south) == []


def test_the_platform_lists_every_order_with_its_filters(world: OrderWorld) -> None:
    assert len(_found(world, OPERATOR)) == 4
    assert _found(world, OPERATOR, store_id=NORTH, customer_id=CustomerId("cus_2")) == [
        ("cus_2", world.li)
    ]
    assert _found(world, OPERATOR, states={OrderState.PENDING_ACCEPTANCE}) == [("cus_1", world.li)]


@pytest.mark.parametrize(
    ("actor", "filters", "named"),
    [
        (CUSTOMER, {"customer_id": CustomerId("cus_2")}, "customer_id"),
        (
            Actor("tec_x", Role.TECHNICIAN),
            {"technician_id": TechnicianId("tec_y")},
            "technician_id",
        ),
        (Actor("sto_south", Role.STORE), {"store_id": NORTH}, "store_id"),
    ],
    ids=["customer", "technician", "store"],
)
def test_asking_for_someone_elses_orders_is_refused(
    world: OrderWorld, actor: Actor, filters: dict[str, object], named: str
) -> None:
    with pytest.raises(PermissionDenied) as caught:
        _found(world, actor, **filters)

    assert caught.value.details == {"filter": named}


def test_naming_oneself_is_the_same_as_naming_no_one(world: OrderWorld) -> None:
    assert _found(world, CUSTOMER, customer_id=CustomerId("cus_1")) == _found(world, CUSTOMER)
    assert _found(world, Actor(NORTH, Role.STORE), store_id=NORTH) == _found(
        world, Actor(NORTH, Role.STORE)
    )


# -- a technician's views ----------------------------------------------------------------


def _view(world: OrderWorld, view: TechnicianView, technician: Actor | None = None) -> list[str]:
    orders = world.app.ordering.technician_orders(view, technician or world.tech)
    return [f"{o.slot.start.in_timezone('Asia/Shanghai'):%d %H:%M} {o.state}" for o in orders]


def test_views_pick_their_states_in_their_order() -> None:
    world = order_world()
    world.place(at(3, 10))  # stays unpaid: in no view but today's
    world.paid_order(at(6, 10))
    world.paid_order(at(5, 10))
    accepted = world.paid_order(at(4, 15))
    world.fire(accepted, "accept")
    done = world.paid_order(at(3, 15))
    cancelled = world.paid_order(at(3, 18))
    world.fire(done, "accept")
    world.fire_on_schedule(done, "depart", "arrive", "start_service", "complete")
    world.app.ordering.transition(cancelled, "cancel", CUSTOMER)

    assert _view(world, TechnicianView.NEW) == [
        "05 10:00 pending_acceptance",
        "06 10:00 pending_acceptance",
    ]
    assert _view(world, TechnicianView.UPCOMING) == ["04 15:00 accepted"]
    assert _view(world, TechnicianView.HISTORY) == [
        "03 18:00 partially_refunded",
        "03 15:00 completed",
    ]


def test_today_is_the_technicians_local_day() -> None:
    # 00:30 on Tuesday in Shanghai is still Monday in UTC: a view on the UTC day would show
    # Monday's order and miss Tuesday's.
    world = order_world()
    tuesday = world.place(at(3, 10))
    world.place(at(4, 9))
    world.clock.set(at(3, 0, 30))

    assert _view(world, TechnicianView.TODAY) == ["03 10:00 pending_payment"]
    assert world.get(tuesday).slot.start == at(3, 10)


def test_views_page_with_a_cursor() -> None:
    world = order_world()
    for day in (4, 5, 6):
        world.paid_order(at(day, 10))
    view = TechnicianView.NEW

    first = world.app.ordering.technician_orders(view, world.tech, limit=2)
    rest = world.app.ordering.technician_orders(
        view, world.tech, after=OrderCursor.after(first[-1], view.sort), limit=2
    )

    assert [o.slot.start.day for o in first + rest] == [4, 5, 6]
    assert view.sort is OrderSort.SOONEST_SLOT


@pytest.mark.parametrize("actor", [CUSTOMER, OPERATOR, Actor(NORTH, Role.STORE)])
def test_only_a_technician_has_views(actor: Actor) -> None:
    world = order_world()

    with pytest.raises(PermissionDenied):
        world.app.ordering.technician_orders(TechnicianView.NEW, actor)


def test_an_unknown_technician_has_no_views() -> None:
    world = order_world()

    with pytest.raises(NotFound) as caught:
        world.app.ordering.technician_orders(TechnicianView.TODAY, Actor("tec_x", Role.TECHNICIAN))

    assert caught.value.error_code == "technician_not_found"


def test_the_listing_example_of_the_orders_page_prints_what_it_says(
    capsys: pytest.CaptureFixture[str],
) -> None:
    section = (DOCS / "orders.md").read_text(encoding="utf-8").split("## Listing orders\n")[1]
    ((example, says),) = [
        e for e in examples(DOCS / "orders.md") if e[0] in section.split("\n## ")[0]
    ]

    exec(example, {})

    assert says
    assert capsys.readouterr().out == says
