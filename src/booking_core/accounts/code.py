"""A one-time code sent to a phone (sign-in by text message)."""

from __future__ import annotations

from typing import Any

import attrs
from pendulum import DateTime

from booking_core.accounts._checks import non_negative, text
from booking_core.customers.phone import check_phone
from booking_core.errors import InvalidInput
from booking_core.timerange import ensure_aware

__all__ = ["OneTimeCode"]


def _phone(_: object, attribute: Any, value: str) -> None:
    check_phone(value)


def _sent(value: object) -> DateTime:
    return ensure_aware(value, "code's sending time")


def _expiry(value: object) -> DateTime:
    return ensure_aware(value, "code's expiry")


@attrs.frozen
class OneTimeCode:
    """The live code of a phone for one purpose (at most one per (phone, purpose): sending
    a new one replaces it).

    Attributes:
        phone: Where it was sent (E.164).
        purpose: What it is for (``"login"``).
        code_hash: The hash of the code (the edge computes it; the code is never stored).
        sent_at: When it was sent (the edge's resend limit reads it).
        expires_at: After this it is refused.
        attempts: Wrong guesses so far (the edge refuses the code after a few).
        version: Compare-and-set counter of storage (0 until first stored).
    """

    phone: str = attrs.field(validator=_phone)
    purpose: str = attrs.field(validator=text(32))
    code_hash: str = attrs.field(validator=text(1024))
    sent_at: DateTime = attrs.field(converter=_sent)
    expires_at: DateTime = attrs.field(converter=_expiry)
    attempts: int = attrs.field(default=0, validator=non_negative)
    version: int = attrs.field(default=0, validator=non_negative)

    def __attrs_post_init__(self) -> None:
        if self.expires_at <= self.sent_at:
            raise InvalidInput("A code expires after it is sent.", details={"field": "expires_at"})

    def live(self, now: DateTime) -> bool:
        """``now`` is before its expiry."""
        return now < self.expires_at

    def with_attempt(self) -> OneTimeCode:
        """The code with one more wrong guess counted."""
        return attrs.evolve(self, attempts=self.attempts + 1)
