"""The Stripe gateway's configuration: keys, capture policy, currencies and timeouts."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import attrs
import pendulum

from booking_core_stripe.currencies import check_currencies

__all__ = ["CapturePolicy", "StripeConfig"]


class CapturePolicy(StrEnum):
    """Whether the gateway offers booking_core card holds.

    ``HOLDS`` (the default) declares manual and partial capture with Stripe's 7-day
    authorization (``authorization_ttl_minutes``): a PaymentIntent is created with
    ``capture_method=manual`` exactly when the core asks for a hold
    (``PaymentRequest.hold``), which it does for an order's upfront payment when the
    service starts at least a day before the hold would lapse; every other payment is
    captured when paid. The core captures or voids a hold itself — what is owed on the
    technician's arrival, the fee on a late cancellation (a free one voids it), what is
    owed the day before it would lapse — so the application calls neither.

    ``AUTOMATIC`` declares no manual capture: every payment is charged when the customer
    pays, and a cancellation fee is what a partial refund keeps (as with WeChat Pay).
    """

    AUTOMATIC = "automatic"
    HOLDS = "holds"


def _check_secret_key(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    # Never echo the value: it is the account's key.
    if not value.startswith(("sk_test_", "sk_live_", "rk_test_", "rk_live_")):
        raise ValueError(
            "secret_key must be a Stripe secret or restricted key (sk_test_…, sk_live_…, "
            "rk_test_…, rk_live_…)."
        )


def _check_webhook_secret(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.startswith("whsec_"):
        raise ValueError("webhook_secret must be an endpoint's signing secret (whsec_…).")


def _check_currencies(_: Any, attribute: attrs.Attribute[frozenset[str]], value: object) -> None:
    if not isinstance(value, frozenset) or not value:
        raise ValueError("currencies must be a non-empty frozenset of ISO 4217 codes.")
    check_currencies(value)


def _check_zone(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    try:
        pendulum.timezone(value)
    except Exception as exc:  # pendulum raises its own InvalidTimezone
        raise ValueError(f"statement_zone must be an IANA zone; got {value!r}.") from exc


def _positive(_: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be positive; got {value!r}.")


@attrs.frozen
class StripeConfig:
    """What :class:`~booking_core_stripe.StripeGateway` needs.

    Attributes:
        secret_key: The account's secret (or restricted) API key; ``sk_test_`` keys work in
            test mode only, ``sk_live_`` keys move real money. Never shown in ``repr``.
        webhook_secret: The signing secret of the webhook endpoint (``whsec_…``).
        capture_policy: Whether the core may hold payments on the card (see
            :class:`CapturePolicy`; ``HOLDS`` by default).
        currencies: The currencies the gateway takes (their decimals must agree with
            Stripe's, see :mod:`booking_core_stripe.currencies`).
        timeout: Seconds to wait for Stripe's answer; past it a call that moves money is
            ``UNKNOWN`` and is reconciled later.
        api_base: Another address for the API (a local emulator in tests); None = Stripe.
        webhook_tolerance: How old (in seconds) a notification's signature may be.
        lookup_limit: How many of the account's newest PaymentIntents (or refunds) a
            look-up by key reads before it turns to the search API, which is up to a
            minute behind: more than are made in a minute (one page of 100 by default).
        statement_zone: The IANA zone of the days whose statements are reconciled (the
            account's reporting time zone, Settings → Business → Time zone).
    """

    secret_key: str = attrs.field(repr=False, validator=_check_secret_key)
    webhook_secret: str = attrs.field(repr=False, validator=_check_webhook_secret)
    capture_policy: CapturePolicy = CapturePolicy.HOLDS
    currencies: frozenset[str] = attrs.field(
        default=frozenset({"CNY"}), validator=_check_currencies
    )
    timeout: float = attrs.field(default=10.0, validator=_positive)
    api_base: str | None = None
    webhook_tolerance: int = attrs.field(default=300, validator=_positive)
    lookup_limit: int = attrs.field(default=100, validator=_positive)
    statement_zone: str = attrs.field(default="UTC", validator=_check_zone)

    @property
    def livemode(self) -> bool:
        """Whether the key moves real money (and so which notifications are ours)."""
        return "_live_" in self.secret_key[:8]
