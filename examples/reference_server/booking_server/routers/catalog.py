"""Catalog: categories and services (FEATURES C3 browse, P4 manage)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from booking_core.catalog import Category, Service
from booking_core.ids import CategoryId, ServiceId
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import Page, SortKey
from booking_server.problems import problem_responses
from booking_server.schemas import (
    BookingRulesIn,
    CategoryIn,
    CategoryList,
    CategoryOut,
    ServiceIn,
    ServiceList,
    ServiceOut,
)

__all__ = ["router"]

router = APIRouter(tags=["catalog"], responses=problem_responses(422))


@router.post(
    "/categories",
    status_code=status.HTTP_201_CREATED,
    summary="Create a category (platform)",
    responses=problem_responses(401, 403, 404),
)
def create_category(body: CategoryIn, app: Booking, actor: CurrentActor) -> CategoryOut:
    """Create a catalog category, optionally under a parent category."""
    return CategoryOut.from_domain(app.catalog.create_category(body.to_command(), actor))


@router.get("/categories", summary="List categories")
def list_categories(app: Booking, page: Page) -> CategoryList:
    """Every category, by name then id, a page at a time (public: browsing needs no
    actor)."""
    shown, next_cursor = page.of(app.catalog.list_categories(), _by_name)
    return CategoryList(items=[CategoryOut.from_domain(c) for c in shown], next_cursor=next_cursor)


def _by_name(entry: Category | Service) -> SortKey:
    return (entry.name, entry.id)


@router.post(
    "/services",
    status_code=status.HTTP_201_CREATED,
    summary="Create a service (platform)",
    responses=problem_responses(401, 403, 404),
)
def create_service(body: ServiceIn, app: Booking, actor: CurrentActor) -> ServiceOut:
    """Create a bookable service in a category, with its duration and exact price."""
    return ServiceOut.from_domain(app.catalog.create_service(body.to_command(), actor))


@router.put(
    "/services/{service_id}/rules",
    summary="Set a service's own booking rules (platform)",
    responses=problem_responses(401, 403, 404),
)
def set_service_rules(
    service_id: str, body: BookingRulesIn, app: Booking, actor: CurrentActor
) -> ServiceOut:
    """Replace the service's own step, notice and window (each absent or null: the
    platform's; ``{}``: the platform's for all). The next slot question and booking follow
    them; bookings already made keep their times. 422 ``invalid_schedule`` when they would
    book nothing (a notice as long as the window): nothing changes."""
    service = app.catalog.set_rules(ServiceId(service_id), body.to_domain(), actor)
    return ServiceOut.from_domain(service)


@router.get("/services", summary="List services")
def list_services(
    app: Booking,
    page: Page,
    category_id: Annotated[str | None, Query(max_length=128)] = None,
) -> ServiceList:
    """Every service, or those of one category, by name then id, a page at a time."""
    category = CategoryId(category_id) if category_id is not None else None
    shown, next_cursor = page.of(app.catalog.list_services(category), _by_name)
    return ServiceList(items=[ServiceOut.from_domain(s) for s in shown], next_cursor=next_cursor)


@router.get("/services/{service_id}", summary="Get a service", responses=problem_responses(404))
def get_service(service_id: str, app: Booking) -> ServiceOut:
    """One service."""
    return ServiceOut.from_domain(app.catalog.get_service(ServiceId(service_id)))
