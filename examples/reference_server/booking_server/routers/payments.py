"""An order's payments and refunds, and the payment provider's webhook (FEATURES C6, C10,
M3)."""

from __future__ import annotations

import functools

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from booking_core.errors import NotFound
from booking_core.ids import OrderId
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.problems import problem_responses
from booking_server.schemas import MoneyViewOut, PaymentAttemptOut, PaymentOut, RefundOut
from booking_server.schemas.payments import TipIn

__all__ = ["router"]

router = APIRouter(tags=["lifecycle"], responses=problem_responses(401, 403, 404, 422))


@router.get("/orders/{order_id}/money", summary="Payments and refunds of an order")
def money(order_id: str, app: Booking, actor: CurrentActor) -> MoneyViewOut:
    """Every payment attempt and every refund, with where each stands."""
    attempts, refunds = app.payments.money_of(OrderId(order_id), actor)
    return MoneyViewOut(
        payments=[PaymentAttemptOut.from_domain(a) for a in attempts],
        refunds=[RefundOut.from_domain(r) for r in refunds],
    )


@router.post(
    "/orders/{order_id}/tip",
    summary="Tip the technician of an order (customer)",
    responses=problem_responses(402, 409),
)
def tip_order(order_id: str, body: TipIn, app: Booking, actor: CurrentActor) -> PaymentOut:
    """Charge a tip (打赏) through the payment gateway, like a payment, once the service has
    started (``in_service`` or ``completed``). All of a captured tip is the technician's; it
    changes neither the order's price nor what was paid for it, and no refund of the order
    takes it back. A declined tip is an answer (200, ``status: declined``); the same
    ``number`` and amount again is the same tip (200, asked about, never charged twice).
    Refusals are 409 ``tip_not_allowed`` with ``reason`` (``not_started``, ``order_closed``,
    ``above_maximum``, ``below_minimum``, ``tip_in_progress``, ``number_skipped`` …); the
    same number with another amount is 422 ``idempotency_key_reused``."""
    result = app.payments.tip(
        OrderId(order_id), body.amount.to_domain(), actor, number=body.number, channel=body.channel
    )
    return PaymentOut.from_domain(result, app.ordering.get_order(OrderId(order_id), actor))


@router.post(
    "/payments/webhook",
    summary="Payment provider notifications",
    responses={**problem_responses(422)},
)
async def payment_webhook(request: Request, app: Booking) -> Response:
    """Verify, store and apply a provider notification; answer exactly what the provider
    expects. A forged or tampered one is 422 ``invalid_webhook`` and changes nothing. The
    event is stored and applied in one transaction: if applying fails nothing is stored and
    the answer is a 5xx problem, so the provider retries and the retry applies it. No actor
    headers: the signature is the authentication."""
    body = await request.body()
    headers = dict(request.headers)
    ack = await run_in_threadpool(app.payments.handle_webhook, headers, body)
    return Response(content=ack.body, status_code=ack.status_code, media_type=ack.content_type)


@router.post(
    "/payments/webhook/{provider}",
    summary="A named payment provider's notifications",
    responses={**problem_responses(404, 422)},
)
async def provider_webhook(provider: str, request: Request, app: Booking) -> Response:
    """As ``POST /payments/webhook``, for the provider ``provider`` (``wechatpay``,
    ``alipay``, ``stripe`` …: give each provider its own notify URL). The named provider
    verifies the notification and the answer is exactly the one it expects (WeChat Pay 204,
    Alipay ``success``, Stripe 200). A provider that is not configured is 404
    ``payment_provider_not_found``."""
    if provider not in app.payments.providers:
        raise NotFound("payment_provider", provider)
    body = await request.body()
    headers = dict(request.headers)
    ack = await run_in_threadpool(
        functools.partial(app.payments.handle_webhook, headers, body, provider=provider)
    )
    return Response(content=ack.body, status_code=ack.status_code, media_type=ack.content_type)
