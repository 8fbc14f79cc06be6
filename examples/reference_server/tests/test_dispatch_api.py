"""Dispatch over HTTP (issue 12): orders placed without a technician, the grab pool, offers,
the dispatcher's board, candidates and assignment, dispatch counts, and who sees what of an
order's dispatch state.

The world: the shop's two technicians online, each serving 10 km around a spot 1 km and
2 km north of Alice's home; orders at an address-book entry (in 上海市) are open for
grabbing, orders placed at a bare point are offered one technician at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs
import pendulum
import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp, build
from booking_core.dispatch import DispatchPlan, DispatchPolicy
from booking_core.ids import TechnicianId
from booking_core.orders import Actor, DispatchMode, Role
from booking_core.scheduling import WorkStatus
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.staff import StaffRole
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds
from booking_server.credentials import headers_for
from booking_server.main import create_server
from booking_server.settings import MEMORY_URL, Settings

from .conftest import DAY

Json = dict[str, Any]
Headers = dict[str, str]
HOME = {"lat": 31.2304, "lon": 121.4737}
PHONE = "+8613812345678"
STREET = "南京东路 1 号 3 楼"
#: Kilometres per degree of latitude, near enough to place technicians north of HOME.
KM_PER_DEGREE = 111.195
POLICY = DispatchPolicy(
    default=DispatchPlan(mode=DispatchMode.OFFER),
    by_city={"上海市": DispatchPlan(mode=DispatchMode.GRAB)},
)


def open_for_dispatch(booking_app: BookingApp, technician_ids: Iterable[str]) -> None:
    """Each technician online and serving 10 km around a spot north of HOME (the first 1 km
    away, the next 2 km, …)."""
    platform = Actor.platform("admin-1")
    for n, technician_id in enumerate(technician_ids, start=1):
        technician = booking_app.technicians.get(TechnicianId(technician_id))
        spot = GeoPoint(HOME["lat"] + n / KM_PER_DEGREE, HOME["lon"])
        profile = attrs.evolve(technician.profile, service_area=ServiceArea(spot, 10.0))
        booking_app.technicians.update_profile(technician.id, profile, platform)
        booking_app.schedules.set_status(platform, technician.id, WorkStatus.ONLINE)


@pytest.fixture
def booking_app(clock: FrozenClock, gateway: ScriptedPaymentGateway) -> BookingApp:
    # Overrides conftest's: the same services, dispatching by POLICY.
    return build(
        uow=InMemoryStore().unit_of_work,
        payments=gateway,
        clock=clock,
        ids=SequentialIds(),
        dispatch_policy=POLICY,
    )


@pytest.fixture
def dispatchable(booking_app: BookingApp, shop: dict[str, str]) -> dict[str, str]:
    """The shop, its technicians online near Alice's home."""
    open_for_dispatch(booking_app, [shop["technician_id"], shop["other_technician_id"]])
    return shop


@pytest.fixture
def address_id(client: TestClient, alice: Headers) -> str:
    """Alice's home in her address book (in 上海市: her orders there are open for grabbing)."""
    client.post("/customers/me", json={"nickname": "Alice", "phone": PHONE}, headers=alice)
    home = {"label": "Home", "city": "上海市", "district": "黄浦区", "detail": STREET, **HOME}
    book = client.post("/customers/me/addresses", json=home, headers=alice).json()
    entry: str = book["addresses"][0]["id"]
    return entry


@pytest.fixture
def dispatched(
    client: TestClient,
    booking_app: BookingApp,
    dispatchable: dict[str, str],
    alice: Headers,
) -> Callable[..., Json]:
    """``dispatched(hour, **where)``: Alice's paid order at ``hour`` on DAY, no technician
    chosen, after its first dispatch round."""

    def place(hour: int, **where: Any) -> Json:
        body = {"service_id": dispatchable["service_id"], "start": f"{DAY}T{hour}:00:00+08:00"}
        response = client.post("/orders", json={**body, **where}, headers=alice)
        assert response.status_code == 201, response.json()
        order: Json = response.json()
        assert client.post(f"/orders/{order['id']}/payments", headers=alice).status_code == 200
        booking_app.background_worker("test").run_once()
        return order

    return place


