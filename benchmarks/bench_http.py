"""``POST /orders`` on the reference server against a FastAPI hello-world app, over HTTP.

Prints, one figure per line::

    http_post_orders_per_s: R req/s   booking_server on a SQLite file, demo data seeded
    http_hello_per_s: R req/s         FastAPI's hello world (``async def`` returning a dict)
    http_ratio: X x                   orders / hello (target ≥ 0.15)

Both apps run alone in the same uvicorn configuration: one worker, no access log, and
uvloop and httptools when they are installed (uvicorn's "auto"; the line ``http_server``
on stderr says which were used). The same load generator drives both: 64 HTTP/1.1
keep-alive connections from asyncio raw sockets, in a process of its own. Each rate is the
median of three 2-second windows after a 1-second warm-up.

Every ``POST /orders`` books a distinct offered slot (read from ``GET /slots`` before the
load starts) with an ``Idempotency-Key``, for one of ``CUSTOMERS`` customers taken in turn
(a few orders each at most, so no request conflicts and no unpaid-order or rate limit is
reached); more technicians are registered over the API first so there are enough slots.
The server process signs the platform and the customers in with
``booking_server.credentials.headers_for`` before it serves, and hands their headers to
the benchmark in a file. Any answer other than 201 (for the orders) or 200 (hello) is
reported on stderr and not counted.

On Linux the line ``http_server_cpu`` on stderr adds the CPU time each server process
spent per answer during its load (all its threads, the warm-up included): another
process sharing the cores moves it far less than the rates.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.util
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import httpx

CONNECTIONS = 64
WARMUP_SECONDS = 1.0
WINDOW_SECONDS = 2.0
WINDOWS = 3
TECHNICIANS = 30  # registered for the run, open 09:00–21:00 every day
CUSTOMERS = 6000  # signed in before the server serves (a few ms each)
#: The file the booking server writes its signed-in actors' headers to.
CREDENTIALS_FILE = "BENCH_HTTP_CREDENTIALS"
SERVER_OPTIONS: dict[str, Any] = {
    "workers": 1,
    "log_level": "warning",
    "access_log": False,
    "loop": "auto",
    "http": "auto",
}


def main(argv: Sequence[str]) -> None:
    """``bench_http.py`` runs the benchmark; ``--serve booking|hello PORT`` one server."""
    if argv[:1] == ["--serve"]:
        serve(argv[1], int(argv[2]))
        return
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    print(f"http_server: uvicorn, 1 worker, loop={loop}, http={http}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="bench_http_") as folder:
        credentials = Path(folder) / "credentials.json"
        env = {
            "BOOKING_CORE_DB_URL": f"sqlite:///{Path(folder) / 'bench.db'}",
            CREDENTIALS_FILE: str(credentials),
        }
        with running("booking", env) as (base, pid):
            requests = order_requests(base, json.loads(credentials.read_text()))
            print(f"http: {len(requests)} distinct POST /orders prepared", file=sys.stderr)
            orders, orders_cpu = load(base, requests, expect=201, server_pid=pid)
    with running("hello", {}) as (base, pid):
        hello, hello_cpu = load(base, [get_request("/hello")], expect=200, server_pid=pid)
    if orders_cpu is not None and hello_cpu is not None:
        print(
            f"http_server_cpu: orders {orders_cpu * 1e6:.0f} µs/answer, "
            f"hello {hello_cpu * 1e6:.0f} µs/answer",
            file=sys.stderr,
        )
    print(f"http_post_orders_per_s: {orders:.0f} req/s", flush=True)
    print(f"http_hello_per_s: {hello:.0f} req/s", flush=True)
    print(f"http_ratio: {orders / hello:.3f} x", flush=True)


# -- the servers -----------------------------------------------------------------------


def serve(which: str, port: int) -> None:
    """Run one app under uvicorn until killed."""
    import uvicorn

    if which == "booking":
        uvicorn.run(signed_in_server(), host="127.0.0.1", port=port, **SERVER_OPTIONS)
    else:
        uvicorn.run(
            f"{Path(__file__).stem}:hello_app",
            factory=True,
            app_dir=str(Path(__file__).parent),
            host="127.0.0.1",
            port=port,
            **SERVER_OPTIONS,
        )


def signed_in_server() -> Any:
    """The booking server, settings from the environment (the SQLite file, demo data seeded
    when empty), with the platform and ``CUSTOMERS`` customers signed in: their headers
    go to the file ``BENCH_HTTP_CREDENTIALS`` names."""
    from booking_core.orders import Actor
    from booking_server.credentials import headers_for
    from booking_server.main import create_server

    app = create_server()
    credentials = {
        "platform": headers_for(app, Actor.platform("bench-admin")),
        "customers": [
            headers_for(app, Actor.customer(f"bench-customer-{n}")) for n in range(CUSTOMERS)
        ],
    }
    Path(os.environ[CREDENTIALS_FILE]).write_text(json.dumps(credentials))
    return app


def hello_app() -> Any:
    """FastAPI's hello world."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"message": "Hello World"}

    return app


