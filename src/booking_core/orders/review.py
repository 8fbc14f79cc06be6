"""A customer's review of a completed order."""

from __future__ import annotations

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidInput
from booking_core.ids import CustomerId, OrderId, ReviewId, TechnicianId

__all__ = ["MAX_REVIEW_TEXT", "Review"]

MAX_REVIEW_TEXT = 2000


def _stars(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if type(value) is not int or not 1 <= value <= 5:
        raise InvalidInput(
            f"Stars are a whole number from 1 to 5; got {value!r}.", details={"field": "stars"}
        )


def _text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or len(value) > MAX_REVIEW_TEXT:
        raise InvalidInput(
            f"Review text is at most {MAX_REVIEW_TEXT} characters.", details={"field": "text"}
        )


@attrs.frozen
class Review:
    """Stars (1–5) and text for one completed order; shown on the technician's page."""

    id: ReviewId
    order_id: OrderId
    customer_id: CustomerId
    technician_id: TechnicianId
    stars: int = attrs.field(validator=_stars)
    text: str = attrs.field(validator=_text)
    created_at: DateTime
