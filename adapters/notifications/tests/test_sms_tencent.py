"""Tencent Cloud SMS: the notifier contract against a TC3-checking local SMS API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from booking_core.ports.notifier import DeliveryOutcome, Message
from booking_core.testing.contracts import NotifierContract
from booking_core.testing.contracts.notifier import Received
from booking_core_notifications import SmsTemplate, TencentSmsNotifier

from .fakes.tencent import TencentSmsFake

PHONE = "+8613800138000"
TEMPLATES = {
    "order_accepted": SmsTemplate(
        "1110001",
        ("technician", "service", "start", "order_number", "order_id"),
        by_locale={"en": "2220001"},
    ),
}


class TencentControl:
    def __init__(self, fake: TencentSmsFake) -> None:
        self.fake = fake

    def received(self) -> list[Received]:
        return [
            Received(
                str(sent["PhoneNumberSet"][0]),
                f"{sent['TemplateId']} {' '.join(sent['TemplateParamSet'])}",
                str(sent["SessionContext"]),
            )
            for sent in self.fake.sent
        ]

    def refuse_permanently(self) -> None:
        self.fake.mode = "refuse"

    def fail_transiently(self) -> None:
        self.fake.mode = "throttle"

    def go_offline(self) -> None:
        self.fake.stop()


@pytest.fixture
def fake() -> Iterator[TencentSmsFake]:
    server = TencentSmsFake().start()
    yield server
    server.stop()


def notifier_for(fake: TencentSmsFake, key: str | None = None) -> TencentSmsNotifier:
    return TencentSmsNotifier(
        fake.secret_id,
        key or fake.secret_key,
        "1400006666",
        "上门到家",
        TEMPLATES,
        base_url=fake.url,
        timeout=2.0,
    )


class TestTencentSmsContract(NotifierContract):
    @pytest.fixture
    def notifier(self, fake: TencentSmsFake) -> Iterator[TencentSmsNotifier]:
        notifier = notifier_for(fake)
        yield notifier
        notifier.close()

    @pytest.fixture
    def provider(self, fake: TencentSmsFake) -> TencentControl:
        return TencentControl(fake)

    @pytest.fixture
    def recipient(self) -> str:
        return PHONE


def _message(template: str = "order_accepted", locale: str = "zh-CN") -> Message:
    params = {
        "order_id": "ord_1",
        "order_number": "20260302-0042",
        "service": "小时工 3 小时",
        "start": "2026-03-02 19:30",
        "technician": "王阿姨",
    }
    return Message(template, PHONE, "sms", params, locale, "ntf_1:sms")


def test_the_request_carries_app_sign_ordered_params_and_session_context(
    fake: TencentSmsFake,
) -> None:
    result = notifier_for(fake).send(_message())

    [sent] = fake.sent
    [request] = fake.requests
    assert result.outcome is DeliveryOutcome.ACCEPTED
    assert result.provider_id == "5000:1045710669157053657849499601"
    assert sent == {
        "PhoneNumberSet": [PHONE],
        "SmsSdkAppId": "1400006666",
        "SignName": "上门到家",
        "TemplateId": "1110001",
        "TemplateParamSet": [
            "王阿姨",
            "小时工 3 小时",
            "2026-03-02 19:30",
            "20260302-0042",
            "ord_1",
        ],
        "SessionContext": "ntf_1:sms",
    }
    assert request.headers["x-tc-region"] == "ap-guangzhou"
    assert json.loads(request.body) == sent


def test_a_wrong_key_fails_the_signature_check_and_is_rejected(fake: TencentSmsFake) -> None:
    result = notifier_for(fake, key="not-the-key").send(_message())

    assert result.outcome is DeliveryOutcome.REJECTED
    assert "AuthFailure.SignatureFailure" in result.detail
    assert fake.sent == []


def test_a_gateway_error_is_retried_later(fake: TencentSmsFake) -> None:
    fake.mode = "busy"

    result = notifier_for(fake).send(_message())

    assert result.outcome is DeliveryOutcome.RETRY_LATER
    assert result.detail.startswith("HTTP 502")


def test_a_throttled_send_says_which_limit(fake: TencentSmsFake) -> None:
    fake.mode = "throttle"

    result = notifier_for(fake).send(_message())

    assert result.outcome is DeliveryOutcome.RETRY_LATER
    assert result.detail.startswith("LimitExceeded.PhoneNumberThirtySecondLimit")


def test_a_missing_parameter_is_rejected_without_a_request(fake: TencentSmsFake) -> None:
    message = _message()
    del message.params["technician"]

    result = notifier_for(fake).send(message)

    assert result.outcome is DeliveryOutcome.REJECTED
    assert "technician" in result.detail
    assert fake.requests == []
