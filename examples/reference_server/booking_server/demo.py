"""``python -m booking_server.demo``: the booking slice, step by step, over the HTTP API.

The platform creates a category, a service and a technician (Asia/Shanghai hours); a
customer lists the free slots of a day and books one; a second, overlapping order is
refused; the customer pays through the fake gateway; the technician accepts, is refused
when he tries to set off a day early (the order's time guards), then departs, arrives,
starts and completes on Tuesday as the clock moves through the day; an illegal transition
is refused; the customer leaves five stars. Everything goes through HTTP (in-process, no
socket) against a temporary SQLite database — or in-memory storage when
booking-core-sdk-sqlalchemy is not installed — with a frozen clock the script moves (each step
shows its time) and sequential ids, so the transcript is the same on every run.

Exits 0 when every step behaved as expected, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final, TextIO

import pendulum
from fastapi import FastAPI
from fastapi.testclient import TestClient

from booking_core.bootstrap import build
from booking_core.orders import Actor, Role
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds
from booking_server.app import create_app
from booking_server.credentials import headers_for
from booking_server.demo_data import CATEGORIES, TECHNICIANS
from booking_server.problems import PROBLEM_MEDIA_TYPE

__all__ = ["DemoFailed", "main", "main_cli", "run_demo"]

ZONE: Final = "Asia/Shanghai"
#: Monday 2 March 2026, 08:00 in Shanghai: the customer books for Tuesday.
START: Final = pendulum.datetime(2026, 3, 2, 8, 0, tz=ZONE)
DAY: Final = "2026-03-03"

PLATFORM: Final = Actor.platform("admin-1")
ALICE: Final = Actor.customer("cus-alice")
BOB: Final = Actor.customer("cus-bob")


class DemoFailed(Exception):
    """A step did not answer as the booking rules say it must."""


class _Transcript:
    def __init__(self, app: FastAPI, client: TestClient, out: TextIO) -> None:
        self._app = app
        self._client = client
        self._out = out
        self._step = 0
        self._headers: dict[Actor, dict[str, str]] = {}  # one session per actor

    def say(self, text: str = "") -> None:
        print(text, file=self._out)

    def call(
        self,
        title: str,
        method: str,
        path: str,
        *,
        actor: Actor | None = None,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        expect: int,
        show: Sequence[str] | None = None,
    ) -> Any:
        self._step += 1
        self.say(f"\n{self._step}. {title}")
        who = f"   [{actor.role.value} {actor.id}]" if actor else ""
        query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
        self.say(f"   {method} {path}{query}{who}")
        if body is not None:
            self.say(f"   {_dumps(body)}")
        # A request id per step keeps the transcript the same on every run (the server
        # would otherwise make a random one for each problem's ``request_id``).
        headers = {**self._credentials(actor), "X-Request-ID": f"demo-step-{self._step}"}
        response = self._client.request(method, path, headers=headers, json=body, params=params)
        data = response.json()
        problem = response.headers.get("content-type", "").startswith(PROBLEM_MEDIA_TYPE)
        shown = data if show is None or problem else {k: data[k] for k in show if k in data}
        self.say(f"   → {response.status_code} {_dumps(shown)}")
        if response.status_code != expect:
            raise DemoFailed(f"step {self._step} ({title}): expected {expect}, got {data}")
        if expect >= 400 and not problem:
            raise DemoFailed(f"step {self._step} ({title}): the error is not problem+json")
        return data

    def _credentials(self, actor: Actor | None) -> dict[str, str]:
        if actor is None:
            return {}
        if actor not in self._headers:
            self._headers[actor] = headers_for(self._app, actor)
        return self._headers[actor]


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise DemoFailed(message)


def run_demo(uow: UnitOfWorkFactory, out: TextIO) -> None:
    """Walk the slice over HTTP on ``uow``; raises DemoFailed at the first surprise."""
    clock = FrozenClock(START)
    booking_app = build(
        uow=uow, payments=ScriptedPaymentGateway(), clock=clock, ids=SequentialIds()
    )
    # A server error becomes a 500 problem in the transcript (and a failed step), not a
    # traceback out of the client.
    app = create_app(booking_app)
    with TestClient(app, raise_server_exceptions=False) as client:
        t = _Transcript(app, client, out)
        t.say(f"clock frozen at {clock.now().isoformat()} ({ZONE})")
        massage = CATEGORIES[0]
        tuina = massage.services[0]
        li = TECHNICIANS[0]

        category = t.call(
            "The platform creates a category",
            "POST",
            "/categories",
            actor=PLATFORM,
            body=massage.request(),
            expect=201,
        )
        service = t.call(
            "The platform creates a service: 60 minutes, 199.00 CNY (19900 fen)",
            "POST",
            "/services",
            actor=PLATFORM,
            body=tuina.request(category["id"]),
            expect=201,
            show=("id", "name", "duration_minutes", "price"),
        )
        technician = t.call(
            "The platform registers a technician with weekly hours in Asia/Shanghai",
            "POST",
            "/technicians",
            actor=PLATFORM,
            body=li.request([service["id"]]),
            expect=201,
        )
        tech = Actor(technician["id"], Role.TECHNICIAN)
        slots_path = f"/technicians/{technician['id']}/slots"
        query = {"service_id": service["id"], "date": DAY}

        slots = t.call(
            f"Alice lists {li.name}'s free slots on Tuesday {DAY}",
            "GET",
            slots_path,
            params=query,
            expect=200,
        )
        starts = [s["start"] for s in slots["items"]]
        start = f"{DAY}T10:00:00+08:00"
        _check(start in starts, f"10:00 should be offered; got {starts}")

        order = t.call(
            "Alice books 10:00",
            "POST",
            "/orders",
            actor=ALICE,
            expect=201,
            body={"technician_id": technician["id"], "service_id": service["id"], "start": start},
            show=("id", "state", "slot", "price"),
        )
        order_path = f"/orders/{order['id']}"
        _check(order["state"] == "pending_payment", "a new order awaits payment")

        t.call(
            "Bob tries to book 10:30, overlapping Alice's booking: refused",
            "POST",
            "/orders",
            actor=BOB,
            expect=409,
            body={
                "technician_id": technician["id"],
                "service_id": service["id"],
                "start": f"{DAY}T10:30:00+08:00",
            },
        )
        after = t.call(
            "The free slots no longer offer 10:00",
            "GET",
            slots_path,
            params=query,
            expect=200,
        )
        _check(start not in [s["start"] for s in after["items"]], "10:00 is taken now")

        payment = t.call(
            "Alice pays in full through the (fake) payment gateway",
            "POST",
            f"{order_path}/payments",
            actor=ALICE,
            expect=200,
            show=("status", "amount", "gateway_reference", "order_state"),
        )
        _check(payment["order_state"] == "pending_acceptance", "a paid order awaits acceptance")

        steps = (
            ("accept", "accepted", START.add(minutes=5)),
            ("depart", "departed", pendulum.datetime(2026, 3, 3, 9, 20, tz=ZONE)),
            ("arrive", "arrived", pendulum.datetime(2026, 3, 3, 9, 55, tz=ZONE)),
            ("start-service", "in_service", pendulum.datetime(2026, 3, 3, 10, 0, tz=ZONE)),
            ("complete", "completed", pendulum.datetime(2026, 3, 3, 11, 0, tz=ZONE)),
        )
        for action, state, at in steps:
            clock.set(at)
            moved = t.call(
                f"At {at.format('ddd HH:mm')} the technician does '{action}'",
                "POST",
                f"{order_path}/{action}",
                actor=tech,
                expect=200,
                show=("state",),
            )
            _check(moved["state"] == state, f"{action} leads to {state}")
            if action == "accept":
                # The clock is frozen, so the demo moves it as the day goes by; the order's
                # time guards (OrderPolicy) hold against that clock like against a real one.
                early = t.call(
                    "Still on Monday, the technician tries to set off a day early: refused "
                    "(no earlier than 3 hours before the start)",
                    "POST",
                    f"{order_path}/depart",
                    actor=tech,
                    expect=409,
                )
                _check(early["code"] == "too_early", "setting off waits for the lead time")

        t.call(
            "Alice tries to cancel the completed order: refused",
            "POST",
            f"{order_path}/cancel",
            actor=ALICE,
            body={"reason": "changed my mind"},
            expect=409,
        )
        t.call(
            "Alice reviews the order: five stars",
            "POST",
            f"{order_path}/review",
            actor=ALICE,
            expect=201,
            body={"stars": 5, "text": "力度刚好 — just the right pressure. 准时!"},
            show=("id", "stars", "text"),
        )
        reviews = t.call(
            f"Anyone reads {li.name}'s reviews",
            "GET",
            f"/technicians/{technician['id']}/reviews",
            expect=200,
            show=("count", "average_stars"),
        )
        _check(reviews["average_stars"] == "5.0", "one five-star review averages 5.0")

        final = t.call(
            "Alice reads her order: the whole timeline",
            "GET",
            order_path,
            actor=ALICE,
            expect=200,
            show=("state", "paid"),
        )
        for record in final["timeline"]:
            t.say(
                f"     {record['sequence']}. {record['at']}  {record['from_state']} → "
                f"{record['to_state']}  by {record['actor']['role']} {record['actor']['id']}"
            )
        _check(len(final["timeline"]) == 6, "pay + five technician steps on the timeline")


@contextmanager
def _storage(force_memory: bool) -> Iterator[tuple[UnitOfWorkFactory, str]]:
    if force_memory:
        yield InMemoryStore().unit_of_work, "in-memory storage"
        return
    try:
        from booking_core_sqlalchemy import SqlAlchemyStorage, migrate
    except ModuleNotFoundError as exc:
        if exc.name != "booking_core_sqlalchemy":
            raise  # the adapter is there but broken: show the real error
        yield (
            InMemoryStore().unit_of_work,
            "in-memory storage (booking-core-sdk-sqlalchemy is absent)",
        )
        return
    with tempfile.TemporaryDirectory(prefix="booking-demo-") as folder:
        url = f"sqlite:///{folder}/demo.sqlite3"
        migrate(url)
        with SqlAlchemyStorage(url) as storage:
            yield storage.unit_of_work, "a temporary SQLite database"


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the demo; 0 when every step behaved as expected, 1 otherwise."""
    parser = argparse.ArgumentParser(
        prog="python -m booking_server.demo", description="Walk the booking flow over HTTP."
    )
    parser.add_argument("--memory", action="store_true", help="use in-memory storage")
    args = parser.parse_args(argv)
    out = out if out is not None else sys.stdout
    print("booking_core reference server — the booking slice over HTTP", file=out)
    with _storage(args.memory) as (uow, description):
        print(f"storage: {description}", file=out)
        try:
            run_demo(uow, out)
        except DemoFailed as exc:
            print(f"\nDEMO FAILED: {exc}", file=out)
            return 1
    print("\nEvery step behaved as expected.", file=out)
    return 0


def main_cli() -> None:
    """Console-script entry point."""
    raise SystemExit(main())


if __name__ == "__main__":
    main_cli()
