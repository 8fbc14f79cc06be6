"""Who pays for a discount: the platform or the seller."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Funding"]


class Funding(StrEnum):
    """Who bears the cost of a discount.

    A platform-funded discount is a promotion expense of the platform: the technician and
    the store are settled as if the customer had paid it. A seller-funded discount (the
    store's, or an independent technician's) simply lowers the price the order is split on.
    """

    PLATFORM = "platform"
    SELLER = "seller"