@pytest.fixture
def headers(
    dispatchable: dict[str, str],
    as_: Callable[[Actor], Headers],
) -> dict[str, Headers]:
    """Each technician's headers by his id."""
    return {
        tid: as_(Actor(tid, Role.TECHNICIAN))
        for tid in (dispatchable["technician_id"], dispatchable["other_technician_id"])
    }


# --- placing ------------------------------------------------------------------------------


def test_an_order_without_a_technician_waits_and_its_customer_sees_only_the_outline(
    client: TestClient,
    dispatched: Callable[..., Json],
    address_id: str,
    alice: Headers,
    platform: Headers,
) -> None:
    # given an order placed without a technician, paid and broadcast
    order = dispatched(10, address_id=address_id)

    # when its customer and the platform read it
    mine = client.get(f"/orders/{order['id']}", headers=alice).json()
    full = client.get(f"/orders/{order['id']}", headers=platform).json()

    # then it waits for a grab; she sees the outline, the platform who holds it and whom
    # the broadcast reached
    assert order["technician_id"] is None
    assert mine["dispatch"] == {
        "mode": "grab",
        "waiting": True,
        "opened_at": "2026-03-02T08:00:00+08:00",
        "assigned_by": None,
        "escalated_at": None,
        "holder": None,
        "offers": None,
        "offer": None,
        "refused": None,
        "broadcast": None,
    }
    assert full["dispatch"]["holder"] is not None
    assert len(full["dispatch"]["broadcast"]) == 2


def test_an_order_with_a_chosen_technician_has_no_dispatch_state(
    paid_order: Json, client: TestClient, alice: Headers
) -> None:
    assert client.get(f"/orders/{paid_order['id']}", headers=alice).json()["dispatch"] is None


def test_an_order_without_a_technician_needs_an_address(
    client: TestClient, dispatchable: dict[str, str], alice: Headers
) -> None:
    body = {"service_id": dispatchable["service_id"], "start": f"{DAY}T10:00:00+08:00"}

    response = client.post("/orders", json=body, headers=alice)

    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")


def test_nobody_free_near_the_address_is_409_no_technician_available(
    client: TestClient, shop: dict[str, str], alice: Headers
) -> None:
    # given technicians who are offline and serve no area
    body = {"service_id": shop["service_id"], "start": f"{DAY}T10:00:00+08:00", "address": HOME}

    # when Alice places an order without choosing one
    response = client.post("/orders", json=body, headers=alice)

    # then nobody can take it: refused, nothing stored
    assert (response.status_code, response.json()["code"]) == (409, "no_technician_available")
    assert client.get("/orders", headers=alice).json()["items"] == []


# --- the pool and grabs -------------------------------------------------------------------


def test_the_pool_shows_what_when_how_far_and_the_district_never_the_phone_or_street(
    client: TestClient,
    dispatched: Callable[..., Json],
    address_id: str,
    headers: dict[str, Headers],
    dispatchable: dict[str, str],
) -> None:
    # given an order open for grabbing at Alice's home
    order = dispatched(10, address_id=address_id)

    # when the nearer technician reads his pool
    response = client.get("/dispatch/pool", headers=headers[dispatchable["technician_id"]])

    # then it holds the order, its district and distance, and nothing that finds her door
    (entry,) = response.json()["items"]
    assert set(entry) == {"id", "number", "service_id", "slot", "distance_km", "city", "district"}
    assert (entry["id"], entry["city"], entry["district"]) == (order["id"], "上海市", "黄浦区")
    assert entry["distance_km"] == pytest.approx(1.0, abs=0.01)
    assert PHONE not in response.text
    assert "138" not in response.text
    assert STREET not in response.text
    assert "南京东路" not in response.text
    assert str(HOME["lat"]) not in response.text


