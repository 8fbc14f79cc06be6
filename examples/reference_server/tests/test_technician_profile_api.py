"""Technician profiles over HTTP: set at registration, edited by the right actors, shown
with the rating reviews earn (FEATURES T2, C4, C5; INVARIANTS I25)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking_core.orders import Actor, Role

ZONE = "Asia/Shanghai"
DAY = "2026-03-03"  # a Tuesday, as in conftest
HOURS = {day: ["09:00-12:00", "13:00-21:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def store(as_: Callable[[Actor], dict[str, str]]) -> dict[str, str]:
    """Headers of store sto_1's manager."""
    return as_(Actor("sto_1", Role.STORE))


@pytest.fixture
def another_store(as_: Callable[[Actor], dict[str, str]]) -> dict[str, str]:
    return as_(Actor("sto_2", Role.STORE))


def _profile(service_id: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "gender": "female",
        "skills": ["tuina", "thai"],
        "prices": {service_id: {"amount": 25900, "currency": "CNY"}},
        "store_id": "sto_1",
        "service_area": {"lat": 31.2304, "lon": 121.4737, "radius_km": 8},
    }
    return {**body, **changes}


def _put(client: TestClient, technician_id: str, body: Any, headers: dict[str, str]) -> Any:
    return client.put(f"/technicians/{technician_id}/profile", json=body, headers=headers)


@pytest.fixture
def employed(client: TestClient, shop: dict[str, str], platform: dict[str, str]) -> str:
    """The shop's first technician, given a profile naming store ``sto_1`` by the platform."""
    technician_id = shop["technician_id"]
    response = _put(client, technician_id, _profile(shop["service_id"]), platform)
    assert response.status_code == 200, response.json()
    return technician_id


def test_a_technician_is_registered_with_a_profile_and_found_by_it(
    client: TestClient, shop: dict[str, str], platform: dict[str, str]
) -> None:
    # given a profile for a new technician
    body = {
        "name": "赵敏 Zhao Min",
        "time_zone": ZONE,
        "weekly_hours": HOURS,
        "service_ids": [shop["service_id"]],
        "profile": _profile(
            shop["service_id"], rating="4.8", accepts_grabs=False, max_orders_per_day=6
        ),
    }

    # when the platform registers him
    created = client.post("/technicians", json=body, headers=platform)

    # then his page shows the profile and rating, and the gender filter finds only him
    assert created.status_code == 201, created.json()
    shown = client.get(f"/technicians/{created.json()['id']}").json()
    assert shown["profile"] == {
        "gender": "female",
        "skills": ["thai", "tuina"],
        "prices": {shop["service_id"]: {"amount": 25900, "currency": "CNY"}},
        "store_id": "sto_1",
        "service_area": {"lat": 31.2304, "lon": 121.4737, "radius_km": 8.0},
        "rating": "4.8",
        "accepts_grabs": False,
        "max_orders_per_day": 6,
        "working_area": None,
    }
    found = client.get(
        "/slots", params={"service_id": shop["service_id"], "first_day": DAY, "gender": "female"}
    ).json()["items"]
    assert {t["technician_id"] for s in found for t in s["technicians"]} == {created.json()["id"]}


def test_a_technician_without_a_profile_shows_an_empty_one(
    client: TestClient, shop: dict[str, str]
) -> None:
    # given the shop's technicians, registered without profiles

    # when one is read
    shown = client.get(f"/technicians/{shop['technician_id']}")

    # then his profile is empty and he is unrated
    assert shown.json()["profile"] == {
        "gender": None,
        "skills": [],
        "prices": {},
        "store_id": None,
        "service_area": None,
        "rating": None,
        "accepts_grabs": True,
        "max_orders_per_day": None,
        "working_area": None,
    }


def test_a_drawn_working_area_is_kept_and_shown_corner_by_corner(
    client: TestClient, shop: dict[str, str], platform: dict[str, str], employed: str
) -> None:
    # given a district drawn as four corners (黄浦区, roughly)
    district = [
        {"lat": 31.21, "lon": 121.46},
        {"lat": 31.21, "lon": 121.50},
        {"lat": 31.25, "lon": 121.50},
        {"lat": 31.25, "lon": 121.46},
    ]

    # when the platform sets it as his working area, then clears it
    drawn = _put(client, employed, _profile(shop["service_id"], working_area=district), platform)
    cleared = _put(client, employed, _profile(shop["service_id"]), platform)

    # then it comes back corner by corner, and a profile without it has none
    assert drawn.status_code == 200, drawn.json()
    assert drawn.json()["profile"]["working_area"] == district
    assert cleared.json()["profile"]["working_area"] is None


