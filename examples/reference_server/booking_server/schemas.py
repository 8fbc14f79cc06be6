"""The wire format: pydantic request and response schemas, converted at the edge.

FastAPI does not take attrs classes as models, so the server keeps its own schemas and
converts to and from the domain here (and only here). Wire conventions:

* **Money** is ``{"amount": <int minor units>, "currency": "CNY"}`` — 19900 is 199.00 CNY.
  Floats, numeric strings and negative amounts are refused (422).
* **Instants** are ISO 8601 with an offset (``2026-03-03T10:00:00+08:00``); a naive time is
  refused (422). Answers show an order's or a technician's times in that technician's zone.
* **Ratings** are decimal strings with one decimal (``"4.8"``), the mean stars of the
  technician's reviews rounded half up; null while unrated.
* **Weekly hours** are ``{"mon": ["09:00-12:00", "13:00-21:00"], ...}``; absent days are off.
* Lists come as ``{"items": [...], "next_cursor": ...}``, one page at a time (see
  :mod:`booking_server.paging`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Final

import pendulum
from annotated_types import Interval
from pendulum import DateTime
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from booking_core.catalog import Category, Service
from booking_core.errors import DateOutOfRange
from booking_core.ids import CategoryId, ServiceId, StoreId
from booking_core.money import Money
from booking_core.orders import Order, Review, TransitionRecord
from booking_core.ports.payments import PaymentResult
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.scheduling.profile import (
    RATING_QUANTUM,
    RATING_ROUNDING,
    Gender,
    TechnicianProfile,
    average_rating,
)
from booking_core.services.catalog import CreateCategory, CreateService
from booking_core.services.technicians import RegisterTechnician
from booking_core.timerange import TimeRange
from booking_server.paging import NextCursor

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "RATING_PATTERN",
    "TAKE_WHOLE_FLOATS",
    "ActorOut",
    "CategoryIn",
    "CategoryList",
    "CategoryOut",
    "Day",
    "Instant",
    "MoneyIn",
    "MoneyOut",
    "OrderList",
    "OrderOut",
    "PaymentOut",
    "PlaceOrderIn",
    "ProfileIn",
    "ProfileOut",
    "ReviewIn",
    "ReviewList",
    "ReviewOut",
    "ServiceAreaIn",
    "ServiceAreaOut",
    "ServiceIn",
    "ServiceList",
    "ServiceOut",
    "SlotOut",
    "SlotsOut",
    "TechnicianIn",
    "TechnicianList",
    "TechnicianOut",
    "TransitionIn",
    "TransitionOut",
    "WholeNumber",
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
_MINUTES_PER_DAY: Final = 24 * 60
_ID_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$"


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
EntityId = Annotated[str, Field(pattern=_ID_PATTERN, examples=["svc_0002"])]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


def _local(instant: DateTime, time_zone: str) -> dt.datetime:
    return instant.in_timezone(time_zone)


# --- money -------------------------------------------------------------------------------


class MoneyIn(_In):
    """An exact, non-negative amount: integer minor units plus an ISO 4217 currency."""

    amount: WholeNumber = Field(
        ge=0, le=MAX_AMOUNT, description="Integer minor units (fen for CNY).", examples=[19900]
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["CNY"])

    def to_domain(self) -> Money:
        """The domain Money."""
        return Money(self.amount, self.currency)


class MoneyOut(_Out):
    """An exact amount: integer minor units plus an ISO 4217 currency."""

    amount: int = Field(description="Integer minor units (fen for CNY).", examples=[19900])
    currency: str = Field(examples=["CNY"])

    @classmethod
    def from_domain(cls, money: Money) -> MoneyOut:
        """From the domain Money."""
        return cls(amount=money.amount, currency=money.currency)


# --- catalog -----------------------------------------------------------------------------


class CategoryIn(_In):
    """Create a catalog category."""

    name: Name = Field(examples=["按摩 Massage"])
    parent_id: EntityId | None = None

    def to_command(self) -> CreateCategory:
        """The core command."""
        parent = CategoryId(self.parent_id) if self.parent_id is not None else None
        return CreateCategory(name=self.name, parent_id=parent)


class CategoryOut(_Out):
    """A catalog category."""

    id: str
    name: str
    parent_id: str | None

    @classmethod
    def from_domain(cls, category: Category) -> CategoryOut:
        """From the domain Category."""
        return cls(id=category.id, name=category.name, parent_id=category.parent_id)


class CategoryList(_Out):
    """Categories by name then id, one page (see ``booking_server.paging``)."""

    items: list[CategoryOut]
    next_cursor: NextCursor = None


class ServiceIn(_In):
    """Create a service in a category."""

    category_id: EntityId
    name: Name = Field(examples=["中式推拿 Chinese tuina"])
    duration_minutes: WholeNumber = Field(ge=1, le=_MINUTES_PER_DAY, examples=[60])
    price: MoneyIn
    description: str = Field(default="", max_length=4000)
    buffer_before_minutes: WholeNumber = Field(
        default=0, ge=0, le=_MINUTES_PER_DAY, description="Time blocked before, not sold."
    )
    buffer_after_minutes: WholeNumber = Field(
        default=0, ge=0, le=_MINUTES_PER_DAY, description="Time blocked after, not sold."
    )

    def to_command(self) -> CreateService:
        """The core command."""
        return CreateService(
            category_id=CategoryId(self.category_id),
            name=self.name,
            duration_minutes=self.duration_minutes,
            price=self.price.to_domain(),
            description=self.description,
            buffer_before_minutes=self.buffer_before_minutes,
            buffer_after_minutes=self.buffer_after_minutes,
        )


class ServiceOut(_Out):
    """A bookable service."""

    id: str
    category_id: str
    name: str
    description: str
    duration_minutes: int
    price: MoneyOut
    buffer_before_minutes: int
    buffer_after_minutes: int

    @classmethod
    def from_domain(cls, service: Service) -> ServiceOut:
        """From the domain Service."""
        return cls(
            id=service.id,
            category_id=service.category_id,
            name=service.name,
            description=service.description,
            duration_minutes=service.duration_minutes,
            price=MoneyOut.from_domain(service.price),
            buffer_before_minutes=service.buffer_before_minutes,
            buffer_after_minutes=service.buffer_after_minutes,
        )


class ServiceList(_Out):
    """Services by name then id, one page."""

    items: list[ServiceOut]
    next_cursor: NextCursor = None


# --- technicians and slots ---------------------------------------------------------------

WeeklyHoursSpec = Annotated[
    dict[str, Annotated[list[Annotated[str, Field(max_length=11)]], Field(max_length=12)]],
    Field(
        max_length=7,
        description="Working ranges per day (mon … sun) as local wall-clock 'HH:MM-HH:MM' "
        "in the technician's zone; absent days are off.",
        examples=[{"mon": ["09:00-12:00", "13:00-21:00"], "sat": ["10:00-16:00"]}],
    ),
]


#: The widest service area the server takes (a city and its suburbs, generously).
MAX_RADIUS_KM: Final = 500
Skill = Annotated[str, Field(min_length=1, max_length=50, examples=["tuina"])]
#: "0" … "5" with at most one decimal, as ratings are shown.
RATING_PATTERN: Final = r"^(?:[0-4](?:\.[0-9])?|5(?:\.0)?)$"
# A decimal is a string, as answers show it; a JSON number only when whole. JSON Schema
# cannot say "a number with at most one decimal" in a way every client computes alike
# (4.8 is no exact multiple of 0.1 in binary floating point), so 4.8 is written "4.8".
Rating = Annotated[
    Annotated[StrictInt, Interval(ge=0, le=5), TAKE_WHOLE_FLOATS]
    | Annotated[str, StringConstraints(pattern=RATING_PATTERN)],
    Field(
        description='Average stars, 0–5 with at most one decimal: a string ("4.8") or a '
        "whole number (5).",
        examples=["4.8"],
    ),
]


class ServiceAreaIn(_In):
    """A circle the technician serves: ``radius_km`` around (``lat``, ``lon``)."""

    lat: float = Field(ge=-90, le=90, examples=[31.2304])
    lon: float = Field(ge=-180, le=180, examples=[121.4737])
    radius_km: float = Field(gt=0, le=MAX_RADIUS_KM, examples=[8])

    def to_domain(self) -> ServiceArea:
        """The domain ServiceArea."""
        return ServiceArea(GeoPoint(self.lat, self.lon), self.radius_km)


class ServiceAreaOut(_Out):
    """A circle the technician serves."""

    lat: float
    lon: float
    radius_km: float

    @classmethod
    def from_domain(cls, area: ServiceArea) -> ServiceAreaOut:
        """From the domain ServiceArea."""
        return cls(lat=area.center.lat, lon=area.center.lon, radius_km=area.radius_km)


class ProfileIn(_In):
    """What customers filter technicians by (the whole profile: absent fields are cleared).

    ``rating`` and ``store_id`` are the platform's to set: for the technician himself and
    his store the stored rating is kept whatever is sent, and a different ``store_id`` is
    refused (403).
    """

    gender: Gender | None = None
    skills: list[Skill] = Field(default_factory=list, max_length=50)
    prices: dict[EntityId, MoneyIn] = Field(
        default_factory=dict,
        max_length=200,
        description="His own price per service id; other services sell at the catalog price.",
        examples=[{"svc_0002": {"amount": 25900, "currency": "CNY"}}],
        # pydantic checks the keys against EntityId but documents the pattern only as
        # patternProperties, which lets any other key through: say it of every key.
        json_schema_extra={"propertyNames": {"pattern": _ID_PATTERN, "examples": ["svc_0002"]}},
    )
    store_id: EntityId | None = None
    service_area: ServiceAreaIn | None = None
    rating: Rating | None = None

    def to_domain(self) -> TechnicianProfile:
        """The domain profile."""
        return TechnicianProfile(
            gender=self.gender,
            skills=frozenset(self.skills),
            # Shown as "5.0", not "5": the one-decimal form reviews give (exact here).
            rating=None
            if self.rating is None
            else Decimal(self.rating).quantize(RATING_QUANTUM, rounding=RATING_ROUNDING),
            prices={ServiceId(k): v.to_domain() for k, v in self.prices.items()},
            store_id=StoreId(self.store_id) if self.store_id is not None else None,
            service_area=self.service_area.to_domain() if self.service_area else None,
        )


class ProfileOut(_Out):
    """A technician's searchable profile, with his rating."""

    gender: Gender | None
    skills: list[str]
    prices: dict[str, MoneyOut]
    store_id: str | None
    service_area: ServiceAreaOut | None
    rating: str | None = Field(
        description="Mean stars of his reviews to one decimal (half up), as a string; null "
        "while unrated.",
        examples=["4.8"],
    )

    @classmethod
    def from_domain(cls, profile: TechnicianProfile) -> ProfileOut:
        """From the domain profile."""
        area = profile.service_area
        return cls(
            gender=profile.gender,
            skills=sorted(profile.skills),
            prices={k: MoneyOut.from_domain(v) for k, v in profile.prices.items()},
            store_id=profile.store_id,
            service_area=ServiceAreaOut.from_domain(area) if area is not None else None,
            rating=str(profile.rating) if profile.rating is not None else None,
        )


