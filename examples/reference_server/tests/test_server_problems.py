"""Errors are RFC 9457 problem+json documents with a stable code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking_core import errors
from booking_core.bootstrap import BookingApp, build
from booking_core.errors import (
    BookingError,
    Conflict,
    InvalidInput,
    InvalidTimeZone,
    NotFound,
    PaymentError,
    PermissionDenied,
    SlotTaken,
)
from booking_core.orders import Actor
from booking_core.ports.storage import UnitOfWork
from booking_core.testing import ScriptedPaymentGateway
from booking_server import create_app
from booking_server.problems import status_for

from .conftest import headers_of

PROBLEM_FIELDS = {"type", "title", "status", "detail", "code", "details", "request_id"}


def test_a_problem_has_every_rfc_9457_member_and_our_code(
    client: TestClient, place: Callable[..., dict[str, Any]], bob: dict[str, str]
) -> None:
    # given Alice's order at 10:00
    order = place()

    # when Bob books the same time
    response = client.post(
        "/orders",
        json={
            "technician_id": order["technician_id"],
            "service_id": order["service_id"],
            "start": order["slot"]["start"],
        },
        headers=bob,
    )

    # then the answer is a complete problem+json document
    problem = response.json()
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert set(problem) == PROBLEM_FIELDS
    assert problem["type"] == "https://booking-core.dev/problems/slot_taken"
    assert problem["title"] == "Slot taken"
    assert problem["status"] == 409
    assert problem["code"] == "slot_taken"
    assert "already booked" in problem["detail"]
    assert problem["details"]["technician_id"] == order["technician_id"]


def test_not_found_codes_name_the_entity(client: TestClient) -> None:
    # given nothing

    # when a missing service is read
    problem = client.get("/services/svc_missing").json()

    # then type, title and code name the entity and the details carry the id
    assert problem["code"] == "service_not_found"
    assert problem["type"].endswith("/service_not_found")
    assert problem["title"] == "Service not found"
    assert problem["details"] == {"entity": "service", "id": "svc_missing"}


def test_the_problem_base_uri_is_configurable(booking_app: BookingApp) -> None:
    # given a server with its own problem base
    with TestClient(create_app(booking_app, problem_base="urn:example:problem:")) as custom:
        # when a missing order is read
        alice = headers_of(custom, Actor.customer("cus-alice"))
        problem = custom.get("/orders/ord_missing", headers=alice).json()

    # then the type uses that base
    assert problem["type"] == "urn:example:problem:order_not_found"


def test_validation_problems_carry_the_field_errors(
    client: TestClient, platform: dict[str, str]
) -> None:
    # given a category without a name

    # when it is created
    response = client.post("/categories", json={}, headers=platform)

    # then the problem is invalid_input with one error per field
    problem = response.json()
    assert response.status_code == 422
    assert set(problem) == PROBLEM_FIELDS
    assert problem["code"] == "invalid_input"
    assert problem["details"]["errors"] == [
        {"location": ["body", "name"], "message": "Field required", "type": "missing"}
    ]


def test_malformed_json_is_invalid_input(client: TestClient, platform: dict[str, str]) -> None:
    # given a body that is not JSON

    # when it is posted
    response = client.post(
        "/categories",
        content=b"{not json",
        headers={**platform, "Content-Type": "application/json"},
    )

    # then it is a 422 problem, not a 400 or a 500
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert response.json()["details"]["errors"][0]["type"] == "json_invalid"


def test_an_unknown_route_is_a_problem_too(client: TestClient) -> None:
    # given nothing

    # when a path that does not exist is read
    response = client.get("/nowhere")

    # then it is a 404 problem
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def _broken_storage() -> UnitOfWork:
    raise RuntimeError("connection to db-internal.example:5432 refused (password=hunter2)")


def test_an_unexpected_error_is_a_500_problem_without_internals() -> None:
    # given a server whose storage is down
    booking_app = build(uow=_broken_storage, payments=ScriptedPaymentGateway())
    client = TestClient(create_app(booking_app), raise_server_exceptions=False)

    # when anything touching storage is requested
    response = client.get("/categories")

    # then it is a generic 500 problem that reveals nothing
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "internal_error"
    assert response.json()["details"] == {}
    assert "hunter2" not in response.text
    assert "db-internal" not in response.text
    assert "RuntimeError" not in response.text


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidInput("bad"), 422),
        (InvalidTimeZone("bad zone"), 422),
        (NotFound("order", "o1"), 404),
        (Conflict("lost"), 409),
        (SlotTaken("taken"), 409),
        (PermissionDenied("no"), 403),
        (PaymentError("gateway said no"), 402),
        (BookingError("something else"), 400),
    ],
)
def test_each_error_family_has_its_status(error: BookingError, status: int) -> None:
    # given an error of one family

    # when its status is looked up
    result = status_for(error)

    # then it is the family's
    assert result == status


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.InsufficientBalance("x"), 409),
        (errors.WithdrawalNotAllowed("x"), 409),
        (errors.InsufficientPoints("x"), 409),
        (errors.GiftOutOfStock("x"), 409),
        (errors.GiftLimitReached("x"), 409),
        (errors.RewardNotAvailable("x"), 409),
        (errors.RedemptionNotAllowed("x"), 409),
        (errors.InvalidReward("x"), 422),
        (errors.ReferralNotAllowed("x"), 409),
        (errors.CommissionNotAllowed("x"), 409),
        (errors.InvalidWithdrawalRules("x"), 422),
        (errors.InvalidPayoutDestination("x"), 422),
        (errors.InvalidReferral("x"), 422),
    ],
    ids=lambda v: getattr(v, "code", str(v)),
)
def test_the_loyalty_referral_and_payout_codes_map_by_family(
    error: errors.BookingError, status: int
) -> None:
    # Refusals of the stored state are 409, malformed values 422 (issue 13's codes); each
    # code is listed where docs/server.md lists the codes.
    assert status_for(error) == status
    index = (Path(__file__).resolve().parents[3] / "docs" / "server.md").read_text("utf-8")
    row = next(line for line in index.splitlines() if line.startswith(f"| {status} |"))
    assert f"`{error.error_code}`" in row
