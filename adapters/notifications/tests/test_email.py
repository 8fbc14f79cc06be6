"""E-mail: the notifier contract against a real SMTP server (aiosmtpd) on a local port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from booking_core.ports.notifier import DeliveryOutcome, Message
from booking_core.testing.contracts import NotifierContract
from booking_core.testing.contracts.notifier import Received
from booking_core_notifications import EmailNotifier
from booking_core_notifications.email import message_id

from .fakes.smtp import SmtpServer

ADDRESS = "li.na@example.com"


class SmtpControl:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    def received(self) -> list[Received]:
        return [
            Received(
                str(mail["To"]), f"{mail['Subject']}\n{mail.get_content()}", mail["Message-ID"]
            )
            for _, mail in self.server.mails
        ]

    def refuse_permanently(self) -> None:
        self.server.mode = "refuse"

    def fail_transiently(self) -> None:
        self.server.mode = "throttle"

    def go_offline(self) -> None:
        self.server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def notifier_for(smtp: SmtpServer) -> EmailNotifier:
    return EmailNotifier("127.0.0.1", smtp.port, "noreply@booking.example", timeout=2.0)


class TestEmailContract(NotifierContract):
    @pytest.fixture
    def notifier(self, smtp: SmtpServer) -> EmailNotifier:
        return notifier_for(smtp)

    @pytest.fixture
    def provider(self, smtp: SmtpServer) -> SmtpControl:
        return SmtpControl(smtp)

    @pytest.fixture
    def recipient(self) -> str:
        return ADDRESS


def _message(locale: str = "zh-CN") -> Message:
    params = {
        "order_id": "ord_1",
        "order_number": "20260302-0042",
        "service": "日常保洁 3 小时",
        "start": "2026-03-02 09:00",
        "minutes": "30",
    }
    return Message("reminder_soon", ADDRESS, "email", params, locale, "ntf_5:email")


def test_the_mail_has_the_rendered_subject_body_locale_and_a_stable_message_id(
    smtp: SmtpServer,
) -> None:
    result = notifier_for(smtp).send(_message())

    [(envelope_to, mail)] = smtp.mails
    assert result.outcome is DeliveryOutcome.ACCEPTED
    assert result.provider_id == mail["Message-ID"] == message_id("ntf_5:email", "booking.example")
    assert envelope_to == [ADDRESS]
    assert mail["From"] == "noreply@booking.example"
    assert mail["Subject"] == "30 分钟后开始服务"
    assert mail["Content-Language"] == "zh-CN"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail.get_content().strip() == (
        "您预约的日常保洁 3 小时将在 30 分钟后（2026-03-02 09:00）开始，订单号 20260302-0042。\n"
        "订单详情：/orders/ord_1"
    )


def test_the_message_id_is_a_valid_id_whatever_the_key() -> None:
    ident = message_id("ntf_5:email", "booking.example")

    assert ident.startswith("<")
    assert ident.endswith("@booking.example>")
    assert ":" not in ident
    assert ident != message_id("ntf_6:email", "booking.example")


def test_the_smtp_reply_is_in_the_detail(smtp: SmtpServer) -> None:
    smtp.mode = "refuse"

    result = notifier_for(smtp).send(_message())

    assert result.outcome is DeliveryOutcome.REJECTED
    assert "550 5.1.1 mailbox unavailable" in result.detail


def test_starttls_against_a_server_without_it_is_rejected(smtp: SmtpServer) -> None:
    notifier = EmailNotifier("127.0.0.1", smtp.port, "noreply@booking.example", starttls=True)

    result = notifier.send(_message())

    assert result.outcome is DeliveryOutcome.REJECTED
    assert "STARTTLS" in result.detail
    assert smtp.mails == []
