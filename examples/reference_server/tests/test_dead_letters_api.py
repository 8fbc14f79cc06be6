"""Dead letters over HTTP (issue 11): operations staff list, retry and discard the jobs and
outbox messages the workers gave up on; nobody else sees them, not even their payloads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum
import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp
from booking_core.orders import Actor
from booking_core.outbox import OutboxMessage, OutboxState
from booking_core.ports.jobs import Job, JobStatus
from booking_core.staff import StaffRole

Json = dict[str, Any]
Headers = dict[str, str]
As = Callable[[Actor], Headers]


@pytest.fixture
def operations(as_: As) -> Headers:
    return as_(Actor.platform("ops-1", StaffRole.OPERATIONS))


@pytest.fixture
def finance(as_: As) -> Headers:
    return as_(Actor.platform("fin-1", StaffRole.FINANCE))


def dead_job(booking_app: BookingApp, job_id: str = "boom:1") -> str:
    """A job a worker claimed and buried as failing too often."""
    now = booking_app.clock.now()
    with booking_app.uow() as uow:
        uow.jobs.schedule(Job(job_id, "boom", "ord_x", now))
        uow.jobs.claim(job_id, now=now, worker="w", lease=pendulum.duration(minutes=5))
        uow.jobs.bury(job_id, worker="w", error="RuntimeError: broken")
        uow.commit()
    return job_id


def dead_message(booking_app: BookingApp, message_id: str = "msg_dead") -> str:
    """An outbox message whose relaying failed too often."""
    message = OutboxMessage(
        message_id,
        "OrderPlaced",
        {"order_id": "ord_gone", "phone": "+8613812345678"},
        booking_app.clock.now(),
        attempts=5,
        last_error="NotFound: order_not_found",
        state=OutboxState.DEAD,
    )
    with booking_app.uow() as uow:
        uow.outbox.add(message)
        uow.commit()
    return message_id


def test_operations_staff_list_dead_jobs_and_retry_one(
    client: TestClient, booking_app: BookingApp, operations: Headers
) -> None:
    # given a dead job
    job_id = dead_job(booking_app)

    # when operations staff list the dead jobs, retry it, then list them again
    listed = client.get("/dead-letters/jobs", headers=operations)
    retried = client.post(f"/dead-letters/jobs/{job_id}/retry", headers=operations)
    after = client.get("/dead-letters/jobs", headers=operations)

    # then it was there with its error, came back pending from zero attempts, and is gone
    assert listed.status_code == 200, listed.json()
    (item,) = listed.json()["items"]
    assert (item["id"], item["status"], item["attempts"]) == (job_id, "dead", 1)
    assert item["last_error"] == "RuntimeError: broken"
    assert retried.status_code == 200, retried.json()
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
    assert after.json() == {"items": [], "next_cursor": None}
    with booking_app.uow() as uow:
        assert uow.jobs.get(job_id).status is JobStatus.PENDING


def test_a_discarded_job_needs_a_reason_and_is_audited(
    client: TestClient, booking_app: BookingApp, operations: Headers, as_: As
) -> None:
    # given a dead job
    job_id = dead_job(booking_app)
    url = f"/dead-letters/jobs/{job_id}/discard"

    # when it is discarded without a reason, with a blank one, then with one
    missing = client.post(url, headers=operations)
    blank = client.post(url, json={"reason": "  "}, headers=operations)
    discarded = client.post(url, json={"reason": "The order was deleted."}, headers=operations)

    # then only the last went through, and the audit log keeps who and why
    assert (missing.status_code, blank.status_code) == (422, 422)
    assert discarded.status_code == 200, discarded.json()
    assert discarded.json()["status"] == "discarded"
    root = as_(Actor.platform("root", StaffRole.SUPER_ADMIN))
    (entry,) = client.get("/audit", params={"action": "job"}, headers=root).json()["items"]
    assert (entry["action"], entry["actor_id"], entry["subject_id"], entry["reason"]) == (
        "job.discard",
        "ops-1",
        job_id,
        "The order was deleted.",
    )


def test_operations_staff_see_dead_messages_with_payload_and_retry_or_discard_them(
    client: TestClient, booking_app: BookingApp, operations: Headers
) -> None:
    # given two dead outbox messages
    first, second = dead_message(booking_app, "msg_a"), dead_message(booking_app, "msg_b")

    # when operations staff list them, retry one and discard the other
    listed = client.get("/dead-letters/messages", headers=operations)
    retried = client.post(f"/dead-letters/messages/{first}/retry", headers=operations)
    discarded = client.post(
        f"/dead-letters/messages/{second}/discard", json={"reason": "Test data"}, headers=operations
    )

    # then they were listed by id with payload and error; one is pending again, one given up
    assert listed.status_code == 200, listed.json()
    items = listed.json()["items"]
    assert [(m["id"], m["name"], m["state"]) for m in items] == [
        (first, "OrderPlaced", "dead"),
        (second, "OrderPlaced", "dead"),
    ]
    assert items[0]["payload"] == {"order_id": "ord_gone", "phone": "+8613812345678"}
    assert items[0]["last_error"] == "NotFound: order_not_found"
    assert (retried.status_code, retried.json()["state"], retried.json()["attempts"]) == (
        200,
        "pending",
        0,
    )
    assert (discarded.status_code, discarded.json()["state"]) == (200, "discarded")
    assert client.get("/dead-letters/messages", headers=operations).json()["items"] == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/dead-letters/jobs", None),
        ("GET", "/dead-letters/messages", None),
        ("POST", "/dead-letters/jobs/boom:1/retry", None),
        ("POST", "/dead-letters/jobs/boom:1/discard", {"reason": "x"}),
        ("POST", "/dead-letters/messages/msg_dead/retry", None),
        ("POST", "/dead-letters/messages/msg_dead/discard", {"reason": "x"}),
    ],
)
def test_finance_staff_and_customers_are_refused_and_nothing_changes(
    client: TestClient,
    booking_app: BookingApp,
    finance: Headers,
    alice: Headers,
    method: str,
    path: str,
    body: Json | None,
) -> None:
    # given a dead job and a dead message
    dead_job(booking_app)
    dead_message(booking_app)

    # when finance staff and a customer try
    answers = [client.request(method, path, json=body, headers=h) for h in (finance, alice)]

    # then 403, no payload in the answer, and both are still dead
    assert [(a.status_code, a.json()["code"]) for a in answers] == [(403, "permission_denied")] * 2
    assert all("ord_gone" not in a.text for a in answers)
    with booking_app.uow() as uow:
        assert uow.jobs.get("boom:1").status is JobStatus.DEAD
        assert uow.outbox.get("msg_dead").state is OutboxState.DEAD


def test_a_job_or_message_that_is_not_dead_is_a_conflict(
    client: TestClient,
    booking_app: BookingApp,
    place: Callable[..., Json],
    operations: Headers,
) -> None:
    # given an order placed (a pending job expires it unpaid) and its event relayed
    order = place()
    booking_app.background_worker("tests").run_once()
    with booking_app.uow() as uow:
        (job,) = [j for j in uow.jobs.list_for_subject(order["id"]) if j.kind == "expire_unpaid"]
        (message,) = uow.outbox.in_state(OutboxState.DELIVERED, limit=10)

    # when operations staff retry and discard them
    reason = {"reason": "x"}
    answers = [
        client.post(f"/dead-letters/jobs/{job.id}/retry", headers=operations),
        client.post(f"/dead-letters/jobs/{job.id}/discard", json=reason, headers=operations),
        client.post(f"/dead-letters/messages/{message.id}/retry", headers=operations),
        client.post(
            f"/dead-letters/messages/{message.id}/discard", json=reason, headers=operations
        ),
    ]

    # then each is 409 concurrent_update, and nothing changed
    assert [(a.status_code, a.json()["code"]) for a in answers] == [(409, "concurrent_update")] * 4
    with booking_app.uow() as uow:
        assert uow.jobs.get(job.id).status is JobStatus.PENDING
        assert uow.outbox.get(message.id).state is OutboxState.DELIVERED


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/dead-letters/jobs/nope:1/retry", "job_not_found"),
        ("/dead-letters/jobs/nope:1/discard", "job_not_found"),
        ("/dead-letters/messages/msg_nope/retry", "outbox_message_not_found"),
        ("/dead-letters/messages/msg_nope/discard", "outbox_message_not_found"),
    ],
)
def test_an_unknown_job_or_message_is_not_found(
    client: TestClient, operations: Headers, path: str, code: str
) -> None:
    # given nothing dead

    # when operations staff name one that does not exist
    response = client.post(path, json={"reason": "x"}, headers=operations)

    # then 404, saying what was not found
    assert (response.status_code, response.json()["code"]) == (404, code)
