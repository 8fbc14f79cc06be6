"""GET /audit (issue 10): the platform's actions over HTTP show up in the audit log, with
who, what, when, before and after; only staff with the audit permission read it; its
filters and cursor pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum
import pytest
from fastapi.testclient import TestClient

from booking_core.orders import Actor, Role
from booking_core.staff import StaffRole
from booking_core.testing import FrozenClock
from booking_server.paging import PageRequest, micros

from .conftest import headers_of

Json = dict[str, Any]
Headers = dict[str, str]
As = Callable[[Actor], Headers]

_TEMPLATE: Json = {
    "id": "tpl_spring",
    "name": "满100减10",
    "benefit": {
        "kind": "threshold",
        "min_spend": {"amount": 10000, "currency": "CNY"},
        "amount": {"amount": 1000, "currency": "CNY"},
    },
    "valid_days": 7,
}


@pytest.fixture
def root(as_: As) -> Headers:
    return as_(Actor.platform("root", StaffRole.SUPER_ADMIN))


@pytest.fixture
def operations(as_: As) -> Headers:
    return as_(Actor.platform("ops-1", StaffRole.OPERATIONS))


def _created(client: TestClient, path: str, body: Json, headers: Headers) -> str:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.json()
    identifier: str = response.json()["id"]
    return identifier


def _audit(client: TestClient, headers: Headers, **params: Any) -> list[Json]:
    response = client.get("/audit", params=params, headers=headers)
    assert response.status_code == 200, response.json()
    assert response.json()["next_cursor"] is None
    items: list[Json] = response.json()["items"]
    return items


def test_a_platform_action_over_http_is_in_the_audit_log_with_before_and_after(
    client: TestClient, root: Headers, operations: Headers
) -> None:
    # given operations staff creating a category, and stopping a coupon template
    category = _created(client, "/categories", {"name": "美容 Beauty"}, operations)
    _created(client, "/coupon-templates", _TEMPLATE, operations)
    stopped = client.patch(
        "/coupon-templates/tpl_spring", json={"active": False}, headers=operations
    )
    assert stopped.status_code == 200, stopped.json()

    # when a super admin reads the audit log
    entries = _audit(client, root)

    # then each action is there, newest first, with who, what, when and what it changed
    assert [e["action"] for e in entries] == [
        "coupon_template.set_active",
        "coupon_template.create",
        "catalog.category.create",
    ]
    stop, _, create = entries
    assert create == {
        "id": create["id"],
        "at": "2026-03-02T00:00:00Z",
        "actor_id": "ops-1",
        "staff": "operations",
        "action": "catalog.category.create",
        "subject_kind": "category",
        "subject_id": category,
        "before": None,
        "after": {"id": category, "name": "美容 Beauty", "parent_id": None},
        "reason": None,
    }
    assert (stop["subject_kind"], stop["subject_id"]) == ("coupon_template", "tpl_spring")
    assert (stop["before"], stop["after"]) == ({"active": True}, {"active": False})
    assert len({e["id"] for e in entries}) == 3


def test_reads_and_refused_actions_are_not_recorded(
    client: TestClient, root: Headers, as_: As
) -> None:
    # given staff reading, and finance trying to change the catalog
    finance = as_(Actor.platform("fin-1", StaffRole.FINANCE))
    assert client.get("/categories", headers=finance).status_code == 200
    assert client.get("/orders", headers=finance).status_code == 200
    refused = client.post("/categories", json={"name": "x"}, headers=finance)

    # when the log is read
    entries = _audit(client, root)

    # then nothing was recorded
    assert refused.status_code == 403
    assert entries == []


@pytest.mark.parametrize(
    "staff", [StaffRole.FINANCE, StaffRole.OPERATIONS, StaffRole.CUSTOMER_SERVICE]
)
def test_only_the_audit_permission_reads_the_log(
    client: TestClient, as_: As, operations: Headers, staff: StaffRole
) -> None:
    # given an entry in the log
    _created(client, "/categories", {"name": "美容 Beauty"}, operations)

    # when staff without the audit permission, a customer and no one read it
    refused = client.get("/audit", headers=as_(Actor.platform("staff-1", staff)))
    customer = client.get("/audit", headers=as_(Actor.customer("cus-alice")))
    technician = client.get("/audit", headers=as_(Actor("tec-1", Role.TECHNICIAN)))
    anonymous = client.get("/audit")

    # then staff and the others are 403 permission_denied, the anonymous 401
    for answer in (refused, customer, technician):
        assert (answer.status_code, answer.json()["code"]) == (403, "permission_denied")
    assert refused.json()["details"] == {"staff_role": staff.value, "required_permission": "audit"}
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthenticated")


def test_the_filters_select_by_actor_action_family_and_subject(
    client: TestClient, root: Headers, operations: Headers, as_: As
) -> None:
    # given two staff members acting on categories, services and a coupon template
    other = as_(Actor.platform("ops-2", StaffRole.OPERATIONS))
    beauty = _created(client, "/categories", {"name": "美容 Beauty"}, operations)
    massage = _created(client, "/categories", {"name": "按摩 Massage"}, other)
    service = {
        "category_id": massage,
        "name": "中式推拿",
        "duration_minutes": 60,
        "price": {"amount": 19900, "currency": "CNY"},
    }
    tuina = _created(client, "/services", service, other)
    _created(client, "/coupon-templates", _TEMPLATE, operations)

    def subjects(**params: str) -> list[str]:
        return [e["subject_id"] for e in _audit(client, root, **params)]

    # then each filter keeps only the entries it names, newest first
    assert subjects(actor_id="ops-2") == [tuina, massage]
    assert subjects(action="catalog") == [tuina, massage, beauty]
    assert subjects(action="catalog.category") == [massage, beauty]
    assert subjects(action="catalog.category.create") == [massage, beauty]
    assert subjects(action="catalog.cat") == []  # a family is whole words
    assert subjects(subject_kind="coupon_template") == ["tpl_spring"]
    assert subjects(subject_id=beauty) == [beauty]
    assert subjects(actor_id="ops-1", action="catalog") == [beauty]
    assert subjects(actor_id="nobody") == []


def test_since_and_until_bound_when(
    client: TestClient, root: Headers, operations: Headers, clock: FrozenClock
) -> None:
    # given a category created at 08:00 Shanghai, and one at 09:00
    early = _created(client, "/categories", {"name": "a"}, operations)
    clock.set(clock.now().add(hours=1))
    late = _created(client, "/categories", {"name": "b"}, operations)

    def subjects(**params: str) -> list[str]:
        return [e["subject_id"] for e in _audit(client, root, **params)]

    # then since is inclusive, until exclusive, in any offset
    nine = "2026-03-02T09:00:00+08:00"
    assert subjects(since=nine) == [late]
    assert subjects(until=nine) == [early]
    assert subjects(since="2026-03-02T00:00:00Z", until="2026-03-02T01:00:01Z") == [late, early]
    assert subjects(since="2026-03-02T01:00:01Z") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"action": "Catalog"}, "action"),
        ({"action": "catalog."}, "action"),
        ({"since": "2026-03-02T09:00:00"}, "since"),  # naive
        ({"until": "soon"}, "until"),
        ({"actor_id": "a b"}, "actor_id"),
        ({"subject_kind": "x" * 129}, "subject_kind"),
    ],
)
def test_a_malformed_filter_is_422(
    client: TestClient, root: Headers, params: Json, field: str
) -> None:
    answer = client.get("/audit", params=params, headers=root)

    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_input")
    (error,) = answer.json()["details"]["errors"]
    assert error["location"] == ["query", field]


def test_pages_walk_the_log_once_newest_first_on_every_backend(
    backend_client: TestClient, clock: FrozenClock
) -> None:
    # given seven entries, three of them at one instant (ties broken by id), on each backend
    operations = headers_of(backend_client, Actor.platform("ops-1", StaffRole.OPERATIONS))
    root = headers_of(backend_client, Actor.platform("root", StaffRole.SUPER_ADMIN))
    created = []
    for n in range(7):
        if n in (3, 4, 6):
            clock.set(clock.now().add(seconds=1, microseconds=1))
        created.append(_created(backend_client, "/categories", {"name": f"c{n}"}, operations))

    # when the log is read three at a time, following next_cursor
    seen: list[str] = []
    cursor = None
    for _ in created:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = backend_client.get("/audit", params=params, headers=root)
        assert page.status_code == 200, page.json()
        seen += [e["subject_id"] for e in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break

    # then every entry comes once, newest first; and a cursor at either end of time pages
    # all or nothing
    assert seen == created[::-1]
    audit = PageRequest(limit=1, cursor=None, list_name="/audit")
    ends = {
        "year 9999": audit.cursor_after((micros(pendulum.datetime(9999, 12, 31)), "aud_")),
        "year 1": audit.cursor_after((micros(pendulum.datetime(1, 1, 2)), "aud_")),
    }
    found = {
        name: backend_client.get("/audit", params={"cursor": cursor}, headers=root).json()
        for name, cursor in ends.items()
    }
    assert len(found["year 9999"]["items"]) == 7
    assert found["year 1"]["items"] == []


def test_a_cursor_keeps_its_place_when_entries_are_added(
    client: TestClient, root: Headers, operations: Headers
) -> None:
    # given the first page of three entries, two at a time
    a, b, c = (_created(client, "/categories", {"name": n}, operations) for n in "abc")
    first = client.get("/audit", params={"limit": 2}, headers=root).json()

    # when an entry is added and the next page is read
    _created(client, "/categories", {"name": "d"}, operations)
    second = client.get(
        "/audit", params={"limit": 2, "cursor": first["next_cursor"]}, headers=root
    ).json()

    # then the next page continues after the last one shown: the new entry is before it
    assert [e["subject_id"] for e in first["items"]] == [c, b]
    assert [e["subject_id"] for e in second["items"]] == [a]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    "cursor",
    [
        "bm90LWEtY3Vyc29y",  # not JSON
        "WyJ4Il0",  # ["x"]: too short
    ],
)
def test_a_cursor_that_is_not_ours_is_invalid_cursor(
    client: TestClient, root: Headers, cursor: str
) -> None:
    answer = client.get("/audit", params={"cursor": cursor}, headers=root)

    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_cursor")


def test_a_cursor_of_this_list_with_another_key_is_invalid_cursor(
    client: TestClient, root: Headers
) -> None:
    # given cursors tagged for /audit whose keys are not (microseconds, id)
    page = PageRequest(limit=1, cursor=None, list_name="/audit")
    wrong = [
        page.cursor_after(("newest_placed", 1, "aud_1")),  # an order cursor's shape
        page.cursor_after(("aud_1", 1)),
        page.cursor_after((10**20, "aud_1")),  # beyond any instant
    ]

    # when the log is read after each, then each is 422 invalid_cursor
    for cursor in wrong:
        answer = client.get("/audit", params={"cursor": cursor}, headers=root)
        assert (answer.status_code, answer.json()["code"]) == (422, "invalid_cursor"), cursor