def test_a_technician_edits_his_profile_but_keeps_his_rating(
    client: TestClient,
    shop: dict[str, str],
    platform: dict[str, str],
    employed: str,
    technician: dict[str, str],
) -> None:
    # given a rating the platform set
    _put(client, employed, _profile(shop["service_id"], rating="3.5"), platform)

    # when the technician changes his skills and claims five stars
    response = _put(
        client, employed, _profile(shop["service_id"], skills=["foot"], rating=5), technician
    )

    # then his skills change and his rating does not
    assert response.status_code == 200, response.json()
    shown = client.get(f"/technicians/{employed}").json()["profile"]
    assert (shown["skills"], shown["rating"]) == (["foot"], "3.5")


def test_a_rating_the_platform_sets_is_shown_with_one_decimal(
    client: TestClient, shop: dict[str, str], platform: dict[str, str]
) -> None:
    # given a technician without a rating

    # when the platform rates him 5 (a whole number)
    response = _put(client, shop["technician_id"], _profile(shop["service_id"], rating=5), platform)

    # then it is shown as the reviews' one-decimal form
    assert response.status_code == 200, response.json()
    assert client.get(f"/technicians/{shop['technician_id']}").json()["profile"]["rating"] == "5.0"


def test_his_store_edits_his_prices(
    client: TestClient, shop: dict[str, str], employed: str, store: dict[str, str]
) -> None:
    # given a technician of store sto_1
    cheaper = _profile(
        shop["service_id"], prices={shop["service_id"]: {"amount": 15900, "currency": "CNY"}}
    )

    # when the store lowers his price
    response = _put(client, employed, cheaper, store)

    # then the price is his from now on
    assert response.status_code == 200, response.json()
    assert response.json()["profile"]["prices"][shop["service_id"]]["amount"] == 15900


@pytest.mark.parametrize(
    ("who", "changes"),
    [
        ("other_technician", {}),
        ("another_store", {}),
        ("alice", {}),
        ("technician", {"store_id": "sto_2"}),
        ("store", {"store_id": None}),
    ],
    ids=[
        "another technician",
        "another store",
        "a customer",
        "he moves himself to another store",
        "his store lets him go",
    ],
)
def test_others_and_store_moves_are_forbidden_and_change_nothing(
    client: TestClient,
    shop: dict[str, str],
    employed: str,
    request: pytest.FixtureRequest,
    who: str,
    changes: dict[str, Any],
) -> None:
    # given a technician of store sto_1 and someone acting on his profile
    headers = request.getfixturevalue(who)
    before = client.get(f"/technicians/{employed}").json()

    # when they replace it
    response = _put(
        client, employed, _profile(shop["service_id"], skills=["x"], **changes), headers
    )

    # then it is a 403 problem and the profile is unchanged
    assert response.status_code == 403, response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "permission_denied"
    assert client.get(f"/technicians/{employed}").json() == before


