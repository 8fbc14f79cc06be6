"""Demo data from the seed documents: a small catalog and three technicians in Shanghai.

The same specs seed a fresh database (:func:`seed_if_empty`, through the application
services) and feed the demo script (as HTTP request bodies, :meth:`CategorySpec.request`
and friends), so the two never drift apart.

A fresh server also opens its technicians to dispatch (:func:`open_for_dispatch`): each
serves 10 km around his spot in central Shanghai and is online, so an order placed without
a technician near People's Square (31.2304, 121.4737) finds one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from booking_core.bootstrap import BookingApp
from booking_core.catalog import Category, Service
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.scheduling import Technician, WeeklyHours, WorkStatus
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.services.catalog import CreateCategory, CreateService
from booking_core.services.technicians import RegisterTechnician

__all__ = [
    "CATEGORIES",
    "DEMO_ADMIN",
    "DISPATCH_RADIUS_KM",
    "TECHNICIANS",
    "CategorySpec",
    "DemoCatalog",
    "ServiceSpec",
    "TechnicianSpec",
    "open_for_dispatch",
    "seed_demo_data",
    "seed_if_empty",
]

SHANGHAI: Final = "Asia/Shanghai"
#: Who seeds the demo: only the platform manages the catalog and registers technicians.
DEMO_ADMIN: Final = Actor("demo-admin", Role.PLATFORM)


@attrs.frozen
class ServiceSpec:
    """A demo service; ``price`` in fen."""

    name: str
    duration_minutes: int
    price: int
    description: str = ""
    buffer_after_minutes: int = 0

    def request(self, category_id: str) -> dict[str, Any]:
        """The ``POST /services`` body."""
        return {
            "category_id": category_id,
            "name": self.name,
            "duration_minutes": self.duration_minutes,
            "price": {"amount": self.price, "currency": "CNY"},
            "description": self.description,
            "buffer_after_minutes": self.buffer_after_minutes,
        }

    def command(self, category: Category) -> CreateService:
        """The core command."""
        return CreateService(
            category_id=category.id,
            name=self.name,
            duration_minutes=self.duration_minutes,
            price=Money(self.price, "CNY"),
            description=self.description,
            buffer_after_minutes=self.buffer_after_minutes,
        )


@attrs.frozen
class CategorySpec:
    """A demo category and its services."""

    name: str
    services: tuple[ServiceSpec, ...]

    def request(self) -> dict[str, Any]:
        """The ``POST /categories`` body."""
        return {"name": self.name}


@attrs.frozen
class TechnicianSpec:
    """A demo technician: weekly hours (local wall-clock) and services by name."""

    name: str
    weekly_hours: Mapping[str, tuple[str, ...]]
    services: tuple[str, ...]
    time_zone: str = SHANGHAI
    #: Where he starts from (lat, lon): he serves :data:`DISPATCH_RADIUS_KM` around it.
    spot: tuple[float, float] | None = None

    def request(self, service_ids: list[str]) -> dict[str, Any]:
        """The ``POST /technicians`` body."""
        return {
            "name": self.name,
            "time_zone": self.time_zone,
            "weekly_hours": {day: list(ranges) for day, ranges in self.weekly_hours.items()},
            "service_ids": service_ids,
        }


_WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri")
#: How far from his spot a demo technician serves.
DISPATCH_RADIUS_KM: Final = 10.0

#: 按摩 / 美容 / 家政, from the seed documents' catalogs.
CATEGORIES: Final = (
    CategorySpec(
        "按摩 Massage",
        (
            ServiceSpec(
                "中式推拿 Chinese tuina",
                60,
                19900,
                "Traditional tuina along the meridians: pressing, kneading and rolling.",
            ),
            ServiceSpec(
                "足底按摩 Foot massage",
                60,
                13900,
                "Foot soak, then reflexology massage of the soles and calves.",
            ),
        ),
    ),
    CategorySpec(
        "美容 Beauty",
        (
            ServiceSpec(
                "面部护理 Facial",
                90,
                25800,
                "Cleansing, exfoliation, mask and moisturising, with products for your skin type.",
            ),
        ),
    ),
    CategorySpec(
        "家政 Housekeeping",
        (
            ServiceSpec(
                "深度清洁 Deep cleaning",
                180,
                39900,
                "Kitchen, bathrooms, windows and floors, with our own equipment.",
                buffer_after_minutes=30,
            ),
        ),
    ),
)

TECHNICIANS: Final = (
    TechnicianSpec(
        "李伟 Li Wei",
        dict.fromkeys((*_WEEKDAYS, "sat"), ("09:00-12:00", "13:00-21:00")),
        ("中式推拿 Chinese tuina", "足底按摩 Foot massage"),
        spot=(31.2287, 121.4468),  # 静安 Jing'an
    ),
    TechnicianSpec(
        "王芳 Wang Fang",
        dict.fromkeys(("tue", "wed", "thu", "fri", "sat", "sun"), ("10:00-19:00",)),
        ("面部护理 Facial", "足底按摩 Foot massage"),
        spot=(31.2397, 121.4998),  # 陆家嘴 Lujiazui
    ),
    TechnicianSpec(
        "张丽 Zhang Li",
        dict.fromkeys(_WEEKDAYS, ("08:00-17:00",)),
        ("深度清洁 Deep cleaning",),
        spot=(31.2196, 121.4753),  # 新天地 Xintiandi
    ),
)


@attrs.frozen
class DemoCatalog:
    """What seeding created, by name."""

    categories: dict[str, Category]
    services: dict[str, Service]
    technicians: dict[str, Technician]


def seed_demo_data(app: BookingApp) -> DemoCatalog:
    """Create the demo categories, services and technicians through the services, acting
    as the platform (the demo's administrator, ``DEMO_ADMIN``)."""
    categories: dict[str, Category] = {}
    services: dict[str, Service] = {}
    for spec in CATEGORIES:
        category = app.catalog.create_category(CreateCategory(spec.name), DEMO_ADMIN)
        categories[spec.name] = category
        for service_spec in spec.services:
            services[service_spec.name] = app.catalog.create_service(
                service_spec.command(category), DEMO_ADMIN
            )
    technicians = {
        spec.name: app.technicians.register(
            RegisterTechnician(
                name=spec.name,
                time_zone=spec.time_zone,
                weekly_hours=WeeklyHours.parse(spec.weekly_hours),
                service_ids=frozenset(services[name].id for name in spec.services),
            ),
            DEMO_ADMIN,
        )
        for spec in TECHNICIANS
    }
    return DemoCatalog(categories, services, technicians)


def open_for_dispatch(app: BookingApp, demo: DemoCatalog) -> DemoCatalog:
    """Give each demo technician his service area around his spot and set him online, so
    dispatch finds him; the catalog with the technicians as they are now."""
    technicians: dict[str, Technician] = {}
    for spec in TECHNICIANS:
        technician = demo.technicians[spec.name]
        if spec.spot is not None:
            area = ServiceArea(GeoPoint(*spec.spot), DISPATCH_RADIUS_KM)
            profile = attrs.evolve(technician.profile, service_area=area)
            technician = app.technicians.update_profile(technician.id, profile, DEMO_ADMIN)
            app.schedules.set_status(DEMO_ADMIN, technician.id, WorkStatus.ONLINE)
        technicians[spec.name] = technician
    return attrs.evolve(demo, technicians=technicians)


def seed_if_empty(app: BookingApp) -> DemoCatalog | None:
    """Seed the demo data unless the catalog or the technicians hold anything already, and
    open the demo technicians to dispatch."""
    if app.catalog.list_categories() or app.technicians.list():
        return None
    return open_for_dispatch(app, seed_demo_data(app))
