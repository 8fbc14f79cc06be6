"""Bad input is a 4xx problem with a code, never a 500, and stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking_core.orders import Actor

DAY = "2026-03-03"
PLATFORM = Actor.platform("admin-1")
ALICE = Actor.customer("cus-alice")
Headers = dict[str, str]
MALFORMED = '{"name": "按摩", '  # cut off mid-object


def _service(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category_id": "{category_id}",
        "name": "足底按摩 Foot massage",
        "duration_minutes": 60,
        "price": {"amount": 13900, "currency": "CNY"},
    }
    body.update(changes)
    return body


def _technician(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "张丽 Zhang Li",
        "time_zone": "Asia/Shanghai",
        "weekly_hours": {"mon": ["09:00-18:00"]},
        "service_ids": ["{service_id}"],
    }
    body.update(changes)
    return body


def _order(start: Any = f"{DAY}T10:00:00+08:00", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "technician_id": "{technician_id}",
        "service_id": "{service_id}",
        "start": start,
    }
    body.update(changes)
    return body


# (case id, method, path, actor, JSON body or raw text, status, code)
CASES: list[tuple[str, str, str, Actor | None, Any, int, str]] = [
    # catalog
    ("negative price", "POST", "/services", PLATFORM,
     _service(price={"amount": -1, "currency": "CNY"}), 422, "invalid_input"),
    # 199.0 is the integer 199 in JSON Schema, so it is taken (test_server_api_contract);
    # a boolean is no number at all.
    ("boolean price", "POST", "/services", PLATFORM,
     _service(price={"amount": True, "currency": "CNY"}), 422, "invalid_input"),
    ("fractional price", "POST", "/services", PLATFORM,
     _service(price={"amount": 199.99, "currency": "CNY"}), 422, "invalid_input"),
    ("price as a string", "POST", "/services", PLATFORM,
     _service(price={"amount": "19900", "currency": "CNY"}), 422, "invalid_input"),
    ("price as a bare number", "POST", "/services", PLATFORM,
     _service(price=199.0), 422, "invalid_input"),
    ("absurd price", "POST", "/services", PLATFORM,
     _service(price={"amount": 10**15, "currency": "CNY"}), 422, "invalid_input"),
    ("lower-case currency", "POST", "/services", PLATFORM,
     _service(price={"amount": 100, "currency": "cny"}), 422, "invalid_input"),
    ("zero duration", "POST", "/services", PLATFORM,
     _service(duration_minutes=0), 422, "invalid_input"),
    ("float duration", "POST", "/services", PLATFORM,
     _service(duration_minutes=60.5), 422, "invalid_input"),
    ("unknown category", "POST", "/services", PLATFORM,
     _service(category_id="cat_nope"), 404, "category_not_found"),
    ("blank service name", "POST", "/services", PLATFORM,
     _service(name="   "), 422, "invalid_input"),
    ("malformed JSON service", "POST", "/services", PLATFORM, MALFORMED, 422, "invalid_input"),
    ("rules that book nothing", "POST", "/services", PLATFORM,
     _service(rules={"notice_minutes": 60 * 24 * 400}), 422, "invalid_schedule"),
    ("unknown window kind", "POST", "/services", PLATFORM,
     _service(rules={"window_kind": "weekly"}), 422, "invalid_input"),
    ("zero step", "POST", "/services", PLATFORM,
     _service(rules={"slot_step_minutes": 0}), 422, "invalid_input"),
    ("blank category name", "POST", "/categories", PLATFORM, {"name": " "}, 422, "invalid_input"),
    ("unknown parent", "POST", "/categories", PLATFORM,
     {"name": "x", "parent_id": "cat_nope"}, 404, "category_not_found"),
    ("unknown field", "POST", "/categories", PLATFORM,
     {"name": "x", "colour": "red"}, 422, "invalid_input"),
    ("malformed JSON category", "POST", "/categories", PLATFORM, MALFORMED, 422, "invalid_input"),
    ("JSON that is not an object", "POST", "/categories", PLATFORM, "[1, 2]", 422,
     "invalid_input"),
    # technicians
    ("unknown time zone", "POST", "/technicians", PLATFORM,
     _technician(time_zone="Mars/Olympus_Mons"), 422, "invalid_time_zone"),
    ("offset instead of a zone", "POST", "/technicians", PLATFORM,
     _technician(time_zone="+08:00"), 422, "invalid_time_zone"),
    ("empty time zone", "POST", "/technicians", PLATFORM,
     _technician(time_zone=""), 422, "invalid_time_zone"),
    # an end before the start runs past midnight; it must not run into the next day's hours
    ("overnight hours into the next day's", "POST", "/technicians", PLATFORM,
     _technician(weekly_hours={"mon": ["18:00-10:00"], "tue": ["09:00-12:00"]}), 422,
     "invalid_schedule"),
    ("a 24-hour range overlapping another", "POST", "/technicians", PLATFORM,
     _technician(weekly_hours={"mon": ["09:00-09:00", "10:00-11:00"]}), 422,
     "invalid_schedule"),
    ("hours starting at 24:00", "POST", "/technicians", PLATFORM,
     _technician(weekly_hours={"mon": ["24:00-02:00"]}), 422, "invalid_schedule"),
    ("hours not a range", "POST", "/technicians", PLATFORM,
     _technician(weekly_hours={"mon": ["9am to 5pm"]}), 422, "invalid_schedule"),
    ("hour 25", "POST", "/technicians", PLATFORM,
     _technician(weekly_hours={"mon": ["09:00-25:00"]}), 422, "invalid_schedule"),
    ("overlapping hours", "POST", "/technicians", PLATFORM,
     _technician(weekly_hours={"mon": ["09:00-13:00", "12:00-18:00"]}), 422,
     "invalid_schedule"),
    ("unknown day", "POST", "/technicians", PLATFORM,
     _technician(weekly_hours={"funday": ["09:00-18:00"]}), 422, "invalid_schedule"),
    ("hours not a list", "POST", "/technicians", PLATFORM,
     _technician(weekly_hours={"mon": "09:00-18:00"}), 422, "invalid_input"),
    ("unknown service for a technician", "POST", "/technicians", PLATFORM,
     _technician(service_ids=["svc_nope"]), 404, "service_not_found"),
    ("malformed JSON technician", "POST", "/technicians", PLATFORM, MALFORMED, 422,
     "invalid_input"),
    # slots
    ("slots of an unknown service", "GET",
     f"/technicians/{{technician_id}}/slots?service_id=svc_nope&date={DAY}", None, None, 404,
     "service_not_found"),
    ("slots of an unknown technician", "GET",
     f"/technicians/tec_nope/slots?service_id={{service_id}}&date={DAY}", None, None, 404,
     "technician_not_found"),
    ("slots on 30 February", "GET",
     "/technicians/{technician_id}/slots?service_id={service_id}&date=2026-02-30", None, None,
     422, "invalid_input"),
    ("slots in year 1", "GET",
     "/technicians/{technician_id}/slots?service_id={service_id}&date=0001-01-01", None, None,
     422, "date_out_of_range"),
    ("slots in year 9999", "GET",
     "/technicians/{technician_id}/slots?service_id={service_id}&date=9999-12-31", None, None,
     422, "date_out_of_range"),
    ("slots without a service", "GET", f"/technicians/{{technician_id}}/slots?date={DAY}", None,
     None, 422, "invalid_input"),
    # orders
    ("naive start", "POST", "/orders", ALICE, _order(f"{DAY}T10:00:00"), 422, "invalid_input"),
    ("date-only start", "POST", "/orders", ALICE, _order(DAY), 422, "invalid_input"),
    ("numeric start", "POST", "/orders", ALICE, _order(1772503200), 422, "invalid_input"),
    ("garbage start", "POST", "/orders", ALICE, _order("tomorrow at ten"), 422, "invalid_input"),
    ("impossible offset", "POST", "/orders", ALICE, _order(f"{DAY}T10:00:00+25:00"), 422,
     "invalid_input"),
    ("start in year 1", "POST", "/orders", ALICE, _order("0001-01-01T00:00:00+08:00"), 422,
     "date_out_of_range"),
    ("start in year 9999", "POST", "/orders", ALICE, _order("9999-12-31T23:59:00-12:00"), 422,
     "date_out_of_range"),
    ("start off the minute", "POST", "/orders", ALICE, _order(f"{DAY}T10:00:30+08:00"), 422,
     "invalid_time_range"),
    ("unknown service for an order", "POST", "/orders", ALICE, _order(service_id="svc_nope"),
     404, "service_not_found"),
    ("unknown technician for an order", "POST", "/orders", ALICE,
     _order(technician_id="tec_nope"), 404, "technician_not_found"),
    ("start not on a slot", "POST", "/orders", ALICE, _order(f"{DAY}T10:30:00+08:00"), 409,
     "slot_unavailable"),
    ("start outside the hours", "POST", "/orders", ALICE, _order(f"{DAY}T07:00:00+08:00"), 409,
     "slot_unavailable"),
    ("start in the past", "POST", "/orders", ALICE, _order("2026-03-02T07:00:00+08:00"), 409,
     "slot_unavailable"),
    ("start within the notice", "POST", "/orders", ALICE, _order("2026-03-02T09:00:00+08:00"),
     409, "slot_unavailable"),
    ("malformed JSON order", "POST", "/orders", ALICE, MALFORMED, 422, "invalid_input"),
    ("empty order body", "POST", "/orders", ALICE, "", 422, "invalid_input"),
    ("missing order fields", "POST", "/orders", ALICE, {}, 422, "invalid_input"),
    # routes
    ("unknown order action", "POST", "/orders/ord_x/teleport", ALICE, {}, 404, "not_found"),
    ("unknown order", "GET", "/orders/ord_nope", ALICE, None, 404, "order_not_found"),
    ("unknown service page", "GET", "/services/svc_nope", None, None, 404, "service_not_found"),
    ("unknown technician page", "GET", "/technicians/tec_nope", None, None, 404,
     "technician_not_found"),
    ("reviews of an unknown technician", "GET", "/technicians/tec_nope/reviews", None, None, 404,
     "technician_not_found"),
    ("wrong method", "DELETE", "/categories", PLATFORM, None, 405, "method_not_allowed"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "actor", "body", "status", "code"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_input_is_a_problem_and_stores_nothing(
    client: TestClient,
    shop: dict[str, str],
    snapshot: Callable[[], dict[str, Any]],
    as_: Callable[[Actor], Headers],
    method: str,
    path: str,
    actor: Actor | None,
    body: Any,
    status: int,
    code: str,
) -> None:
    # given the shop and what the list endpoints show
    headers = as_(actor) if actor else {}
    before = snapshot()

    # when the bad request is sent
    response = client.request(
        method,
        _fill(path, shop),
        headers={**headers, "Content-Type": "application/json"},
        **_payload(body, shop),
    )

    # then it is a problem with the expected status and code, and nothing changed
    assert response.status_code == status, response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert response.json()["status"] == status
    assert response.json()["detail"]
    assert snapshot() == before


def test_field_errors_name_the_field(
    client: TestClient, shop: dict[str, str], platform: Headers
) -> None:
    # given a service whose price is a fraction (199.0 would be the integer 199)

    # when it is created
    response = client.post(
        "/services",
        json=_fill_json(_service(price={"amount": 199.5, "currency": "CNY"}), shop),
        headers=platform,
    )

    # then the problem lists the field that failed
    errors = response.json()["details"]["errors"]
    assert {"location": ["body", "price", "amount"], "message": errors[0]["message"],
            "type": "int_type"} in errors  # fmt: skip
    assert "body.price.amount" in response.json()["detail"]


def test_slots_of_a_day_far_away_are_none(client: TestClient, shop: dict[str, str]) -> None:
    # given the shop's technician

    # when the slots of a day long past (the first day the server takes) are listed
    response = client.get(
        f"/technicians/{shop['technician_id']}/slots",
        params={"service_id": shop["service_id"], "date": "2000-01-01"},
    )

    # then there are none (and no error)
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_a_service_the_technician_does_not_perform(
    client: TestClient,
    shop: dict[str, str],
    snapshot: Callable[[], dict[str, Any]],
    platform: Headers,
    alice: Headers,
) -> None:
    # given a second service the shop's technician does not perform
    other = client.post("/services", json=_fill_json(_service(), shop), headers=platform).json()
    before = snapshot()

    # when its slots are listed and it is booked with him
    slots = client.get(
        f"/technicians/{shop['technician_id']}/slots",
        params={"service_id": other["id"], "date": DAY},
    )
    order = client.post(
        "/orders", json=_fill_json(_order(service_id=other["id"]), shop), headers=alice
    )

    # then both say he does not offer it, and nothing was stored
    assert (slots.status_code, slots.json()["code"]) == (422, "service_not_offered")
    assert (order.status_code, order.json()["code"]) == (422, "service_not_offered")
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"stars": 6},
        {"stars": 0},
        {"stars": 4.5},
        {"stars": "5"},
        {},
        {"stars": 5, "text": "x" * 2001},
    ],
)
def test_bad_reviews_are_refused(
    client: TestClient,
    paid_order: dict[str, Any],
    shop: dict[str, str],
    alice: Headers,
    technician: Headers,
    body: dict[str, Any],
    walk: Callable[..., dict[str, Any]],
) -> None:
    # given Alice's completed order
    walk(paid_order["id"], technician)

    # when she sends a bad review
    response = client.post(f"/orders/{paid_order['id']}/review", json=body, headers=alice)

    # then it is refused and no review is shown
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert client.get(f"/technicians/{shop['technician_id']}/reviews").json()["count"] == 0


def test_an_order_is_reviewed_only_once_and_only_when_completed(
    client: TestClient,
    paid_order: dict[str, Any],
    shop: dict[str, str],
    alice: Headers,
    technician: Headers,
    walk: Callable[..., dict[str, Any]],
) -> None:
    # given Alice's paid order, not yet completed
    url = f"/orders/{paid_order['id']}/review"

    # when she reviews it too early, then after completion twice
    early = client.post(url, json={"stars": 5}, headers=alice)
    walk(paid_order["id"], technician)
    first = client.post(url, json={"stars": 4}, headers=alice)
    second = client.post(url, json={"stars": 1}, headers=alice)

    # then only the review after completion counts
    assert (early.status_code, early.json()["code"]) == (409, "review_not_allowed")
    assert first.status_code == 201
    assert (second.status_code, second.json()["code"]) == (409, "review_exists")
    reviews = client.get(f"/technicians/{shop['technician_id']}/reviews").json()
    assert [r["stars"] for r in reviews["items"]] == [4]


@pytest.mark.parametrize(
    ("action", "body", "status", "code"),
    [
        ("depart", None, 409, "transition_not_allowed"),
        ("complete", None, 409, "transition_not_allowed"),
        ("accept", {"reason": "x" * 501}, 422, "invalid_input"),
        ("accept", {"why": "because"}, 422, "invalid_input"),
    ],
)
def test_refused_transitions_change_nothing(
    client: TestClient,
    paid_order: dict[str, Any],
    alice: Headers,
    technician: Headers,
    action: str,
    body: dict[str, Any] | None,
    status: int,
    code: str,
) -> None:
    # given Alice's paid order awaiting acceptance
    before = client.get(f"/orders/{paid_order['id']}", headers=alice).json()

    # when the technician fires an action out of order or with a bad body
    response = client.post(f"/orders/{paid_order['id']}/{action}", json=body, headers=technician)

    # then it is refused and the order is as it was
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert client.get(f"/orders/{paid_order['id']}", headers=alice).json() == before


def _fill(text: str, shop: dict[str, str]) -> str:
    return text.format(**shop)


def _fill_json(value: Any, shop: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _fill(value, shop)
    if isinstance(value, dict):
        return {k: _fill_json(v, shop) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_json(v, shop) for v in value]
    return value


def _payload(body: Any, shop: dict[str, str]) -> dict[str, Any]:
    if body is None:
        return {}
    if isinstance(body, str):
        return {"content": body.encode()}
    return {"json": _fill_json(body, shop)}
