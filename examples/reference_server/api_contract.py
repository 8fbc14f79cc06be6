"""Schemathesis over the reference server's OpenAPI, as a customer, a technician and the platform.

``nox -s api`` runs this script; CI runs it in the default set of sessions. The three roles
run at once, each in a process of its own (a run waits on round trips far more than it
computes: about 4-5 minutes in all here, one role alone 3-4). For each role it

1. starts the server on a fresh SQLite file seeded with the demo data, on a free port of
   127.0.0.1, in a thread of that process;
2. places a few orders over HTTP (one left unpaid, one paid, one accepted, one cancelled
   with a complaint on it, and one without a technician, paid and open for grabbing: the
   server dispatches by grabs, so the pool, the board, candidates, grabs and assignment
   have something to work on) and reserves a hold; credits the technician's earnings and
   makes two withdrawals of his (one waiting for finance); defines a package and records
   the customer's purchase of it, so that generated requests can name real technicians,
   services, orders, bookings, holds, complaints, withdrawals, members, packages, bought
   packages and free slot starts (schemathesis draws ids from these lists most of the
   time, and makes up the rest);
3. runs ``schemathesis run`` with every check and every phase, acting as that role with
   the headers :func:`booking_server.credentials.headers_for` gives (the customer's and the
   technician's runs skip the operations that need no actor: the platform's run tests
   those; every run skips the operations that end its own session, ``SESSION_ENDING``).

Besides schemathesis' own checks, :func:`schema_valid_data_passes_request_validation`
holds the server's request validation to its document.

The exit status is non-zero when any run reports a failure or an error, so the session
fails. Extra arguments go to ``schemathesis run`` (e.g. ``--seed 7`` or
``--include-path /orders``); ``--max-examples`` and ``--roles`` are this script's own::

    nox -s api -- --roles customer --max-examples 5 --include-path-regex '^/orders'
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import attrs
import httpx
import pendulum
import schemathesis
import uvicorn
from fastapi import FastAPI

from booking_core.ledger import Account, Posting, Transaction, TransactionId, TransactionKind
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.outbox import OutboxMessage, OutboxState
from booking_core.payouts import Payee, Wallet, WalletProvider
from booking_core.ports.jobs import Job
from booking_server.credentials import headers_for
from booking_server.main import create_server
from booking_server.settings import Settings

ROLES: Final = ("customer", "technician", "platform")
#: The seed of every run under CI (``CI`` set), so that CI repeats itself.
CI_SEED: Final = 20261206
CUSTOMER: Final = "cus-contract"
#: Where the demo technicians all serve (see booking_server.demo_data).
PEOPLES_SQUARE: Final = {"lat": 31.2304, "lon": 121.4737}
PLATFORM: Final = "admin-contract"
#: How often a generated id is drawn from the real ones (the rest are made up: 404s).
REAL_ID_PROBABILITY: Final = 0.8
#: What a schema-valid request may be answered. Schemathesis' default, plus 422: the core
#: refuses with 422 what no JSON Schema can say (a technician who does not perform the
#: service, a coupon that does not apply, ``lat`` without ``lon``, a date outside the
#: bookable range). :func:`schema_valid_data_passes_request_validation` keeps the 422 of
#: request validation itself out of this allowance.
POSITIVE_STATUSES: Final = ("2XX", "3XX", "401", "403", "404", "409", "422", "429", "5XX")
#: Operations that end the run's own session (sign out, a new password, disabling one's
#: own account): once one succeeds, every later request of the run would be a 401. They
#: are left out; the tests of the auth routes cover them.
SESSION_ENDING: Final = (
    "POST /auth/logout",
    "POST /auth/logout-all",
    "POST /auth/password",
    "POST /auth/accounts/{account_id}/disable",
)


@schemathesis.check
def schema_valid_data_passes_request_validation(
    ctx: schemathesis.CheckContext,
    response: schemathesis.Response,
    case: schemathesis.Case[Any],
) -> bool | None:
    """Data the document allows is never refused by the server's own request validation.

    That refusal is the 422 ``invalid_input`` problem listing ``details.errors``; a route
    and its document disagree about a field when it answers a schema-valid request.
    """
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code != 422:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("code") == "invalid_input":
        details = body.get("details")
        if isinstance(details, dict) and details.get("errors"):
            raise AssertionError(
                "Schema-valid data failed request validation: the route and its OpenAPI "
                f"disagree about {json.dumps(details['errors'])}"
            )
    return None


@attrs.frozen
class World:
    """Ids of real objects in the server, by the parameter names that carry them."""

    technician: str
    values: Mapping[str, tuple[str, ...]]
    #: The headers each role acts with (from ``headers_for``), by role.
    credentials: Mapping[str, Mapping[str, str]]
    #: Operations that need no actor ("GET /categories" …): the same for every role, so
    #: only the platform's run tests them.
    public: tuple[str, ...] = ()


@contextlib.contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on a free port of 127.0.0.1 in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise RuntimeError(
            f"setup: {response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text}"
        )
    return response.json() if response.content else None


def _apart(starts: Sequence[str], gap: dt.timedelta) -> list[str]:
    # Starts at least ``gap`` apart, so that booking one does not take the next.
    picked: list[str] = []
    for start in starts:
        if (
            not picked
            or dt.datetime.fromisoformat(start) - dt.datetime.fromisoformat(picked[-1]) >= gap
        ):
            picked.append(start)
    return picked


def prepare(app: FastAPI, base_url: str) -> World:
    """Orders in four states, a complaint, a hold and a bought package, made over HTTP at
    ``base_url``, where ``app`` is served; the ids of everything real, and each role's
    credentials in ``app``."""
    customer = headers_for(app, Actor.customer(CUSTOMER))
    with httpx.Client(base_url=base_url, timeout=30) as http:
        categories = _ok(http.get("/categories"))["items"]
        services = _ok(http.get("/services"))["items"]
        technicians = _ok(http.get("/technicians"))["items"]
        # The demo technician with the most hours (Li Wei) and the first service he offers —
        # found by name: the list is in id order, and demo ids are random.
        technician = next(t for t in technicians if "Li Wei" in t["name"])
        service_id = technician["service_ids"][0]
        tech = headers_for(app, Actor(technician["id"], Role.TECHNICIAN))
        today = dt.datetime.now(dt.UTC).date()
        slots = _ok(
            http.get(
                f"/technicians/{technician['id']}/free-slots",
                params={
                    "service_id": service_id,
                    "first_day": (today + dt.timedelta(days=2)).isoformat(),
                    "last_day": (today + dt.timedelta(days=12)).isoformat(),
                },
            )
        )["items"]
        picked = _apart([slot["start"] for slot in slots], dt.timedelta(hours=4))[:9]
        if len(picked) < 9:
            raise RuntimeError(f"setup: only {len(picked)} free slots far apart in ten days")

        def place(start: str) -> Any:
            order = {"technician_id": technician["id"], "service_id": service_id, "start": start}
            return _ok(http.post("/orders", json=order, headers=customer))

        # Each moved on before the next is placed: a customer may hold only a few unpaid
        # orders (the hoarding limit). The cancelled one is unpaid, so that it ends
        # cancelled rather than refunded.
        cancelled = place(picked[0])
        _ok(http.post(f"/orders/{cancelled['id']}/cancel", headers=customer))
        paid = place(picked[1])
        _ok(http.post(f"/orders/{paid['id']}/payments", headers=customer))
        accepted = place(picked[2])
        _ok(http.post(f"/orders/{accepted['id']}/payments", headers=customer))
        _ok(http.post(f"/orders/{accepted['id']}/accept", headers=tech))
        # Without a technician, near the demo technicians (People's Square): dispatch holds
        # its time on one of them and, once paid, broadcasts it for grabbing.
        waiting = _ok(
            http.post(
                "/orders",
                json={"service_id": service_id, "start": picked[8], "address": PEOPLES_SQUARE},
                headers=customer,
            )
        )
        _ok(http.post(f"/orders/{waiting['id']}/payments", headers=customer))
        orders = [cancelled, paid, accepted, place(picked[3]), waiting]
        complaint = _ok(
            http.post(
                f"/orders/{cancelled['id']}/complaints",
                json={"reason": "Cancelled too late to rebook", "requested_remedy": "apology"},
                headers=customer,
            )
        )
        hold = _ok(
            http.post(
                "/holds",
                json={
                    "technician_id": technician["id"],
                    "service_id": service_id,
                    "start": picked[4],
                },
                headers=customer,
            )
        )
        # A package on sale (three visits at one visit's price), bought by the customer.
        platform = headers_for(app, Actor.platform(PLATFORM))
        price = next(s["price"] for s in services if s["id"] == service_id)
        bundle = {"name": "API probe", "parts": [{"service_id": service_id, "visits": 3}]}
        package = _ok(http.post("/packages", json={**bundle, "price": price}, headers=platform))
        purchase = {"customer_id": CUSTOMER, "payment_reference": "api-probe", "paid": price}
        holding = _ok(
            http.post(f"/packages/{package['id']}/purchases", json=purchase, headers=platform)
        )
        document = _ok(http.get("/openapi.json"))
        public = tuple(
            f"{method.upper()} {path}"
            for path, item in document["paths"].items()
            for method, operation in item.items()
            if isinstance(operation, dict) and not operation.get("security")
        )
        numbers = [
            _ok(http.get(f"/orders/{order['id']}/lifecycle", headers=customer))["number"]
            for order in orders
        ]
    jobs, messages = _dead_letters(app)
    withdrawals = _withdrawals(app, technician["id"])
    return World(
        technician=technician["id"],
        public=public,
        credentials={
            "customer": customer,
            "technician": tech,
            "platform": headers_for(app, Actor.platform(PLATFORM)),
        },
        values={
            "category_id": tuple(c["id"] for c in categories),
            "service_id": tuple(s["id"] for s in services),
            "technician_id": tuple(t["id"] for t in technicians),
            "order_id": tuple(o["id"] for o in orders),
            "booking_id": (*(o["booking_id"] for o in orders), hold["id"]),
            "hold_id": (hold["id"],),
            "number": tuple(str(n) for n in numbers),
            "start": tuple(picked[5:8]),
            "complaint_id": (complaint["id"],),
            "package_id": (package["id"],),
            "holding_id": (holding["id"],),
            "job_id": jobs,
            "message_id": messages,
            "withdrawal_id": withdrawals,
            "customer_id": (CUSTOMER,),
            "member": (f"customer:{CUSTOMER}", f"technician:{technician['id']}"),
        },
    )


def _dead_letters(app: FastAPI) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Dead jobs and dead outbox messages for the dead-letter routes to retry and discard
    (nothing reachable over HTTP makes them; storage does, as a failing worker would)."""
    booking_app = app.state.booking_app
    now = booking_app.clock.now()
    jobs = tuple(f"api_probe:{n}" for n in range(3))
    messages = tuple(f"msg_api_probe_{n}" for n in range(3))
    with booking_app.uow() as uow:
        for job_id in jobs:
            uow.jobs.schedule(Job(job_id, "api_probe", "nothing", now.add(years=1)))
        for message_id in messages:
            uow.outbox.add(
                OutboxMessage(
                    message_id,
                    "ApiProbe",
                    {},
                    now,
                    attempts=5,
                    last_error="probe",
                    state=OutboxState.DEAD,
                )
            )
        uow.commit()
    with booking_app.uow() as uow:
        lease = pendulum.duration(minutes=5)
        for job in uow.jobs.claim_due(now.add(years=1), worker="api", limit=10, lease=lease):
            if job.id in jobs:
                uow.jobs.bury(job.id, worker="api", error="probe")
        uow.commit()
    return jobs, messages


