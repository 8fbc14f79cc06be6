"""Several providers routed by channel: each payment goes to its channel's provider, and its
queries, refunds, reconciliation and webhooks go back to the provider that took it
(docs/payments.md, "Several providers")."""

from __future__ import annotations

import pendulum
import pytest

from booking_core import Money
from booking_core.accounts import Account, AccountId
from booking_core.errors import InvalidWebhook, PayerUnknown, PaymentError
from booking_core.orders import Role
from booking_core.orders.payments import PaymentStatus, RefundStatus
from booking_core.ports.payments import PaymentChannel, PaymentRequest, PaymentResult, WebhookKind
from booking_core.routing import PaymentRouting
from booking_core.testing.orders import CUSTOMER, OPERATOR, OrderWorld, at, order_world
from booking_core.testing.payments import Outcome, ScriptedPaymentGateway


@pytest.fixture
def wechat() -> ScriptedPaymentGateway:
    return ScriptedPaymentGateway(name="wechatpay")


@pytest.fixture
def alipay() -> ScriptedPaymentGateway:
    return ScriptedPaymentGateway(name="alipay")


@pytest.fixture
def world(wechat: ScriptedPaymentGateway, alipay: ScriptedPaymentGateway) -> OrderWorld:
    # WeChat Pay is the default (and serves the mini-program); Alipay serves mobile browsers.
    return order_world(gateway=wechat, routes={PaymentChannel.H5: alipay})


def test_a_payment_goes_to_its_channels_provider_with_the_payer(
    world: OrderWorld, wechat: ScriptedPaymentGateway, alipay: ScriptedPaymentGateway
) -> None:
    in_app = world.place()
    in_browser = world.place(at(4, 10))

    world.app.payments.pay(in_app, CUSTOMER, channel=PaymentChannel.MINI_PROGRAM, payer="o-1")
    world.app.payments.pay(in_browser, CUSTOMER, channel=PaymentChannel.H5)

    with world.uow() as uow:
        [by_wechat] = uow.payments.for_order(in_app)
        [by_alipay] = uow.payments.for_order(in_browser)
    assert (by_wechat.gateway, by_alipay.gateway) == ("wechatpay", "alipay")
    request = wechat.request_of(by_wechat.key)
    assert (request.channel, request.payer) == (PaymentChannel.MINI_PROGRAM, "o-1")
    assert alipay.request_of(by_alipay.key).channel is PaymentChannel.H5
    assert [c.split()[0] for c in alipay.calls] == ["create_payment"]
    assert not any(by_alipay.key in c for c in wechat.calls)


def test_refunds_go_back_to_the_provider_that_took_the_money(
    world: OrderWorld, wechat: ScriptedPaymentGateway, alipay: ScriptedPaymentGateway
) -> None:
    order_id = world.place()
    world.app.payments.pay(order_id, CUSTOMER, channel=PaymentChannel.H5)

    [refund] = world.app.payments.refund(
        order_id, Money(5000, "CNY"), reason="goodwill", actor=OPERATOR
    )

    with world.uow() as uow:
        [record] = uow.refunds.for_order(order_id)
    assert refund.status is RefundStatus.SUCCEEDED
    assert record.gateway == "alipay"
    assert f"refund {record.key}" in alipay.calls
    assert not any("refund" in c for c in wechat.calls)


def test_reconciliation_asks_the_provider_that_was_asked(
    world: OrderWorld, wechat: ScriptedPaymentGateway, alipay: ScriptedPaymentGateway
) -> None:
    order_id = world.place()
    alipay.script(Outcome.UNKNOWN_THEN_APPROVE)
    lost = world.app.payments.pay(order_id, CUSTOMER, channel=PaymentChannel.H5)

    report = world.app.payments.reconcile(order_id)

    assert lost.status is PaymentStatus.UNKNOWN
    assert report.settled
    assert f"get_payment {lost.idempotency_key}" in alipay.calls
    assert not any("get_payment" in c for c in wechat.calls)
    assert world.get(order_id).state == "pending_acceptance"


def test_each_providers_webhook_is_verified_by_that_provider(
    world: OrderWorld, alipay: ScriptedPaymentGateway
) -> None:
    order_id = world.place()
    alipay.script(Outcome.REQUIRES_ACTION)
    pending = world.app.payments.pay(order_id, CUSTOMER, channel=PaymentChannel.H5)
    alipay.complete_action(pending.idempotency_key)
    headers, body = alipay.notification(WebhookKind.PAYMENT_CAPTURED, pending.idempotency_key)

    with pytest.raises(InvalidWebhook):  # WeChat Pay's keys do not verify Alipay's notice
        world.app.payments.handle_webhook(headers, body, provider="wechatpay")
    with pytest.raises(PaymentError) as unknown:
        world.app.payments.handle_webhook(headers, body, provider="stripe")
    ack = world.app.payments.handle_webhook(headers, body, provider="alipay")

    assert ack.status_code == 200
    assert unknown.value.details == {"reason": "payment_provider_unknown", "provider": "stripe"}
    assert world.get(order_id).state == "pending_acceptance"
    with world.uow() as uow:
        assert uow.webhooks.record("alipay", "evt_1", "", world.clock.now()) is False


