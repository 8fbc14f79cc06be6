"""The shipped contract suites run against the in-memory storage and the fake gateway."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from booking_core.money import Money
from booking_core.ports.payments import (
    PaymentGateway,
    PaymentPurpose,
    PaymentRequest,
    PaymentResult,
    PaymentStatus,
    WebhookKind,
)
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.testing import InMemoryStore, ScriptedPaymentGateway
from booking_core.testing.contracts import (
    JobQueueContract,
    OrderRaceContract,
    PaymentGatewayContract,
)
from booking_core.testing.payments import FAKE_SIGNATURE_HEADER, Outcome, RefundOutcome


class TestInMemoryJobQueue(JobQueueContract):
    @pytest.fixture
    def uow_factory(self) -> UnitOfWorkFactory:
        return InMemoryStore().unit_of_work


class TestInMemoryOrderRaces(OrderRaceContract):
    @pytest.fixture
    def uow_factory(self) -> UnitOfWorkFactory:
        return InMemoryStore().unit_of_work


# The fake drives itself: its scripts stand for the customer and the network (this class is
# the example of docs/payments.md, "Write your own adapter").
class TestScriptedGateway(PaymentGatewayContract):
    @pytest.fixture
    def gateway(self) -> ScriptedPaymentGateway:
        return ScriptedPaymentGateway()

    def create_unpaid(self, gateway: PaymentGateway, request: PaymentRequest) -> PaymentResult:
        assert isinstance(gateway, ScriptedPaymentGateway)
        gateway.script(Outcome.REQUIRES_ACTION)
        return gateway.create_payment(request)

    def notification(
        self,
        gateway: PaymentGateway,
        kind: WebhookKind,
        payment_key: str,
        *,
        refund_key: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        assert isinstance(gateway, ScriptedPaymentGateway)
        return gateway.notification(kind, payment_key, refund_key=refund_key)

    def forge(
        self, gateway: PaymentGateway, headers: dict[str, str], body: bytes
    ) -> tuple[dict[str, str], bytes]:
        return {FAKE_SIGNATURE_HEADER: ScriptedPaymentGateway().sign(body)}, body

    @contextlib.contextmanager
    def lost_reply(self, gateway: PaymentGateway) -> Iterator[None]:
        assert isinstance(gateway, ScriptedPaymentGateway)
        gateway.script(Outcome.UNKNOWN_THEN_APPROVE)
        gateway.script_refunds(RefundOutcome.UNKNOWN_THEN_SUCCEED)
        yield


class TestScriptedGatewayWithManualCapture(TestScriptedGateway):
    @pytest.fixture
    def gateway(self) -> ScriptedPaymentGateway:
        return ScriptedPaymentGateway(manual_capture=True)

    def settle(self, gateway: PaymentGateway, key: str) -> PaymentResult:
        return gateway.capture(key)


def test_manual_capture_authorizes_then_captures_all_or_part() -> None:
    gateway = ScriptedPaymentGateway(manual_capture=True)
    gateway.create_payment(
        PaymentRequest("k", "o", Money(1000, "CNY"), PaymentPurpose.DEPOSIT, hold=True)
    )
    authorized = gateway.get_payment("k")
    captured = gateway.capture("k", Money(600, "CNY"))

    assert authorized.status is PaymentStatus.AUTHORIZED
    assert (captured.status, captured.amount) == (PaymentStatus.CAPTURED, Money(600, "CNY"))


def test_a_payment_requiring_action_can_be_closed_before_the_customer_pays() -> None:
    gateway = ScriptedPaymentGateway()
    gateway.script(Outcome.REQUIRES_ACTION)
    pending = gateway.create_payment(
        PaymentRequest("k", "o", Money(1000, "CNY"), PaymentPurpose.FULL)
    )

    closed = gateway.cancel("k")

    assert pending.next_action is not None
    assert closed.status is PaymentStatus.CANCELLED
