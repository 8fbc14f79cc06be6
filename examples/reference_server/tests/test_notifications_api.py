"""The inbox, notification preferences and WeChat grants over HTTP (issue 11): what the
worker made of an order's events shows in the right people's inboxes, in their language;
each person marks and sets only his own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp
from booking_core.notifications import Recipient
from booking_core.orders import Actor
from booking_core.staff import StaffRole

Json = dict[str, Any]
Headers = dict[str, str]
As = Callable[[Actor], Headers]

_SAVED: Json = {
    "muted": [{"kind": "orders", "channel": "sms"}, {"kind": "payments", "channel": "email"}],
    "quiet_hours": {"start": "22:00", "end": "08:00", "time_zone": "Asia/Shanghai"},
    "locale": "en",
}


def _work(booking_app: BookingApp) -> None:
    """One round of the worker: the relay turns outbox events into notifications."""
    booking_app.background_worker("tests").run_once()


def _inbox(client: TestClient, headers: Headers, **params: Any) -> Json:
    response = client.get("/inbox", params=params, headers=headers)
    assert response.status_code == 200, response.json()
    body: Json = response.json()
    return body


def _unread(client: TestClient, headers: Headers) -> int:
    response = client.get("/inbox/unread-count", headers=headers)
    assert response.status_code == 200, response.json()
    count: int = response.json()["unread"]
    return count


def test_a_placed_order_reaches_the_technicians_inbox_in_his_language(
    client: TestClient,
    booking_app: BookingApp,
    place: Callable[..., Json],
    technician: Headers,
    alice: Headers,
) -> None:
    # given an order placed with the technician, before and after a worker round
    order = place()
    before = _inbox(client, technician)
    _work(booking_app)

    # when he reads his inbox, then switches his language to English and reads it again
    chinese = _inbox(client, technician)
    switched = client.put("/notification-preferences", json={"locale": "en"}, headers=technician)
    english = _inbox(client, technician)

    # then the worker put the new order there, written in Chinese, then in English
    assert before["items"] == []
    (item,) = chinese["items"]
    number = client.get(f"/orders/{order['id']}/lifecycle", headers=alice).json()["number"]
    assert (item["template"], item["kind"], item["subject"]) == (
        "order_placed",
        "orders",
        order["id"],
    )
    assert item["params"]["order_number"] == str(number)
    assert (item["read_at"], item["urgent"]) == (None, False)
    assert chinese["locale"] == "zh-CN"
    assert item["title"] == f"新订单 {number}"
    assert f"/orders/{order['id']}" in item["body"]
    assert switched.status_code == 200, switched.json()
    assert english["locale"] == "en"
    assert english["items"][0]["title"] == f"New order {number}"
    assert english["items"][0]["id"] == item["id"]


def test_unread_count_and_marking_read_touch_only_ones_own(
    client: TestClient,
    booking_app: BookingApp,
    place: Callable[..., Json],
    technician: Headers,
    other_technician: Headers,
) -> None:
    # given a new order in the technician's inbox
    place()
    _work(booking_app)
    (item,) = _inbox(client, technician)["items"]

    # when his colleague marks it read, then he does, twice
    theirs = client.post("/inbox/read", json={"ids": [item["id"]]}, headers=other_technician)
    unread_before = _unread(client, technician)
    mine = client.post("/inbox/read", json={"ids": [item["id"], "ntf_unknown"]}, headers=technician)
    again = client.post("/inbox/read", json={"ids": [item["id"]]}, headers=technician)

    # then only his own marking counted, once, and the entry shows when it was read
    assert (theirs.status_code, theirs.json()) == (200, {"marked": 0})
    assert unread_before == 1
    assert (mine.status_code, mine.json()) == (200, {"marked": 1})
    assert again.json() == {"marked": 0}
    assert _unread(client, technician) == 0
    assert _inbox(client, technician)["items"][0]["read_at"] is not None
    assert _inbox(client, technician, unread_only="true")["items"] == []


def test_read_all_marks_every_unread_notification_of_the_caller(
    client: TestClient,
    booking_app: BookingApp,
    place: Callable[..., Json],
    technician: Headers,
) -> None:
    # given two new orders in his inbox
    place("2026-03-03T10:00:00+08:00")
    place("2026-03-03T14:00:00+08:00")
    _work(booking_app)

    # when he marks them all read, twice
    first = client.post("/inbox/read-all", headers=technician)
    second = client.post("/inbox/read-all", headers=technician)

    # then both changed the first time, none the second
    assert (first.status_code, first.json()) == (200, {"marked": 2})
    assert second.json() == {"marked": 0}
    assert _unread(client, technician) == 0


def test_staff_of_one_sub_role_share_its_inbox(
    client: TestClient,
    booking_app: BookingApp,
    paid_order: Json,
    walk: Callable[..., Json],
    technician: Headers,
    alice: Headers,
    as_: As,
) -> None:
    # given a complaint about a completed order (the customer service desk is told)
    walk(paid_order["id"], technician)
    complaint = {"reason": "Ended early", "requested_remedy": "apology"}
    filed = client.post(f"/orders/{paid_order['id']}/complaints", json=complaint, headers=alice)
    assert filed.status_code == 201, filed.json()
    _work(booking_app)
    desk = [as_(Actor.platform(name, StaffRole.CUSTOMER_SERVICE)) for name in ("cs-1", "cs-2")]

    # when one of the desk marks it read
    seen = [_inbox(client, headers)["items"] for headers in desk]
    marked = client.post("/inbox/read-all", headers=desk[0])

    # then both saw the same entry, and it is read for the other too; finance saw nothing
    assert [[i["template"] for i in items] for items in seen] == [["complaint_opened"]] * 2
    assert seen[0] == seen[1]
    assert marked.json() == {"marked": 1}
    assert _unread(client, desk[1]) == 0
    finance = as_(Actor.platform("fin-1", StaffRole.FINANCE))
    assert _inbox(client, finance)["items"] == []


def test_preferences_are_the_defaults_until_saved_then_round_trip(
    client: TestClient, alice: Headers
) -> None:
    # given a customer who never saved preferences
    defaults = client.get("/notification-preferences", headers=alice)

    # when she saves some, then reads them
    saved = client.put("/notification-preferences", json=_SAVED, headers=alice)
    read = client.get("/notification-preferences", headers=alice)

    # then the defaults, then what she saved (muted by kind, then channel)
    assert (defaults.status_code, defaults.json()) == (
        200,
        {"muted": [], "quiet_hours": None, "locale": "zh-CN"},
    )
    assert (saved.status_code, saved.json()) == (200, _SAVED)
    assert read.json() == _SAVED


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"muted": [{"kind": "security", "channel": "sms"}]}, "invalid_input"),
        ({"locale": "fr"}, "invalid_input"),
        (
            {"quiet_hours": {"start": "22:00", "end": "22:00", "time_zone": "Asia/Shanghai"}},
            "invalid_input",
        ),
        (
            {"quiet_hours": {"start": "22:00", "end": "07:00", "time_zone": "Mars/Olympus"}},
            "invalid_time_zone",
        ),
        ({"quiet_hours": {"start": "24:00", "end": "07:00", "time_zone": "UTC"}}, "invalid_input"),
        ({"muted": [{"kind": "gossip", "channel": "sms"}]}, "invalid_input"),
    ],
    ids=["security", "locale", "start-is-end", "zone", "hour", "kind"],
)
def test_bad_preferences_are_refused_and_nothing_is_saved(
    client: TestClient, alice: Headers, change: Json, code: str
) -> None:
    # given saved preferences
    assert client.put("/notification-preferences", json=_SAVED, headers=alice).status_code == 200

    # when she sends a bad change
    response = client.put("/notification-preferences", json={**_SAVED, **change}, headers=alice)

    # then it is a problem with a stable code, and her preferences are as they were
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert client.get("/notification-preferences", headers=alice).json() == _SAVED


def test_grants_add_up_per_template_and_unknown_ones_are_refused(
    client: TestClient, booking_app: BookingApp, alice: Headers
) -> None:
    # given a customer who accepts one-time messages in the mini-program

    # when she accepts two order_paid messages, then one more, then bad ones
    two = {"template": "order_paid", "count": 2}
    first = client.post("/notification-grants", json=two, headers=alice)
    second = client.post("/notification-grants", json={"template": "order_paid"}, headers=alice)
    unknown = client.post("/notification-grants", json={"template": "spam"}, headers=alice)
    zero = client.post(
        "/notification-grants", json={"template": "order_paid", "count": 0}, headers=alice
    )

    # then they add up, stored for her; the bad ones change nothing
    assert (first.status_code, first.json()) == (200, {"template": "order_paid", "left": 2})
    assert second.json() == {"template": "order_paid", "left": 3}
    assert (unknown.status_code, unknown.json()["code"]) == (422, "invalid_input")
    assert (zero.status_code, zero.json()["code"]) == (422, "invalid_input")
    with booking_app.uow() as uow:
        left = uow.notifications.grants_left(Recipient("customer", "cus-alice"), "order_paid")
    assert left == 3


def test_the_inbox_needs_a_signed_in_caller(client: TestClient) -> None:
    # given no credentials

    # when the inbox is read
    response = client.get("/inbox")

    # then 401
    assert (response.status_code, response.json()["code"]) == (401, "unauthenticated")
