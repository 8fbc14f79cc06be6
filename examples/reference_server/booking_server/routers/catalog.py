"""Catalog: categories and services (FEATURES C3 browse, P4 manage)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from booking_core.ids import CategoryId, ServiceId
from booking_server.actors import PlatformActor
from booking_server.dependencies import Booking
from booking_server.problems import problem_responses
from booking_server.schemas import (
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
def create_category(body: CategoryIn, app: Booking, _: PlatformActor) -> CategoryOut:
    """Create a catalog category, optionally under a parent category."""
    return CategoryOut.from_domain(app.catalog.create_category(body.to_command()))


@router.get("/categories", summary="List categories")
def list_categories(app: Booking) -> CategoryList:
    """Every category (public: browsing needs no actor)."""
    return CategoryList(items=[CategoryOut.from_domain(c) for c in app.catalog.list_categories()])


@router.post(
    "/services",
    status_code=status.HTTP_201_CREATED,
    summary="Create a service (platform)",
    responses=problem_responses(401, 403, 404),
)
def create_service(body: ServiceIn, app: Booking, _: PlatformActor) -> ServiceOut:
    """Create a bookable service in a category, with its duration and exact price."""
    return ServiceOut.from_domain(app.catalog.create_service(body.to_command()))


@router.get("/services", summary="List services")
def list_services(
    app: Booking,
    category_id: Annotated[str | None, Query(max_length=128)] = None,
) -> ServiceList:
    """Every service, or those of one category."""
    category = CategoryId(category_id) if category_id is not None else None
    return ServiceList(
        items=[ServiceOut.from_domain(s) for s in app.catalog.list_services(category)]
    )


@router.get("/services/{service_id}", summary="Get a service", responses=problem_responses(404))
def get_service(service_id: str, app: Booking) -> ServiceOut:
    """One service."""
    return ServiceOut.from_domain(app.catalog.get_service(ServiceId(service_id)))
