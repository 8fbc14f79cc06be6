"""Categories and services (FEATURES C3, P4)."""

from __future__ import annotations

from typing import Annotated, Final

from annotated_types import Interval
from pydantic import Field, StrictInt

from booking_core.catalog import BookingRules, Category, Service, WindowKind
from booking_core.catalog.service import MAX_TECHNICIANS_NEEDED
from booking_core.ids import CategoryId
from booking_core.services.catalog import CreateCategory, CreateService
from booking_server.paging import NextCursor
from booking_server.schemas.common import (
    TAKE_WHOLE_FLOATS,
    EntityId,
    InModel,
    MoneyIn,
    MoneyOut,
    Name,
    OutModel,
    WholeNumber,
)

__all__ = [
    "BookingRulesIn",
    "BookingRulesOut",
    "CategoryIn",
    "CategoryList",
    "CategoryOut",
    "ServiceIn",
    "ServiceList",
    "ServiceOut",
]


_MINUTES_PER_DAY: Final = 24 * 60


class CategoryIn(InModel):
    """Create a catalog category."""

    name: Name = Field(examples=["按摩 Massage"])
    parent_id: EntityId | None = None

    def to_command(self) -> CreateCategory:
        """The core command."""
        parent = CategoryId(self.parent_id) if self.parent_id is not None else None
        return CreateCategory(name=self.name, parent_id=parent)


class CategoryOut(OutModel):
    """A catalog category."""

    id: str
    name: str
    parent_id: str | None

    @classmethod
    def from_domain(cls, category: Category) -> CategoryOut:
        """From the domain Category."""
        return cls(id=category.id, name=category.name, parent_id=category.parent_id)


class CategoryList(OutModel):
    """Categories by name then id, one page (see ``booking_server.paging``)."""

    items: list[CategoryOut]
    next_cursor: NextCursor = None


class BookingRulesIn(InModel):
    """A service's own booking rules; each one absent (or null) is the platform's."""

    slot_step_minutes: (
        Annotated[StrictInt, Interval(ge=1, le=_MINUTES_PER_DAY), TAKE_WHOLE_FLOATS] | None
    ) = None
    notice_minutes: Annotated[StrictInt, Interval(ge=0), TAKE_WHOLE_FLOATS] | None = None
    window_days: Annotated[StrictInt, Interval(ge=1, le=3650), TAKE_WHOLE_FLOATS] | None = None
    window_kind: WindowKind | None = Field(
        default=None,
        description="rolling (24-hour periods), calendar_days (whole local days) or none "
        "(no window).",
    )

    def to_domain(self) -> BookingRules:
        """The core value."""
        return BookingRules(
            self.slot_step_minutes, self.notice_minutes, self.window_days, self.window_kind
        )


class BookingRulesOut(OutModel):
    """A service's own booking rules (null: the platform's)."""

    slot_step_minutes: int | None
    notice_minutes: int | None
    window_days: int | None
    window_kind: str | None

    @classmethod
    def from_domain(cls, rules: BookingRules) -> BookingRulesOut:
        """From the core value."""
        kind = rules.window_kind
        return cls(
            slot_step_minutes=rules.slot_step_minutes,
            notice_minutes=rules.notice_minutes,
            window_days=rules.window_days,
            window_kind=None if kind is None else kind.value,
        )


class ServiceIn(InModel):
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
    rules: BookingRulesIn | None = Field(
        default=None,
        description="Its own step, notice and window where they differ from the platform's.",
    )
    technicians_needed: WholeNumber = Field(
        default=1,
        ge=1,
        le=MAX_TECHNICIANS_NEEDED,
        description="How many technicians serve it together, at the same time (2: a "
        "couple's massage); more than 1 is booked with POST /parties.",
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
            rules=None if self.rules is None else self.rules.to_domain(),
            technicians_needed=self.technicians_needed,
        )


class ServiceOut(OutModel):
    """A bookable service."""

    id: str
    category_id: str
    name: str
    description: str
    duration_minutes: int
    price: MoneyOut
    buffer_before_minutes: int
    buffer_after_minutes: int
    rules: BookingRulesOut | None = None
    technicians_needed: int = Field(
        default=1, description="How many technicians serve it together (POST /parties)."
    )

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
            rules=None if service.rules is None else BookingRulesOut.from_domain(service.rules),
            technicians_needed=service.technicians_needed,
        )


class ServiceList(OutModel):
    """Services by name then id, one page."""

    items: list[ServiceOut]
    next_cursor: NextCursor = None
