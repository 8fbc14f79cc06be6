"""Partner webhooks: the notifier contract against an endpoint that verifies signatures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from booking_core.ports.notifier import DeliveryOutcome, Message
from booking_core.testing.contracts import NotifierContract
from booking_core.testing.contracts.notifier import Received
from booking_core_notifications import WebhookNotifier

from .fakes.partner import SECRET, PartnerEndpoint


class PartnerControl:
    def __init__(self, endpoint: PartnerEndpoint) -> None:
        self.endpoint = endpoint

    def received(self) -> list[Received]:
        return [
            Received(
                self.endpoint.endpoint,
                f"{payload['title']}\n{payload['body']}",
                headers["webhook-id"],
            )
            for headers, payload in self.endpoint.delivered
        ]

    def refuse_permanently(self) -> None:
        self.endpoint.mode = "refuse"

    def fail_transiently(self) -> None:
        self.endpoint.mode = "throttle"

    def go_offline(self) -> None:
        self.endpoint.stop()


@pytest.fixture
def endpoint() -> Iterator[PartnerEndpoint]:
    server = PartnerEndpoint().start()
    yield server
    server.stop()


class TestWebhookContract(NotifierContract):
    @pytest.fixture
    def notifier(self, endpoint: PartnerEndpoint) -> Iterator[WebhookNotifier]:
        notifier = WebhookNotifier({endpoint.endpoint: SECRET}, timeout=2.0)
        yield notifier
        notifier.close()

    @pytest.fixture
    def provider(self, endpoint: PartnerEndpoint) -> PartnerControl:
        return PartnerControl(endpoint)

    @pytest.fixture
    def recipient(self, endpoint: PartnerEndpoint) -> str:
        return endpoint.endpoint


PARAMS = {
    "order_id": "ord_1",
    "order_number": "20260302-0042",
    "service": "Deep tissue 60 min",
    "start": "2026-03-02 19:30",
}


def _message(url: str, locale: str = "en") -> Message:
    return Message("order_placed", url, "webhook", dict(PARAMS), locale, "ntf_9:webhook")


def test_the_payload_is_typed_rendered_and_verifiable(endpoint: PartnerEndpoint) -> None:
    notifier = WebhookNotifier(lambda url: SECRET if url == endpoint.endpoint else None)

    result = notifier.send(_message(endpoint.endpoint))

    [(headers, payload)] = endpoint.delivered
    assert result.outcome is DeliveryOutcome.ACCEPTED
    assert result.provider_id == "ntf_9:webhook"
    assert headers["webhook-id"] == "ntf_9:webhook"
    assert payload["type"] == "order_placed"
    assert payload["data"] == PARAMS
    assert payload["locale"] == "en"
    assert payload["title"] == "New order 20260302-0042"
    assert payload["body"] == (
        "New order 20260302-0042: Deep tissue 60 min, 2026-03-02 19:30. Please accept it soon.\n"
        "Order details: /orders/ord_1"
    )


def test_the_signature_covers_the_timestamp(endpoint: PartnerEndpoint) -> None:
    long_ago = datetime(2026, 3, 2, 11, 0, tzinfo=UTC) - timedelta(days=400)
    notifier = WebhookNotifier({endpoint.endpoint: SECRET}, now=lambda: long_ago)

    result = notifier.send(_message(endpoint.endpoint))

    # The partner's library refuses a stale timestamp: REJECTED, and the log says why.
    assert result.outcome is DeliveryOutcome.REJECTED
    assert result.detail.startswith("HTTP 401: bad signature: Message timestamp too old")
    assert endpoint.delivered == []


def test_a_wrong_secret_is_refused_by_the_partner(endpoint: PartnerEndpoint) -> None:
    other = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="
    notifier = WebhookNotifier({endpoint.endpoint: other})

    result = notifier.send(_message(endpoint.endpoint))

    assert result.outcome is DeliveryOutcome.REJECTED
    assert "401" in result.detail
    assert endpoint.delivered == []


def test_an_endpoint_without_a_secret_is_rejected_without_a_request(
    endpoint: PartnerEndpoint,
) -> None:
    result = WebhookNotifier({}).send(_message(endpoint.endpoint))

    assert result.outcome is DeliveryOutcome.REJECTED
    assert result.detail == f"no secret for {endpoint.endpoint}"
    assert endpoint.requests == []


@pytest.mark.parametrize(
    ("mode", "outcome", "status"),
    [
        ("gone", DeliveryOutcome.REJECTED, 410),
        ("busy", DeliveryOutcome.RETRY_LATER, 503),
        ("throttle", DeliveryOutcome.RETRY_LATER, 429),
    ],
)
def test_answers_map_to_outcomes_with_the_status_in_the_detail(
    endpoint: PartnerEndpoint, mode: str, outcome: DeliveryOutcome, status: int
) -> None:
    endpoint.mode = mode

    result = WebhookNotifier({endpoint.endpoint: SECRET}).send(_message(endpoint.endpoint))

    assert result.outcome is outcome
    assert result.detail.startswith(f"HTTP {status}: ")
    assert f"partner says {status}" in result.detail


def test_a_slow_partner_times_out_and_is_retried_later(endpoint: PartnerEndpoint) -> None:
    endpoint.delay = 0.5
    notifier = WebhookNotifier({endpoint.endpoint: SECRET}, timeout=0.1)

    result = notifier.send(_message(endpoint.endpoint))

    assert result.outcome is DeliveryOutcome.RETRY_LATER
    assert "Timeout" in result.detail


def test_a_missing_parameter_is_rejected_without_a_request(endpoint: PartnerEndpoint) -> None:
    message = _message(endpoint.endpoint)
    del message.params["service"]

    result = WebhookNotifier({endpoint.endpoint: SECRET}).send(message)

    assert result.outcome is DeliveryOutcome.REJECTED
    assert "service" in result.detail
    assert endpoint.requests == []