def test_the_pool_is_a_technicians(client: TestClient, alice: Headers, platform: Headers) -> None:
    for who in (alice, platform):
        response = client.get("/dispatch/pool", headers=who)
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_the_first_grab_wins_and_the_second_is_409_order_already_taken(
    client: TestClient,
    dispatched: Callable[..., Json],
    address_id: str,
    headers: dict[str, Headers],
    dispatchable: dict[str, str],
) -> None:
    # given an order open for grabbing, both technicians in its broadcast
    order = dispatched(10, address_id=address_id)
    first, second = dispatchable["other_technician_id"], dispatchable["technician_id"]

    # when one grabs it, then the other
    won = client.post(f"/orders/{order['id']}/grab", headers=headers[first])
    lost = client.post(f"/orders/{order['id']}/grab", headers=headers[second])

    # then the first has it, accepted; the second is told it is taken
    assert won.status_code == 200, won.json()
    assert won.json()["order"]["technician_id"] == first
    assert won.json()["order"]["state"] == "accepted"
    assert won.json()["order"]["dispatch"]["assigned_by"] == "grab"
    assert (lost.status_code, lost.json()["code"]) == (409, "order_already_taken")
    assert client.get("/dispatch/pool", headers=headers[second]).json()["items"] == []


def test_a_customer_cannot_grab(
    client: TestClient, dispatched: Callable[..., Json], address_id: str, alice: Headers
) -> None:
    order = dispatched(10, address_id=address_id)

    response = client.post(f"/orders/{order['id']}/grab", headers=alice)

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


# --- offers -------------------------------------------------------------------------------


def test_a_refused_offer_goes_to_the_next_and_the_refuser_cannot_accept_it(
    client: TestClient,
    booking_app: BookingApp,
    dispatched: Callable[..., Json],
    headers: dict[str, Headers],
    platform: Headers,
) -> None:
    # given an order offered to one technician
    order = dispatched(10, address=HOME)
    offer = client.get(f"/orders/{order['id']}", headers=platform).json()["dispatch"]["offer"]
    first = offer["technician_id"]
    (second,) = set(headers) - {first}

    # when he refuses it, the next round offers it on, and he then tries to accept it
    refused = client.post(
        f"/orders/{order['id']}/offer/refuse", json={"reason": "too far"}, headers=headers[first]
    )
    booking_app.background_worker("test").run_once()
    late = client.post(f"/orders/{order['id']}/offer/accept", headers=headers[first])
    taken = client.post(f"/orders/{order['id']}/offer/accept", headers=headers[second])

    # then his refusal is remembered, his acceptance refused, and the next one has it
    assert refused.status_code == 204
    assert (late.status_code, late.json()["code"]) == (409, "offer_not_open")
    assert taken.status_code == 200, taken.json()
    assert taken.json()["order"]["technician_id"] == second
    assert taken.json()["order"]["state"] == "accepted"
    dispatch = client.get(f"/orders/{order['id']}", headers=platform).json()["dispatch"]
    assert (dispatch["refused"], dispatch["assigned_by"], dispatch["offers"]) == (
        [first],
        "offer",
        2,
    )


def test_refusing_an_offer_made_to_someone_else_is_409_offer_not_open(
    client: TestClient,
    dispatched: Callable[..., Json],
    headers: dict[str, Headers],
    platform: Headers,
) -> None:
    order = dispatched(10, address=HOME)
    offer = client.get(f"/orders/{order['id']}", headers=platform).json()["dispatch"]["offer"]
    (other,) = set(headers) - {offer["technician_id"]}

    response = client.post(f"/orders/{order['id']}/offer/refuse", headers=headers[other])

    assert (response.status_code, response.json()["code"]) == (409, "offer_not_open")


def test_a_technician_sees_an_offer_made_to_him_and_nothing_of_the_others(
    client: TestClient,
    dispatched: Callable[..., Json],
    headers: dict[str, Headers],
    platform: Headers,
) -> None:
    # given an order offered to one technician, who accepts it
    order = dispatched(10, address=HOME)
    offer = client.get(f"/orders/{order['id']}", headers=platform).json()["dispatch"]["offer"]
    mine = client.post(
        f"/orders/{order['id']}/offer/accept", headers=headers[offer["technician_id"]]
    )

    # then his answer shows how he came, but not who held or was asked
    dispatch = mine.json()["order"]["dispatch"]
    assert dispatch["assigned_by"] == "offer"
    assert dispatch["holder"] is None
    assert dispatch["refused"] is None
    assert dispatch["broadcast"] is None


# --- the board, candidates, assignment ----------------------------------------------------


