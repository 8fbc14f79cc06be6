"""``python -m booking_server worker`` runs alone, as its own process: it does the work that
is due on the server's database and stops cleanly on SIGTERM (issue 11)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pendulum
import pytest

from booking_core import Money
from booking_core.api import CreateCategory, CreateService, PlaceOrder, RegisterTechnician, build
from booking_core.ids import OrderId
from booking_core.orders import Actor, Role
from booking_core.scheduling import WeeklyHours
from booking_core.testing import FrozenClock, ScriptedPaymentGateway
from booking_server.main import open_storage
from booking_server.settings import Settings

pytest.importorskip("booking_core_sqlalchemy", reason="the worker runs on a SQLite file")
pytestmark = pytest.mark.slow

ADMIN = Actor.platform("ops_1")


def _overdue_unpaid_order(db_url: str) -> OrderId:
    """An order placed 20 minutes ago and never paid (its expiry is 5 minutes overdue)."""
    storage = open_storage(Settings(db_url=db_url))
    placed_at = pendulum.now("UTC").subtract(minutes=20)
    app = build(
        uow=storage.unit_of_work, payments=ScriptedPaymentGateway(), clock=FrozenClock(placed_at)
    )
    try:
        category = app.catalog.create_category(CreateCategory("按摩 Massage"), ADMIN)
        service = app.catalog.create_service(
            CreateService(category.id, "Tuina", 60, Money(19900, "CNY")), ADMIN
        )
        li = app.technicians.register(
            RegisterTechnician(
                "Li", "UTC", WeeklyHours.every_day("00:00", "24:00"), frozenset({service.id})
            ),
            ADMIN,
        )
        day = placed_at.add(days=1).date()
        (first, *_) = app.availability.free_slots(li.id, service.id, day)
        customer = Actor("cus_1", Role.CUSTOMER)
        order = app.ordering.place_order(
            PlaceOrder("cus_1", li.id, service.id, first.start), customer
        )
        return order.id
    finally:
        storage.close()


def _state(db_url: str, order_id: OrderId) -> str:
    storage = open_storage(Settings(db_url=db_url))
    try:
        with storage.unit_of_work() as uow:
            return uow.orders.get(order_id).state
    finally:
        storage.close()


def test_the_worker_command_expires_an_overdue_order_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    order_id = _overdue_unpaid_order(db_url)
    assert _state(db_url, order_id) == "pending_payment"

    env = {**os.environ, "BOOKING_CORE_DB_URL": db_url, "BOOKING_CORE_CHANNELS": ""}
    worker = subprocess.Popen(
        [sys.executable, "-m", "booking_server", "worker", "--idle", "0.1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while _state(db_url, order_id) != "cancelled" and time.monotonic() < deadline:
            assert worker.poll() is None, worker.communicate()[0]
            time.sleep(0.2)
        assert _state(db_url, order_id) == "cancelled"
    finally:
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=30)[0]
    assert worker.returncode == 0, output
    assert "worker" in output
