"""Service categories (hair, beauty, nails, housekeeping, massage …)."""

from __future__ import annotations

import attrs

from booking_core.errors import InvalidInput
from booking_core.ids import CategoryId

__all__ = ["Category"]


def _non_blank(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(
            f"The {attribute.name} must not be blank.", details={"field": attribute.name}
        )


@attrs.frozen
class Category:
    """A group of services shown together in the catalog."""

    id: CategoryId
    name: str = attrs.field(validator=_non_blank)
    parent_id: CategoryId | None = None
