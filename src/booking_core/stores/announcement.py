"""A store's announcement to its technicians, its customers or both (FEATURES S1)."""

from __future__ import annotations

import enum
from collections.abc import Callable

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidInput
from booking_core.ids import StoreId

__all__ = ["Announcement", "Audience"]


class Audience(enum.StrEnum):
    """Who an announcement is for."""

    TECHNICIANS = "technicians"
    CUSTOMERS = "customers"
    BOTH = "both"

    def reaches(self, audience: Audience) -> bool:
        """Whether an announcement for ``self`` is meant for readers of ``audience``."""
        return self is Audience.BOTH or self is audience


def _text(limit: int) -> Callable[[object, attrs.Attribute[str], str], None]:
    def check(_: object, attribute: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise InvalidInput(
                f"An announcement's {attribute.name} is 1 to {limit} characters; got {value!r}.",
                details={"field": attribute.name},
            )

    return check


@attrs.frozen
class Announcement:
    """One published announcement; never edited (publish a new one).

    Attributes:
        id: Its id (``ann_…``).
        store_id: The store that published it.
        audience: Its technicians, customers, or both.
        title: 1 to 100 characters.
        body: 1 to 2,000 characters.
        published_at: When it was published.
    """

    id: str
    store_id: StoreId
    audience: Audience
    title: str = attrs.field(validator=_text(100))
    body: str = attrs.field(validator=_text(2000))
    published_at: DateTime