def test_the_board_lists_waiting_orders_soonest_first_for_dispatchers_only(
    client: TestClient,
    dispatched: Callable[..., Json],
    address_id: str,
    alice: Headers,
    headers: dict[str, Headers],
    as_: Callable[[Actor], Headers],
) -> None:
    # given two orders waiting for a grab, the later placed first
    later = dispatched(16, address_id=address_id)
    sooner = dispatched(10, address_id=address_id)
    operations = as_(Actor.platform("ops-1", StaffRole.OPERATIONS))
    finance = as_(Actor.platform("fin-1", StaffRole.FINANCE))

    # when a dispatcher reads the board, and others try
    board = client.get("/dispatch/board", headers=operations)
    refused = [
        client.get("/dispatch/board", headers=who) for who in (alice, finance, *headers.values())
    ]

    # then it lists them soonest first; the others are refused
    assert [e["order"]["id"] for e in board.json()["items"]] == [sooner["id"], later["id"]]
    assert board.json()["items"][0]["district"] == "黄浦区"
    assert board.json()["items"][0]["order"]["dispatch"]["holder"] is not None
    assert {(r.status_code, r.json()["code"]) for r in refused} == {(403, "permission_denied")}


def test_candidates_come_ranked_with_their_scores_explained_then_the_excluded_with_why(
    client: TestClient,
    booking_app: BookingApp,
    dispatched: Callable[..., Json],
    address_id: str,
    platform: Headers,
    dispatchable: dict[str, str],
) -> None:
    # given a third technician near Alice who does not perform the service
    outsider = client.post(
        "/technicians",
        json={"name": "赵敏 Zhao Min", "time_zone": "Asia/Shanghai", "weekly_hours": {}},
        headers=platform,
    ).json()["id"]
    open_for_dispatch(
        booking_app, [dispatchable["technician_id"], dispatchable["other_technician_id"], outsider]
    )
    order = dispatched(10, address_id=address_id)

    # when the platform reads the order's candidates
    rows = client.get(f"/dispatch/board/{order['id']}/candidates", headers=platform).json()

    # then the two who may take it come first, best first, their points adding up to their
    # score; the third is excluded as not skilled
    ranked, excluded = rows["items"][:2], rows["items"][2:]
    assert {r["technician_id"] for r in ranked} == {
        dispatchable["technician_id"],
        dispatchable["other_technician_id"],
    }
    assert float(ranked[0]["score"]) >= float(ranked[1]["score"])
    for row in ranked:
        assert row["excluded"] is None
        names = [line["name"] for line in row["explanation"]]
        assert names[0] == "distance"
        assert set(row["explanation"][0]) == {"name", "raw", "normalized", "weight", "points"}
        total = sum(float(line["points"]) for line in row["explanation"])
        assert total == pytest.approx(float(row["score"]))
    assert [(r["technician_id"], r["excluded"], r["score"]) for r in excluded] == [
        (outsider, "not_skilled", None)
    ]
    assert excluded[0]["explanation"] == []


def test_candidates_are_refused_to_a_technician(
    client: TestClient,
    dispatched: Callable[..., Json],
    address_id: str,
    headers: dict[str, Headers],
) -> None:
    order = dispatched(10, address_id=address_id)

    for who in headers.values():
        response = client.get(f"/dispatch/board/{order['id']}/candidates", headers=who)
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_assign_checks_the_version_then_gives_the_order_and_a_second_is_order_already_taken(
    client: TestClient,
    dispatched: Callable[..., Json],
    address_id: str,
    platform: Headers,
    dispatchable: dict[str, str],
) -> None:
    # given a waiting order and the version a dispatcher read
    order = dispatched(10, address_id=address_id)
    url = f"/orders/{order['id']}"
    version = client.get(f"{url}/lifecycle", headers=platform).json()["version"]
    technician, other = dispatchable["technician_id"], dispatchable["other_technician_id"]

    # when he assigns it with a stale version, then with the right one, then again
    stale = client.post(
        f"{url}/assign",
        json={"technician_id": technician, "expected_version": version - 1},
        headers=platform,
    )
    assigned = client.post(
        f"{url}/assign",
        json={"technician_id": technician, "expected_version": version},
        headers=platform,
    )
    again = client.post(f"{url}/assign", json={"technician_id": other}, headers=platform)

    # then the stale one changes nothing, the next gives it to him, the last is refused
    assert (stale.status_code, stale.json()["code"]) == (409, "concurrent_update")
    assert assigned.status_code == 200, assigned.json()
    assert assigned.json()["order"]["technician_id"] == technician
    assert assigned.json()["order"]["state"] == "pending_acceptance"
    assert assigned.json()["order"]["dispatch"]["assigned_by"] == "manual"
    assert (again.status_code, again.json()["code"]) == (409, "order_already_taken")
    assert client.get("/dispatch/board", headers=platform).json()["items"] == []


