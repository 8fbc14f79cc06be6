"""The RBAC matrix: every OpenAPI operation × every role, against one table of outcomes.

The table is :data:`rbac_table.ROWS`, one :class:`rbac_table.Row` per operation: which roles
succeed (2xx), which see 404 because the thing is not theirs, which get a domain answer
such as 409, and who is refused (403, the default; anonymous is 401 except on public
reads). Each (operation, role) case runs against a fresh copy of one fixture world
(:class:`World`, built once over HTTP): a catalog, the technician in the store (which
invited his colleague), two registered customers with an address each, orders of the
customer with the technician in every state at the world's noon (:data:`NOW`), a
completed one, an open and an arbitrated complaint, three applications (his rejected, his
colleague's sent back for more, a newcomer's waiting), a coupon template, a campaign, a
rota shift, a date override, an announcement and a hold; both technicians online, serving
the customer's home, with an order there open for grabbing and one offered to the
technician (:data:`DISPATCH`). Its ids are ``World.ids``.

The roles: anonymous (no credentials), the customer and another one, the technician and
his colleague, the store and another store, and each platform sub-role. A role acts only
through :func:`booking_server.credentials.headers_for`.

**Adding an endpoint** fails :func:`test_every_operation_has_a_row`, naming it. Add a
``Row("METHOD /path", ...)`` to ``ROWS`` in ``rbac_table.py``: point its path parameters at
objects of the world (``path``; the common names default to ``rbac_table.DEFAULT_PATH``),
give a valid ``query``/``body`` (a ``"$name"`` string is the world's id ``name``; add an
object to :class:`_Builder` if the world lacks one) and say who succeeds (``ok``), who sees
404 (``hidden``) and any other pinned answer (``other``). Where the server today answers
what it must not, write the correct outcome and name the defect in ``defects``: the case is
a strict xfail that flips once it is fixed. A row for an operation the server no longer has
fails :func:`test_every_row_has_an_operation`. A case's id names both, e.g.
``test_role_gets_the_tables_answer[POST /orders/{order_id}/accept as finance]``.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator, Mapping
from typing import Any, Final

import attrs
import pendulum
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pendulum import DateTime

from booking_core.bootstrap import BookingApp, build
from booking_core.dispatch import DispatchPlan, DispatchPolicy
from booking_core.ids import CustomerId, TechnicianId
from booking_core.loyalty import CouponExchange, CouponExchangeId, Gift, GiftId, PointsSource
from booking_core.money import Money
from booking_core.orders import Actor, DispatchMode, Role
from booking_core.outbox import OutboxMessage, OutboxState
from booking_core.payouts import BankCard, Payee, WithdrawalRules, WithdrawalStatus
from booking_core.ports.jobs import Job
from booking_core.ports.payments import WebhookKind
from booking_core.promotions import (
    CouponBenefit,
    CouponTemplate,
    CouponTemplateId,
    CouponTerms,
    IssueChannel,
    Validity,
)
from booking_core.referrals import Admission, AdmissionMode, Member, ReferralPolicy
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.staff import StaffRole
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds
from booking_core.testing.payments import FAKE_SIGNATURE_HEADER
from booking_server import create_app
from booking_server.credentials import headers_for

from .rbac_table import DEFAULT_PATH, ROLES, ROWS, SIGNED_WEBHOOK, Row

ZONE: Final = "Asia/Shanghai"
#: The world's "now": Wednesday noon, with orders of that day in every state around it.
NOW: Final = pendulum.datetime(2026, 3, 4, 12, 0, tz=ZONE)
_SECRET: Final = b"rbac-matrix-webhook-secret"
#: Orders at an address-book entry (in 上海市) are open for grabbing; those placed at a bare
#: point are offered, and an offer stands for a week (it must still stand at NOW).
DISPATCH: Final = DispatchPolicy(
    default=DispatchPlan(
        mode=DispatchMode.OFFER, offer_seconds=7 * 24 * 3600, escalate_after_minutes=7 * 24 * 60
    ),
    by_city={
        "上海市": DispatchPlan(mode=DispatchMode.GRAB, escalate_after_minutes=7 * 24 * 60),
    },
)
#: Finance approves withdrawals above 100.00 CNY (the world's technician earned more).
WITHDRAWALS: Final = WithdrawalRules(minimum=Money(100, "CNY"), approval_above=Money(10000, "CNY"))
#: Distributors by application and approval.
REFERRALS: Final = ReferralPolicy(admission=Admission(AdmissionMode.APPROVAL))
_HOURS: Final = {d: ["09:00-12:00", "13:00-21:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
_DOCUMENTS: Final = [
    {"kind": "id_card", "file_reference": "uploads/id.jpg"},
    {"kind": "health_certificate", "file_reference": "uploads/h.pdf", "expires_on": "2027-01-31"},
    {"kind": "skill_certificate", "file_reference": "uploads/s.pdf", "expires_on": "2028-06-30"},
]
_STORE: Final = {
    "name": "静安店 Jing'an",
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
_HOME: Final = {
    "label": "Home",
    "city": "上海市",
    "district": "黄浦区",
    "detail": "南京东路 1 号 3 楼",
    "lat": 31.2304,
    "lon": 121.4737,
}


def actor_of(role: str, ids: Mapping[str, str]) -> Actor | None:
    """The actor a matrix role names in the world with ``ids`` (None: anonymous)."""
    match role:
        case "anonymous":
            return None
        case "customer" | "other_customer" | "technician" | "other_technician":
            kind = Role.CUSTOMER if role.endswith("customer") else Role.TECHNICIAN
            return Actor(ids[role], kind)
        case "store" | "other_store":
            return Actor(ids[role], Role.STORE)
    return Actor.platform(f"staff-{role}", StaffRole(role))


def _at(day: int, hour: int, minute: int = 0) -> DateTime:
    return pendulum.datetime(2026, 3, day, hour, minute, tz=ZONE)


class _Builder:
    """Builds the world over HTTP, step by step, each step at its time."""

    def __init__(self, client: TestClient, app: FastAPI, clock: FrozenClock) -> None:
        self.client, self.app, self.clock = client, app, clock
        self.ids: dict[str, str] = {"customer": "cus-alice", "other_customer": "cus-bob"}
        self._headers: dict[str, dict[str, str]] = {}

    def as_(self, role: str) -> dict[str, str]:
        if role not in self._headers:  # one session per role keeps the world small
            actor = actor_of(role, self.ids)
            assert actor is not None
            self._headers[role] = headers_for(self.app, actor)
        return self._headers[role]

    def call(self, role: str, method: str, path: str, body: Any = None, ok: int = 200) -> Any:
        response = self.client.request(method, path, json=body, headers=self.as_(role))
        assert response.status_code == ok, (method, path, response.text)
        return response.json() if response.content else None

    def place(self, day: int, hour: int, technician: str = "technician") -> dict[str, Any]:
        body = {
            "technician_id": self.ids[technician],
            "service_id": self.ids["service"],
            "start": _at(day, hour).isoformat(),
            # From the book: the order keeps a contact copy (GET /orders/{id}/contact).
            "address_id": self.ids["customer_address"],
        }
        order: dict[str, Any] = self.call("customer", "POST", "/orders", body, 201)
        return order

    def paid(self, day: int, hour: int) -> str:
        order_id: str = self.place(day, hour)["id"]
        self.call("customer", "POST", f"/orders/{order_id}/payments")
        return order_id

    def walk(self, order_id: str, *actions: str) -> None:
        """The technician takes each step as a punctual technician would (clock forward)."""
        slot = self.call("technician", "GET", f"/orders/{order_id}")["slot"]
        start, end = pendulum.parse(slot["start"]), pendulum.parse(slot["end"])
        assert isinstance(start, DateTime)
        assert isinstance(end, DateTime)
        when = {
            "depart": start.subtract(hours=1),
            "arrive": start.subtract(minutes=10),
            "start-service": start,
            "complete": end,
        }
        for action in actions:
            if action in when:
                self.clock.set(max(self.clock.now(), when[action]))
            self.call("technician", "POST", f"/orders/{order_id}/{action}")

    def build(self) -> dict[str, str]:
        ids = self.ids
        category = self.call("super_admin", "POST", "/categories", {"name": "按摩 Massage"}, 201)
        ids["category"] = category["id"]
        for key, name, price in (
            ("service", "推拿 Tuina", 19900),
            ("other_service", "足疗", 13900),
        ):
            service = {
                "category_id": ids["category"],
                "name": name,
                "duration_minutes": 60,
                "price": {"amount": price, "currency": "CNY"},
            }
            ids[key] = self.call("super_admin", "POST", "/services", service, 201)["id"]
        couples = {
            "category_id": ids["category"],
            "name": "双人按摩 Couple's massage",
            "duration_minutes": 60,
            "price": {"amount": 19900, "currency": "CNY"},
            "technicians_needed": 2,
        }
        ids["couples_service"] = self.call("super_admin", "POST", "/services", couples, 201)["id"]
        for key, name in (("technician", "李伟 Li Wei"), ("other_technician", "王芳 Wang Fang")):
            technician = {
                "name": name,
                "time_zone": ZONE,
                "weekly_hours": _HOURS,
                "service_ids": [ids["service"], ids["other_service"], ids["couples_service"]],
            }
            ids[key] = self.call("super_admin", "POST", "/technicians", technician, 201)["id"]
        # The technician in the store (which may set its own prices), his colleague in none
        # but invited to it.
        for key, name in (("store", "静安店 Jing'an"), ("other_store", "外滩店 Bund")):
            store = {**_STORE, "name": name, "own_prices_allowed": key == "store"}
            ids[key] = self.call("super_admin", "POST", "/stores", store, 201)["id"]
        member = {"technician_id": ids["technician"]}
        self.call("super_admin", "POST", f"/stores/{ids['store']}/members", member)
        invited = {"technician_id": ids["other_technician"]}
        self.call("store", "POST", f"/stores/{ids['store']}/invitations", invited, 201)
        for customer in ("customer", "other_customer"):
            self.call(customer, "POST", "/customers/me", {"nickname": customer}, 201)
            book = self.call(customer, "POST", "/customers/me/addresses", _HOME, 201)
            ids[f"{customer}_address"] = book["addresses"][0]["id"]
        self._promotions()
        self._schedules()
        self._calendars()
        self._onboarding()
        self._orders()
        self._dispatch()
        self._account()
        self._packages()
        return ids

    def _packages(self) -> None:
        """A package on sale (two tuina and a foot massage), bought by the customer, one
        visit of it used for a walk-in served in the store (not a platform order)."""
        ids = self.ids
        package = {
            "name": "推拿足疗 3 次",
            "parts": [
                {"service_id": ids["service"], "visits": 2},
                {"service_id": ids["other_service"], "visits": 1},
            ],
            "price": {"amount": 45000, "currency": "CNY"},
        }
        ids["package"] = self.call("super_admin", "POST", "/packages", package, 201)["id"]
        purchase = {
            "customer_id": ids["customer"],
            "payment_reference": "wx_rbac_world",
            "paid": {"amount": 45000, "currency": "CNY"},
        }
        url = f"/packages/{ids['package']}/purchases"
        ids["holding"] = self.call("super_admin", "POST", url, purchase, 201)["id"]
        use = {"service_id": ids["service"]}
        url = f"/package-holdings/{ids['holding']}/redemptions/walkin_0"  # served in store
        self.call("customer", "PUT", url, use)

    def _dispatch(self) -> None:
        """Both technicians online and serving the customer's home; on Thursday an order
        there open for grabbing (15:00) and one offered to the technician (17:00)."""
        ids = self.ids
        booking_app: BookingApp = self.app.state.booking_app
        area = ServiceArea(GeoPoint(_HOME["lat"], _HOME["lon"]), 10.0)
        for role in ("technician", "other_technician"):
            technician = booking_app.technicians.get(TechnicianId(ids[role]))
            profile = attrs.evolve(technician.profile, service_area=area)
            booking_app.technicians.update_profile(technician.id, profile, Actor.platform())
            url = f"/technicians/{ids[role]}/schedule/status"
            self.call(role, "PUT", url, {"status": "online"})
        where = {"lat": _HOME["lat"], "lon": _HOME["lon"]}
        for key, hour, place in (
            ("grab_order", 15, {"address_id": ids["customer_address"]}),
            ("offered_order", 17, {"address": where}),
        ):
            body = {"service_id": ids["service"], "start": _at(5, hour).isoformat(), **place}
            ids[key] = self.call("customer", "POST", "/orders", body, 201)["id"]
            self.call("customer", "POST", f"/orders/{ids[key]}/payments")
            self._dispatch_round(booking_app, ids[key])
        # The offer goes to the best candidate: if that is his colleague, he refuses.
        offer = self.call("super_admin", "GET", f"/orders/{ids['offered_order']}")["dispatch"]
        if offer["offer"]["technician_id"] != ids["technician"]:
            url = f"/orders/{ids['offered_order']}/offer/refuse"
            self.call("other_technician", "POST", url, ok=204)
            self._dispatch_round(booking_app, ids["offered_order"])
        offer = self.call("super_admin", "GET", f"/orders/{ids['offered_order']}")["dispatch"]
        assert offer["offer"]["technician_id"] == ids["technician"], offer

    def _dispatch_round(self, booking_app: BookingApp, order_id: str) -> None:
        # The round's job handler alone: a worker round would also run the world's other
        # due jobs (auto-completing its in-service order, say).
        now = self.clock.now()
        booking_app.dispatch.run_round(
            Job(f"dispatch:{order_id}:w", "dispatch", order_id, now), now
        )

    def _account(self) -> None:
        """An account with a password, signed in once: its login, password, id and refresh
        token (each case gets the world back, so each may spend the token)."""
        ids = self.ids
        ids["login"], ids["password"] = "world-login", "world-password"
        credentials = {"login": ids["login"], "password": ids["password"]}
        tokens = self.client.post("/auth/signup", json=credentials).json()
        ids["refresh_token"] = tokens["refresh_token"]
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        ids["account"] = self.client.get("/auth/me", headers=bearer).json()["account"]["id"]

    def _promotions(self) -> None:
        ids = self.ids
        template = {
            "id": "tpl_rbac",
            "name": "满100减10",
            "benefit": {
                "kind": "threshold",
                "min_spend": {"amount": 10000, "currency": "CNY"},
                "amount": {"amount": 1000, "currency": "CNY"},
            },
            "valid_days": 30,
            "channels": ["claim", "admin"],
        }
        ids["template"] = self.call("super_admin", "POST", "/coupon-templates", template, 201)["id"]
        # A coupon the customer holds, of a template of its own (the claim rows stay free).
        held = {**template, "id": "tpl_rbac_held"}
        self.call("super_admin", "POST", "/coupon-templates", held, 201)
        issued = {"customer_id": ids["customer"]}
        url = "/coupon-templates/tpl_rbac_held/issues"
        ids["coupon"] = self.call("super_admin", "POST", url, issued, 201)["id"]
        campaign = {
            "id": "cmp_rbac",
            "name": "周末8折",
            "offer": {"kind": "percent_off", "rate": "0.2"},
            "starts_at": "2026-03-07T00:00:00+08:00",
            "ends_at": "2026-03-09T00:00:00+08:00",
        }
        ids["campaign"] = self.call("super_admin", "POST", "/campaigns", campaign, 201)["id"]
        announcement = {"audience": "both", "title": "开业", "body": "Welcome"}
        self.call("store", "POST", f"/stores/{ids['store']}/announcements", announcement, 201)

    def _schedules(self) -> None:
        ids = self.ids
        base = f"/technicians/{ids['technician']}/schedule"
        self.call("technician", "PUT", f"{base}/overrides/2026-03-06", {"hours": ["10:00-14:00"]})
        shift = {"store_id": ids["store"], "date": "2026-03-07", "hours": "22:00-23:30"}
        ids["shift"] = "night"
        self.call("store", "PUT", f"{base}/shifts/night", shift)
        leave = {"first_day": "2026-03-23", "last_day": "2026-03-24", "reason": "leave"}
        ids["time_off"] = self.call("technician", "POST", f"{base}/time-off", leave, 201)[
            "time_off"
        ][0]["id"]
        # His colleague, in no store, asked the other store to take him.
        self.call("other_technician", "POST", f"/stores/{ids['other_store']}/join-requests", ok=201)

    def _calendars(self) -> None:
        """A feed of the technician's own calendar (never read: the world has no calendar
        source) and a busy block pushed next Monday morning, away from every order."""
        ids = self.ids
        base = f"/technicians/{ids['technician']}"
        feed = {"url": "https://calendar.example.com/rbac.ics"}
        ids["feed"] = self.call("technician", "POST", f"{base}/calendar-feeds", feed, 201)["id"]
        ids["busy_block"] = "rbac-block"
        block = {"start": "2026-03-09T09:00:00+08:00", "end": "2026-03-09T10:00:00+08:00"}
        self.call("technician", "PUT", f"{base}/busy-blocks/rbac-block", block)

    def _onboarding(self) -> None:
        ids = self.ids
        documents = {"documents": _DOCUMENTS}
        # His own application, rejected: he may apply again.
        mine = self.call("technician", "POST", "/me/technician-applications", documents, 201)
        ids["application"] = mine["id"]
        reason = {"reason": "Blurry ID"}
        self.call("super_admin", "POST", f"/technician-applications/{mine['id']}/reject", reason)
        # His colleague's, sent back for more: the colleague resubmits.
        theirs = self.call(
            "other_technician", "POST", "/me/technician-applications", documents, 201
        )
        ids["other_application"] = theirs["id"]
        url = f"/technician-applications/{theirs['id']}/request-more"
        self.call("super_admin", "POST", url, reason)
        # A newcomer's, waiting in the review queue.
        ids["applicant"] = "tec-newcomer"
        newcomer = headers_for(self.app, Actor(ids["applicant"], Role.TECHNICIAN))
        application = {
            "name": "赵敏 Zhao Min",
            "time_zone": ZONE,
            "weekly_hours": {"mon": ["09:00-18:00"]},
            "documents": _DOCUMENTS,
        }
        response = self.client.post("/technician-applications", json=application, headers=newcomer)
        assert response.status_code == 201, response.text
        ids["submitted_application"] = response.json()["id"]

    def _orders(self) -> None:
        ids, clock = self.ids, self.clock
        # Tuesday: three orders done; one to review, two complained about (one taken up).
        done = [self.paid(3, hour) for hour in (10, 14, 15)]
        for order_id in done:
            self.call("technician", "POST", f"/orders/{order_id}/accept")
        for order_id in done:
            self.walk(order_id, "depart", "arrive", "start-service", "complete")
        ids["completed_order"], ids["complained_order"], ids["arbitrated_order"] = done
        complaint = {"reason": "Too rough", "requested_remedy": "apology"}
        for key, order_id in (("complaint", done[1]), ("arbitrated_complaint", done[2])):
            filed = self.call("customer", "POST", f"/orders/{order_id}/complaints", complaint, 201)
            ids[key] = filed["id"]
        url = f"/complaints/{ids['arbitrated_complaint']}/take-up"
        self.call("super_admin", "POST", url, {"note": "Looking"})
        self._reviews(done[1:])
        # Wednesday: at noon one order in each state of the way.
        ids["in_service_order"], ids["arrived_order"] = self.paid(4, 10), self.paid(4, 11)
        ids["departed_order"], ids["accepted_order"] = self.paid(4, 13), self.paid(4, 14)
        ids["paid_order"] = self.paid(4, 15)
        for key in ("in_service_order", "arrived_order", "departed_order", "accepted_order"):
            self.call("technician", "POST", f"/orders/{ids[key]}/accept")
        self.walk(ids["in_service_order"], "depart", "arrive", "start-service")
        self.walk(ids["arrived_order"], "depart", "arrive")
        clock.set(NOW)
        self.walk(ids["departed_order"], "depart")
        unpaid = self.place(4, 16)
        ids["unpaid_order"] = unpaid["id"]
        paid = self.call("customer", "GET", f"/orders/{ids['paid_order']}/lifecycle")
        ids["paid_order_number"] = paid["number"]
        ids["paid_booking"] = paid["order"]["booking_id"]
        hold = {
            "technician_id": ids["technician"],
            "service_id": ids["service"],
            "start": _at(5, 11).isoformat(),
        }
        ids["hold"] = self.call("customer", "POST", "/holds", hold, 201)["id"]
        # Thursday 13:00: a couple's massage with both technicians.
        party = {
            "service_id": ids["couples_service"],
            "technician_ids": [ids["technician"], ids["other_technician"]],
            "start": _at(5, 13).isoformat(),
        }
        ids["party"] = self.call("customer", "POST", "/parties", party, 201)["party_id"]

    def _reviews(self, orders: list[str]) -> None:
        # A shown review, one hidden by staff and one hidden and appealed (the completed
        # order stays unreviewed for the review row); a third order reviewed on Tuesday.
        ids = self.ids
        extra = self.paid(3, 19)
        self.call("technician", "POST", f"/orders/{extra}/accept")
        self.walk(extra, "depart", "arrive", "start-service", "complete")
        keys = ("review", "hidden_review", "appealed_review")
        for key, order_id in zip(keys, [*orders, extra], strict=True):
            body = {"stars": 2, "anonymous": True}
            ids[key] = self.call("customer", "POST", f"/orders/{order_id}/review", body, 201)["id"]
        for key in keys[1:]:
            self.call("super_admin", "POST", f"/reviews/{ids[key]}/hide", {"reason": "spam"})
        appeal = {"text": "a real customer"}
        self.call("technician", "POST", f"/reviews/{ids['appealed_review']}/appeal", appeal)


@attrs.frozen
class World:
    """The fixture world, built once and put aside; :meth:`restore` puts a copy of it into
    a store for one case to change freely (a few ms: far cheaper than building it)."""

    ids: Mapping[str, str]
    tables: Mapping[str, Any]
    gateway: ScriptedPaymentGateway

    def restore(self, store: InMemoryStore) -> BookingApp:
        """Replace everything ``store`` holds with a copy of the world; the services over
        it, with a copy of the world's gateway and a clock standing at :data:`NOW`."""
        # A copy of each table is enough: the memory store never changes a stored row in
        # place (its own rollback relies on that), it stores a new one.
        store.tables = {name: dict(rows) for name, rows in self.tables.items()}
        return build(
            uow=store.unit_of_work,
            payments=_copy_of(self.gateway),
            clock=FrozenClock(NOW),
            # Far past the ids the world used, so new objects never collide with it.
            ids=SequentialIds(start=90_000),
            dispatch_policy=DISPATCH,
            withdrawal_rules=WITHDRAWALS,
            referral_policy=REFERRALS,
        )


