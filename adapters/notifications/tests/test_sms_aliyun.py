"""Aliyun SMS: the notifier contract against a signature-checking local Dysmsapi."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from booking_core.ports.notifier import DeliveryOutcome, Message
from booking_core.testing.contracts import NotifierContract
from booking_core.testing.contracts.notifier import Received
from booking_core_notifications import AliyunSmsNotifier, SmsTemplate
from booking_core_notifications.sms_aliyun import percent_encode, rpc_signature

from .fakes.aliyun import AliyunSmsFake

PHONE = "+8613800138000"
TEMPLATES = {
    "order_accepted": SmsTemplate(
        "SMS_100001",
        ("technician", "service", "start", "order_number", "order_id"),
        names={"technician": "name"},
        by_locale={"en": "SMS_200001"},
    ),
}


class AliyunControl:
    def __init__(self, fake: AliyunSmsFake) -> None:
        self.fake = fake

    def received(self) -> list[Received]:
        return [
            Received(
                sent["PhoneNumbers"],
                f"{sent['TemplateCode']} {' '.join(json.loads(sent['TemplateParam']).values())}",
                sent["OutId"],
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
def fake() -> Iterator[AliyunSmsFake]:
    server = AliyunSmsFake().start()
    yield server
    server.stop()


def notifier_for(fake: AliyunSmsFake, secret: str | None = None) -> AliyunSmsNotifier:
    return AliyunSmsNotifier(
        fake.key_id,
        secret or fake.secret,
        "上门到家",
        TEMPLATES,
        base_url=fake.url,
        timeout=2.0,
    )


class TestAliyunSmsContract(NotifierContract):
    @pytest.fixture
    def notifier(self, fake: AliyunSmsFake) -> Iterator[AliyunSmsNotifier]:
        notifier = notifier_for(fake)
        yield notifier
        notifier.close()

    @pytest.fixture
    def provider(self, fake: AliyunSmsFake) -> AliyunControl:
        return AliyunControl(fake)

    @pytest.fixture
    def recipient(self) -> str:
        return PHONE


def _message(template: str = "order_accepted", locale: str = "zh-CN") -> Message:
    params = {
        "order_id": "ord_1",
        "order_number": "20260302-0042",
        "service": "精油 SPA*90 分钟",
        "start": "2026-03-02 19:30",
        "technician": "李娜",
    }
    return Message(template, PHONE, "sms", params, locale, "ntf_1:sms")


def test_the_signature_matches_aliyuns_documented_example() -> None:
    # The worked example of Aliyun's "RPC signature" page (ECS DescribeRegions, GET).
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }

    assert rpc_signature("GET", params, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    assert percent_encode("a b*c~d/é") == "a%20b%2Ac~d%2F%C3%A9"


def test_the_request_carries_template_variables_sign_and_out_id(fake: AliyunSmsFake) -> None:
    result = notifier_for(fake).send(_message(locale="en"))

    [sent] = fake.sent
    assert result.outcome is DeliveryOutcome.ACCEPTED
    assert result.provider_id == "900619746936498401^0"
    assert (sent["PhoneNumbers"], sent["SignName"], sent["TemplateCode"]) == (
        PHONE,
        "上门到家",
        "SMS_200001",
    )
    assert json.loads(sent["TemplateParam"]) == {
        "name": "李娜",
        "service": "精油 SPA*90 分钟",
        "start": "2026-03-02 19:30",
        "order_number": "20260302-0042",
        "order_id": "ord_1",
    }
    assert sent["OutId"] == "ntf_1:sms"


def test_a_wrong_secret_is_refused_by_the_signature_check(fake: AliyunSmsFake) -> None:
    result = notifier_for(fake, secret="not-the-secret").send(_message())

    assert result.outcome is DeliveryOutcome.REJECTED
    assert "SignatureDoesNotMatch" in result.detail
    assert fake.sent == []


def test_a_platform_outage_is_retried_later(fake: AliyunSmsFake) -> None:
    fake.mode = "busy"

    result = notifier_for(fake).send(_message())

    assert result.outcome is DeliveryOutcome.RETRY_LATER
    assert result.detail.startswith("HTTP 503")


def test_a_template_without_a_mapping_is_rejected_without_a_request(
    fake: AliyunSmsFake,
) -> None:
    result = notifier_for(fake).send(_message("order_placed"))

    assert result.outcome is DeliveryOutcome.REJECTED
    assert "order_placed" in result.detail
    assert fake.requests == []


def test_a_timeout_is_retried_later(fake: AliyunSmsFake) -> None:
    fake.delay = 0.5
    notifier = AliyunSmsNotifier(
        fake.key_id, fake.secret, "上门到家", TEMPLATES, base_url=fake.url, timeout=0.1
    )

    result = notifier.send(_message())

    assert result.outcome is DeliveryOutcome.RETRY_LATER
    assert "Timeout" in result.detail