def _withdrawals(app: FastAPI, technician_id: str) -> tuple[str, ...]:
    """Withdrawals of the technician for the earnings routes: one waiting for finance, one
    approved. His earnings are credited in the books directly (completing orders takes
    their time: the server runs on the real clock), as completed orders credit them."""
    booking_app = app.state.booking_app
    payee = Payee.technician(technician_id)
    earned = Money(2_000_000, "CNY")
    entry = Transaction(
        TransactionId(f"api-probe-earnings:{technician_id}"),
        TransactionKind.ORDER_COMPLETED,
        booking_app.clock.now(),
        (Posting.debit(Account.payments_clearing(), earned), Posting.credit(payee.payable, earned)),
    )
    with booking_app.uow() as uow:
        uow.ledger.record(entry)
        uow.commit()
    actor = Actor(technician_id, Role.TECHNICIAN)
    wallet = Wallet(WalletProvider.WECHAT, "o6_api_probe")
    made = [
        booking_app.payouts.request_withdrawal(
            payee, Money(amount, "CNY"), wallet, actor, idempotency_key=f"api-probe-{amount}"
        )
        for amount in (600_000, 1_000)  # above the default approval limit, and below
    ]
    return tuple(w.id for w in made)


def _toml(value: Any) -> str:
    # JSON strings, numbers and arrays are valid TOML values.
    return json.dumps(value, ensure_ascii=True)