class TechnicianIn(_In):
    """Register a technician with weekly hours in his IANA time zone, and his profile."""

    name: Name = Field(examples=["李师傅 Master Li"])
    time_zone: str = Field(max_length=64, description="IANA zone name.", examples=["Asia/Shanghai"])
    weekly_hours: WeeklyHoursSpec
    service_ids: list[EntityId] = Field(default_factory=list, max_length=200)
    profile: ProfileIn | None = None

    def to_command(self) -> RegisterTechnician:
        """The core command (parsing the hours raises InvalidSchedule → 422)."""
        profile = self.profile.to_domain() if self.profile else TechnicianProfile()
        return RegisterTechnician(
            name=self.name,
            time_zone=self.time_zone,
            weekly_hours=WeeklyHours.parse(self.weekly_hours),
            service_ids=frozenset(ServiceId(s) for s in self.service_ids),
            profile=profile,
        )


class TechnicianOut(_Out):
    """A technician: zone, weekly hours, the services he performs and his profile."""

    id: str
    name: str
    time_zone: str
    weekly_hours: dict[str, list[str]]
    service_ids: list[str]
    profile: ProfileOut

    @classmethod
    def from_domain(cls, technician: Technician) -> TechnicianOut:
        """From the domain Technician."""
        return cls(
            id=technician.id,
            name=technician.name,
            time_zone=technician.time_zone,
            weekly_hours=technician.weekly_hours.to_spec(),
            service_ids=sorted(technician.service_ids),
            profile=ProfileOut.from_domain(technician.profile),
        )


