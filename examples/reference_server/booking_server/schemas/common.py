"""Wire building blocks shared by every topic: validated scalars, money and the base models.

* **Money** is ``{"amount": <int minor units>, "currency": "CNY"}`` — 19900 is 199.00 CNY.
  Floats, numeric strings and negative amounts are refused (422).
* **Instants** are ISO 8601 with an offset (``2026-03-03T10:00:00+08:00``); a naive time is
  refused (422), and so is one outside the years MIN_YEAR…MAX_YEAR.
* **Integers** are JSON Schema integers: ``60`` or ``60.0``, never ``"60"`` or ``true``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Final
from zoneinfo import ZoneInfo

from pendulum import DateTime
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
)
from pydantic_core import PydanticCustomError

from booking_core.errors import DateOutOfRange
from booking_core.money import Money

__all__ = [
    "ID_PATTERN",
    "MAX_AMOUNT",
    "MAX_YEAR",
    "MIN_YEAR",
    "TAKE_WHOLE_FLOATS",
    "Day",
    "EntityId",
    "InModel",
    "Instant",
    "MoneyIn",
    "MoneyOut",
    "Name",
    "OutModel",
    "WholeNumber",
    "in_zone",
    "optional_money",
]


def _whole_number(value: object) -> object:
    # JSON Schema's "integer" includes 60.0 (a number whose fraction is zero), and clients
    # that keep every number as a float send it: take it as 60. Text and booleans reach
    # StrictInt unchanged, which refuses them.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: The validator that takes ``60.0`` as 60. An optional bounded field puts its bounds before
#: it, ``Annotated[StrictInt, Interval(ge=1), TAKE_WHOLE_FLOATS] | None``: pydantic can
#: only write into the document the bounds that come before a validator.
TAKE_WHOLE_FLOATS: Final = BeforeValidator(_whole_number)


#: An integer as the OpenAPI document (JSON Schema) means it: ``60`` or ``60.0``, never
#: ``"60"``, ``true`` or ``60.5``.
WholeNumber = Annotated[StrictInt, TAKE_WHOLE_FLOATS]


#: The largest amount the server takes (10 billion yuan in fen): far above any real price,
#: far below what a 64-bit database column holds.
MAX_AMOUNT: Final = 10**12


#: The years a date or an instant may fall in (422 ``date_out_of_range`` outside): far
#: wider than any booking window, far inside what date arithmetic and databases handle.
MIN_YEAR: Final = 2000


MAX_YEAR: Final = 2100


ID_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$"


def _iso_text(value: Any) -> Any:
    # Instants travel as ISO 8601 text only; pydantic would also take a Unix timestamp.
    if not isinstance(value, str | dt.datetime):
        raise ValueError("an instant is an ISO 8601 string such as '2026-03-03T10:00:00+08:00'")
    return value


def _out_of_range(what: str) -> PydanticCustomError:
    return PydanticCustomError(
        DateOutOfRange.code,
        "{what} must lie in the years {first} to {last}",
        {"what": what, "first": MIN_YEAR, "last": MAX_YEAR},
    )


def _in_range(value: dt.datetime) -> dt.datetime:
    # Near year 1 or 9999 shifting an instant into another zone overflows the datetime type;
    # nothing bookable lies out there, so refuse it here rather than fail deeper down.
    try:
        year = value.astimezone(dt.UTC).year
    except OverflowError:
        year = value.year
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _out_of_range("an instant")
    return value


def _day_in_range(value: dt.date) -> dt.date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise _out_of_range("a day")
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_in_range)]


#: A calendar day ``YYYY-MM-DD`` in the years MIN_YEAR…MAX_YEAR.
Day = Annotated[dt.date, AfterValidator(_day_in_range)]


EntityId = Annotated[str, Field(pattern=ID_PATTERN, examples=["svc_0002"])]


Name = Annotated[str, Field(min_length=1, max_length=200)]


class InModel(BaseModel):
    """A request body: unknown fields are refused (422), values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class OutModel(BaseModel):
    """A response body."""

    model_config = ConfigDict(frozen=True)


def in_zone(instant: DateTime, time_zone: str) -> dt.datetime:
    """``instant`` shown in ``time_zone``."""
    # The standard library's conversion: pendulum's ``in_timezone`` costs four times as much,
    # and every time in every answer passes here (four per order).
    plain = dt.datetime(
        instant.year,
        instant.month,
        instant.day,
        instant.hour,
        instant.minute,
        instant.second,
        instant.microsecond,
        tzinfo=instant.tzinfo,
        fold=instant.fold,
    )
    return plain.astimezone(ZoneInfo(time_zone))


class MoneyIn(InModel):
    """An exact, non-negative amount: integer minor units plus an ISO 4217 currency."""

    amount: WholeNumber = Field(
        ge=0, le=MAX_AMOUNT, description="Integer minor units (fen for CNY).", examples=[19900]
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["CNY"])

    def to_domain(self) -> Money:
        """The domain Money."""
        return Money(self.amount, self.currency)


class MoneyOut(OutModel):
    """An exact amount: integer minor units plus an ISO 4217 currency."""

    amount: int = Field(description="Integer minor units (fen for CNY).", examples=[19900])
    currency: str = Field(examples=["CNY"])

    @classmethod
    def from_domain(cls, money: Money) -> MoneyOut:
        """From the domain Money."""
        return cls(amount=money.amount, currency=money.currency)


def optional_money(money: Money | None) -> MoneyOut | None:
    """The wire form of an optional amount."""
    return None if money is None else MoneyOut.from_domain(money)