@contextmanager
def running(which: str, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """``--serve which`` on a free port with ``env`` added, until the block ends; its URL
    and process id."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", which, str(port)], env={**os.environ, **env}
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120  # the booking server signs customers in first
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the {which} server exited with {process.returncode}")
            try:
                httpx.get(f"{base}/ready", timeout=5)  # any answer, a 404 too, will do
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"the {which} server did not start within 120 s") from None
                time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- the requests ----------------------------------------------------------------------


def order_requests(base: str, credentials: dict[str, Any]) -> list[bytes]:
    """One ``POST /orders`` per offered slot of the 60-minute tuina over the next 30 days,
    the signed-in customers (``credentials``) in turn, the technicians interleaved."""
    platform: dict[str, str] = credentials["platform"]
    customers: list[dict[str, str]] = credentials["customers"]
    with httpx.Client(base_url=base, timeout=120) as client:
        services = client.get("/services", params={"limit": 500}).raise_for_status().json()
        service = next(s for s in services["items"] if s["duration_minutes"] == 60)
        hours = {day: ["09:00-21:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        for n in range(TECHNICIANS):
            client.post(
                "/technicians",
                headers=platform,
                json={
                    "name": f"Bench {n}",
                    "time_zone": "Asia/Shanghai",
                    "weekly_hours": hours,
                    "service_ids": [service["id"]],
                },
            ).raise_for_status()
        # The whole booking window (30 days by default) from today, UTC: the server
        # leaves out what is too soon or too far.
        first = dt.datetime.now(dt.UTC).date()
        offers = list(slots(client, service["id"], first, first + dt.timedelta(days=30)))
    requests = []
    for n, (start, technician) in enumerate(offers):
        body = {"technician_id": technician, "service_id": service["id"], "start": start}
        requests.append(
            post_request(
                "/orders",
                body,
                {**customers[n % len(customers)], "Idempotency-Key": f"bench-order-{n}"},
            )
        )
    return requests


def slots(
    client: httpx.Client, service_id: str, first: dt.date, last: dt.date
) -> Iterator[tuple[str, str]]:
    """(start, technician) of every offered slot, page by page, earliest first."""
    params: dict[str, Any] = {
        "service_id": service_id,
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "limit": 500,
    }
    while True:
        page = client.get("/slots", params=params).raise_for_status().json()
        for item in page["items"]:
            for offer in item["technicians"]:
                yield item["start"], offer["technician_id"]
        if not page.get("next_cursor"):
            return
        params["cursor"] = page["next_cursor"]


def get_request(path: str) -> bytes:
    """A keep-alive GET."""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def post_request(path: str, body: Any, headers: dict[str, str]) -> bytes:
    """A keep-alive POST of ``body`` as JSON."""
    payload = json.dumps(body).encode()
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n{head}\r\n"
    ).encode() + payload


# -- the load generator ----------------------------------------------------------------


def load(
    base: str, requests: Sequence[bytes], *, expect: int, server_pid: int
) -> tuple[float, float | None]:
    """Send ``requests`` (cycling when one is enough to repeat) from a process of its
    own; the median rate of the windows after the warm-up, and the server's CPU seconds
    per answer (None where ``/proc`` is missing)."""
    port = int(base.rsplit(":", 1)[1])
    cpu_before = cpu_seconds(server_pid)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=generate, args=(sender, port, requests, expect))
    process.start()
    sender.close()  # the generator's copy is the only one: a crash ends recv() below
    try:
        finished, errors, exhausted = receiver.recv()
    except EOFError:
        raise SystemExit("the load generator failed (its traceback is above)") from None
    finally:
        process.join()
    cpu_after = cpu_seconds(server_pid)
    answers = len(finished) + sum(errors.values())
    cpu = None
    if cpu_before is not None and cpu_after is not None and answers:
        cpu = (cpu_after - cpu_before) / answers
    if errors:
        shown = ", ".join(f"{status} × {n}" for status, n in sorted(errors.items()))
        print(f"http: {sum(errors.values())} unexpected answers ({shown})", file=sys.stderr)
    if exhausted:
        print("http: ran out of prepared requests (add technicians)", file=sys.stderr)
    rates = []
    for window in range(WINDOWS):
        start = WARMUP_SECONDS + window * WINDOW_SECONDS
        done = sum(1 for t in finished if start <= t < start + WINDOW_SECONDS)
        rates.append(done / WINDOW_SECONDS)
    return sorted(rates)[len(rates) // 2], cpu


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds used so far by process ``pid`` (all its threads), from
    ``/proc``; None where there is no ``/proc``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The fields after the command name (in parentheses, which may hold spaces);
    # utime and stime are the 14th and 15th fields of the whole line.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def generate(pipe: Pipe, port: int, requests: Sequence[bytes], expect: int) -> None:
    """The load generator process: send back the finishing times of the expected answers,
    the other answers by status, and whether the requests ran out."""
    pipe.send(asyncio.run(drive(port, requests, expect)))


async def drive(
    port: int, requests: Sequence[bytes], expect: int
) -> tuple[list[float], dict[int, int], bool]:
    """Keep ``CONNECTIONS`` connections busy until the warm-up and the windows are over."""
    repeat = len(requests) == 1
    pending = iter(requests)
    finished: list[float] = []
    errors: dict[int, int] = {}
    started = time.perf_counter()
    deadline = started + WARMUP_SECONDS + WINDOWS * WINDOW_SECONDS
    exhausted = False

    async def connection() -> None:
        nonlocal exhausted
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                request = requests[0] if repeat else next(pending, None)
                if request is None:
                    exhausted = True
                    return
                writer.write(request)
                status = await answer(reader)
                if status == expect:
                    finished.append(time.perf_counter() - started)
                else:
                    errors[status] = errors.get(status, 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    return finished, errors, exhausted


async def answer(reader: asyncio.StreamReader) -> int:
    """Read one response (with a Content-Length body); its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(lines[0].split(" ", 2)[1])


if __name__ == "__main__":
    main(sys.argv[1:])
