"""The RBAC matrix's table: for every operation of the reference server, who may call it.

One :class:`Row` per OpenAPI operation (``"METHOD /path"`` as the document spells it). A row
names the roles that succeed (``ok``: any 2xx), those that see 404 because the thing is not
theirs (``hidden``) and any other pinned answer (``other``, e.g. 409 for a customer who is
registered already); every role it does not name is refused: 401 for anonymous, 403 for the
rest. The request itself is in the row too: path parameters (``path``; the common names
default to :data:`DEFAULT_PATH`), query and body, where a string ``"$name"`` stands for the
world's id ``name`` (see ``test_rbac_matrix.World``). ``defects`` names, per role, how the
server answers wrongly today: those cases are strict xfails that flip once it is fixed.

Staff sub-roles come from :data:`booking_core.staff.PERMISSIONS` (:func:`staff_with`), so a
changed permission table changes the expectations with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs

from booking_core.staff import PERMISSIONS, Permission, StaffRole

__all__ = ["DEFAULT_PATH", "ROLES", "ROWS", "SIGNED_WEBHOOK", "Row", "staff_with"]

ANONYMOUS: Final = "anonymous"
CUSTOMER: Final = "customer"
OTHER_CUSTOMER: Final = "other_customer"
TECHNICIAN: Final = "technician"
OTHER_TECHNICIAN: Final = "other_technician"
STORE: Final = "store"
OTHER_STORE: Final = "other_store"
#: Every platform sub-role, by its StaffRole value.
STAFF: Final = tuple(s.value for s in StaffRole)
#: Every role of the matrix, in the order its cases run.
ROLES: Final = (
    ANONYMOUS,
    CUSTOMER,
    OTHER_CUSTOMER,
    TECHNICIAN,
    OTHER_TECHNICIAN,
    STORE,
    OTHER_STORE,
    *STAFF,
)
CUSTOMERS: Final = (CUSTOMER, OTHER_CUSTOMER)
TECHNICIANS: Final = (TECHNICIAN, OTHER_TECHNICIAN)
STORES: Final = (STORE, OTHER_STORE)
SIGNED_IN: Final = ROLES[1:]
EVERYONE: Final = ROLES
#: The ``body`` of the payment webhook row: a notification signed as the gateway signs it.
SIGNED_WEBHOOK: Final = "<signed webhook>"

#: Path parameters every row gets unless it says otherwise (``$name``: the world's id).
DEFAULT_PATH: Final[Mapping[str, str]] = {
    "address_id": "$customer_address",
    "application_id": "$application",
    "booking_id": "$paid_booking",
    "campaign_id": "$campaign",
    "complaint_id": "$complaint",
    "customer_id": "$customer",
    "date": "2026-03-06",
    "event": "accept",
    "hold_id": "$hold",
    "job_id": "$dead_job",
    "message_id": "$dead_message",
    "number": "$paid_order_number",
    "order_id": "$paid_order",
    "service_id": "$service",
    "shift_id": "$shift",
    "store_id": "$store",
    "technician_id": "$technician",
    "template_id": "$template",
    "withdrawal_id": "$withdrawal",
}


def staff_with(permission: Permission) -> tuple[str, ...]:
    """The staff sub-roles whose permissions include ``permission``."""
    return tuple(s.value for s in StaffRole if permission in PERMISSIONS[s])


def staff_without(permission: Permission) -> tuple[str, ...]:
    """The staff sub-roles refused what needs ``permission``."""
    return tuple(s for s in STAFF if s not in staff_with(permission))


def _roles(*groups: str | Iterable[str]) -> frozenset[str]:
    found: set[str] = set()
    for group in groups:
        found.update([group] if isinstance(group, str) else group)
    unknown = found - set(ROLES)
    if unknown:
        raise ValueError(f"Unknown roles {sorted(unknown)}; the roles are {ROLES}.")
    return frozenset(found)


@attrs.frozen
class Row:
    """One operation: the request the matrix sends, and each role's expected answer."""

    operation: str
    ok: frozenset[str] = attrs.field(converter=_roles)
    hidden: frozenset[str] = attrs.field(default=(), converter=_roles)
    other: Mapping[str, int] = attrs.field(factory=dict)
    path: Mapping[str, str] = attrs.field(factory=dict)
    query: Mapping[str, Any] = attrs.field(factory=dict)
    body: Any = None
    defects: Mapping[str, str] = attrs.field(factory=dict)
    #: Send ``body`` as an HTML form (the OAuth2 password flow) instead of JSON.
    form: bool = False

    def __attrs_post_init__(self) -> None:
        named = [*self.ok, *self.hidden, *self.other]
        if len(named) != len(set(named)):
            raise ValueError(f"{self.operation}: a role is named twice.")
        _roles(self.other, self.defects)

    @property
    def method(self) -> str:
        return self.operation.split(" ", 1)[0]

    @property
    def template(self) -> str:
        return self.operation.split(" ", 1)[1]

    def expected(self, role: str) -> str:
        """``"2xx"`` or the status code, as text, that ``role`` must get."""
        if role in self.ok:
            return "2xx"
        if role in self.hidden:
            return "404"
        if role in self.other:
            return str(self.other[role])
        return "401" if role == ANONYMOUS else "403"


def _money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "CNY"}


