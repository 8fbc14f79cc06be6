"""Running the background work: a worker thread inside the server (the embedded default),
or ``python -m booking_server worker`` on its own (as many as you like, on one storage).

A worker relays the outbox (notifications, reminder plans) and runs due jobs: unpaid
expiry, auto-complete, review windows, payment reconciliation, document reminders,
deliveries and appointment reminders. Jobs are leased, so workers in several processes
never run one job at once, and one killed mid-job leaves it to the next after the lease.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import threading
from collections.abc import Sequence

import attrs

from booking_core.bootstrap import BookingApp
from booking_server.settings import Settings, mask_url

__all__ = ["EmbeddedWorker", "worker_command", "worker_name"]

logger = logging.getLogger("booking_server.worker")


def worker_name(role: str) -> str:
    """A name unique to this process: ``<host>:<pid>:<role>`` (leases record it)."""
    return f"{socket.gethostname()}:{os.getpid()}:{role}"


class EmbeddedWorker:
    """A worker on a daemon thread, started and stopped with the server."""

    def __init__(self, booking_app: BookingApp, *, idle_seconds: float = 1.0) -> None:
        self._worker = booking_app.background_worker(worker_name("embedded"))
        self._idle = idle_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start working (once)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="booking-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the worker to stop after its round, and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._worker.run(self._stop.is_set, self._stop.wait, idle_seconds=self._idle)
            except Exception:  # the database went away for a moment: keep the server's worker
                logger.exception("worker round failed; trying again shortly")
                self._stop.wait(self._idle)


def worker_command(argv: Sequence[str]) -> int:
    """``python -m booking_server worker [--db-url URL] [--idle SECONDS]``: run a worker
    until SIGINT or SIGTERM; the exit status."""
    from booking_server.main import build_booking_app, open_storage, resolve_webhook_secret

    defaults = Settings.from_env()
    parser = argparse.ArgumentParser(
        prog="python -m booking_server worker",
        description="Relay the outbox and run due jobs until stopped (SIGINT, SIGTERM).",
    )
    parser.add_argument(
        "--db-url",
        default=defaults.db_url,
        help=f"default: {mask_url(defaults.db_url).replace('%', '%%')} (BOOKING_CORE_DB_URL)",
    )
    parser.add_argument(
        "--idle", type=float, default=1.0, help="seconds to wait when there is nothing to do"
    )
    args = parser.parse_args(list(argv))
    settings = attrs.evolve(defaults, db_url=args.db_url)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s - %(message)s")
    storage = open_storage(settings)
    try:
        booking_app = build_booking_app(
            storage, webhook_secret=resolve_webhook_secret(settings), settings=settings
        )
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        name = worker_name("worker")
        logger.info("worker %s on %s", name, mask_url(settings.db_url))
        booking_app.background_worker(name).run(stop.is_set, stop.wait, idle_seconds=args.idle)
    finally:
        storage.close()
    return 0
