"""The platform runs by itself (issue 11): in the reference server, wired as
``booking_server.main`` wires it (SQLite file, the server's channels and address book), a
worker driven by a frozen clock expires an unpaid order on time and frees its slot, turns a
placed order into an inbox entry and an e-mail caught by a local SMTP server, and sends a
reminder at the configured time.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp, build
from booking_core.ids import OrderId
from booking_core.orders import Actor, Role
from booking_core.testing import FrozenClock, ScriptedPaymentGateway
from booking_server.main import open_storage
from booking_server.notifying import address_book, channels_for
from booking_server.settings import Settings

pytest.importorskip("booking_core_sqlalchemy", reason="runs the server on a SQLite file")

ZONE = "Asia/Shanghai"
TECH_EMAIL = "li.wei@example.com"


class Mailbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    handler, port = Mailbox(), _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def booking_app(
    tmp_path: Path,
    clock: FrozenClock,
    gateway: ScriptedPaymentGateway,
    mailbox: tuple[Mailbox, int],
) -> Iterator[BookingApp]:
    # The server's own wiring, with the test's clock: SQLite file, e-mail to the local
    # SMTP server, addresses from accounts.
    settings = Settings(
        db_url=f"sqlite:///{tmp_path / 'platform.sqlite3'}",
        channels=("email",),
        smtp_host="127.0.0.1",
        smtp_port=mailbox[1],
        smtp_sender="bookings@example.com",
    )
    storage = open_storage(settings)
    try:
        yield build(
            uow=storage.unit_of_work,
            payments=gateway,
            clock=clock,
            channels=channels_for(settings),
            address_book=address_book(storage.unit_of_work),
        )
    finally:
        storage.close()


@pytest.fixture
def li(booking_app: BookingApp, technician: dict[str, str], shop: dict[str, str]) -> dict[str, str]:
    """Li's headers; his account has an e-mail address."""
    with booking_app.uow() as uow:
        account = uow.accounts.find(actor=(Role.TECHNICIAN, shop["technician_id"]))
        assert account is not None
        uow.accounts.save(attrs.evolve(account, email=TECH_EMAIL))
        uow.commit()
    return technician


def _work(booking_app: BookingApp) -> None:
    worker = booking_app.background_worker("test-worker")
    while worker.run_once().busy:
        pass


def _slots(client: TestClient, shop: dict[str, str], headers: dict[str, str]) -> list[str]:
    response = client.get(
        f"/technicians/{shop['technician_id']}/free-slots",
        params={"service_id": shop["service_id"], "first_day": "2026-03-03"},
        headers=headers,
    )
    assert response.status_code == 200, response.json()
    return [slot["start"] for slot in response.json()["items"]]


def _number(booking_app: BookingApp, order: dict[str, Any]) -> str:
    with booking_app.uow() as uow:
        return uow.orders.get(OrderId(order["id"])).number


def test_an_unpaid_order_expires_on_time_and_frees_its_slot(
    client: TestClient,
    booking_app: BookingApp,
    clock: FrozenClock,
    shop: dict[str, str],
    alice: dict[str, str],
    place: Callable[..., dict[str, Any]],
) -> None:
    # given an unpaid order for Tuesday 10:00, placed Monday 08:00 (15 minutes to pay)
    order = place()
    ten = "2026-03-03T10:00:00+08:00"
    assert ten not in _slots(client, shop, alice)

    # when the worker runs a minute before the timeout, nothing happens
    clock.set(pendulum.datetime(2026, 3, 2, 8, 14, tz=ZONE))
    _work(booking_app)
    assert client.get(f"/orders/{order['id']}", headers=alice).json()["state"] == (
        "pending_payment"
    )

    # and when it runs at the timeout, the order is cancelled and 10:00 is offered again
    clock.set(pendulum.datetime(2026, 3, 2, 8, 15, tz=ZONE))
    _work(booking_app)
    expired = client.get(f"/orders/{order['id']}", headers=alice).json()
    assert expired["state"] == "cancelled"
    assert ten in _slots(client, shop, alice)
    paying = client.post(f"/orders/{order['id']}/payments", headers=alice)
    assert paying.status_code == 409


def test_a_placed_order_reaches_the_technicians_inbox_and_his_mail(
    client: TestClient,
    booking_app: BookingApp,
    mailbox: tuple[Mailbox, int],
    li: dict[str, str],
    shop: dict[str, str],
    place: Callable[..., dict[str, Any]],
) -> None:
    order = place()

    _work(booking_app)

    inbox = booking_app.notifications.inbox(Actor(shop["technician_id"], Role.TECHNICIAN))
    assert [(n.template, n.params["order_number"]) for n in inbox] == [
        ("order_placed", _number(booking_app, order))
    ]
    (mail,) = mailbox[0].messages
    assert mail["To"] == TECH_EMAIL
    assert mail["From"] == "bookings@example.com"
    assert _number(booking_app, order) in mail.get_content()


def test_reminders_arrive_the_evening_before_and_30_minutes_before_the_slot(
    client: TestClient,
    booking_app: BookingApp,
    clock: FrozenClock,
    mailbox: tuple[Mailbox, int],
    li: dict[str, str],
    alice: dict[str, str],
    place: Callable[..., dict[str, Any]],
) -> None:
    # given a paid order for Tuesday 10:00, its news sent
    order = place()
    assert client.post(f"/orders/{order['id']}/payments", headers=alice).status_code == 200
    _work(booking_app)
    messages = mailbox[0].messages
    before = len(messages)

    def sent_at(day: int, hour: int, minute: int) -> list[EmailMessage]:
        clock.set(pendulum.datetime(2026, 3, day, hour, minute, tz=ZONE))
        seen = len(messages)
        _work(booking_app)
        return messages[seen:]

    # then nothing at 19:59 Monday, the day-before reminder at 20:00 (zh-CN, Li's locale)
    assert before == 1  # the new order
    assert sent_at(2, 19, 59) == []
    (evening,) = sent_at(2, 20, 0)
    # nothing at 09:29 Tuesday, the half-hour reminder at 09:30
    assert sent_at(3, 9, 29) == []
    (soon,) = sent_at(3, 9, 30)

    for mail in (evening, soon):
        assert mail["To"] == TECH_EMAIL
        assert "2026-03-03 10:00" in mail.get_content()
        assert _number(booking_app, order) in mail.get_content()
    assert "30" in soon.get_content()
    assert evening["Subject"] != soon["Subject"]