class TechnicianList(_Out):
    """Technicians by name then id, one page."""

    items: list[TechnicianOut]
    next_cursor: NextCursor = None


class SlotOut(_Out):
    """A half-open time range ``[start, end)``."""

    start: AwareDatetime
    end: AwareDatetime

    @classmethod
    def from_domain(cls, slot: TimeRange, time_zone: str) -> SlotOut:
        """From a domain TimeRange, shown in ``time_zone``."""
        return cls(start=_local(slot.start, time_zone), end=_local(slot.end, time_zone))


class SlotsOut(_Out):
    """The free slots of a technician for a service on one of his local days."""

    technician_id: str
    service_id: str
    date: dt.date
    time_zone: str
    items: list[SlotOut]
    next_cursor: NextCursor = None


# --- orders ------------------------------------------------------------------------------


class PlaceOrderIn(_In):
    """Book a service with a technician at one of the offered slot starts, optionally with
    a coupon."""

    technician_id: EntityId
    service_id: EntityId
    start: Instant = Field(
        description="A start from GET /technicians/{id}/slots, ISO 8601 with offset.",
        examples=["2026-03-03T10:00:00+08:00"],
    )
    coupon_id: EntityId | None = Field(
        default=None,
        description="One of the customer's coupons (GET /me/coupons) to price the order "
        "with; it is reserved for the order. 422 coupon_not_applicable when it does not "
        "apply (POST /quotes says why).",
    )

    def start_instant(self) -> DateTime:
        """The start as the pendulum DateTime the core works with."""
        return pendulum.instance(self.start)