def _copy_of(gateway: ScriptedPaymentGateway) -> ScriptedPaymentGateway:
    """A deep copy of the fake gateway (what it captured and refunded), with its own lock:
    a case's refund must not make the next case's the same refund a second time."""
    memo: dict[int, Any] = {
        id(value): threading.Lock() for value in vars(gateway).values() if _is_lock(value)
    }
    return copy.deepcopy(gateway, memo)


def _is_lock(value: object) -> bool:
    return isinstance(value, type(threading.Lock()))


def build_world() -> World:
    """The world, built over HTTP like any client would, then put aside."""
    store = InMemoryStore()
    gateway = ScriptedPaymentGateway(secret=_SECRET)
    clock = FrozenClock(pendulum.datetime(2026, 3, 2, 8, 0, tz=ZONE))
    booking_app = build(
        uow=store.unit_of_work,
        payments=gateway,
        clock=clock,
        ids=SequentialIds(),
        dispatch_policy=DISPATCH,
        withdrawal_rules=WITHDRAWALS,
        referral_policy=REFERRALS,
    )
    app = create_app(booking_app)
    with TestClient(app) as client:
        ids = _Builder(client, app, clock).build()
    ids.update(_dead_letters(booking_app))
    ids.update(_money_and_referrals(booking_app, ids))
    ids.update(_rewards(booking_app, ids))
    # The fake provider's statement of Monday, checked (nothing moved that day).
    ids["checked_day"] = booking_app.statements.run_check(
        "fake", pendulum.date(2026, 3, 2)
    ).day.isoformat()
    return World(ids, copy.deepcopy(store.tables), _copy_of(gateway))