_DOCUMENTS: Final = [
    {"kind": "id_card", "file_reference": "uploads/id2.jpg"},
    {"kind": "health_certificate", "file_reference": "uploads/h2.pdf", "expires_on": "2027-05-31"},
    {"kind": "skill_certificate", "file_reference": "uploads/s2.pdf", "expires_on": "2028-06-30"},
]
_WEEKDAYS: Final = {d: ["09:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
_STORE_BODY: Final = {
    "name": "徐汇店 Xuhui",
    "address": {
        "city": "上海市",
        "district": "徐汇区",
        "detail": "2 号",
        "lat": 31.19,
        "lon": 121.43,
    },
    "time_zone": "Asia/Shanghai",
    "hours": {"tue": ["10:00-22:00"]},
}
_ADDRESS: Final = {
    "label": "Office",
    "city": "上海市",
    "district": "浦东新区",
    "detail": "世纪大道 100 号",
    "lat": 31.2397,
    "lon": 121.4998,
}
#: Thursday 10:00 local: free for the technician, his colleague and the holds.
_THURSDAY: Final = "2026-03-05T10:00:00+08:00"
_NEW_ORDER: Final = {"technician_id": "$technician", "service_id": "$service", "start": _THURSDAY}
_NEW_PARTY: Final = {
    "service_id": "$couples_service",
    "technician_ids": ["$technician", "$other_technician"],
    "start": _THURSDAY,
}
_TEMPLATE: Final = {
    "id": "tpl_new",
    "name": "满200减30",
    "benefit": {"kind": "threshold", "min_spend": _money(20000), "amount": _money(3000)},
    "valid_days": 7,
}
_CAMPAIGN: Final = {
    "name": "周末8折",
    "offer": {"kind": "percent_off", "rate": "0.2"},
    "starts_at": "2026-03-07T00:00:00+08:00",
    "ends_at": "2026-03-09T00:00:00+08:00",
}

#: Who takes part in referrals: customers and technicians.
MEMBERS: Final = (*CUSTOMERS, *TECHNICIANS)
#: A statement's period: the world's week.
_PERIOD: Final = {"since": "2026-03-02T00:00:00+08:00", "until": "2026-03-09T00:00:00+08:00"}
#: A withdrawal below the world's approval limit, to a wallet.
_WITHDRAWAL: Final = {
    "amount": _money(5000),
    "destination": {"kind": "wallet", "provider": "wechat", "account_id": "o6_world"},
}

#: Who keeps a technician's outside calendar: he, his store and staff with the
#: technicians permission (the summaries of his busy blocks are private).
CALENDAR_KEEPERS: Final = (TECHNICIAN, STORE, *staff_with(Permission.TECHNICIANS))
#: Those who see an order of the customer with the technician: both, and the platform.
ORDER_PARTIES: Final = (CUSTOMER, TECHNICIAN, *STAFF)
#: Those who also see the order: its technician's store (it lists and opens his orders, but
#: takes none of the order's steps: 403 there).
ORDER_VIEWERS: Final = (*ORDER_PARTIES, STORE)
#: Those the order is not theirs: another customer, another technician, another store.
ORDER_STRANGERS: Final = (OTHER_CUSTOMER, OTHER_TECHNICIAN, OTHER_STORE)
#: A complaint is its customer's, its technician's and the platform's only.
COMPLAINT_STRANGERS: Final = (OTHER_CUSTOMER, OTHER_TECHNICIAN, STORE, OTHER_STORE)

ROWS: Final[tuple[Row, ...]] = (
    # --- catalog ------------------------------------------------------------------------
    Row("POST /categories", ok=staff_with(Permission.CATALOG), body={"name": "美容 Beauty"}),
    Row("GET /categories", ok=EVERYONE),
    Row(
        "POST /services",
        ok=staff_with(Permission.CATALOG),
        body={
            "category_id": "$category",
            "name": "刮痧 Guasha",
            "duration_minutes": 45,
            "price": _money(12900),
        },
    ),
    Row("GET /services", ok=EVERYONE),
    Row("GET /services/{service_id}", ok=EVERYONE),
    # --- packages: the catalog defines them; order staff record purchases; the holder uses -
    Row(
        "POST /packages",
        ok=staff_with(Permission.CATALOG),
        body={
            "name": "足疗 5 次",
            "parts": [{"service_id": "$other_service", "visits": 5}],
            "price": _money(60000),
            "valid_days": 180,
        },
    ),
    Row("GET /packages", ok=EVERYONE),
    Row("GET /packages/{package_id}", ok=EVERYONE, path={"package_id": "$package"}),
    Row(
        "POST /packages/{package_id}/deactivate",
        ok=staff_with(Permission.CATALOG),
        path={"package_id": "$package"},
    ),
    Row(
        "POST /packages/{package_id}/purchases",
        ok=staff_with(Permission.ORDERS),
        path={"package_id": "$package"},
        body={"customer_id": "$customer", "payment_reference": "wx_new", "paid": _money(45000)},
    ),
    Row(
        "GET /customers/{customer_id}/package-holdings",
        ok=(CUSTOMER, *staff_with(Permission.ORDERS)),
    ),
    Row(
        "GET /package-holdings/{holding_id}",
        ok=(CUSTOMER, *staff_with(Permission.ORDERS)),
        hidden=(OTHER_CUSTOMER,),
        path={"holding_id": "$holding"},
    ),
    Row(
        "PUT /package-holdings/{holding_id}/redemptions/{order_id}",
        # A visit for a walk-in served outside the platform; another's holding is hidden.
        ok=(CUSTOMER, *staff_with(Permission.ORDERS)),
        hidden=(OTHER_CUSTOMER,),
        path={"holding_id": "$holding", "order_id": "walkin_1"},
        body={"service_id": "$service"},
    ),
    Row(
        "DELETE /package-holdings/{holding_id}/redemptions/{order_id}",
        ok=staff_with(Permission.ORDERS),
        path={"holding_id": "$holding", "order_id": "walkin_1"},
    ),
    Row(
        "POST /package-holdings/{holding_id}/refunds",
        ok=staff_with(Permission.ORDERS),
        path={"holding_id": "$holding"},
        body={"refund_reference": "wx_back_1"},
    ),
    Row(
        "PUT /services/{service_id}/rules",
        ok=staff_with(Permission.CATALOG),
        body={"slot_step_minutes": 30},
    ),
    # --- technicians --------------------------------------------------------------------
    Row(
        "POST /technicians",
        ok=staff_with(Permission.TECHNICIANS),
        body={
            "name": "张丽 Zhang Li",
            "time_zone": "Asia/Shanghai",
            "weekly_hours": _WEEKDAYS,
            "service_ids": ["$service"],
        },
    ),
    Row("GET /technicians", ok=EVERYONE),
    Row("GET /technicians/{technician_id}", ok=EVERYONE),
    Row(
        "PUT /technicians/{technician_id}/profile",
        ok=(TECHNICIAN, STORE, *staff_with(Permission.TECHNICIANS)),
        body={"skills": ["推拿"], "store_id": "$store"},
    ),
    Row(
        "GET /technicians/{technician_id}/slots",
        ok=EVERYONE,
        query={"service_id": "$service", "date": "2026-03-05"},
    ),
    Row(
        "GET /technicians/{technician_id}/free-slots",
        ok=EVERYONE,
        query={"service_id": "$service", "first_day": "2026-03-05"},
    ),
    Row("GET /slots", ok=EVERYONE, query={"service_id": "$service", "first_day": "2026-03-05"}),
    Row("GET /technicians/{technician_id}/reviews", ok=EVERYONE),
    Row("GET /technicians/{technician_id}/status", ok=EVERYONE),
    # --- schedules: he, his store, the platform -----------------------------------------
    Row("GET /technicians/{technician_id}/schedule", ok=(TECHNICIAN, STORE, *STAFF)),
    Row(
        "PUT /technicians/{technician_id}/schedule/overrides/{date}",
        ok=(TECHNICIAN, STORE, *staff_with(Permission.TECHNICIANS)),
        body={"hours": ["09:00-11:00"]},
    ),
    Row(
        "DELETE /technicians/{technician_id}/schedule/overrides/{date}",
        ok=(TECHNICIAN, STORE, *staff_with(Permission.TECHNICIANS)),
    ),
    Row(
        "POST /technicians/{technician_id}/schedule/time-off",
        ok=(TECHNICIAN, STORE, *staff_with(Permission.TECHNICIANS)),
        body={"first_day": "2026-03-09", "last_day": "2026-03-10", "reason": "leave"},
    ),
    Row(
        "DELETE /technicians/{technician_id}/schedule/time-off/{time_off_id}",
        ok=(TECHNICIAN, STORE, *staff_with(Permission.TECHNICIANS)),
        path={"time_off_id": "$time_off"},
    ),
    Row(
        "PUT /technicians/{technician_id}/schedule/daily-cap",
        ok=(TECHNICIAN, STORE, *staff_with(Permission.TECHNICIANS)),
        body={"daily_cap": 4},
    ),
    Row(
        "PUT /technicians/{technician_id}/schedule/daily-minutes-cap",
        ok=(TECHNICIAN, STORE, *staff_with(Permission.TECHNICIANS)),
        body={"daily_minutes_cap": 360},
    ),
    Row(
        "PUT /technicians/{technician_id}/schedule/status",
        ok=(TECHNICIAN, STORE, *staff_with(Permission.TECHNICIANS)),
        body={"status": "resting"},
    ),
    Row(
        "PUT /technicians/{technician_id}/schedule/shifts/{shift_id}",
        ok=(STORE, *staff_with(Permission.TECHNICIANS)),
        body={"store_id": "$store", "date": "2026-03-07", "hours": "20:00-21:30"},
    ),
    Row(
        "DELETE /technicians/{technician_id}/schedule/shifts/{shift_id}",
        ok=(STORE, *staff_with(Permission.TECHNICIANS)),
    ),
    Row(
        "GET /technicians/{technician_id}/calendar/day",
        ok=(TECHNICIAN, STORE, *STAFF),
        query={"date": "2026-03-04"},
    ),
    Row(
        "GET /technicians/{technician_id}/calendar/week",
        ok=(TECHNICIAN, STORE, *STAFF),
        query={"first_day": "2026-03-02"},
    ),
    # --- outside calendars: he, his store, the platform (technicians); the import ----------
    Row(
        "POST /technicians/{technician_id}/calendar-feeds",
        ok=CALENDAR_KEEPERS,
        body={"url": "https://calendar.example.com/li.ics", "buffer_after_minutes": 15},
    ),
    Row("GET /technicians/{technician_id}/calendar-feeds", ok=CALENDAR_KEEPERS),
    Row(
        "POST /technicians/{technician_id}/calendar-feeds/{feed_id}/refresh",
        ok=CALENDAR_KEEPERS,
        path={"feed_id": "$feed"},
    ),
    Row(
        "DELETE /technicians/{technician_id}/calendar-feeds/{feed_id}",
        ok=CALENDAR_KEEPERS,
        path={"feed_id": "$feed"},
    ),
    Row(
        "PUT /technicians/{technician_id}/busy-blocks/{uid}",
        ok=CALENDAR_KEEPERS,
        path={"uid": "rbac-new"},
        body={"start": "2026-03-09T11:00:00+08:00", "end": "2026-03-09T12:00:00+08:00"},
    ),
    Row("GET /technicians/{technician_id}/busy-blocks", ok=CALENDAR_KEEPERS),
    Row(
        "DELETE /technicians/{technician_id}/busy-blocks/{uid}",
        ok=CALENDAR_KEEPERS,
        path={"uid": "$busy_block"},
    ),
    Row("GET /technicians/{technician_id}/calendar.ics", ok=CALENDAR_KEEPERS),
    Row("POST /technicians/{technician_id}/calendar-link", ok=CALENDAR_KEEPERS),
    Row("DELETE /technicians/{technician_id}/calendar-link", ok=CALENDAR_KEEPERS),
    Row(
        "POST /imports",
        ok=staff_with(Permission.TECHNICIANS),
        body={
            "busy_blocks": [
                {
                    "external_id": "rbac-import",
                    "technician_id": "$technician",
                    "start": "2026-03-09T14:00:00+08:00",
                    "end": "2026-03-09T15:00:00+08:00",
                }
            ]
        },
    ),
    # --- onboarding ---------------------------------------------------------------------
    Row(
        "POST /technician-applications",
        ok=(),
        other=dict.fromkeys(TECHNICIANS, 409),  # both registered: they apply again at /me
        body={
            "name": "钱多 Qian Duo",
            "time_zone": "Asia/Shanghai",
            "weekly_hours": _WEEKDAYS,
            "documents": _DOCUMENTS,
        },
    ),
    Row(
        "POST /me/technician-applications",
        ok=TECHNICIAN,  # his last application was rejected
        other={OTHER_TECHNICIAN: 409},  # his is still being reviewed
        body={"documents": _DOCUMENTS},
    ),
    Row("GET /technician-applications", ok=STAFF),
    Row(
        "GET /technician-applications/{application_id}",
        ok=(TECHNICIAN, *STAFF),
        hidden=(OTHER_TECHNICIAN, *CUSTOMERS, *STORES),
    ),
    Row(
        "GET /technicians/{technician_id}/applications/latest",
        ok=(TECHNICIAN, *STAFF),
        hidden=(OTHER_TECHNICIAN, *CUSTOMERS, *STORES),
    ),
    Row(
        "POST /technician-applications/{application_id}/approve",
        ok=staff_with(Permission.TECHNICIANS),
        path={"application_id": "$submitted_application"},
        body={"note": "All checked."},
    ),
    Row(
        "POST /technician-applications/{application_id}/reject",
        ok=staff_with(Permission.TECHNICIANS),
        path={"application_id": "$submitted_application"},
        body={"reason": "Not qualified"},
    ),
    Row(
        "POST /technician-applications/{application_id}/request-more",
        ok=staff_with(Permission.TECHNICIANS),
        path={"application_id": "$submitted_application"},
        body={"reason": "Blurry ID"},
    ),
    Row(
        "POST /technician-applications/{application_id}/resubmit",
        ok=OTHER_TECHNICIAN,  # his application was sent back for more; not his: 403
        path={"application_id": "$other_application"},
        body={"documents": _DOCUMENTS},
    ),
    # --- customers ----------------------------------------------------------------------
    Row("POST /customers/me", ok=(), other=dict.fromkeys(CUSTOMERS, 409), body={"nickname": "Al"}),
    # The platform reads any customer's record; it has none of its own.
    Row("GET /customers/me", ok=CUSTOMERS, hidden=STAFF),
    Row("PUT /customers/me", ok=CUSTOMERS, body={"nickname": "Alice"}),
    # The platform reads any customer's standing; its own is that of a customer without orders.
    Row("GET /customers/me/standing", ok=(*CUSTOMERS, *STAFF)),
    Row("POST /customers/me/addresses", ok=CUSTOMERS, body=_ADDRESS),
    Row("DELETE /customers/me/addresses/{address_id}", ok=CUSTOMER, hidden=OTHER_CUSTOMER),
    Row(
        "PUT /customers/me/default-address",
        ok=CUSTOMER,
        hidden=OTHER_CUSTOMER,
        body={"address_id": "$customer_address"},
    ),
    Row(
        "PATCH /customers/me/favourites",
        ok=CUSTOMERS,
        body={"add_technicians": ["$technician"], "add_services": ["$service"]},
    ),
    Row("GET /customers/{customer_id}", ok=(CUSTOMER, *STAFF)),
    Row(
        "PUT /customers/{customer_id}/tier",
        ok=staff_with(Permission.CUSTOMERS),
        body={"tier": "gold"},
    ),
    # --- stores -------------------------------------------------------------------------
    Row("POST /stores", ok=staff_with(Permission.STORES), body=_STORE_BODY),
    Row("GET /stores", ok=EVERYONE),
    Row("GET /stores/{store_id}", ok=EVERYONE),
    Row("PUT /stores/{store_id}", ok=(STORE, *staff_with(Permission.STORES)), body=_STORE_BODY),
    Row(
        "PUT /stores/{store_id}/own-prices-allowed",
        ok=staff_with(Permission.STORES),
        body={"allowed": False},
    ),
    Row(
        "PUT /stores/{store_id}/prices",
        ok=(STORE, *staff_with(Permission.STORES)),
        body={"prices": {"$service": _money(15900)}},
    ),
    Row("GET /stores/{store_id}/members", ok=(STORE, *STAFF)),
    Row(
        "POST /stores/{store_id}/members",
        ok=staff_with(Permission.STORES),
        body={"technician_id": "$other_technician"},
    ),
    Row(
        "POST /stores/{store_id}/invitations",
        ok=(STORE, *staff_with(Permission.STORES)),
        body={"technician_id": "$applicant"},
    ),
    Row(
        "DELETE /stores/{store_id}/invitations/{technician_id}",
        ok=(STORE, *staff_with(Permission.STORES)),
        path={"technician_id": "$other_technician"},
    ),
    Row(
        "POST /stores/{store_id}/join-requests",
        ok=OTHER_TECHNICIAN,  # in no store
        other={TECHNICIAN: 409},  # a member of a store already
    ),
    Row(
        "POST /stores/{store_id}/join-requests/{technician_id}/approve",
        ok=(OTHER_STORE, *staff_with(Permission.STORES)),  # he asked the other store
        path={"store_id": "$other_store", "technician_id": "$other_technician"},
    ),
    Row(
        "DELETE /stores/{store_id}/join-requests/{technician_id}",
        ok=(OTHER_TECHNICIAN, OTHER_STORE, *staff_with(Permission.STORES)),
        path={"store_id": "$other_store", "technician_id": "$other_technician"},
    ),
    Row(
        "POST /stores/{store_id}/invitations/{technician_id}/accept",
        ok=OTHER_TECHNICIAN,  # the store invited him
        path={"technician_id": "$other_technician"},
    ),
    Row(
        "DELETE /stores/{store_id}/members/{technician_id}",
        ok=(TECHNICIAN, STORE, *staff_with(Permission.STORES)),
    ),
    Row(
        "POST /stores/{store_id}/announcements",
        ok=(STORE, *staff_with(Permission.STORES)),
        body={"audience": "both", "title": "休息", "body": "Closed on Friday"},
    ),
    Row("GET /stores/{store_id}/announcements", ok=SIGNED_IN),
    # --- orders -------------------------------------------------------------------------
    Row("POST /orders", ok=CUSTOMERS, body=_NEW_ORDER),
    Row("GET /orders", ok=SIGNED_IN),
    Row("POST /parties", ok=CUSTOMERS, body=_NEW_PARTY),
    Row(
        "GET /parties/{party_id}",
        # A technician sees his own seat, the store its member's.
        ok=(*ORDER_VIEWERS, OTHER_TECHNICIAN),
        hidden=(OTHER_CUSTOMER, OTHER_STORE),
        path={"party_id": "$party"},
    ),
    Row("GET /orders/{order_id}", ok=ORDER_VIEWERS, hidden=ORDER_STRANGERS),
    Row("GET /orders/by-number/{number}", ok=ORDER_VIEWERS, hidden=ORDER_STRANGERS),
    Row("GET /orders/{order_id}/lifecycle", ok=ORDER_VIEWERS, hidden=ORDER_STRANGERS),
    Row(
        "POST /orders/{order_id}/payments",
        ok=(CUSTOMER, *staff_with(Permission.ORDERS)),
        hidden=OTHER_CUSTOMER,  # the other roles never pay: 403 before the order is read
        path={"order_id": "$unpaid_order"},
    ),
    Row("GET /orders/{order_id}/money", ok=ORDER_VIEWERS, hidden=ORDER_STRANGERS),
    Row(
        "POST /orders/{order_id}/tip",
        ok=(CUSTOMER,),
        hidden=OTHER_CUSTOMER,  # the other roles never tip: 403 before the order is read
        path={"order_id": "$completed_order"},
        body={"amount": {"amount": 100, "currency": "CNY"}},
    ),
    Row(
        "POST /orders/{order_id}/accept",
        ok=(TECHNICIAN, *staff_with(Permission.ORDERS)),
        hidden=ORDER_STRANGERS,
    ),
    Row(
        "POST /orders/{order_id}/reject",
        ok=(TECHNICIAN, *staff_with(Permission.ORDERS)),
        hidden=ORDER_STRANGERS,
        body={"reason": "Too far"},
    ),
    Row(
        "POST /orders/{order_id}/transitions/{event}",
        ok=(TECHNICIAN, *staff_with(Permission.ORDERS)),
        hidden=ORDER_STRANGERS,
        body={"reason": "On my way soon"},
    ),
    Row(
        "POST /orders/{order_id}/depart",
        ok=(TECHNICIAN, *staff_with(Permission.ORDERS)),
        hidden=ORDER_STRANGERS,
        path={"order_id": "$accepted_order"},
    ),
    Row(
        "POST /orders/{order_id}/arrive",
        ok=(TECHNICIAN, *staff_with(Permission.ORDERS)),
        hidden=ORDER_STRANGERS,
        path={"order_id": "$departed_order"},
    ),
    Row(
        "POST /orders/{order_id}/start-service",
        ok=(TECHNICIAN, *staff_with(Permission.ORDERS)),
        hidden=ORDER_STRANGERS,
        path={"order_id": "$arrived_order"},
    ),
    Row(
        "POST /orders/{order_id}/complete",
        ok=(TECHNICIAN, *staff_with(Permission.ORDERS)),
        hidden=ORDER_STRANGERS,
        path={"order_id": "$in_service_order"},
    ),
    Row(
        "POST /orders/{order_id}/no-show",
        ok=(TECHNICIAN, *staff_with(Permission.ORDERS)),
        hidden=ORDER_STRANGERS,
        path={"order_id": "$arrived_order"},
        body={"reason": "Nobody home"},
    ),
    Row(
        "POST /orders/{order_id}/cancel",
        ok=(CUSTOMER, TECHNICIAN, *staff_with(Permission.ORDERS)),
        hidden=ORDER_STRANGERS,
    ),
    Row("GET /orders/{order_id}/cancellation", ok=ORDER_VIEWERS, hidden=ORDER_STRANGERS),
    Row(
        "POST /orders/{order_id}/cancellation",
        ok=(CUSTOMER, TECHNICIAN, *staff_with(Permission.ORDERS)),
        hidden=ORDER_STRANGERS,
        body={"reason": "Plans changed"},
    ),
    Row(
        "POST /orders/{order_id}/time",
        ok=(CUSTOMER, *staff_with(Permission.ORDERS)),
        hidden=ORDER_STRANGERS,
        body={"start": _THURSDAY},
    ),
    Row(
        "POST /bookings/{booking_id}/reschedule",
        ok=(CUSTOMER, *staff_with(Permission.ORDERS)),
        hidden=ORDER_STRANGERS,
        body={"start": _THURSDAY},
    ),
    Row(
        "POST /orders/{order_id}/service",
        ok=(CUSTOMER, *staff_with(Permission.ORDERS)),
        hidden=ORDER_STRANGERS,
        body={"service_id": "$other_service"},
    ),
    Row(
        "POST /orders/{order_id}/technician",
        ok=(CUSTOMER, *staff_with(Permission.ORDERS)),
        hidden=ORDER_STRANGERS,
        body={"technician_id": "$other_technician"},
    ),
    Row(
        "POST /orders/{order_id}/positions",
        ok=TECHNICIAN,
        hidden=OTHER_TECHNICIAN,  # the other roles never report: 403 before the order is read
        path={"order_id": "$departed_order"},
        body={"lat": 31.21, "lon": 121.45},
    ),
    Row(
        "GET /orders/{order_id}/tracking",
        ok=ORDER_VIEWERS,
        hidden=ORDER_STRANGERS,
        path={"order_id": "$departed_order"},
    ),
    # The order's contact copy: masked or full is the privacy rule's, not the matrix's.
    Row("GET /orders/{order_id}/contact", ok=ORDER_VIEWERS, hidden=ORDER_STRANGERS),
    Row(
        "POST /orders/{order_id}/contact/reveal",
        # The customer, technician and store are answered as GET answers them; staff without
        # the contact permission are refused before the order is read.
        ok=(CUSTOMER, TECHNICIAN, STORE, *staff_with(Permission.CONTACT)),
        hidden=ORDER_STRANGERS,
        body={"reason": "客户来电: 技师找不到门牌"},
    ),
    Row(
        "POST /orders/{order_id}/review",
        ok=CUSTOMER,
        hidden=OTHER_CUSTOMER,  # the other roles never review: 403 before the order is read
        path={"order_id": "$completed_order"},
        body={"stars": 5, "text": "很好"},
    ),
    # --- reviews: the reply, the follow-up, moderation --------------------------------
    Row(
        "POST /reviews/{review_id}/reply",
        ok=TECHNICIAN,
        hidden=OTHER_TECHNICIAN,  # the other roles never reply: 403 before the review is read
        path={"review_id": "$review"},
        body={"text": "谢谢您的评价"},
    ),
    Row(
        "POST /reviews/{review_id}/follow-up",
        ok=CUSTOMER,
        hidden=OTHER_CUSTOMER,
        path={"review_id": "$review"},
        body={"text": "一周后肩膀还很轻松", "photos": ["file_1"]},
    ),
    Row(
        "POST /reviews/{review_id}/hide",
        ok=staff_with(Permission.TECHNICIANS),
        path={"review_id": "$review"},
        body={"reason": "广告 advertising"},
    ),
    Row(
        "POST /reviews/{review_id}/appeal",
        ok=TECHNICIAN,
        hidden=OTHER_TECHNICIAN,
        path={"review_id": "$hidden_review"},
        body={"text": "真实顾客"},
    ),
    Row(
        "POST /reviews/{review_id}/decision",
        ok=staff_with(Permission.TECHNICIANS),
        path={"review_id": "$appealed_review"},
        body={"restore": True, "note": "订单真实"},
    ),
    Row("GET /reviews/moderation", ok=STAFF),
    Row("POST /holds", ok=CUSTOMERS, body=_NEW_ORDER),
    Row("DELETE /holds/{hold_id}", ok=CUSTOMER),  # another customer's hold: 403
    Row("POST /payments/webhook", ok=EVERYONE, body=SIGNED_WEBHOOK),
    Row(
        "POST /payments/webhook/{provider}",
        ok=EVERYONE,  # the signature authenticates
        path={"provider": "fake"},
        body=SIGNED_WEBHOOK,
    ),
    # --- complaints ---------------------------------------------------------------------
    Row(
        "POST /orders/{order_id}/complaints",
        ok=CUSTOMER,
        hidden=OTHER_CUSTOMER,  # the other roles never complain: 403 before the order is read
        path={"order_id": "$completed_order"},
        body={"reason": "Late and rushed", "requested_remedy": "apology"},
    ),
    Row("GET /complaints", ok=STAFF),
    Row("GET /complaints/{complaint_id}", ok=ORDER_PARTIES, hidden=COMPLAINT_STRANGERS),
    Row(
        "POST /complaints/{complaint_id}/take-up",
        ok=staff_with(Permission.COMPLAINTS),
        hidden=COMPLAINT_STRANGERS,
        body={"note": "Looking into it"},
    ),
    Row(
        "POST /complaints/{complaint_id}/resolve",
        ok=staff_with(Permission.COMPLAINTS),  # strangers: 403, the role is checked first
        path={"complaint_id": "$arbitrated_complaint"},
        body={"decision": "full_refund", "note": "Sorry"},
    ),
    Row(
        "POST /complaints/{complaint_id}/reject",
        ok=staff_with(Permission.COMPLAINTS),
        hidden=COMPLAINT_STRANGERS,
        path={"complaint_id": "$arbitrated_complaint"},
        body={"note": "Service was as booked"},
    ),
    Row(
        "POST /complaints/{complaint_id}/withdraw",
        ok=CUSTOMER,
        hidden=COMPLAINT_STRANGERS,
        body={"note": "Sorted out"},
    ),
    # --- money: quotes, coupons, campaigns, the books -----------------------------------
    Row("POST /quotes", ok=CUSTOMERS, body={"lines": [{"service_id": "$service"}]}),
    Row("GET /coupon-templates", ok=EVERYONE),
    Row("POST /coupon-templates", ok=staff_with(Permission.PROMOTIONS), body=_TEMPLATE),
    Row(
        "PATCH /coupon-templates/{template_id}",
        ok=staff_with(Permission.PROMOTIONS),
        body={"active": False},
    ),
    Row("POST /coupon-templates/{template_id}/claims", ok=CUSTOMERS),
    Row("GET /coupon-templates/{template_id}/can-claim", ok=CUSTOMERS),
    Row(
        "POST /coupon-templates/{template_id}/issues",
        ok=staff_with(Permission.PROMOTIONS),
        body={"customer_id": "$customer"},
    ),
    Row("GET /me/coupons", ok=CUSTOMERS),
    Row(
        "GET /me/coupons/{coupon_id}/can-use",
        ok=CUSTOMER,
        hidden=OTHER_CUSTOMER,  # someone else's coupon is not found
        path={"coupon_id": "$coupon"},
    ),
    Row("GET /campaigns", ok=EVERYONE),
    Row(
        "POST /campaigns", ok=staff_with(Permission.PROMOTIONS), body={"id": "cmp_new", **_CAMPAIGN}
    ),
    Row(
        "PUT /campaigns/{campaign_id}",
        ok=staff_with(Permission.PROMOTIONS),
        body={"id": "$campaign", **_CAMPAIGN, "budget": _money(50000)},
    ),
    Row("GET /ledger/balances", ok=staff_with(Permission.BOOKS)),
    Row("GET /statement-checks", ok=staff_with(Permission.BOOKS)),
    Row(
        "GET /statement-checks/{provider}/{day}",
        ok=staff_with(Permission.BOOKS),
        path={"provider": "fake", "day": "$checked_day"},
    ),
    Row(
        "POST /statement-checks/{provider}/{day}",
        ok=staff_with(Permission.BOOKS),
        path={"provider": "fake", "day": "2026-03-03"},
    ),
    Row("GET /ledger/orders/{order_id}", ok=staff_with(Permission.BOOKS)),
    # --- the audit log ------------------------------------------------------------------
    Row("GET /audit", ok=staff_with(Permission.AUDIT)),
    # --- notifications: everyone signed in has his own inbox (staff: their sub-role's) ----
    Row("GET /inbox", ok=SIGNED_IN),
    Row("GET /inbox/unread-count", ok=SIGNED_IN),
    Row("POST /inbox/read", ok=SIGNED_IN, body={"ids": ["ntf_unknown"]}),
    Row("POST /inbox/read-all", ok=SIGNED_IN),
    Row("GET /notification-preferences", ok=SIGNED_IN),
    Row("PUT /notification-preferences", ok=SIGNED_IN, body={"muted": [], "locale": "en"}),
    Row("POST /notification-grants", ok=SIGNED_IN, body={"template": "order_paid", "count": 1}),
    # --- dead letters: staff with the jobs permission ------------------------------------
    Row("GET /dead-letters/jobs", ok=staff_with(Permission.JOBS)),
    Row("GET /dead-letters/messages", ok=staff_with(Permission.JOBS)),
    Row("POST /dead-letters/jobs/{job_id}/retry", ok=staff_with(Permission.JOBS)),
    Row(
        "POST /dead-letters/jobs/{job_id}/discard",
        ok=staff_with(Permission.JOBS),
        body={"reason": "obsolete"},
    ),
    Row("POST /dead-letters/messages/{message_id}/retry", ok=staff_with(Permission.JOBS)),
    Row(
        "POST /dead-letters/messages/{message_id}/discard",
        ok=staff_with(Permission.JOBS),
        body={"reason": "obsolete"},
    ),
    # --- dispatch: technicians grab and answer offers; dispatchers (orders staff, stores)
    # see the board and assign. The technician is in the store; his colleague in none. ------
    Row("GET /dispatch/pool", ok=TECHNICIANS),
    Row("GET /dispatch/offers", ok=TECHNICIANS),
    # Both may grab it (online, near, free then): the first valid grab wins.
    Row("POST /orders/{order_id}/grab", ok=TECHNICIANS, path={"order_id": "$grab_order"}),
    # Offered to the technician: for his colleague no offer stands (409 offer_not_open).
    Row(
        "POST /orders/{order_id}/offer/accept",
        ok=[TECHNICIAN],
        other={OTHER_TECHNICIAN: 409},
        path={"order_id": "$offered_order"},
    ),
    Row(
        "POST /orders/{order_id}/offer/refuse",
        ok=[TECHNICIAN],
        other={OTHER_TECHNICIAN: 409},
        path={"order_id": "$offered_order"},
        body={"reason": "busy"},
    ),
    # His own counts, or anyone's for the platform; another technician's are not found.
    Row(
        "GET /technicians/{technician_id}/dispatch-metrics",
        ok=[TECHNICIAN, *STAFF],
        hidden=[OTHER_TECHNICIAN],
    ),
    Row("GET /dispatch/board", ok=[*staff_with(Permission.ORDERS), *STORES]),
    Row(
        "GET /dispatch/board/{order_id}/candidates",
        ok=[*staff_with(Permission.ORDERS), *STORES],
        path={"order_id": "$grab_order"},
    ),
    # A store assigns its own technicians only: the other store is refused him.
    Row(
        "POST /orders/{order_id}/assign",
        ok=[*staff_with(Permission.ORDERS), STORE],
        path={"order_id": "$grab_order"},
        body={"technician_id": "$technician"},
    ),
    # --- earnings and withdrawals: the technician (a store for itself) and finance ------------
    # The technician earned from three completed orders and has a withdrawal waiting for
    # approval; the store earned nothing (the default rates pay stores no share).
    Row(
        "GET /technicians/{technician_id}/earnings",
        ok=[TECHNICIAN, *staff_with(Permission.PAYOUTS)],
        query=_PERIOD,
    ),
    Row(
        "GET /technicians/{technician_id}/balance", ok=[TECHNICIAN, *staff_with(Permission.PAYOUTS)]
    ),
    Row(
        "GET /technicians/{technician_id}/withdrawals",
        ok=[TECHNICIAN, *staff_with(Permission.PAYOUTS)],
    ),
    # His own only: finance approves withdrawals, it does not make them.
    Row("POST /technicians/{technician_id}/withdrawals", ok=[TECHNICIAN], body=_WITHDRAWAL),
    Row(
        "GET /stores/{store_id}/earnings",
        ok=[STORE, *staff_with(Permission.PAYOUTS)],
        query=_PERIOD,
    ),
    Row("GET /stores/{store_id}/balance", ok=[STORE, *staff_with(Permission.PAYOUTS)]),
    Row("GET /stores/{store_id}/withdrawals", ok=[STORE, *staff_with(Permission.PAYOUTS)]),
    # The store may withdraw its own, but has nothing to withdraw (409 insufficient_balance).
    Row("POST /stores/{store_id}/withdrawals", ok=(), other={STORE: 409}, body=_WITHDRAWAL),
    Row("GET /withdrawals/pending", ok=staff_with(Permission.PAYOUTS)),
    # Its payee and finance; to everyone else outside the platform it does not exist.
    Row(
        "GET /withdrawals/{withdrawal_id}",
        ok=[TECHNICIAN, *staff_with(Permission.PAYOUTS)],
        hidden=[*CUSTOMERS, OTHER_TECHNICIAN, *STORES],
    ),
    Row("POST /withdrawals/{withdrawal_id}/approve", ok=staff_with(Permission.PAYOUTS), body={}),
    Row(
        "POST /withdrawals/{withdrawal_id}/reject",
        ok=staff_with(Permission.PAYOUTS),
        body={"reason": "Wrong card"},
    ),
    # --- loyalty: the customer's own points and tier; staff with the customers permission ----
    Row("POST /me/check-in", ok=CUSTOMERS),
    Row("POST /me/shares", ok=CUSTOMERS, body={"share_id": "share-1"}),
    Row("GET /customers/{customer_id}/points", ok=[CUSTOMER, *staff_with(Permission.CUSTOMERS)]),
    Row(
        "GET /customers/{customer_id}/points/statement",
        ok=[CUSTOMER, *staff_with(Permission.CUSTOMERS)],
    ),
    Row(
        "POST /customers/{customer_id}/points/awards",
        ok=staff_with(Permission.CUSTOMERS),
        body={"points": 50, "reason": "Goodwill"},
    ),
    Row("GET /customers/{customer_id}/tier", ok=[CUSTOMER, *staff_with(Permission.CUSTOMERS)]),
    Row("GET /me/tier", ok=CUSTOMERS),
    # --- spending points: customers redeem for themselves; promotions staff keep the catalog -
    # The world's gift and coupon exchange have stock; the customer's gift waits to be handed
    # over; both customers hold points. The world sells no tier: buying one is refused.
    Row("GET /rewards/gifts", ok=SIGNED_IN),
    Row(
        "POST /rewards/gifts",
        ok=staff_with(Permission.PROMOTIONS),
        body={"id": "g_new", "name": "Pen", "points": 5},
    ),
    Row(
        "PATCH /rewards/gifts/{gift_id}",
        ok=staff_with(Permission.PROMOTIONS),
        path={"gift_id": "$gift"},
        body={"stock": 9},
    ),
    Row(
        "POST /rewards/gifts/{gift_id}/redeem",
        ok=CUSTOMERS,
        path={"gift_id": "$gift"},
        body={"key": "rbac"},
    ),
    Row("GET /rewards/coupons", ok=SIGNED_IN),
    Row(
        "POST /rewards/coupons",
        ok=staff_with(Permission.PROMOTIONS),
        body={"id": "ex_new", "template_id": "$points_template", "points": 5},
    ),
    Row(
        "POST /rewards/coupons/{exchange_id}/redeem",
        ok=CUSTOMERS,
        path={"exchange_id": "$exchange"},
        body={"key": "rbac"},
    ),
    Row(
        "POST /me/tier/purchase",
        ok=[],
        other={CUSTOMER: 409, OTHER_CUSTOMER: 409},
        body={"tier": "gold"},
    ),
    Row("GET /me/redemptions", ok=CUSTOMERS),
    Row("GET /rewards/redemptions", ok=staff_with(Permission.PROMOTIONS)),
    Row(
        "POST /rewards/redemptions/{redemption_id}/fulfil",
        ok=staff_with(Permission.PROMOTIONS),
        path={"redemption_id": "$redemption"},
    ),
    Row(
        "POST /rewards/redemptions/{redemption_id}/cancel",
        ok=staff_with(Permission.PROMOTIONS),
        path={"redemption_id": "$redemption"},
        body={"reason": "Out of stock"},
    ),
    # --- referrals: members (customers and technicians); staff decide on distributors -------
    # Admission by approval: the customer is an active distributor, the other customer has
    # applied, the other technician is suspended; the technician never applied.
    Row("GET /me/referral-code", ok=MEMBERS),
    # The customer has paid an order: the default mode binds only until the first one. The
    # other customer is bound to the code already: binding again changes nothing.
    Row(
        "POST /me/referrer",
        ok=[OTHER_CUSTOMER, *TECHNICIANS],
        other={CUSTOMER: 409},
        body={"code": "$invite_code"},
    ),
    # Only the other customer is bound: the others are bound to nobody (404).
    Row("GET /me/referrer", ok=[OTHER_CUSTOMER], hidden=[CUSTOMER, *TECHNICIANS]),
    Row(
        "POST /me/distributor-application",
        ok=[TECHNICIAN],
        other={CUSTOMER: 409, OTHER_CUSTOMER: 409, OTHER_TECHNICIAN: 409},
    ),
    # The technician never applied: he is no distributor (404).
    Row(
        "GET /me/distributor", ok=[CUSTOMER, OTHER_CUSTOMER, OTHER_TECHNICIAN], hidden=[TECHNICIAN]
    ),
    Row("GET /me/team", ok=MEMBERS),
    Row("GET /me/commissions", ok=MEMBERS),
    Row("GET /distributors", ok=STAFF),
    Row(
        "POST /distributors/{member}/approve",
        ok=staff_with(Permission.PROMOTIONS),
        path={"member": "$applied_member"},
    ),
    Row(
        "POST /distributors/{member}/reject",
        ok=staff_with(Permission.PROMOTIONS),
        path={"member": "$applied_member"},
        body={"reason": "Spam"},
    ),
    Row(
        "POST /distributors/{member}/suspend",
        ok=staff_with(Permission.PROMOTIONS),
        path={"member": "$active_member"},
        body={"reason": "Spam"},
    ),
    Row(
        "POST /distributors/{member}/resume",
        ok=staff_with(Permission.PROMOTIONS),
        path={"member": "$suspended_member"},
    ),
    # The customer's own commissions: he reads them as finance does.
    Row(
        "GET /distributors/{member}/commissions",
        ok=[CUSTOMER, *staff_with(Permission.BOOKS)],
        path={"member": "$active_member"},
    ),
    Row("GET /referrals/summary", ok=staff_with(Permission.BOOKS), query=_PERIOD),
    # --- signing in: anyone may; what a sign-in proves is the credentials, not the caller ----
    Row(
        "POST /auth/token",
        ok=EVERYONE,
        form=True,
        body={"username": "$login", "password": "$password"},
    ),
    Row(
        "POST /auth/signup", ok=EVERYONE, body={"login": "newcomer", "password": "一二三四五六七八"}
    ),
    Row(
        "POST /auth/technician-signup",
        ok=EVERYONE,
        body={"login": "new-technician", "password": "一二三四五六七八"},
    ),
    Row("POST /auth/codes", ok=EVERYONE, body={"phone": "+8613912345678"}),
    Row(
        "POST /auth/code-login",
        ok=(),
        # No code was sent to that phone: a wrong code is 401 for whoever calls.
        other=dict.fromkeys(SIGNED_IN, 401),
        body={"phone": "+8613912345678", "code": "000000"},
    ),
    Row("POST /auth/wechat-login", ok=EVERYONE, body={"js_code": "wx-code-1"}),
    Row("POST /auth/refresh", ok=EVERYONE, body={"refresh_token": "$refresh_token"}),
    Row("POST /auth/logout", ok=SIGNED_IN),
    Row("POST /auth/logout-all", ok=SIGNED_IN),
    Row("GET /auth/me", ok=SIGNED_IN),
    Row("POST /auth/password", ok=SIGNED_IN, body={"new_password": "一二三四五六七八九"}),
    Row(
        "POST /auth/accounts",
        ok=staff_with(Permission.STAFF),
        body={"role": "platform", "staff": "finance", "login": "fin-2", "password": "12345678x"},
    ),
    Row(
        "POST /auth/accounts/{account_id}/disable",
        ok=staff_with(Permission.STAFF),
        path={"account_id": "$account"},
    ),
)
