"""Tier privileges over HTTP (issue 13; docs/server/loyalty.md#get-metier): a member reads
his tier and privileges, and the slot lists he asks for while signed in follow his tier's
booking window, where an anonymous or plain caller's do not."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp, build
from booking_core.loyalty import (
    LoyaltyPolicy,
    Tier,
    TierLadder,
    TierMetric,
    TierPrivilege,
    TierPrivileges,
)
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds

Headers = dict[str, str]
GOLD = TierPrivilege(extra_window_days=7, points_multiplier=Decimal("1.5"), birthday_points=500)
#: 35 days after the clock's Monday: past the default 30-day window, within 30 + 7.
FAR_DAY = "2026-04-06"


@pytest.fixture
def booking_app(clock: FrozenClock, gateway: ScriptedPaymentGateway) -> BookingApp:
    policy = LoyaltyPolicy(
        tiers=TierLadder(TierMetric.POINTS_EARNED, [Tier("silver", 100), Tier("gold", 1000)]),
        privileges=TierPrivileges({"gold": GOLD}),
    )
    return build(uow=InMemoryStore().unit_of_work, payments=gateway, clock=clock,
                 ids=SequentialIds(), loyalty_policy=policy)  # fmt: skip


def test_a_member_reads_his_tier_the_next_one_and_his_privileges(
    client: TestClient, alice: Headers, platform: Headers
) -> None:
    client.post("/customers/me", json={"nickname": "Alice"}, headers=alice)
    before = client.get("/me/tier", headers=alice).json()
    client.put("/customers/cus-alice/tier", json={"tier": "gold"}, headers=platform)
    after = client.get("/me/tier", headers=alice).json()
    refused = client.get("/me/tier", headers=platform)

    assert before == {
        "customer_id": "cus-alice", "tier": None, "metric": 0, "next_tier": "silver",
        "next_threshold": 100,
        "privileges": {"extra_window_days": 0, "points_multiplier": "1", "birthday_points": 0,
                       "birthday_coupon": None, "coupons": []},
    }  # fmt: skip
    assert (after["tier"], after["next_tier"], after["next_threshold"]) == ("gold", None, None)
    assert after["privileges"] == {"extra_window_days": 7, "points_multiplier": "1.5",
                                   "birthday_points": 500, "birthday_coupon": None,
                                   "coupons": []}  # fmt: skip
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")


def test_slot_lists_follow_the_signed_in_members_window(
    client: TestClient, shop: dict[str, str], alice: Headers, bob: Headers, platform: Headers
) -> None:
    for headers in (alice, bob):
        client.post("/customers/me", json={"nickname": "N"}, headers=headers)
    client.put("/customers/cus-alice/tier", json={"tier": "gold"}, headers=platform)
    query = {"service_id": shop["service_id"], "first_day": FAR_DAY}
    one = f"/technicians/{shop['technician_id']}/free-slots"

    anonymous = client.get("/slots", params=query).json()["items"]
    plain = client.get("/slots", params=query, headers=bob).json()["items"]
    gold = client.get("/slots", params=query, headers=alice).json()["items"]
    gold_one = client.get(one, params=query, headers=alice).json()["items"]
    plain_one = client.get(one, params=query, headers=bob).json()["items"]
    staff = client.get(one, params=query, headers=platform).json()["items"]

    assert (anonymous, plain, plain_one, staff) == ([], [], [], [])
    assert len(gold) == len(gold_one) == 11  # 09:00–12:00 and 13:00–21:00, hourly
    start = gold_one[0]["start"]
    body = {"technician_id": shop["technician_id"], "service_id": shop["service_id"],
            "start": start}  # fmt: skip
    refused = client.post("/orders", json=body, headers=bob)
    placed = client.post("/orders", json=body, headers=alice)
    assert (refused.status_code, refused.json()["code"]) == (409, "slot_unavailable")
    assert placed.status_code == 201
