"""The service catalog: categories and services (FEATURES C3, P4)."""

from booking_core.catalog.booking_rules import BookingRules, WindowKind
from booking_core.catalog.category import Category
from booking_core.catalog.service import Service

__all__ = ["BookingRules", "Category", "Service", "WindowKind"]
