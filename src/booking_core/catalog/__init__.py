"""The service catalog: categories, services and packages (FEATURES C3, P4)."""

from booking_core.catalog.booking_rules import BookingRules, WindowKind
from booking_core.catalog.category import Category
from booking_core.catalog.holding import (
    HeldPart,
    HoldingId,
    PackageHolding,
    PackageRefund,
    VisitUse,
)
from booking_core.catalog.package import Package, PackageId, PackagePart
from booking_core.catalog.service import Service

__all__ = [
    "BookingRules",
    "Category",
    "HeldPart",
    "HoldingId",
    "Package",
    "PackageHolding",
    "PackageId",
    "PackagePart",
    "PackageRefund",
    "Service",
    "VisitUse",
    "WindowKind",
]
