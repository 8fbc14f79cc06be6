"""POST /orders with an Idempotency-Key, and the unpaid-orders limits (issue 8, items 4, 6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

DAY = "2026-03-03"  # a Tuesday; the clock stands on the Monday before
KEY = "a1f4c6de-7b9e-4e2a-8c31-0f5d2b7e9a10"
Body = Callable[..., dict[str, Any]]


def _orders(client: TestClient, headers: dict[str, str]) -> list[str]:
    return [o["id"] for o in client.get("/orders", headers=headers).json()["items"]]


def test_a_retry_with_the_same_key_and_body_answers_200_with_the_same_order(
    client: TestClient, order_body: Body, alice: dict[str, str]
) -> None:
    headers = {**alice, "Idempotency-Key": KEY}
    first = client.post("/orders", json=order_body(), headers=headers)

    retry = client.post("/orders", json=order_body(), headers=headers)

    assert (first.status_code, retry.status_code) == (201, 200)
    assert "idempotent-replayed" not in first.headers
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert _orders(client, alice) == [first.json()["id"]]


def test_a_key_sent_as_a_structured_field_string_is_the_same_key(
    client: TestClient, order_body: Body, alice: dict[str, str]
) -> None:
    first = client.post("/orders", json=order_body(), headers={**alice, "Idempotency-Key": KEY})

    retry = client.post(
        "/orders", json=order_body(), headers={**alice, "Idempotency-Key": f'"{KEY}"'}
    )

    assert (retry.status_code, retry.json()["id"]) == (200, first.json()["id"])


def test_the_same_key_with_another_body_is_422_and_books_nothing(
    client: TestClient, order_body: Body, alice: dict[str, str]
) -> None:
    headers = {**alice, "Idempotency-Key": KEY}
    first = client.post("/orders", json=order_body(), headers=headers)

    other = client.post("/orders", json=order_body(f"{DAY}T14:00:00+08:00"), headers=headers)

    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    problem = other.json()
    assert (problem["code"], problem["status"]) == ("idempotency_key_reused", 422)
    assert problem["details"] == {"idempotency_key": KEY, "order_id": first.json()["id"]}
    assert _orders(client, alice) == [first.json()["id"]]


def test_keys_are_per_customer(
    client: TestClient, order_body: Body, alice: dict[str, str], bob: dict[str, str]
) -> None:
    mine = client.post("/orders", json=order_body(), headers={**alice, "Idempotency-Key": KEY})

    his = client.post(
        "/orders",
        json=order_body(f"{DAY}T14:00:00+08:00"),
        headers={**bob, "Idempotency-Key": KEY},
    )

    assert (mine.status_code, his.status_code) == (201, 201)
    assert _orders(client, bob) == [his.json()["id"]]


@pytest.mark.parametrize("key", [b"a b", b"x" * 256, b'""', "clé".encode("latin-1")], ids=repr)
def test_a_malformed_key_is_a_422_with_its_own_code(
    client: TestClient, order_body: Body, alice: dict[str, str], key: bytes
) -> None:
    headers = [(k.encode(), v.encode()) for k, v in alice.items()]
    headers.append((b"Idempotency-Key", key))

    response = client.post("/orders", json=order_body(), headers=headers)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_idempotency_key"
    assert _orders(client, alice) == []


def test_a_fourth_unpaid_order_with_one_technician_is_409_naming_the_limit(
    client: TestClient, order_body: Body, alice: dict[str, str]
) -> None:
    for hour in (9, 10, 11):
        placed = client.post(
            "/orders", json=order_body(f"{DAY}T{hour:02}:00:00+08:00"), headers=alice
        )
        assert placed.status_code == 201, placed.json()

    refused = client.post("/orders", json=order_body(f"{DAY}T14:00:00+08:00"), headers=alice)

    assert refused.status_code == 409
    problem = refused.json()
    assert problem["code"] == "too_many_unpaid_orders"
    assert problem["details"] == {
        "limit": "max_unpaid_orders_per_customer_technician",
        "max": 3,
        "open_unpaid": 3,
    }
    assert len(_orders(client, alice)) == 3


def test_paying_for_an_order_lifts_the_limit(
    client: TestClient, order_body: Body, alice: dict[str, str]
) -> None:
    ids = [
        client.post("/orders", json=order_body(f"{DAY}T{h:02}:00:00+08:00"), headers=alice).json()[
            "id"
        ]
        for h in (9, 10, 11)
    ]
    assert client.post(f"/orders/{ids[0]}/payments", headers=alice).status_code == 200

    placed = client.post("/orders", json=order_body(f"{DAY}T14:00:00+08:00"), headers=alice)

    assert placed.status_code == 201, placed.json()


def test_the_openapi_documents_the_header_and_the_answers(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/orders"]["post"]

    header = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
    assert (header["in"], header.get("required", False)) == ("header", False)
    assert {"200", "201", "409", "422"} <= set(operation["responses"])
