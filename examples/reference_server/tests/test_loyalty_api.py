"""Points, check-ins, sharing, staff awards and tiers over HTTP (issue 13;
docs/server/loyalty.md): happy paths, each error code, and that a customer never sees
another customer's points."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from booking_core.orders import Actor
from booking_core.staff import StaffRole
from booking_core.testing import FrozenClock

Headers = dict[str, str]


def test_check_in_once_a_day_with_a_streak(
    client: TestClient, clock: FrozenClock, alice: Headers
) -> None:
    # when she checks in, taps again, and checks in the next day
    first = client.post("/me/check-in", headers=alice).json()
    again = client.post("/me/check-in", headers=alice).json()
    clock.set(clock.now().add(days=1))
    second = client.post("/me/check-in", headers=alice).json()
    balance = client.get("/customers/cus-alice/points", headers=alice).json()

    # then the second tap awards nothing, and the next day is day 2 of her streak
    assert (first["new"], first["streak"], first["day"]) == (True, 1, "2026-03-02")
    assert (again["new"], again["movement_id"]) == (False, first["movement_id"])
    assert (second["new"], second["streak"]) == (True, 2)
    assert balance == {"customer_id": "cus-alice", "balance": first["points"] + second["points"]}


def test_the_statement_lists_every_movement_with_the_balance_after(
    client: TestClient, clock: FrozenClock, alice: Headers
) -> None:
    for _ in range(3):
        client.post("/me/check-in", headers=alice)
        clock.set(clock.now().add(days=1))

    page = client.get(
        "/customers/cus-alice/points/statement", params={"limit": 2}, headers=alice
    ).json()
    rest = client.get(
        "/customers/cus-alice/points/statement",
        params={"limit": 2, "cursor": page["next_cursor"]},
        headers=alice,
    ).json()

    items = page["items"] + rest["items"]
    assert [m["sequence"] for m in items] == [1, 2, 3]
    running = 0
    for movement in items:
        running += movement["points"]
        assert (movement["kind"], movement["balance_after"]) == ("earned", running)
    assert rest["next_cursor"] is None


def test_a_share_is_rewarded_once_and_up_to_the_daily_cap(
    client: TestClient, alice: Headers
) -> None:
    first = client.post("/me/shares", json={"share_id": "s-1"}, headers=alice).json()
    replay = client.post("/me/shares", json={"share_id": "s-1"}, headers=alice).json()
    answers = [
        client.post("/me/shares", json={"share_id": f"s-{n}"}, headers=alice).json()
        for n in range(2, 30)
    ]

    assert first["awarded"] is True
    assert replay["movement"]["id"] == first["movement"]["id"]
    assert answers[-1] == {"awarded": False, "movement": None}


def test_staff_award_points_with_a_reason_once_per_key(
    client: TestClient, alice: Headers, as_: Callable[[Actor], Headers]
) -> None:
    service = as_(Actor.platform("cs-1", StaffRole.CUSTOMER_SERVICE))
    admin = as_(Actor.platform("adm-1", StaffRole.SUPER_ADMIN))
    body = {"points": 50, "reason": "Goodwill"}
    key = {"Idempotency-Key": "goodwill-1"}

    made = client.post("/customers/cus-alice/points/awards", json=body, headers={**admin, **key})
    again = client.post("/customers/cus-alice/points/awards", json=body, headers={**admin, **key})
    refused = client.post("/customers/cus-alice/points/awards", json=body, headers=service)
    by_her = client.post("/customers/cus-alice/points/awards", json=body, headers=alice)
    audit = client.get("/audit", params={"action": "points.award"}, headers=admin).json()

    assert made.status_code == 200, made.json()
    assert (made.json()["points"], made.json()["reason"]) == (50, "Goodwill")
    assert again.json()["id"] == made.json()["id"]
    assert client.get("/customers/cus-alice/points", headers=alice).json()["balance"] == 50
    assert [r.status_code for r in (refused, by_her)] == [403, 403]
    assert audit["items"][0]["reason"] == "Goodwill"


def test_a_replayed_award_is_audited_once(
    client: TestClient, as_: Callable[[Actor], Headers]
) -> None:
    admin = as_(Actor.platform("adm-1", StaffRole.SUPER_ADMIN))
    body = {"points": 50, "reason": "Goodwill"}
    for _ in range(2):
        client.post(
            "/customers/cus-alice/points/awards",
            json=body,
            headers={**admin, "Idempotency-Key": "goodwill-1"},
        )

    audit = client.get("/audit", params={"action": "points.award"}, headers=admin).json()

    assert len(audit["items"]) == 1


def test_a_source_staff_may_not_award_is_invalid_input(
    client: TestClient, as_: Callable[[Actor], Headers]
) -> None:
    admin = as_(Actor.platform("adm-1", StaffRole.SUPER_ADMIN))
    body = {"points": 5, "reason": "x", "source": "check_in"}

    refused = client.post("/customers/cus-alice/points/awards", json=body, headers=admin)

    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_input")
    assert refused.json()["details"] == {"field": "source"}


def test_a_customer_never_sees_another_customers_points(
    client: TestClient, alice: Headers, bob: Headers
) -> None:
    client.post("/me/check-in", headers=alice)

    asked = [
        client.get(f"/customers/cus-alice/{what}", headers=bob)
        for what in ("points", "points/statement", "tier")
    ]

    assert [(r.status_code, r.json()["code"]) for r in asked] == [(403, "permission_denied")] * 3


def test_staff_without_the_customers_permission_read_no_points(
    client: TestClient, as_: Callable[[Actor], Headers]
) -> None:
    finance = as_(Actor.platform("fin-1", StaffRole.FINANCE))

    refused = client.get("/customers/cus-alice/points", headers=finance)

    assert refused.status_code == 403


def test_only_customers_check_in(client: TestClient, technician: Headers) -> None:
    refused = client.post("/me/check-in", headers=technician)

    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")


def test_the_tier_is_the_stored_one_with_its_history(
    client: TestClient, alice: Headers, platform: Headers
) -> None:
    client.post("/customers/me", json={"nickname": "Alice"}, headers=alice)
    client.put("/customers/cus-alice/tier", json={"tier": "gold"}, headers=platform)

    tier = client.get("/customers/cus-alice/tier", headers=alice).json()

    assert tier == {"customer_id": "cus-alice", "tier": "gold", "history": []}
