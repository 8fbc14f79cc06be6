"""A deterministic, scriptable fake payout gateway."""

from __future__ import annotations

import threading
from collections import deque
from enum import StrEnum

import attrs

from booking_core.errors import IdempotencyConflict, PaymentError
from booking_core.ports.payouts import PayoutRequest, PayoutResult, PayoutStatus

__all__ = ["PayoutOutcome", "ScriptedPayoutGateway"]


class PayoutOutcome(StrEnum):
    """What the next payout does."""

    PAY = "pay"  # paid at once
    FAIL = "fail"  # refused at once (a closed card)
    ACCEPT_THEN_PAY = "accept_then_pay"  # accepted; paid on settle()
    ACCEPT_THEN_FAIL = "accept_then_fail"  # accepted; fails on settle()
    TIMEOUT_THEN_PAY = "timeout_then_pay"  # the call raises PaymentError; it did go through


_FINAL = {
    PayoutOutcome.PAY: PayoutStatus.PAID,
    PayoutOutcome.FAIL: PayoutStatus.FAILED,
    PayoutOutcome.ACCEPT_THEN_PAY: PayoutStatus.PAID,
    PayoutOutcome.ACCEPT_THEN_FAIL: PayoutStatus.FAILED,
    PayoutOutcome.TIMEOUT_THEN_PAY: PayoutStatus.PAID,
}


@attrs.define
class _Payout:
    request: PayoutRequest
    outcome: PayoutOutcome
    result: PayoutResult


class ScriptedPayoutGateway:
    """Pays at once by default; :meth:`script` queues outcomes for the next new payouts.

    Same key, same payout: sending again answers with its current state and pays nothing
    more; the same key with another amount, payee or destination is refused. Accepted
    payouts settle on :meth:`settle`. Safe to share between threads.
    """

    name = "fake"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._script: deque[PayoutOutcome] = deque()
        self._payouts: dict[str, _Payout] = {}
        self._references = 0

    def script(self, *outcomes: PayoutOutcome) -> None:
        """Queue what the next new payouts do, in order (then: paid at once)."""
        with self._lock:
            self._script.extend(outcomes)

    def send(self, request: PayoutRequest) -> PayoutResult:
        """Send a payout (see :class:`~booking_core.ports.payouts.PayoutGateway`)."""
        with self._lock:
            known = self._payouts.get(request.key)
            if known is not None:
                if known.request != request:
                    raise IdempotencyConflict(
                        f"Payout {request.key!r} was sent with other details.",
                        details={"key": request.key},
                    )
                return known.result
            outcome = self._script.popleft() if self._script else PayoutOutcome.PAY
            self._references += 1
            reference = f"fake_po_{self._references}"
            accepted = outcome in (PayoutOutcome.ACCEPT_THEN_PAY, PayoutOutcome.ACCEPT_THEN_FAIL)
            status = PayoutStatus.ACCEPTED if accepted else _FINAL[outcome]
            result = _result(request.key, status, reference)
            self._payouts[request.key] = _Payout(request, outcome, result)
            if outcome is PayoutOutcome.TIMEOUT_THEN_PAY:
                raise PaymentError(
                    "The payout provider did not answer in time.", details={"key": request.key}
                )
            return result

    def query(self, key: str) -> PayoutResult | None:
        """The payout's current state, None if none was sent under ``key``."""
        with self._lock:
            known = self._payouts.get(key)
            return None if known is None else known.result

    def settle(self) -> list[str]:
        """Settle every accepted payout as scripted; the keys settled."""
        with self._lock:
            settled = []
            for key, payout in self._payouts.items():
                if payout.result.status is PayoutStatus.ACCEPTED:
                    status = _FINAL[payout.outcome]
                    payout.result = _result(key, status, payout.result.reference)
                    settled.append(key)
            return settled

    @property
    def paid(self) -> dict[str, PayoutRequest]:
        """The payouts paid so far, by key (each once, however often it was sent)."""
        with self._lock:
            return {
                key: p.request
                for key, p in self._payouts.items()
                if p.result.status is PayoutStatus.PAID
            }


def _result(key: str, status: PayoutStatus, reference: str | None) -> PayoutResult:
    reason = "the bank refused the payout" if status is PayoutStatus.FAILED else None
    return PayoutResult(key, status, reference, reason)
