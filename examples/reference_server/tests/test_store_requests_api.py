"""Stores over HTTP (issue 10): an invitation withdrawn, and a technician's request to join
approved, declined or withdrawn — one store per technician still."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from booking_core.orders import Actor, Role
from booking_core.staff import StaffRole

from .test_stores_api import STORE

Headers = dict[str, str]


def _store(
    client: TestClient, platform: Headers, as_: Callable[[Actor], Headers], name: str
) -> tuple[str, Headers]:
    created = client.post("/stores", json={**STORE, "name": name}, headers=platform)
    assert created.status_code == 201, created.json()
    store_id = created.json()["id"]
    return store_id, as_(Actor(store_id, Role.STORE))


def test_a_withdrawn_invitation_cannot_be_accepted(
    client: TestClient,
    platform: Headers,
    technician: Headers,
    shop: dict[str, str],
    as_: Callable[[Actor], Headers],
) -> None:
    store_id, as_store = _store(client, platform, as_, "静安店")
    _, as_other = _store(client, platform, as_, "外滩店")
    tech_id = shop["technician_id"]
    client.post(
        f"/stores/{store_id}/invitations", json={"technician_id": tech_id}, headers=as_store
    )

    by_other = client.delete(f"/stores/{store_id}/invitations/{tech_id}", headers=as_other)
    by_himself = client.delete(f"/stores/{store_id}/invitations/{tech_id}", headers=technician)
    withdrawn = client.delete(f"/stores/{store_id}/invitations/{tech_id}", headers=as_store)
    again = client.delete(f"/stores/{store_id}/invitations/{tech_id}", headers=as_store)
    accepted = client.post(f"/stores/{store_id}/invitations/{tech_id}/accept", headers=technician)

    assert [r.status_code for r in (by_other, by_himself)] == [403, 403]
    assert withdrawn.status_code == 200, withdrawn.json()
    assert withdrawn.json()["invitations"] == []
    assert (again.status_code, again.json()["code"]) == (409, "membership_conflict")
    assert (accepted.status_code, accepted.json()["code"]) == (409, "membership_conflict")


def test_he_asks_to_join_and_the_store_approves_once(
    client: TestClient,
    platform: Headers,
    technician: Headers,
    shop: dict[str, str],
    as_: Callable[[Actor], Headers],
) -> None:
    store_id, as_store = _store(client, platform, as_, "静安店")
    other_id, as_other = _store(client, platform, as_, "外滩店")
    tech_id = shop["technician_id"]
    finance = as_(Actor.platform("fin-1", StaffRole.FINANCE))

    asked = [
        client.post(f"/stores/{s}/join-requests", headers=technician) for s in (store_id, other_id)
    ]
    members = client.get(f"/stores/{store_id}/members", headers=as_store).json()
    by_finance = client.post(f"/stores/{store_id}/join-requests/{tech_id}/approve", headers=finance)
    approved = client.post(f"/stores/{store_id}/join-requests/{tech_id}/approve", headers=as_store)
    second = client.post(f"/stores/{other_id}/join-requests/{tech_id}/approve", headers=as_other)

    assert [r.status_code for r in asked] == [201, 201]
    assert asked[0].json() == {"store_id": store_id, "technician_id": tech_id}
    assert (members["items"], members["join_requests"]) == ([], [tech_id])
    assert by_finance.status_code == 403
    assert approved.status_code == 200, approved.json()
    assert approved.json()["profile"]["store_id"] == store_id
    assert (second.status_code, second.json()["code"]) == (409, "membership_conflict")
    after = client.get(f"/stores/{store_id}/members", headers=as_store).json()
    assert ([m["id"] for m in after["items"]], after["join_requests"]) == ([tech_id], [])


def test_a_request_is_declined_by_the_store_or_withdrawn_by_him(
    client: TestClient,
    platform: Headers,
    technician: Headers,
    other_technician: Headers,
    shop: dict[str, str],
    as_: Callable[[Actor], Headers],
) -> None:
    store_id, as_store = _store(client, platform, as_, "静安店")
    li, wang = shop["technician_id"], shop["other_technician_id"]
    for headers in (technician, other_technician):
        assert client.post(f"/stores/{store_id}/join-requests", headers=headers).status_code == 201

    by_colleague = client.delete(f"/stores/{store_id}/join-requests/{li}", headers=other_technician)
    declined = client.delete(f"/stores/{store_id}/join-requests/{li}", headers=as_store)
    withdrawn = client.delete(f"/stores/{store_id}/join-requests/{wang}", headers=other_technician)
    late = client.post(f"/stores/{store_id}/join-requests/{li}/approve", headers=as_store)
    by_store = client.post(f"/stores/{store_id}/join-requests", headers=as_store)

    assert by_colleague.status_code == 403
    assert (declined.status_code, withdrawn.status_code) == (204, 204)
    assert (late.status_code, late.json()["code"]) == (409, "membership_conflict")
    assert by_store.status_code == 403
    assert client.get(f"/stores/{store_id}/members", headers=as_store).json()["join_requests"] == []