class TransitionIn(_In):
    """Optional reason for a lifecycle action (kept on the order's timeline)."""

    reason: str = Field(default="", max_length=500)


class ActorOut(_Out):
    """Who did something."""

    id: str
    role: str


class TransitionOut(_Out):
    """One line of an order's timeline."""

    sequence: int
    event: str
    from_state: str
    to_state: str
    actor: ActorOut
    at: AwareDatetime
    reason: str

    @classmethod
    def from_domain(cls, record: TransitionRecord, time_zone: str) -> TransitionOut:
        """From a domain TransitionRecord, times in ``time_zone``."""
        return cls(
            sequence=record.sequence,
            event=record.event,
            from_state=record.from_state,
            to_state=record.to_state,
            actor=ActorOut(id=record.actor.id, role=record.actor.role.value),
            at=_local(record.at, time_zone),
            reason=record.reason,
        )


class OrderOut(_Out):
    """An order with its state and timeline; times in the technician's zone."""

    id: str
    state: str = Field(
        description="pending_payment, pending_acceptance, accepted, departed, arrived, "
        "in_service, completed, cancelled, refunding, partially_refunded or refunded."
    )
    customer_id: str
    technician_id: str | None = Field(
        description="Null while the order waits for a technician to take it."
    )
    service_id: str
    booking_id: str = Field(description="The technician's time it holds (for rescheduling).")
    slot: SlotOut
    time_zone: str
    price: MoneyOut = Field(description="What the customer pays, after every discount.")
    coupon_id: str | None = Field(default=None, description="The coupon the order holds.")
    paid: MoneyOut | None
    placed_at: AwareDatetime
    timeline: list[TransitionOut]

    @classmethod
    def from_domain(cls, order: Order) -> OrderOut:
        """From the domain Order."""
        zone = order.time_zone
        return cls(
            id=order.id,
            state=order.state,
            customer_id=order.customer_id,
            technician_id=order.technician_id,
            service_id=order.service_id,
            booking_id=order.booking_id,
            slot=SlotOut.from_domain(order.slot, zone),
            time_zone=zone,
            price=MoneyOut.from_domain(order.price),
            coupon_id=order.coupon_id,
            paid=MoneyOut.from_domain(order.paid) if order.paid is not None else None,
            placed_at=_local(order.placed_at, zone),
            timeline=[TransitionOut.from_domain(r, zone) for r in order.timeline],
        )


