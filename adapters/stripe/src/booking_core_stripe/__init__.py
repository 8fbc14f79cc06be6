"""Stripe payments for booking_core: a PaymentGateway over PaymentIntents and Refunds.

::

    gateway = StripeGateway(StripeConfig(secret_key=..., webhook_secret=...))

See ``docs/providers/stripe.md`` in the repository.
"""

from booking_core_stripe.config import CapturePolicy, StripeConfig
from booking_core_stripe.currencies import check_currencies, stripe_exponent
from booking_core_stripe.gateway import StripeGateway
from booking_core_stripe.statuses import CLIENT_SECRET_ACTION
from booking_core_stripe.webhooks import SIGNATURE_HEADER

__all__ = [
    "CLIENT_SECRET_ACTION",
    "SIGNATURE_HEADER",
    "CapturePolicy",
    "StripeConfig",
    "StripeGateway",
    "check_currencies",
    "stripe_exponent",
]
