"""WeChat subscribe messages: the notifier contract against a local WeChat server API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from booking_core.ports.notifier import DeliveryOutcome, Message
from booking_core.testing.contracts import NotifierContract
from booking_core.testing.contracts.notifier import Received
from booking_core_notifications import WeChatSubscribeNotifier, WeChatTemplate

from .fakes.wechat import WeChatFake

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
TEMPLATES = {
    "order_accepted": WeChatTemplate(
        "tmpl-accepted",
        {
            "order_number": "character_string1",
            "service": "thing2",
            "start": "time3",
            "technician": "name4",
        },
        page="pages/order/detail?id={order_id}",
    ),
}


class WeChatControl:
    def __init__(self, fake: WeChatFake) -> None:
        self.fake = fake

    def received(self) -> list[Received]:
        return [_received(sent) for sent in self.fake.sent]

    def refuse_permanently(self) -> None:
        self.fake.mode = "refuse"

    def fail_transiently(self) -> None:
        self.fake.mode = "throttle"

    def go_offline(self) -> None:
        self.fake.stop()


def _received(sent: dict[str, Any]) -> Received:
    values = " ".join(item["value"] for item in sent["data"].values())
    return Received(sent["touser"], f"{sent['lang']} {sent['template_id']} {values}", None)


@pytest.fixture
def fake() -> Iterator[WeChatFake]:
    server = WeChatFake().start()
    yield server
    server.stop()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def notifier_for(fake: WeChatFake, clock: Clock | None = None) -> WeChatSubscribeNotifier:
    return WeChatSubscribeNotifier(
        fake.app_id, fake.secret, TEMPLATES, base_url=fake.url, timeout=2.0, clock=clock or Clock()
    )


class TestWeChatContract(NotifierContract):
    carried_params = frozenset({"order_number", "service", "start", "technician"})
    carries_dedupe_key = False  # subscribe messages have no field for it

    @pytest.fixture
    def notifier(self, fake: WeChatFake) -> Iterator[WeChatSubscribeNotifier]:
        notifier = notifier_for(fake)
        yield notifier
        notifier.close()

    @pytest.fixture
    def provider(self, fake: WeChatFake) -> WeChatControl:
        return WeChatControl(fake)

    @pytest.fixture
    def recipient(self) -> str:
        return OPENID


def _message(service: str = "上门推拿 60 分钟", locale: str = "zh-CN") -> Message:
    params = {
        "order_id": "ord_1",
        "order_number": "20260302-0042",
        "service": service,
        "start": "2026-03-02 19:30",
        "technician": "李娜",
    }
    return Message("order_accepted", OPENID, "wechat", params, locale, "ntf_1:wechat")


def test_the_request_fills_the_data_keys_page_and_language(fake: WeChatFake) -> None:
    result = notifier_for(fake).send(_message(locale="en"))

    [sent] = fake.sent
    assert result.outcome is DeliveryOutcome.ACCEPTED
    assert result.provider_id == "294402298110051943"
    assert sent == {
        "touser": OPENID,
        "template_id": "tmpl-accepted",
        "data": {
            "character_string1": {"value": "20260302-0042"},
            "thing2": {"value": "上门推拿 60 分钟"},
            "time3": {"value": "2026-03-02 19:30"},
            "name4": {"value": "李娜"},
        },
        "page": "pages/order/detail?id=ord_1",
        "miniprogram_state": "formal",
        "lang": "en_US",
    }


def test_the_token_is_fetched_once_and_reused_until_it_nearly_expires(fake: WeChatFake) -> None:
    clock = Clock()
    notifier = notifier_for(fake, clock)

    notifier.send(_message())
    notifier.send(_message())
    clock.now += 7200 - 300 - 1
    notifier.send(_message())
    clock.now += 2
    notifier.send(_message())

    assert fake.tokens_issued == 2
    assert len(fake.sent) == 4


def test_a_refused_token_is_renewed_once_and_the_message_sent(fake: WeChatFake) -> None:
    notifier = notifier_for(fake)
    notifier.send(_message())
    fake.invalidate_tokens()

    result = notifier.send(_message())

    assert result.outcome is DeliveryOutcome.ACCEPTED
    assert fake.tokens_issued == 2
    assert len(fake.sent) == 2


def test_a_user_without_a_subscription_is_skipped(fake: WeChatFake) -> None:
    fake.unsubscribed.add(OPENID)

    result = notifier_for(fake).send(_message())

    assert result.outcome is DeliveryOutcome.SKIPPED
    assert result.detail.startswith("errcode 43101")


def test_a_long_value_is_cut_to_what_its_data_key_takes(fake: WeChatFake) -> None:
    long_service = "全身精油推拿（含热石、拔罐、刮痧与足底按摩）120 分钟"

    result = notifier_for(fake).send(_message(service=long_service))

    assert result.outcome is DeliveryOutcome.ACCEPTED
    [sent] = fake.sent
    assert sent["data"]["thing2"]["value"] == long_service[:19] + "…"


def test_a_wrong_app_secret_is_rejected_with_wechats_reason(fake: WeChatFake) -> None:
    notifier = WeChatSubscribeNotifier(fake.app_id, "wrong", TEMPLATES, base_url=fake.url)

    result = notifier.send(_message())

    assert result.outcome is DeliveryOutcome.REJECTED
    assert result.detail == "access token: errcode 40125: invalid appsecret"