class OrderList(_Out):
    """Orders, newest first, one page."""

    items: list[OrderOut]
    next_cursor: NextCursor = None


class NextActionOut(_Out):
    """What the customer must do to finish paying (scan a QR code, confirm, redirect)."""

    kind: str
    data: dict[str, str]


class PaymentOut(_Out):
    """The gateway's answer, and the order's state after it was applied.

    ``status`` ``captured`` moves the order to ``pending_acceptance``; ``declined`` leaves
    it awaiting payment; ``unknown`` (a timeout) waits for reconciliation.
    """

    order_id: str
    order_state: str
    idempotency_key: str
    status: str
    amount: MoneyOut
    gateway_reference: str | None
    next_action: NextActionOut | None
    failure_code: str | None
    failure_message: str | None

    @classmethod
    def from_domain(cls, result: PaymentResult, order: Order) -> PaymentOut:
        """From the gateway's result and the order as it stands afterwards."""
        action = result.next_action
        return cls(
            order_id=order.id,
            order_state=order.state,
            idempotency_key=result.idempotency_key,
            status=result.status.value,
            amount=MoneyOut.from_domain(result.amount),
            gateway_reference=result.gateway_reference,
            next_action=NextActionOut(kind=action.kind, data=dict(action.data))
            if action is not None
            else None,
            failure_code=result.failure_code,
            failure_message=result.failure_message,
        )


# --- reviews -----------------------------------------------------------------------------


class ReviewIn(_In):
    """Review a completed order: 1–5 stars and optional text."""

    stars: WholeNumber = Field(ge=1, le=5, examples=[5])
    text: str = Field(default="", max_length=2000)


class ReviewOut(_Out):
    """A review as shown on the technician's page."""

    id: str
    order_id: str
    technician_id: str
    stars: int
    text: str
    created_at: AwareDatetime

    @classmethod
    def from_domain(cls, review: Review) -> ReviewOut:
        """From the domain Review."""
        return cls(
            id=review.id,
            order_id=review.order_id,
            technician_id=review.technician_id,
            stars=review.stars,
            text=review.text,
            created_at=review.created_at,
        )


class ReviewList(_Out):
    """A technician's reviews, newest first, one page; ``count`` and ``average_stars``
    cover all of them."""

    technician_id: str
    count: int
    average_stars: str | None = Field(
        description="Mean stars to one decimal (half up), as a string; null without reviews.",
        examples=["4.8"],
    )
    items: list[ReviewOut]
    next_cursor: NextCursor = None

    @classmethod
    def from_domain(
        cls,
        technician_id: str,
        reviews: list[Review],
        *,
        shown: list[Review],
        next_cursor: str | None,
    ) -> ReviewList:
        """From all the technician's domain reviews, and the page ``shown`` of them."""
        # The core's one rule (one decimal, half up), as the technician's rating.
        rating = average_rating([r.stars for r in reviews])
        average = str(rating) if rating is not None else None
        return cls(
            technician_id=technician_id,
            count=len(reviews),
            average_stars=average,
            items=[ReviewOut.from_domain(r) for r in shown],
            next_cursor=next_cursor,
        )
