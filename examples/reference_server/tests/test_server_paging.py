"""Every list that can grow comes in pages (issue 8 item 11): at most ``limit`` items, a
``next_cursor`` that walks the whole list once in a stable order, 422 ``invalid_cursor``
for a cursor that is not this list's, and 422 for a page larger than the maximum."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pendulum
import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp
from booking_core.ids import CategoryId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.ledger import OrderParties
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.payouts import Payee
from booking_core.pricing import Cart, CartLine
from booking_core.testing import FrozenClock
from booking_server.paging import MAX_PAGE_SIZE

from .conftest import headers_of
from .test_dead_letters_api import dead_job, dead_message
from .test_dispatch_api import HOME, open_for_dispatch
from .test_earnings_api import credit

DAY = "2026-03-03"
ZONE = "Asia/Shanghai"
Json = dict[str, Any]
_STORE_BODY: Json = {
    "name": "静安店",
    "address": {
        "city": "上海市",
        "district": "静安区",
        "detail": "1 号",
        "lat": 31.2,
        "lon": 121.4,
    },
    "time_zone": "Asia/Shanghai",
    "hours": {"mon": ["10:00-22:00"]},
}
Headers = dict[str, str]
#: A name as long as a name may be, in characters that take three bytes in UTF-8: a
#: cursor that holds it must still be accepted.
LONGEST_NAME = "按" * 200


@attrs.frozen
class Listing:
    """A list endpoint with a few items in it, and the order they must come in."""

    path: str
    params: dict[str, str]
    headers: Headers | None
    expected: list[str]
    ident: str = "id"


def _created(client: TestClient, path: str, bodies: list[Json], headers: Headers) -> list[str]:
    responses = [client.post(path, json=body, headers=headers) for body in bodies]
    assert [r.status_code for r in responses] == [201] * len(bodies), [r.json() for r in responses]
    return [r.json()["id"] for r in responses]


def _by_name(names: list[str], ids: list[str]) -> list[str]:
    return [i for _, i in sorted(zip(names, ids, strict=True))]


def _cny(amount: int) -> Json:
    return {"amount": amount, "currency": "CNY"}


@pytest.fixture
def completed(
    client: TestClient,
    place: Callable[..., Json],
    walk: Callable[..., Json],
    alice: Headers,
    technician: Headers,
) -> list[str]:
    """Four of Alice's orders with the shop's first technician, paid and completed."""
    orders = []
    for hour in (9, 11, 14, 16):
        order_id = place(f"{DAY}T{hour:02d}:00:00+08:00")["id"]
        assert client.post(f"/orders/{order_id}/payments", headers=alice).status_code == 200
        orders.append(order_id)
    for order_id in orders:
        walk(order_id, technician)
    return orders


def _categories(client: TestClient, platform: Headers, **_: Any) -> Listing:
    names = [LONGEST_NAME, "b", "a", "b"]
    ids = _created(client, "/categories", [{"name": n} for n in names], platform)
    return Listing("/categories", {}, None, _by_name(names, ids))


def _services(client: TestClient, platform: Headers, **_: Any) -> Listing:
    (category,) = _created(client, "/categories", [{"name": "按摩"}], platform)
    names = ["z", "y", LONGEST_NAME, "y"]
    bodies = [
        {"category_id": category, "name": n, "duration_minutes": 30, "price": _cny(100)}
        for n in names
    ]
    ids = _created(client, "/services", bodies, platform)
    return Listing("/services", {"category_id": category}, None, _by_name(names, ids))


def _packages(client: TestClient, shop: dict[str, str], platform: Headers, **_: Any) -> Listing:
    names = ["b", LONGEST_NAME, "a", "b"]
    part = [{"service_id": shop["service_id"], "visits": 2}]
    bodies = [{"name": n, "parts": part, "price": _cny(30000)} for n in names]
    ids = _created(client, "/packages", bodies, platform)
    # on sale only: a package no longer sold is left out
    (stopped,) = _created(client, "/packages", [{**bodies[0], "name": "0"}], platform)
    assert client.post(f"/packages/{stopped}/deactivate", headers=platform).status_code == 200
    return Listing("/packages", {}, None, _by_name(names, ids))


def _package_holdings(
    client: TestClient, shop: dict[str, str], platform: Headers, alice: Headers, **_: Any
) -> Listing:
    part = [{"service_id": shop["service_id"], "visits": 1}]
    body = {"name": "推拿 1 次", "parts": part, "price": _cny(15000)}
    (package,) = _created(client, "/packages", [body], platform)
    bought = {"customer_id": "cus-alice", "paid": _cny(15000)}
    path = f"/packages/{package}/purchases"
    purchases = [{**bought, "payment_reference": f"wx_{n}"} for n in range(4)]
    # by purchase instant, then id (the frozen clock: all at once, so by id)
    ids = _created(client, path, purchases, platform)
    return Listing("/customers/cus-alice/package-holdings", {}, alice, ids)


def _technicians(client: TestClient, platform: Headers, **_: Any) -> Listing:
    names = ["王芳", "李伟", "李伟", "Anna"]
    bodies = [
        {"name": n, "time_zone": ZONE, "weekly_hours": {"mon": ["09:00-10:00"]}} for n in names
    ]
    ids = _created(client, "/technicians", bodies, platform)
    return Listing("/technicians", {}, None, _by_name(names, ids))


def _technician_slots(shop: dict[str, str], route: str, day: dict[str, str]) -> Listing:
    hours = [9, 10, 11, *range(13, 21)]  # 09–12 and 13–21, a 60-minute service
    return Listing(
        f"/technicians/{shop['technician_id']}/{route}",
        {"service_id": shop["service_id"], **day},
        None,
        [f"{DAY}T{h:02d}:00:00+08:00" for h in hours],
        ident="start",
    )


def _day_slots(shop: dict[str, str], **_: Any) -> Listing:
    return _technician_slots(shop, "slots", {"date": DAY})


def _reviews(
    client: TestClient, shop: dict[str, str], alice: Headers, completed: list[str], **_: Any
) -> Listing:
    ids = [
        client.post(f"/orders/{o}/review", json={"stars": 1 + n}, headers=alice).json()["id"]
        for n, o in enumerate(completed)
    ]
    # newest first: the later review (and, at the same instant, the larger id) first
    return Listing(f"/technicians/{shop['technician_id']}/reviews", {}, None, ids[::-1])


def _review_appeals(
    client: TestClient,
    alice: Headers,
    technician: Headers,
    platform: Headers,
    completed: list[str],
    **_: Any,
) -> Listing:
    ids = []
    for order_id in completed:
        review = client.post(f"/orders/{order_id}/review", json={"stars": 5}, headers=alice)
        ids.append(review.json()["id"])
        hide = {"reason": "suspected paid review"}
        assert client.post(f"/reviews/{ids[-1]}/hide", json=hide, headers=platform).is_success
        appeal = {"text": "a real customer"}
        assert client.post(f"/reviews/{ids[-1]}/appeal", json=appeal, headers=technician).is_success
    # oldest first: the earlier review (and, at the same instant, the smaller id) first
    return Listing("/reviews/moderation", {"state": "appealed"}, platform, ids)


def _calendar_feeds(
    client: TestClient, shop: dict[str, str], technician: Headers, **_: Any
) -> Listing:
    path = f"/technicians/{shop['technician_id']}/calendar-feeds"
    bodies = [{"url": f"https://calendar.example.com/{n}.ics"} for n in "zyx"]
    # by id (ids are given in order)
    return Listing(path, {}, technician, _created(client, path, bodies, technician))


def _busy_blocks(
    client: TestClient, shop: dict[str, str], technician: Headers, **_: Any
) -> Listing:
    path = f"/technicians/{shop['technician_id']}/busy-blocks"
    pushed = {
        # uid: span start, buffer before — the 12:00 one blocks from 10:30, before 11:00's
        "late": ("12:00", 90),
        "b": ("11:00", 0),
        "a": ("11:00", 0),
        "first": ("09:00", 0),
    }
    for uid, (start, before) in pushed.items():
        body = {
            "start": f"{DAY}T{start}:00+08:00",
            "end": f"{DAY}T{start[:2]}:30:00+08:00",
            "buffer_before_minutes": before,
        }
        assert client.put(f"{path}/{uid}", json=body, headers=technician).status_code == 200
    # by blocked start, then source and uid
    return Listing(path, {}, technician, ["first", "late", "a", "b"], ident="uid")


def _complaints(
    client: TestClient, alice: Headers, platform: Headers, completed: list[str], **_: Any
) -> Listing:
    body = {"reason": "Ended early", "requested_remedy": "apology"}
    ids = [
        client.post(f"/orders/{o}/complaints", json=body, headers=alice).json()["id"]
        for o in completed
    ]
    # filed at one instant: oldest first, then by id
    return Listing("/complaints", {}, platform, sorted(ids))


def _coupons(client: TestClient, platform: Headers, alice: Headers, **_: Any) -> Listing:
    templates = [
        {
            "id": template_id,
            "name": "满100减10",
            "benefit": {"kind": "threshold", "min_spend": _cny(10000), "amount": _cny(1000)},
            "valid_days": 7,
            "per_customer_limit": 3,
        }
        for template_id in ("tpl_b", "tpl_a")
    ]
    _created(client, "/coupon-templates", templates, platform)
    claims = [
        client.post(f"/coupon-templates/{t}/claims", headers=alice)
        for t in ("tpl_b", "tpl_a", "tpl_b", "tpl_b")
    ]
    assert [c.status_code for c in claims] == [201] * 4
    # in issue order (all at one instant here, so by id)
    return Listing("/me/coupons", {}, alice, sorted(c.json()["id"] for c in claims))


def _coupon_templates(client: TestClient, platform: Headers, **_: Any) -> Listing:
    ids = ["tpl_d", "tpl_b", "tpl_c", "tpl_a"]
    bodies = [
        {
            "id": i,
            "name": "满100减10",
            "benefit": {"kind": "threshold", "min_spend": _cny(10000), "amount": _cny(1000)},
            "valid_days": 7,
        }
        for i in ids
    ]
    _created(client, "/coupon-templates", bodies, platform)
    return Listing("/coupon-templates", {}, None, sorted(ids))


def _campaigns(client: TestClient, platform: Headers, **_: Any) -> Listing:
    starts = {
        "cmp_late": "2026-03-05T00:00:00+08:00",
        "cmp_b": "2026-03-02T00:00:00+08:00",
        "cmp_a": "2026-03-02T00:00:00+08:00",
        "cmp_early": "2026-03-01T00:00:00+08:00",
    }
    bodies = [
        {
            "id": i,
            "name": "8折",
            "offer": {"kind": "percent_off", "rate": "0.2"},
            "starts_at": start,
            "ends_at": "2026-03-08T23:59:59+08:00",
            "budget": _cny(10000),
        }
        for i, start in starts.items()
    ]
    _created(client, "/campaigns", bodies, platform)
    return Listing("/campaigns", {}, None, ["cmp_early", "cmp_a", "cmp_b", "cmp_late"])


def _balances(booking_app: BookingApp, platform: Headers, **_: Any) -> Listing:
    for n, technician in enumerate(("tec_c", "tec_a", "tec_b")):
        order = OrderId(f"ord_{n}")
        booking_app.ledger.record_payment_captured(order, Money(10000, "CNY"), key=f"pay-{n}")
        priced = booking_app.quotes.price(
            Cart.of(CartLine(ServiceId("svc_x"), CategoryId("cat_x"), Money(10000, "CNY"))),
            CustomerId("cus-alice"),
            actor=Actor.customer("cus-alice"),
        )
        booking_app.ledger.record_order_completed(
            order, OrderParties(TechnicianId(technician)), priced.quote
        )
    accounts = [
        "payments_clearing",
        "technician_payable:tec_a",
        "technician_payable:tec_b",
        "technician_payable:tec_c",
        "platform_revenue",
    ]
    return Listing("/ledger/balances", {}, platform, accounts, ident="account")


def _orders(place: Callable[..., Json], alice: Headers, **_: Any) -> Listing:
    ids = [place(f"{DAY}T{hour}:00:00+08:00")["id"] for hour in (10, 14, 16)]
    # placed at one instant: newest first, then the larger id first
    return Listing("/orders", {}, alice, sorted(ids, reverse=True))


def _slots(shop: dict[str, str], **_: Any) -> Listing:
    hours = [1, 2, 3, *range(5, 13)]  # 09–12 and 13–21 in Shanghai, in UTC
    return Listing(
        "/slots",
        {"service_id": shop["service_id"], "first_day": DAY},
        None,
        [f"{DAY}T{h:02d}:00:00Z" for h in hours],
        ident="start",
    )


def _free_slots(shop: dict[str, str], **_: Any) -> Listing:
    return _technician_slots(shop, "free-slots", {"first_day": DAY})


_STORE: Json = {
    "address": {
        "city": "上海市",
        "district": "静安区",
        "detail": "1 号",
        "lat": 31.2,
        "lon": 121.4,
    },
    "time_zone": ZONE,
    "hours": {"mon": ["10:00-22:00"]},
}


def _stores(client: TestClient, platform: Headers, **_: Any) -> Listing:
    names = ["静安店", "外滩店", "外滩店", "Anna", "按" * 80]  # the longest name a store has
    ids = _created(client, "/stores", [{**_STORE, "name": n} for n in names], platform)
    return Listing("/stores", {}, None, _by_name(names, ids))


def _store_members(client: TestClient, platform: Headers, **_: Any) -> Listing:
    (store,) = _created(client, "/stores", [{**_STORE, "name": "Jing'an"}], platform)
    names = ["王芳", "李伟", "李伟", "Anna"]
    bodies = [
        {"name": n, "time_zone": ZONE, "weekly_hours": {"mon": ["09:00-10:00"]}} for n in names
    ]
    ids = _created(client, "/technicians", bodies, platform)
    for technician_id in ids:
        added = client.post(
            f"/stores/{store}/members", json={"technician_id": technician_id}, headers=platform
        )
        assert added.status_code == 200, added.json()
    return Listing(f"/stores/{store}/members", {}, platform, _by_name(names, ids))


def _announcements(client: TestClient, platform: Headers, alice: Headers, **_: Any) -> Listing:
    (store,) = _created(client, "/stores", [{**_STORE, "name": "Jing'an"}], platform)
    bodies = [{"audience": "customers", "title": f"News {n}", "body": "…"} for n in range(4)]
    ids = _created(client, f"/stores/{store}/announcements", bodies, platform)
    # published at one instant: newest first means the larger id first
    return Listing(f"/stores/{store}/announcements", {}, alice, sorted(ids, reverse=True))


def _applications(client: TestClient, platform: Headers, clock: FrozenClock, **_: Any) -> Listing:
    kinds = ("id_card", "health_certificate", "skill_certificate")
    documents = [{"kind": k, "file_reference": f"uploads/{k}"} for k in kinds]
    ids: list[str] = []
    for n, technician in enumerate(("tec-d", "tec-c", "tec-b", "tec-a")):
        if n == 2:
            clock.set(clock.now().add(minutes=1))
        body = {
            "name": technician,
            "time_zone": ZONE,
            "weekly_hours": {"mon": ["09:00-10:00"]},
            "documents": documents,
        }
        headers = headers_of(client, Actor(technician, Role.TECHNICIAN))
        ids += _created(client, "/technician-applications", [body], headers)
    # first submitted first, then by id
    return Listing("/technician-applications", {}, platform, ids)


def _applications_by_state(
    client: TestClient, platform: Headers, clock: FrozenClock, **_: Any
) -> Listing:
    queue = _applications(client, platform, clock)
    # approved in another order than submitted; one left waiting
    for application_id in (queue.expected[2], queue.expected[0], queue.expected[3]):
        approved = client.post(
            f"/technician-applications/{application_id}/approve", headers=platform
        )
        assert approved.status_code == 200, approved.json()
    approved_ids = [queue.expected[0], queue.expected[2], queue.expected[3]]
    # first submitted first, then by id, among those in the state asked for
    return Listing("/technician-applications", {"state": "approved"}, platform, approved_ids)


def _audit(client: TestClient, platform: Headers, clock: FrozenClock, **_: Any) -> Listing:
    subjects = _created(client, "/categories", [{"name": n} for n in "abc"], platform)
    clock.set(clock.now().add(minutes=1))
    technician = {"name": "x", "time_zone": ZONE, "weekly_hours": {}}
    subjects += _created(client, "/technicians", [technician], platform)
    # newest first, then the larger id first (ids are minted in order)
    return Listing("/audit", {}, platform, subjects[::-1], ident="subject_id")


def _inbox(
    booking_app: BookingApp,
    clock: FrozenClock,
    place: Callable[..., Json],
    technician: Headers,
    alice: Headers,
    bob: Headers,
    **_: Any,
) -> Listing:
    orders = []
    # two customers: one may hold only three unpaid orders with one technician
    for hour, customer in ((10, alice), (14, bob), (16, alice), (18, bob)):
        orders.append(place(f"{DAY}T{hour}:00:00+08:00", headers=customer)["id"])
        booking_app.background_worker("paging").run_once()  # the notification, made now
        clock.set(clock.now().add(minutes=1))
    # newest first: the technician hears of each order as it is placed
    return Listing("/inbox", {}, technician, orders[::-1], ident="subject")


def _dead_jobs(booking_app: BookingApp, platform: Headers, **_: Any) -> Listing:
    ids = ["boom:c", "boom:a", "boom:d", "boom:b"]
    for job_id in ids:
        dead_job(booking_app, job_id)
    return Listing("/dead-letters/jobs", {}, platform, sorted(ids))


def _dead_messages(booking_app: BookingApp, platform: Headers, **_: Any) -> Listing:
    ids = ["msg_c", "msg_a", "msg_d", "msg_b"]
    for message_id in ids:
        dead_message(booking_app, message_id)
    return Listing("/dead-letters/messages", {}, platform, sorted(ids))


def _dispatch_board(
    client: TestClient,
    booking_app: BookingApp,
    shop: dict[str, str],
    platform: Headers,
    alice: Headers,
    bob: Headers,
    **_: Any,
) -> Listing:
    open_for_dispatch(booking_app, [shop["technician_id"], shop["other_technician_id"]])
    numbers = {}
    # unpaid orders placed without a technician wait on the board (two customers: one may
    # hold only a few unpaid orders with one technician)
    for hour, customer in ((16, alice), (10, bob), (14, alice), (18, bob)):
        body = {"service_id": shop["service_id"], "start": f"{DAY}T{hour}:00:00+08:00"}
        placed = client.post("/orders", json={**body, "address": HOME}, headers=customer)
        assert placed.status_code == 201, placed.json()
        lifecycle = client.get(f"/orders/{placed.json()['id']}/lifecycle", headers=customer)
        numbers[hour] = lifecycle.json()["number"]
    # soonest start first
    return Listing("/dispatch/board", {}, platform, [numbers[h] for h in sorted(numbers)], "number")


def _withdrawals(booking_app: BookingApp, clock: FrozenClock, payee: Payee, amount: int,
                 headers: Headers, client: TestClient) -> list[str]:  # fmt: skip
    credit(booking_app, payee, amount * 4)
    base = "technicians" if payee.kind.value == "technician" else "stores"
    body = {
        "amount": _cny(amount),
        "destination": {"kind": "wallet", "provider": "wechat", "account_id": "o6"},
    }
    made = []
    for _ in range(4):
        answer = client.post(f"/{base}/{payee.id}/withdrawals", json=body, headers=headers)
        assert answer.status_code == 201, answer.json()
        made.append(answer.json()["id"])
        clock.set(clock.now().add(minutes=1))
    return made


def _technician_withdrawals(
    client: TestClient, booking_app: BookingApp, clock: FrozenClock, shop: dict[str, str],
    technician: Headers, **_: Any,
) -> Listing:  # fmt: skip
    payee = Payee.technician(shop["technician_id"])
    made = _withdrawals(booking_app, clock, payee, 1000, technician, client)
    # newest first
    return Listing(f"/technicians/{payee.id}/withdrawals", {}, technician, made[::-1])


def _store_withdrawals(
    client: TestClient, booking_app: BookingApp, clock: FrozenClock, platform: Headers, **_: Any
) -> Listing:
    store_id = _created(client, "/stores", [_STORE_BODY], platform)[0]
    own = headers_of(client, Actor(store_id, Role.STORE))
    made = _withdrawals(booking_app, clock, Payee.store(store_id), 1000, own, client)
    return Listing(f"/stores/{store_id}/withdrawals", {}, own, made[::-1])


def _pending_withdrawals(
    client: TestClient, booking_app: BookingApp, clock: FrozenClock, shop: dict[str, str],
    technician: Headers, platform: Headers, **_: Any,
) -> Listing:  # fmt: skip
    # above the default approval limit (5,000.00): each waits for finance
    payee = Payee.technician(shop["technician_id"])
    made = _withdrawals(booking_app, clock, payee, 600_000, technician, client)
    # oldest first
    return Listing("/withdrawals/pending", {}, platform, made)


def _statement_checks(booking_app: BookingApp, platform: Headers, **_: Any) -> Listing:
    days = [pendulum.date(2026, 2, 26).add(days=n) for n in range(4)]  # up to Sunday
    for day in days:
        booking_app.statements.run_check("fake", day)
    # newest day first
    return Listing("/statement-checks", {}, platform, [d.isoformat() for d in days[::-1]],
                   ident="day")  # fmt: skip


def _points_statement(client: TestClient, clock: FrozenClock, alice: Headers, **_: Any) -> Listing:
    ids = []
    for _ in range(4):
        ids.append(client.post("/me/check-in", headers=alice).json()["movement_id"])
        clock.set(clock.now().add(days=1))
    # journal order
    return Listing("/customers/cus-alice/points/statement", {}, alice, ids)


def _commissions(
    client: TestClient, clock: FrozenClock, place: Callable[..., Json], alice: Headers,
    bob: Headers, **_: Any,
) -> Listing:  # fmt: skip
    code = client.get("/me/referral-code", headers=bob).json()["code"]
    client.post("/me/distributor-application", headers=bob)  # open admission: active
    assert client.post("/me/referrer", json={"code": code}, headers=alice).status_code == 200
    orders = []
    for hour in (16, 10, 14, 18):
        order_id = place(f"{DAY}T{hour}:00:00+08:00")["id"]
        assert client.post(f"/orders/{order_id}/payments", headers=alice).status_code == 200
        orders.append(order_id)
        clock.set(clock.now().add(minutes=1))
    # frozen at payment: oldest first
    return Listing("/me/commissions", {}, bob, orders, ident="order_id")


def _member_commissions(
    client: TestClient, clock: FrozenClock, place: Callable[..., Json], alice: Headers,
    bob: Headers, platform: Headers, **_: Any,
) -> Listing:  # fmt: skip
    mine = _commissions(client=client, clock=clock, place=place, alice=alice, bob=bob)
    # Bob's, as staff with the books permission read them: the same, in the same order
    return Listing("/distributors/customer:cus-bob/commissions", {}, platform, mine.expected,
                   ident="order_id")  # fmt: skip


def _distributors(
    client: TestClient, as_: Callable[[Actor], Headers], platform: Headers, **_: Any
) -> Listing:
    members = ["cus-d", "cus-b", "cus-c", "cus-a"]
    for member in members:
        assert (
            client.post(
                "/me/distributor-application", headers=as_(Actor.customer(member))
            ).status_code
            == 200
        )
    # by member
    return Listing(
        "/distributors", {}, platform, [f"customer:{m}" for m in sorted(members)], "member"
    )


def _gifts(client: TestClient, platform: Headers, alice: Headers, **_: Any) -> Listing:
    ids = ["g_d", "g_b", "g_c", "g_a"]
    bodies = [{"id": i, "name": f"Gift {i}", "points": 5} for i in ids]
    _created(client, "/rewards/gifts", bodies, platform)
    # by id
    return Listing("/rewards/gifts", {}, alice, sorted(ids))


def _coupon_exchanges(client: TestClient, platform: Headers, alice: Headers, **_: Any) -> Listing:
    template = {
        "id": "tpl_points",
        "name": "满200减30",
        "benefit": {"kind": "threshold", "min_spend": _cny(20000), "amount": _cny(3000)},
        "valid_days": 7,
        "channels": ["points"],
    }
    assert client.post("/coupon-templates", json=template, headers=platform).status_code == 201
    ids = ["ex_d", "ex_b", "ex_c", "ex_a"]
    bodies = [{"id": i, "template_id": "tpl_points", "points": 5} for i in ids]
    _created(client, "/rewards/coupons", bodies, platform)
    # by id
    return Listing("/rewards/coupons", {}, alice, sorted(ids))


def _redeemed(client: TestClient, platform: Headers, alice: Headers) -> list[str]:
    award = {"points": 100, "reason": "Spring", "source": "campaign"}
    client.post("/customers/cus-alice/points/awards", json=award, headers=platform)
    gift = {"id": "g_any", "name": "Pen", "points": 5}
    _created(client, "/rewards/gifts", [gift], platform)
    path = "/rewards/gifts/g_any/redeem"
    return _created(client, path, [{"key": f"k{n}"} for n in range(4)], alice)


def _my_redemptions(client: TestClient, platform: Headers, alice: Headers, **_: Any) -> Listing:
    # by id (ids are given in order)
    return Listing("/me/redemptions", {}, alice, _redeemed(client, platform, alice))


def _redemptions(client: TestClient, platform: Headers, alice: Headers, **_: Any) -> Listing:
    # every customer's, by id
    return Listing("/rewards/redemptions", {}, platform, _redeemed(client, platform, alice))


LISTINGS: dict[str, Callable[..., Listing]] = {
    "technician applications": _applications,
    "statement checks": _statement_checks,
    "technician applications by state": _applications_by_state,
    "categories": _categories,
    "services": _services,
    "packages": _packages,
    "package holdings": _package_holdings,
    "technicians": _technicians,
    "day slots": _day_slots,
    "reviews": _reviews,
    "review appeals": _review_appeals,
    "calendar feeds": _calendar_feeds,
    "busy blocks": _busy_blocks,
    "complaints": _complaints,
    "coupons": _coupons,
    "coupon templates": _coupon_templates,
    "campaigns": _campaigns,
    "balances": _balances,
    "orders": _orders,
    "slots": _slots,
    "free slots": _free_slots,
    "stores": _stores,
    "store members": _store_members,
    "announcements": _announcements,
    "audit log": _audit,
    "inbox": _inbox,
    "dead jobs": _dead_jobs,
    "dead outbox messages": _dead_messages,
    "dispatch board": _dispatch_board,
    "technician withdrawals": _technician_withdrawals,
    "store withdrawals": _store_withdrawals,
    "pending withdrawals": _pending_withdrawals,
    "points statement": _points_statement,
    "commissions": _commissions,
    "a member's commissions": _member_commissions,
    "distributors": _distributors,
    "gifts": _gifts,
    "coupons for points": _coupon_exchanges,
    "my redemptions": _my_redemptions,
    "redemptions": _redemptions,
}
#: Lists left whole: each is bounded (by one order's life, a radius, a limit).
UNPAGED = {
    "/ledger/orders/{order_id}",
    # The nearest few only (``limit``, at most 100): a technician grabs from the top.
    "/dispatch/pool",
    # The offers standing for one technician: one at a time, as dispatch offers.
    "/dispatch/offers",
    # Everyone within one order's dispatch radius (a few kilometres).
    "/dispatch/board/{order_id}/candidates",
    # One statement per period, and a period is at most 366 days (422 beyond).
    "/technicians/{technician_id}/earnings",
    "/stores/{store_id}/earnings",
    # One entry per level of the plan (1–3 typical, at most 10).
    "/me/team",
}
#: Listings of a path already listed above, read with a filter.
FILTERED = {"technician applications by state"}


@pytest.fixture(params=list(LISTINGS))
def listing(request: pytest.FixtureRequest) -> Listing:
    seed = LISTINGS[request.param]
    needs = seed.__code__.co_varnames[: seed.__code__.co_argcount]
    return seed(**{name: request.getfixturevalue(name) for name in needs})


def _get(client: TestClient, listing: Listing, **params: Any) -> Any:
    return client.get(listing.path, params={**listing.params, **params}, headers=listing.headers)


def test_the_cursor_walks_every_item_once_in_order_two_at_a_time(
    client: TestClient, listing: Listing
) -> None:
    # given a list of a few items
    whole = _get(client, listing, limit=MAX_PAGE_SIZE)

    # when it is read two at a time, following next_cursor
    pages: list[list[Json]] = []
    cursor = None
    while len(pages) <= len(listing.expected):
        page = _get(client, listing, limit=2, **({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.json()
        pages.append(page.json()["items"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break

    # then every page holds at most two, and together they are the whole list, in order
    assert whole.status_code == 200, whole.json()
    assert whole.json()["next_cursor"] is None
    assert [i[listing.ident] for i in whole.json()["items"]] == listing.expected
    assert [len(p) for p in pages[:-1]] == [2] * (len(pages) - 1)
    assert 1 <= len(pages[-1]) <= 2
    assert [i for p in pages for i in p] == whole.json()["items"]


def test_a_cursor_that_is_not_this_lists_is_invalid_cursor(
    client: TestClient, listing: Listing, platform: Headers
) -> None:
    # given a cursor of this list, and one of another list
    own = _get(client, listing, limit=1).json()["next_cursor"]
    other = "/technicians" if listing.path == "/categories" else "/categories"
    bodies = {
        "/technicians": {"name": "x", "time_zone": ZONE, "weekly_hours": {}},
        "/categories": {"name": "x"},
    }
    _created(client, other, [bodies[other]] * 2, platform)
    foreign = client.get(other, params={"limit": 1}).json()["next_cursor"]

    # when the list is read with a made-up cursor, and with the other list's
    made_up = _get(client, listing, cursor="bm90LWEtY3Vyc29y")
    borrowed = _get(client, listing, cursor=foreign)
    lent = client.get(other, params={"cursor": own})

    # then each is 422 invalid_cursor
    assert own is not None
    assert foreign is not None
    for refused in (made_up, borrowed, lent):
        assert (refused.status_code, refused.json()["code"]) == (422, "invalid_cursor")
    assert (
        borrowed.json()["detail"] == "The cursor belongs to another list; start again without it."
    )


def test_a_page_larger_than_the_maximum_is_refused(client: TestClient, listing: Listing) -> None:
    # given a list

    # when a page one larger than the maximum, and an empty one, are asked for
    too_large = _get(client, listing, limit=MAX_PAGE_SIZE + 1)
    empty = _get(client, listing, limit=0)

    # then both are 422 naming the limit
    for refused in (too_large, empty):
        assert (refused.status_code, refused.json()["code"]) == (422, "invalid_input")
        (error,) = refused.json()["details"]["errors"]
        assert error["location"] == ["query", "limit"]


def test_every_list_that_can_grow_is_paged(client: TestClient) -> None:
    # given the server's API document
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]

    # when its GET operations answering a list are collected
    lists: dict[str, set[str]] = {}
    for path, operations in document["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        ok = get["responses"]["200"].get("content", {}).get("application/json", {})
        ref = ok.get("schema", {}).get("$ref", "")
        fields = schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
        if fields.get("items", {}).get("type") == "array":
            lists[path] = {p["name"] for p in get.get("parameters", [])} | {
                f"answer:{f}" for f in fields
            }

    # then each takes limit and cursor and answers next_cursor, but the bounded ones
    paged = {
        path for path, names in lists.items() if {"limit", "cursor", "answer:next_cursor"} <= names
    }
    assert set(lists) - paged == UNPAGED
    assert len(paged) == len(LISTINGS) - len(FILTERED)


def test_without_a_limit_a_page_holds_a_hundred(client: TestClient, platform: Headers) -> None:
    # given 101 categories
    ids = _created(client, "/categories", [{"name": f"c{n:03d}"} for n in range(101)], platform)

    # when the first page is read without a limit, and then the next one
    first = client.get("/categories").json()
    rest = client.get("/categories", params={"cursor": first["next_cursor"]}).json()

    # then the first holds a hundred, the second the last one
    assert [c["id"] for c in first["items"]] == ids[:100]
    assert [c["id"] for c in rest["items"]] == ids[100:]
    assert rest["next_cursor"] is None


def test_a_page_continues_after_its_cursor_when_the_list_changed(
    client: TestClient, platform: Headers
) -> None:
    # given the first page of three categories, two at a time
    b, d, f = _created(client, "/categories", [{"name": n} for n in "bdf"], platform)
    first = client.get("/categories", params={"limit": 2}).json()

    # when one category is added before the cursor and one after it, and the next page read
    a, e = _created(client, "/categories", [{"name": n} for n in "ae"], platform)
    second = client.get("/categories", params={"limit": 2, "cursor": first["next_cursor"]}).json()

    # then the next page starts after the last one shown: nothing twice, and all that
    # sorts after the cursor, the new one included
    assert [c["id"] for c in first["items"]] == [b, d]
    assert [c["id"] for c in second["items"]] == [e, f]
    assert second["next_cursor"] is None
    assert a not in {c["id"] for c in first["items"] + second["items"]}


def test_pages_walk_names_once_on_every_backend(backend_client: TestClient) -> None:
    platform = headers_of(backend_client, Actor.platform("admin-1"))
    # given names a database collation may order otherwise than Python does
    names = ["b", "B", "a", "A", "á", "Ä", "_x", "10", "9", "李", "a b", "ab"]
    ids = _created(backend_client, "/categories", [{"name": n} for n in names], platform)

    # when they are read three at a time
    seen: list[str] = []
    cursor = None
    for _ in names:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = backend_client.get("/categories", params=params).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    # then each comes once, by name then id as Python compares them
    assert seen == _by_name(names, ids)
