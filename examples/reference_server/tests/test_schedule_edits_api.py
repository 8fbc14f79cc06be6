"""Schedule edits over HTTP (issue 10): time off is removed by its id, and a change sent
with ``If-Match`` is made only on the version the client read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking_core.orders import Actor
from booking_core.staff import StaffRole

from .conftest import DAY

Headers = dict[str, str]
AFTERNOON = {"start": f"{DAY}T13:00:00+08:00", "end": f"{DAY}T21:00:00+08:00", "reason": "外出"}
NIGHT_SHIFT = {"store_id": "sto-east", "date": DAY, "hours": "22:00-23:00"}


def _base(shop: dict[str, str]) -> str:
    return f"/technicians/{shop['technician_id']}/schedule"


def _starts(client: TestClient, shop: dict[str, str]) -> list[str]:
    slots = client.get(
        f"/technicians/{shop['technician_id']}/slots",
        params={"service_id": shop["service_id"], "date": DAY},
    ).json()
    return [s["start"][11:16] for s in slots["items"]]


def test_removed_time_off_is_offered_again(
    client: TestClient, shop: dict[str, str], technician: Headers
) -> None:
    # given his afternoon off
    added = client.post(f"{_base(shop)}/time-off", json=AFTERNOON, headers=technician)
    (entry,) = added.json()["time_off"]
    assert _starts(client, shop) == ["09:00", "10:00", "11:00"]

    # when he removes it by its id
    removed = client.delete(f"{_base(shop)}/time-off/{entry['id']}", headers=technician)

    # then the schedule has no time off, and the afternoon is offered again
    assert (added.status_code, entry["id"]) == (201, "off_1")
    assert removed.status_code == 200, removed.json()
    assert (removed.json()["time_off"], removed.json()["version"]) == ([], 2)
    assert _starts(client, shop)[3:] == [f"{h}:00" for h in range(13, 21)]


def test_time_off_is_removed_by_him_and_staff_with_the_technicians_permission_only(
    client: TestClient,
    shop: dict[str, str],
    technician: Headers,
    other_technician: Headers,
    as_: Callable[[Actor], Headers],
) -> None:
    base = _base(shop)

    def add() -> str:
        body = client.post(f"{base}/time-off", json=AFTERNOON, headers=technician).json()
        return str(body["time_off"][-1]["id"])

    first, second = add(), add()
    finance = as_(Actor.platform("fin-1", StaffRole.FINANCE))
    operations = as_(Actor.platform("ops-1", StaffRole.OPERATIONS))

    by_colleague = client.delete(f"{base}/time-off/{first}", headers=other_technician)
    by_finance = client.delete(f"{base}/time-off/{first}", headers=finance)
    by_operations = client.delete(f"{base}/time-off/{first}", headers=operations)
    by_himself = client.delete(f"{base}/time-off/{second}", headers=technician)
    again = client.delete(f"{base}/time-off/{second}", headers=technician)

    assert [r.status_code for r in (by_colleague, by_finance)] == [403, 403]
    assert by_finance.json()["details"]["required_permission"] == "technicians"
    assert [r.status_code for r in (by_operations, by_himself)] == [200, 200]
    assert by_himself.json()["time_off"] == []
    assert (again.status_code, again.json()["code"]) == (404, "time_off_not_found")


def test_every_schedule_answer_carries_its_version_as_etag(
    client: TestClient, shop: dict[str, str], technician: Headers
) -> None:
    empty = client.get(_base(shop), headers=technician)
    capped = client.put(f"{_base(shop)}/daily-cap", json={"daily_cap": 3}, headers=technician)

    assert empty.headers["etag"] == '"0"'
    assert capped.headers["etag"] == '"1"'


#: Every schedule change: (method, path below the schedule, body).
CHANGES: dict[str, tuple[str, str, Any]] = {
    "set override": ("PUT", "/overrides/2026-03-04", {"hours": []}),
    "clear override": ("DELETE", "/overrides/2026-03-04", None),
    "add time off": ("POST", "/time-off", AFTERNOON),
    "remove time off": ("DELETE", "/time-off/off_1", None),
    "set daily cap": ("PUT", "/daily-cap", {"daily_cap": 2}),
    "set status": ("PUT", "/status", {"status": "online"}),
    "assign shift": ("PUT", "/shifts/night", NIGHT_SHIFT),
    "remove shift": ("DELETE", "/shifts/night", None),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_with_a_stale_if_match_is_409_and_changes_nothing(
    client: TestClient,
    shop: dict[str, str],
    technician: Headers,
    platform: Headers,
    change: str,
) -> None:
    # given a schedule at version 3 (the client read version 2)
    base = _base(shop)
    tech_id = shop["technician_id"]
    client.put(f"/technicians/{tech_id}/profile", json={"store_id": "sto-east"}, headers=platform)
    assert client.post(f"{base}/time-off", json=AFTERNOON, headers=technician).status_code == 201
    assert client.put(f"{base}/shifts/night", json=NIGHT_SHIFT, headers=platform).status_code == 200
    assert client.put(f"{base}/status", json={"status": "resting"}, headers=platform).is_success
    before = client.get(base, headers=technician).json()
    method, path, body = CHANGES[change]

    # when the change is sent with If-Match "2", then with the current version
    stale = client.request(method, base + path, json=body, headers={**platform, "If-Match": '"2"'})
    after = client.get(base, headers=technician).json()
    current = client.request(
        method, base + path, json=body, headers={**platform, "If-Match": '"3"'}
    )

    # then the stale one is 409 naming the current version, and nothing changed
    assert (stale.status_code, stale.json()["code"]) == (409, "concurrent_update")
    assert stale.json()["details"]["current_version"] == 3
    assert after == before
    assert current.is_success, current.json()
    assert (current.json()["version"], current.headers["etag"]) == (4, '"4"')


@pytest.mark.parametrize("tag", ['"0"', "0", 'W/"0"'])
def test_if_match_takes_the_version_quoted_or_not(
    client: TestClient, shop: dict[str, str], technician: Headers, tag: str
) -> None:
    sent = client.put(
        f"{_base(shop)}/daily-cap", json={"daily_cap": 2}, headers={**technician, "If-Match": tag}
    )

    assert sent.status_code == 200, sent.json()
    assert sent.headers["etag"] == '"1"'


@pytest.mark.parametrize("tag", ["*", '"one"', '"1", "2"', "-1"])
def test_if_match_must_name_a_version(
    client: TestClient, shop: dict[str, str], technician: Headers, tag: str
) -> None:
    sent = client.put(
        f"{_base(shop)}/daily-cap", json={"daily_cap": 2}, headers={**technician, "If-Match": tag}
    )

    assert (sent.status_code, sent.json()["code"]) == (422, "invalid_input")
    assert client.get(_base(shop), headers=technician).json()["version"] == 0
