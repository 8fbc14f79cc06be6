"""The one cattrs converter of booking_core.

Adapters (storage rows, outbox payloads) and the reference server all go through
:func:`make_converter`, so an instant, an amount or an id has one wire form everywhere:

* ``DateTime`` ↔ ISO 8601 with offset (``2026-03-01T09:00:00+08:00``); naive input refused;
* ``Date`` ↔ ``YYYY-MM-DD``; ``Decimal`` ↔ string;
* ``Money`` ↔ ``{"amount": 19900, "currency": "CNY"}`` (integer minor units);
* ``TimeRange`` ↔ ``{"start": ..., "end": ...}``; ``WeeklyHours`` ↔ ``{"mon": ["09:00-18:00"]}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

import cattrs
import pendulum
from pendulum import Date, DateTime
from pendulum.parsing.exceptions import ParserError

from booking_core.errors import InvalidInput, InvalidTimeRange
from booking_core.money import Money
from booking_core.scheduling.weekly_hours import WeeklyHours
from booking_core.timerange import TimeRange, ensure_aware

__all__ = ["make_converter", "parse_datetime"]


def parse_datetime(value: Any) -> DateTime:
    """An aware pendulum DateTime from an ISO 8601 string or an aware datetime."""
    if isinstance(value, str):
        try:
            parsed = pendulum.parse(value, exact=True)
        except (ValueError, ParserError) as exc:
            raise InvalidTimeRange(f"{value!r} is not an ISO 8601 date-time.") from exc
        if not isinstance(parsed, DateTime):
            raise InvalidTimeRange(f"{value!r} is not a date-time with a time zone offset.")
        if parsed.tzinfo is None or "T" not in value or not _has_offset(value):
            raise InvalidTimeRange(
                f"{value!r} has no time zone offset; write e.g. '2026-03-01T09:00:00+08:00'."
            )
        return parsed
    return ensure_aware(value)


def _has_offset(text: str) -> bool:
    tail = text.rsplit("T", 1)[-1]
    return tail.endswith("Z") or "+" in tail or "-" in tail


def _parse_date(value: Any) -> Date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return pendulum.Date(value.year, value.month, value.day)
    try:
        parsed = pendulum.parse(str(value), exact=True)
    except (ValueError, ParserError) as exc:
        raise InvalidInput(f"{value!r} is not a date such as '2026-03-01'.") from exc
    if not isinstance(parsed, Date) or isinstance(parsed, DateTime):
        raise InvalidInput(f"{value!r} is not a date such as '2026-03-01'.")
    return parsed


def _parse_decimal(value: Any) -> Decimal:
    if isinstance(value, float):
        raise InvalidInput(f"Rates are written as strings, never floats; got {value!r}.")
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise InvalidInput(f"{value!r} is not a decimal number.") from exc


def make_converter() -> cattrs.Converter:
    """A converter that knows every booking_core type (build once, share freely)."""
    # Sets go out as sorted lists so that every unstructured value is plain JSON:
    # adapters store outbox payloads and documents as JSON.
    converter = cattrs.Converter(
        forbid_extra_keys=True, unstruct_collection_overrides={AbstractSet: _sorted_list}
    )
    converter.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, Enum), lambda e: e.value
    )
    converter.register_unstructure_hook(DateTime, lambda v: v.isoformat())
    converter.register_structure_hook(DateTime, lambda v, _: parse_datetime(v))
    converter.register_unstructure_hook(Date, lambda v: v.isoformat())
    converter.register_structure_hook(Date, lambda v, _: _parse_date(v))
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, lambda v, _: _parse_decimal(v))
    converter.register_unstructure_hook(
        Money, lambda m: {"amount": m.amount, "currency": m.currency}
    )
    converter.register_structure_hook(
        Money,
        lambda v, _: Money(v["amount"], v["currency"]) if isinstance(v, dict) else _bad_money(v),
    )
    converter.register_unstructure_hook(
        TimeRange, lambda r: {"start": r.start.isoformat(), "end": r.end.isoformat()}
    )
    converter.register_structure_hook(
        TimeRange, lambda v, _: TimeRange(parse_datetime(v["start"]), parse_datetime(v["end"]))
    )
    converter.register_unstructure_hook(WeeklyHours, lambda w: w.to_spec())
    converter.register_structure_hook(WeeklyHours, lambda v, _: WeeklyHours.parse(v))
    return converter


def _sorted_list(items: Iterable[Any]) -> list[Any]:
    return sorted(items)


def _bad_money(value: Any) -> Money:
    raise InvalidInput(
        f"Money is written as {{'amount': <minor units>, 'currency': 'CNY'}}; got {value!r}."
    )
