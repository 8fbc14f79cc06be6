"""Where an order is served and whom to call there, as it was when the order was placed."""

from __future__ import annotations

import attrs

__all__ = ["OrderContact"]


@attrs.frozen
class OrderContact:
    """A copy of an address-book entry and a phone, taken at placement.

    A copy, not a reference: editing or deleting the address later does not move an order
    already placed. Who sees it in full is :func:`~booking_core.orders.privacy.contact_for`'s
    rule (INVARIANTS I25); it satisfies that module's ``PostalAddress``.

    Attributes:
        phone: Whom to call, E.164 (the address's contact phone, else the customer's);
            None when neither is known.
        name: Whom to ask for (None: the customer).
        province, city, district, detail: The address, coarse to fine.
        address_id: The address-book entry it was copied from.
    """

    phone: str | None
    name: str | None
    province: str
    city: str
    district: str
    detail: str
    address_id: str | None = None