def _dead_letters(booking_app: BookingApp) -> dict[str, str]:
    """A job a worker gave up on and an outbox message whose relaying failed too often (no
    HTTP route makes either: workers do)."""
    now = booking_app.clock.now()
    message = OutboxMessage(
        "msg_dead", "OrderPlaced", {"order_id": "ord_gone"}, now, attempts=5,
        last_error="NotFound: order_not_found", state=OutboxState.DEAD,
    )  # fmt: skip
    with booking_app.uow() as uow:
        uow.jobs.schedule(Job("boom:1", "boom", "ord_gone", now))
        uow.jobs.claim("boom:1", now=now, worker="w", lease=pendulum.duration(minutes=5))
        uow.jobs.bury("boom:1", worker="w", error="RuntimeError: broken")
        uow.outbox.add(message)
        uow.commit()
    return {"dead_job": "boom:1", "dead_message": message.id}


def _money_and_referrals(booking_app: BookingApp, ids: Mapping[str, str]) -> dict[str, str]:
    """A withdrawal of the technician waiting for finance (above the world's approval
    limit); an invite code of a third customer, to which the other customer is bound; the
    customer an active distributor, the other customer applied, the other technician
    suspended."""
    technician = Actor(ids["technician"], Role.TECHNICIAN)
    card = BankCard("************1234", "李伟", "招商银行 China Merchants Bank")
    withdrawal = booking_app.payouts.request_withdrawal(
        Payee.technician(technician.id), Money(20000, "CNY"), card, technician,
        idempotency_key="world",
    )  # fmt: skip
    assert withdrawal.status is WithdrawalStatus.PENDING_APPROVAL
    referrals, staff = booking_app.referrals, Actor.platform("staff-world", StaffRole.SUPER_ADMIN)
    code = referrals.code(Actor.customer("cus-carol")).code
    customer = Actor.customer(ids["customer"])
    other_customer = Actor.customer(ids["other_customer"])
    other_technician = Actor(ids["other_technician"], Role.TECHNICIAN)
    referrals.bind(other_customer, code)
    for member in (customer, other_customer, other_technician):
        referrals.apply(member)
    referrals.approve(staff, Member.customer(customer.id))
    referrals.approve(staff, Member.technician(other_technician.id))
    referrals.suspend(staff, Member.technician(other_technician.id), "Spam")
    return {
        "withdrawal": withdrawal.id,
        "invite_code": code,
        "active_member": str(Member.customer(customer.id)),
        "applied_member": str(Member.customer(other_customer.id)),
        "suspended_member": str(Member.technician(other_technician.id)),
    }


