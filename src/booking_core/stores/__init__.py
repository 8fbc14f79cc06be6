"""Stores (FEATURES S1, S2, S7): profile, hours, service area, members, own prices,
announcements."""

from booking_core.stores.announcement import Announcement, Audience
from booking_core.stores.membership import join, leave, transfer, with_store_prices
from booking_core.stores.store import Store, StoreAddress, StoreDetails

__all__ = [
    "Announcement",
    "Audience",
    "Store",
    "StoreAddress",
    "StoreDetails",
    "join",
    "leave",
    "transfer",
    "with_store_prices",
]