def test_editing_needs_an_actor_and_an_existing_technician(
    client: TestClient, shop: dict[str, str], platform: dict[str, str]
) -> None:
    # given a valid profile

    # when nobody, then the platform for an unknown technician, sends it
    anonymous = _put(client, shop["technician_id"], _profile(shop["service_id"]), {})
    unknown = _put(client, "tec_nope", _profile(shop["service_id"]), platform)

    # then 401 and 404
    assert anonymous.status_code == 401
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "technician_not_found"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"prices": {"{svc}": {"amount": -100, "currency": "CNY"}}}, "invalid_input"),
        ({"prices": {"{svc}": {"amount": 99.5, "currency": "CNY"}}}, "invalid_input"),
        ({"prices": {"{svc}": {"amount": 2900, "currency": "USD"}}}, "currency_mismatch"),
        ({"rating": "5.5"}, "invalid_input"),
        ({"rating": -1}, "invalid_input"),
        ({"rating": "4.75"}, "invalid_input"),
        ({"gender": "robot"}, "invalid_input"),
        ({"service_area": {"lat": 31.2, "lon": 121.4, "radius_km": 0}}, "invalid_input"),
        ({"service_area": {"lat": 91, "lon": 121.4, "radius_km": 5}}, "invalid_input"),
        ({"skills": [""]}, "invalid_input"),
        ({"max_orders_per_day": 0}, "invalid_input"),
        ({"max_orders_per_day": 49}, "invalid_input"),
        ({"accepts_grabs": "sometimes"}, "invalid_input"),
        ({"working_area": [{"lat": 31.2, "lon": 121.4}] * 3}, "invalid_input"),
        (
            {
                "working_area": [
                    {"lat": 31.2, "lon": 121.4},
                    {"lat": 31.3, "lon": 121.4},
                    {"lat": 31.4, "lon": 121.4},
                ]
            },
            "invalid_input",
        ),
        (
            {"working_area": [{"lat": 31.2, "lon": 121.4}, {"lat": 31.3, "lon": 121.5}]},
            "invalid_input",
        ),
        ({"store_id": "bad id!"}, "invalid_input"),
        ({"stars": 5}, "invalid_input"),
    ],
    ids=[
        "negative price",
        "fractional price",
        "price in another currency",
        "rating above 5",
        "negative rating",
        "rating with two decimals",
        "unknown gender",
        "empty service area",
        "latitude out of range",
        "blank skill",
        "a daily maximum of zero",
        "a daily maximum above 48",
        "grabs neither on nor off",
        "a working area of one repeated corner",
        "a working area on one line",
        "a working area of two corners",
        "malformed store id",
        "unknown field",
    ],
)
def test_bad_profiles_are_422_problems_and_change_nothing(
    client: TestClient,
    shop: dict[str, str],
    platform: dict[str, str],
    changes: dict[str, Any],
    code: str,
) -> None:
    # given a technician and a profile with one bad field (sent by the platform)
    service_id = shop["service_id"]
    if "prices" in changes:
        changes = {"prices": {service_id: changes["prices"]["{svc}"]}}
    before = client.get(f"/technicians/{shop['technician_id']}").json()

    # when it is sent, for him and for a new technician
    edited = _put(client, shop["technician_id"], _profile(service_id, **changes), platform)
    registered = client.post(
        "/technicians",
        json={"name": "Zhao", "time_zone": ZONE, "weekly_hours": HOURS,
              "profile": _profile(service_id, **changes)},
        headers=platform,
    )  # fmt: skip

    # then both are 422 problems naming the rule, and nothing was stored
    for response in (edited, registered):
        assert response.status_code == 422, response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == code
    assert client.get(f"/technicians/{shop['technician_id']}").json() == before
    assert len(client.get("/technicians").json()["items"]) == 2


def test_a_price_for_an_unknown_service_is_404(
    client: TestClient, shop: dict[str, str], technician: dict[str, str]
) -> None:
    # given a price for a service that does not exist
    body = _profile(shop["service_id"], prices={"svc_nope": {"amount": 100, "currency": "CNY"}})

    # when the technician sends it
    response = _put(client, shop["technician_id"], {**body, "store_id": None}, technician)

    # then it is a 404 problem
    assert response.status_code == 404
    assert response.json()["code"] == "service_not_found"


def test_reviews_set_the_rating_shown_and_filtered_on(
    client: TestClient,
    shop: dict[str, str],
    paid_order: dict[str, Any],
    technician: dict[str, str],
    alice: dict[str, str],
    walk: Callable[..., dict[str, Any]],
) -> None:
    # given Alice's completed order with the first technician
    walk(paid_order["id"], technician)

    # when she gives it four stars
    review = client.post(f"/orders/{paid_order['id']}/review", json={"stars": 4}, headers=alice)

    # then his page shows the rating and the minimum-rating filter finds him alone
    assert review.status_code == 201, review.json()
    assert client.get(f"/technicians/{shop['technician_id']}").json()["profile"]["rating"] == "4.0"
    assert (
        client.get(f"/technicians/{shop['technician_id']}/reviews").json()["average_stars"] == "4.0"
    )
    found = client.get(
        "/slots",
        params={"service_id": shop["service_id"], "first_day": "2026-03-04", "min_rating": "4"},
    ).json()["items"]
    assert {t["technician_id"] for s in found for t in s["technicians"]} == {shop["technician_id"]}