def _rewards(booking_app: BookingApp, ids: Mapping[str, str]) -> dict[str, str]:
    """A gift and a coupon exchange with stock, points for both customers, and the
    customer's redemption of the gift waiting to be handed over."""
    staff = Actor.platform("staff-world", StaffRole.SUPER_ADMIN)
    rewards = booking_app.rewards
    gift = rewards.create_gift(staff, Gift(GiftId("g_world"), "Mug", 10, stock=5))
    template = CouponTemplate(
        CouponTemplateId("tpl_points"), "满200减30", CouponTerms(CouponBenefit.threshold(
            min_spend=Money(20000, "CNY"), amount=Money(3000, "CNY"))),
        Validity.days_after_issue(7), stock=10, per_customer_limit=None,
        channels=frozenset({IssueChannel.POINTS}),
    )  # fmt: skip
    booking_app.coupons.create_template(staff, template)
    exchange = rewards.create_exchange(
        staff, CouponExchange(CouponExchangeId("ex_world"), template.id, 10)
    )
    for who in ("customer", "other_customer"):
        booking_app.loyalty.award(CustomerId(ids[who]), 1000, staff, key="world",
                                  reason="world", source=PointsSource.CAMPAIGN)  # fmt: skip
    redemption = rewards.redeem_gift(Actor.customer(ids["customer"]), gift.id, key="world")
    return {
        "gift": gift.id,
        "points_template": template.id,
        "exchange": exchange.id,
        "redemption": redemption.id,
    }


