"""The console notifier: the notifier contract over a text stream."""

from __future__ import annotations

import io
import re

import pytest

from booking_core.ports.notifier import DeliveryOutcome, Message
from booking_core.testing.contracts import NotifierContract
from booking_core.testing.contracts.notifier import Received
from booking_core_notifications import ConsoleNotifier

_LINE = re.compile(r"\[(?P<channel>\S+) → (?P<to>\S+)\] (?P<content>.*?)(?: #(?P<key>\S+))?")


class StreamControl:
    """The "provider" is whoever reads the stream; it cannot refuse or throttle."""

    def __init__(self, out: io.StringIO) -> None:
        self.out = out

    def received(self) -> list[Received]:
        if self.out.closed:
            return []
        lines = self.out.getvalue().splitlines()
        matches = [_LINE.fullmatch(line) for line in lines]
        return [Received(m["to"], m["content"], m["key"]) for m in matches if m]

    def refuse_permanently(self) -> None:
        pytest.skip("a text stream cannot refuse a message")

    def fail_transiently(self) -> None:
        pytest.skip("a text stream cannot throttle")

    def go_offline(self) -> None:
        self.out.close()


class TestConsoleContract(NotifierContract):
    gives_provider_id = True

    @pytest.fixture
    def out(self) -> io.StringIO:
        return io.StringIO()

    @pytest.fixture
    def notifier(self, out: io.StringIO) -> ConsoleNotifier:
        return ConsoleNotifier(out)

    @pytest.fixture
    def provider(self, out: io.StringIO) -> StreamControl:
        return StreamControl(out)

    @pytest.fixture
    def recipient(self) -> str:
        return "+8613800138000"


def test_each_message_is_one_rendered_line() -> None:
    out = io.StringIO()
    params = {
        "order_id": "ord_1",
        "order_number": "20260302-0042",
        "service": "上门推拿 60 分钟",
        "start": "2026-03-02 19:30",
        "problem": "no technician accepted",
        "detail": "3 offers expired",
    }

    result = ConsoleNotifier(out).send(
        Message("order_needs_attention", "ops@example.com", "email", params, "en", "ntf_2:email")
    )

    assert result.outcome is DeliveryOutcome.ACCEPTED
    assert out.getvalue() == (
        "[email → ops@example.com] Order 20260302-0042 needs attention | "
        "Order 20260302-0042 (上门推拿 60 分钟, 2026-03-02 19:30) needs a person: "
        "no technician accepted. / 3 offers expired / Order details: /orders/ord_1 #ntf_2:email\n"
    )


def test_an_unknown_template_is_rejected_and_nothing_written() -> None:
    out = io.StringIO()

    result = ConsoleNotifier(out).send(Message("nope", "+8613800138000", "sms", {}))

    assert result.outcome is DeliveryOutcome.REJECTED
    assert "nope" in result.detail
    assert out.getvalue() == ""
