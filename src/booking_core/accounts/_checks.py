"""Validators shared by the account values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from booking_core.errors import InvalidInput

__all__ = ["non_negative", "optional_text", "text"]


def text(limit: int) -> Callable[[object, Any, Any], None]:
    """A validator: a non-blank string of at most ``limit`` characters."""

    def check(_: object, attribute: Any, value: Any) -> None:
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise InvalidInput(
                f"The {attribute.name} is 1 to {limit} characters, not blank.",
                details={"field": attribute.name},
            )

    return check


def optional_text(limit: int) -> Callable[[object, Any, Any], None]:
    """Like :func:`text`, None allowed."""
    required = text(limit)

    def check(instance: object, attribute: Any, value: Any) -> None:
        if value is not None:
            required(instance, attribute, value)

    return check


def non_negative(_: object, attribute: Any, value: int) -> None:
    """A validator: an int (not a bool) of at least zero."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(
            f"The {attribute.name} is a whole number of at least 0; got {value!r}.",
            details={"field": attribute.name},
        )