def webhook(payment_key: str = "pay_unknown") -> tuple[dict[str, str], bytes]:
    """A correctly signed notification about a payment nobody made (acknowledged)."""
    body = json.dumps(
        {
            "id": "evt_rbac",
            "type": WebhookKind.PAYMENT_CAPTURED.value,
            "payment_key": payment_key,
            "refund_key": None,
            "amount": 100,
            "currency": "CNY",
        },
        sort_keys=True,
    ).encode()
    signed = ScriptedPaymentGateway(secret=_SECRET).sign(body)
    return {FAKE_SIGNATURE_HEADER: signed, "Content-Type": "application/json"}, body


def _fill(value: Any, ids: Mapping[str, str]) -> Any:
    """``value`` with every ``"$name"`` string (also in keys) replaced by ``ids[name]``."""
    if isinstance(value, str) and value.startswith("$"):
        return ids[value[1:]]
    if isinstance(value, Mapping):
        return {_fill(k, ids): _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def send(client: TestClient, app: FastAPI, row: Row, role: str, ids: Mapping[str, str]) -> Any:
    """Send ``row``'s request as ``role``; the response."""
    url = row.template.format_map(_fill({**DEFAULT_PATH, **row.path}, ids))
    actor = actor_of(role, ids)
    headers = {} if actor is None else headers_for(app, actor)
    if row.body == SIGNED_WEBHOOK:
        signed, content = webhook()
        return client.request(row.method, url, content=content, headers={**headers, **signed})
    query = _fill(dict(row.query), ids)
    body = _fill(row.body, ids)
    if row.form:
        return client.request(row.method, url, params=query, data=body, headers=headers)
    return client.request(row.method, url, params=query, json=body, headers=headers)


def outcome(status: int) -> str:
    """How the table writes ``status``: ``"2xx"`` for any success."""
    return "2xx" if 200 <= status < 300 else str(status)


# --- the tests ------------------------------------------------------------------------------


@attrs.frozen
class Server:
    """One app for every case, over one store that each case first resets to the world.

    The app is made once because its first request costs far more than a case may; its
    services are swapped per case (they hold the gateway and the clock, which the world
    restores too). Credentials live in the store, so each case's are its own.
    """

    world: World
    store: InMemoryStore
    app: FastAPI
    client: TestClient

    def reset(self) -> None:
        self.app.state.booking_app = self.world.restore(self.store)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """The world, built once for the module, and the server the cases call."""
    world, store = build_world(), InMemoryStore()
    app = create_app(world.restore(store))
    with TestClient(app) as client:
        yield Server(world, store, app, client)


def _operations() -> set[str]:
    app = create_app(build(uow=InMemoryStore().unit_of_work, payments=ScriptedPaymentGateway()))
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return {f"{method.upper()} {path}" for path, item in paths.items() for method in item}


def test_every_operation_has_a_row() -> None:
    missing = sorted(_operations() - {row.operation for row in ROWS})
    assert not missing, (
        f"No row in rbac_table.ROWS for {missing}: add one saying who may call each "
        "(see the docstring of test_rbac_matrix)."
    )


def test_every_row_has_an_operation() -> None:
    rows = [row.operation for row in ROWS]
    stale = sorted(set(rows) - _operations())
    twice = sorted({operation for operation in rows if rows.count(operation) > 1})
    assert not stale, f"Rows in rbac_table.ROWS for operations the server no longer has: {stale}"
    assert not twice, f"Operations with more than one row in rbac_table.ROWS: {twice}"


def _cases() -> list[Any]:
    cases = []
    for row in ROWS:
        for role in ROLES:
            defect = row.defects.get(role)
            marks = [pytest.mark.xfail(strict=True, reason=defect)] if defect else []
            cases.append(pytest.param(row, role, id=f"{row.operation} as {role}", marks=marks))
    return cases


@pytest.mark.parametrize(("row", "role"), _cases())
def test_role_gets_the_tables_answer(server: Server, row: Row, role: str) -> None:
    # A fresh copy of the world: the request may change it, the next case must not see that.
    server.reset()

    response = send(server.client, server.app, row, role, server.world.ids)

    assert outcome(response.status_code) == row.expected(role), (
        f"{row.operation} as {role}: expected {row.expected(role)}, got "
        f"{response.status_code}: {response.text[:300]}"
    )


def test_a_case_leaves_the_world_as_it_was(server: Server) -> None:
    # given the world as built
    before = repr(server.world.tables)
    cancel = next(row for row in ROWS if row.operation == "POST /orders/{order_id}/cancellation")

    # when a case cancels the paid order (an order, a booking, a refund, a job change)
    server.reset()
    response = send(server.client, server.app, cancel, "customer", server.world.ids)
    server.reset()
    again = send(server.client, server.app, cancel, "customer", server.world.ids)

    # then the world is untouched, and the next case can cancel it again
    assert (response.status_code, again.status_code) == (200, 200)
    assert repr(server.world.tables) == before
