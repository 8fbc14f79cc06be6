"""What is being priced: the cart, its lines and their add-ons."""

from __future__ import annotations

import attrs

from booking_core.errors import InvalidCart
from booking_core.ids import CategoryId, ServiceId, StoreId
from booking_core.money import Money

__all__ = ["AddOn", "Cart", "CartLine"]

_MAX_QUANTITY = 999


def _invalid(message: str, field: str) -> InvalidCart:
    return InvalidCart(message, details={"field": field})


@attrs.frozen
class AddOn:
    """An extra sold with each unit of a line (e.g. essential oil upgrade, +30 CNY)."""

    name: str
    price: Money

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise _invalid("An add-on needs a name.", "name")
        if not isinstance(self.price, Money) or self.price.is_negative:
            raise _invalid(
                f"An add-on's price is Money of zero or more; got {self.price!r}.", "price"
            )


@attrs.frozen
class CartLine:
    """One service in a cart, with its quantity and add-ons.

    Attributes:
        service_id: The service sold.
        category_id: Its category (promotion scopes match on it).
        unit_price: The service's price for one unit, before any discount.
        quantity: How many units (e.g. two people, two hours).
        add_ons: Extras charged per unit at their own price.
        line_id: The caller's own id for the line (e.g. a basket row), echoed by the
            quote's line; unique within a cart (None: no id).
    """

    service_id: ServiceId
    category_id: CategoryId
    unit_price: Money
    quantity: int = 1
    add_ons: tuple[AddOn, ...] = ()
    line_id: str | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.unit_price, Money) or self.unit_price.is_negative:
            raise _invalid(
                f"A unit price is Money of zero or more; got {self.unit_price!r}.", "unit_price"
            )
        if type(self.quantity) is not int or not 1 <= self.quantity <= _MAX_QUANTITY:
            raise _invalid(
                f"A quantity is a whole number from 1 to {_MAX_QUANTITY}; got {self.quantity!r}.",
                "quantity",
            )
        if self.line_id is not None and (
            not isinstance(self.line_id, str) or not self.line_id.strip()
        ):
            raise _invalid(
                f"A line id is a non-blank string, or None; got {self.line_id!r}.", "line_id"
            )
        for add_on in self.add_ons:
            if add_on.price.currency != self.unit_price.currency:
                raise _invalid(
                    f"Add-on {add_on.name!r} is priced in {add_on.price.currency}, the service "
                    f"in {self.unit_price.currency}.",
                    "add_ons",
                )

    @property
    def service_amount(self) -> Money:
        """``unit_price × quantity``: what tier and campaign prices apply to."""
        return self.unit_price * self.quantity

    @property
    def add_on_amount(self) -> Money:
        """The add-ons of every unit, at their own prices."""
        per_unit = sum(a.price.amount for a in self.add_ons)
        return Money(per_unit * self.quantity, self.unit_price.currency)

    @property
    def amount(self) -> Money:
        """The line before any discount: service amount plus add-on amount."""
        return self.service_amount + self.add_on_amount


@attrs.frozen
class Cart:
    """What a customer is about to order from one seller.

    Attributes:
        lines: The services, in the order shown (ties in every split go to earlier lines).
        travel_fee: The at-home visit fee (上门费) before its own discounts: a waiver of
            the rules (满X免车费), a free-travel coupon, or a 满减 offer or coupon that
            ``covers_travel_fee`` (None: no fee).
        store_id: The store selling, when there is one (promotion scopes match on it).
    """

    lines: tuple[CartLine, ...]
    travel_fee: Money | None = None
    store_id: StoreId | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.lines, tuple) or not self.lines:
            raise _invalid("A cart needs at least one line (as a tuple).", "lines")
        currency = self.lines[0].unit_price.currency
        for line in self.lines:
            if line.unit_price.currency != currency:
                raise _invalid(
                    f"All lines of a cart are in one currency; got {currency} and "
                    f"{line.unit_price.currency}.",
                    "lines",
                )
        ids = [line.line_id for line in self.lines if line.line_id is not None]
        if len(ids) != len(set(ids)):
            raise _invalid("Line ids are unique within a cart.", "line_id")
        fee = self.travel_fee
        if fee is not None and (
            not isinstance(fee, Money) or fee.is_negative or fee.currency != currency
        ):
            raise _invalid(
                f"The travel fee is Money of zero or more in {currency}; got {fee!r}.",
                "travel_fee",
            )

    @classmethod
    def of(
        cls, *lines: CartLine, travel_fee: Money | None = None, store_id: StoreId | None = None
    ) -> Cart:
        """A cart of ``lines``."""
        return cls(lines=tuple(lines), travel_fee=travel_fee, store_id=store_id)

    @property
    def currency(self) -> str:
        """The cart's currency."""
        return self.lines[0].unit_price.currency