def config_text(world: World, role: str, max_examples: int) -> str:
    """The ``schemathesis.toml`` of one run: who acts, how much, and the real ids."""
    lines = [
        f"hooks = {_toml(__file__)}",
        "[generation]",
        f"max-examples = {max_examples}",
        "[checks]",
        "enabled = true",
        "[checks.positive_data_acceptance]",
        f"expected-statuses = {_toml(list(POSITIVE_STATUSES))}",
        # Who acts: the role's credentials on every request (schemathesis counts headers
        # given here as real ones, and checks that requests without them are refused).
        "[headers]",
        *(f"{_toml(name)} = {_toml(value)}" for name, value in world.credentials[role].items()),
    ]
    for name, values in world.values.items():
        lines += [f"[dictionaries.{name}]", f"values = {_toml(list(values))}"]
    lines.append("[parameters]")
    for name in world.values:
        binding = f"{{ dictionary = {_toml(name)}, probability = {REAL_ID_PROBABILITY} }}"
        lines += [f"{_toml(name)} = {binding}", f"{_toml('body.' + name)} = {binding}"]
    left_out = [*SESSION_ENDING, *(world.public if role != "platform" else ())]
    lines += ["[[operations]]", f"include-name = {_toml(left_out)}", "enabled = false"]
    return "\n".join(lines) + "\n"