# --- dispatch counts ----------------------------------------------------------------------


def test_a_technician_reads_his_own_counts_the_platform_anyones(
    client: TestClient,
    dispatched: Callable[..., Json],
    address_id: str,
    headers: dict[str, Headers],
    platform: Headers,
    alice: Headers,
    dispatchable: dict[str, str],
) -> None:
    # given a grab won
    order = dispatched(10, address_id=address_id)
    me, other = dispatchable["technician_id"], dispatchable["other_technician_id"]
    client.post(f"/orders/{order['id']}/grab", headers=headers[me])

    # when he, the platform, his colleague and a customer read his counts
    own = client.get(f"/technicians/{me}/dispatch-metrics", headers=headers[me])
    staff = client.get(f"/technicians/{me}/dispatch-metrics", headers=platform)
    colleague = client.get(f"/technicians/{me}/dispatch-metrics", headers=headers[other])
    customer = client.get(f"/technicians/{me}/dispatch-metrics", headers=alice)

    # then he and the platform see one grab, one assignment, no offers yet
    assert own.status_code == staff.status_code == 200
    assert own.json() == staff.json()
    assert (own.json()["grabbed"], own.json()["assigned"], own.json()["offered"]) == (1, 1, 0)
    assert own.json()["acceptance_rate"] is None
    assert colleague.status_code == 404
    assert (customer.status_code, customer.json()["code"]) == (403, "permission_denied")


# --- settings -----------------------------------------------------------------------------


def test_the_dispatch_settings_come_from_the_environment() -> None:
    env = {
        "BOOKING_CORE_DISPATCH_MODE": "Grab",
        "BOOKING_CORE_DISPATCH_OFFER_SECONDS": "90",
        "BOOKING_CORE_DISPATCH_BROADCAST_SIZE": "5",
    }

    plan = Settings.from_env(env).dispatch_policy().default

    assert (plan.mode, plan.offer_seconds, plan.broadcast_size) == (DispatchMode.GRAB, 90, 5)
    assert Settings.from_env({}).dispatch_policy().default.mode is DispatchMode.AUTO


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOOKING_CORE_DISPATCH_MODE", "lottery"),
        ("BOOKING_CORE_DISPATCH_OFFER_SECONDS", "4"),
        ("BOOKING_CORE_DISPATCH_BROADCAST_SIZE", "0"),
    ],
)
def test_a_bad_dispatch_setting_stops_the_start_naming_it(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})


def test_a_demo_server_in_grab_mode_broadcasts_an_order_near_peoples_square() -> None:
    # given a fresh demo server dispatching by grabs
    settings = Settings(db_url=MEMORY_URL, worker="off", channels=(), dispatch_mode="grab")
    app = create_server(settings)
    # on the real clock: the day after tomorrow, when Li Wei or Wang Fang works at 14:00
    start = pendulum.now("Asia/Shanghai").add(days=2).at(14)
    with TestClient(app) as client:
        alice = headers_for(app, Actor.customer("cus-alice"))
        services = client.get("/services").json()["items"]
        foot = next(s["id"] for s in services if "Foot" in s["name"])

        # when Alice orders a foot massage there without choosing anyone
        body = {"service_id": foot, "start": start.isoformat(), "address": HOME}
        response = client.post("/orders", json=body, headers=alice)

    # then a demo technician holds it, waiting for a grab
    assert response.status_code == 201, response.json()
    assert response.json()["dispatch"]["mode"] == "grab"
    assert response.json()["dispatch"]["waiting"] is True
