"""Identifiers: opaque strings minted by an IdSource port, typed per entity."""

from __future__ import annotations

from typing import NewType

__all__ = [
    "BookingId",
    "CategoryId",
    "CustomerId",
    "OrderId",
    "ReviewId",
    "ServiceId",
    "StoreId",
    "TechnicianId",
]

CategoryId = NewType("CategoryId", str)
ServiceId = NewType("ServiceId", str)
TechnicianId = NewType("TechnicianId", str)
CustomerId = NewType("CustomerId", str)
OrderId = NewType("OrderId", str)
BookingId = NewType("BookingId", str)
ReviewId = NewType("ReviewId", str)
StoreId = NewType("StoreId", str)
