"""An order's payments and refunds, and the payment provider's webhook (FEATURES C6, C10,
M3)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from booking_core.ids import OrderId
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.problems import problem_responses
from booking_server.schemas import MoneyViewOut, PaymentAttemptOut, RefundOut

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