def run_role(role: str, max_examples: int, extra: Sequence[str]) -> int:
    """One schemathesis run acting as ``role`` on a fresh database; its exit status."""
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    if st is None:
        raise RuntimeError("schemathesis is not installed (its `st` command is missing)")
    with tempfile.TemporaryDirectory(prefix="booking-api-") as tmp:
        # Rate limits off: a fuzzer hammers one account, and every request should reach its
        # route (tests/test_rate_limits.py checks the limits themselves).
        settings = Settings(
            db_url=f"sqlite:///{tmp}/api.sqlite3",
            seed_demo_data=True,
            rate_limits=False,
            channels=(),  # the inbox only: no console line per order the fuzzer places
            dispatch_mode="grab",  # orders without a technician wait in the grab pool
        )
        app = create_server(settings)
        with serving(app) as base_url:
            world = prepare(app, base_url)
            config = Path(tmp) / "schemathesis.toml"
            config.write_text(config_text(world, role, max_examples), encoding="utf-8")
            print(f"== schemathesis as the {role} on {base_url}", flush=True)
            command = [
                st,
                "--config-file",
                str(config),
                "run",
                f"{base_url}/openapi.json",
                "--checks",
                "all",
                "--workers",
                "1",
                *extra,
            ]
            return subprocess.run(command, check=False, cwd=tmp).returncode


def run_apart(roles: Sequence[str], max_examples: int, extra: Sequence[str]) -> dict[str, int]:
    """Each role in a process of its own, all at once (a run waits on round trips far more
    than it computes); their outputs are printed one after the other, not interleaved."""
    runs = {
        role: subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--roles",
                role,
                "--max-examples",
                str(max_examples),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for role in roles
    }
    statuses = {}
    for role, run in runs.items():
        output, _ = run.communicate()
        print(output.decode(errors="replace"), flush=True)
        statuses[role] = run.returncode
    return statuses


def main(argv: Sequence[str] | None = None) -> int:
    """Run schemathesis once per role; non-zero if any run failed."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None, allow_abbrev=False
    )
    parser.add_argument("--max-examples", type=int, default=20, help="default: %(default)s")
    parser.add_argument(
        "--roles", default=",".join(ROLES), help="comma-separated; default: %(default)s"
    )
    args, extra = parser.parse_known_args(argv)
    extra = [a for a in extra if a != "--"]
    if os.environ.get("CI") and not any(a.startswith("--seed") for a in extra):
        # CI is deterministic, as for the property tests: the same cases on every run. A run
        # without CI draws a fresh seed (printed in the summary; replay with `--seed N`).
        extra += ["--seed", str(CI_SEED)]
    roles = [r.strip() for r in args.roles.split(",") if r.strip()]
    unknown = set(roles) - set(ROLES)
    if unknown:
        parser.error(f"unknown roles: {', '.join(sorted(unknown))}")
    started = time.monotonic()
    if len(roles) == 1:
        statuses = {roles[0]: run_role(roles[0], args.max_examples, extra)}
    else:
        statuses = run_apart(roles, args.max_examples, extra)
    elapsed = time.monotonic() - started
    summary = ", ".join(f"{role}: {'ok' if s == 0 else 'FAILED'}" for role, s in statuses.items())
    print(f"== schemathesis {summary} ({elapsed:.0f} s)", flush=True)
    return 0 if all(s == 0 for s in statuses.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