def test_an_attempt_from_before_routing_belongs_to_the_default_provider(
    world: OrderWorld, wechat: ScriptedPaymentGateway
) -> None:
    routing = PaymentRouting(wechat, {PaymentChannel.H5: ScriptedPaymentGateway(name="alipay")})

    assert routing.named("") is wechat
    assert routing.for_channel(None) is wechat
    assert routing.for_channel(PaymentChannel.CARD) is wechat
    assert [g.name for g in routing.gateways] == ["wechatpay", "alipay"]


def test_two_providers_may_not_share_a_name(wechat: ScriptedPaymentGateway) -> None:
    with pytest.raises(ValueError, match="both named 'wechatpay'"):
        PaymentRouting(wechat, {PaymentChannel.H5: ScriptedPaymentGateway(name="wechatpay")})


def test_the_mini_program_pays_as_the_customers_wechat_openid(
    world: OrderWorld, wechat: ScriptedPaymentGateway
) -> None:
    order_id = world.place()
    with pytest.raises(PayerUnknown) as unknown:
        world.app.payments.pay(order_id, CUSTOMER, channel=PaymentChannel.MINI_PROGRAM)
    with world.uow() as uow:
        stored = uow.payments.for_order(order_id)
        uow.accounts.add(Account(AccountId("acc_1"), Role.CUSTOMER, CUSTOMER.id,
                                 wechat_openid="o-wx-1", created_at=world.clock.now()))  # fmt: skip
        uow.commit()

    paid = world.app.payments.pay(order_id, CUSTOMER, channel=PaymentChannel.MINI_PROGRAM)

    assert unknown.value.code == "payer_unknown"
    assert stored == []  # refused before anything was stored
    assert wechat.request_of(paid.idempotency_key).payer == "o-wx-1"


class _LinkThatCrashed(ScriptedPaymentGateway):
    """A provider that knows a payment only once its link is opened; the process dies
    after storing the attempt and before the link is made."""

    def create_payment(self, request: PaymentRequest) -> PaymentResult:
        raise RuntimeError("the process died here")


def test_an_unopened_link_is_not_closed_before_it_expires() -> None:
    world = order_world(gateway=_LinkThatCrashed(link_ttl_minutes=30))
    order_id = world.place()
    with pytest.raises(RuntimeError):
        world.app.payments.pay(order_id, CUSTOMER)

    world.clock.advance(pendulum.duration(minutes=29))
    early = world.app.payments.reconcile(order_id)
    world.clock.advance(pendulum.duration(minutes=2))
    late = world.app.payments.reconcile(order_id)

    assert (early.open_payments, late.open_payments) == (1, 0)
    with world.uow() as uow:
        [attempt] = uow.payments.for_order(order_id)
    assert (attempt.status, attempt.failure_code) == (PaymentStatus.CANCELLED, "not_created")


def test_a_provider_cannot_move_money_another_provider_took() -> None:
    # Both fakes verify with one secret: Alipay's endpoint accepts WeChat Pay's signature.
    wechat = ScriptedPaymentGateway(name="wechatpay", secret=b"s" * 32)
    alipay = ScriptedPaymentGateway(name="alipay", secret=b"s" * 32)
    world = order_world(gateway=wechat, routes={PaymentChannel.H5: alipay})
    order_id = world.place()
    wechat.script(Outcome.REQUIRES_ACTION)
    pending = world.app.payments.pay(order_id, CUSTOMER, channel=PaymentChannel.MINI_PROGRAM,
                                     payer="o-1")  # fmt: skip
    wechat.complete_action(pending.idempotency_key)
    headers, body = wechat.notification(WebhookKind.PAYMENT_CAPTURED, pending.idempotency_key)

    ack = world.app.payments.handle_webhook(headers, body, provider="alipay")
    unmoved = world.get(order_id).state
    world.app.payments.handle_webhook(headers, body, provider="wechatpay")

    assert ack.status_code == 200  # acknowledged: not ours to apply, so not retried
    assert unmoved == "pending_payment"
    assert world.get(order_id).state == "pending_acceptance"
