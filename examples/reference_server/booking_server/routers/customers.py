"""Customers: registration, profile, address book, favourites, tier (FEATURES C1, C2, C5).

``/customers/me`` is the calling customer's own record; the platform reads any customer's
record at ``/customers/{customer_id}`` and sets tiers there.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from booking_core.ids import CustomerId, ServiceId, TechnicianId
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.problems import problem_responses
from booking_server.schemas import (
    AddressIn,
    CustomerDetailsIn,
    CustomerOut,
    DefaultAddressIn,
    FavouritesIn,
    StandingOut,
    TierIn,
)

__all__ = ["router"]

router = APIRouter(tags=["customers"], responses=problem_responses(401, 403, 422))


@router.post(
    "/customers/me",
    status_code=status.HTTP_201_CREATED,
    summary="Register (customer)",
    responses=problem_responses(409),
)
def register_customer(body: CustomerDetailsIn, app: Booking, actor: CurrentActor) -> CustomerOut:
    """Register the calling customer with what he says about himself. 409
    ``customer_exists`` when he is registered already."""
    return CustomerOut.from_domain(app.customers.register(body.to_domain(), actor))


@router.get("/customers/me", summary="My record (customer)", responses=problem_responses(404))
def my_record(app: Booking, actor: CurrentActor) -> CustomerOut:
    """The calling customer's record: profile, address book, favourites, tier."""
    return CustomerOut.from_domain(app.customers.get(CustomerId(actor.id), actor))


@router.put(
    "/customers/me", summary="Edit my profile (customer)", responses=problem_responses(404, 409)
)
def edit_my_details(body: CustomerDetailsIn, app: Booking, actor: CurrentActor) -> CustomerOut:
    """Replace what the calling customer says about himself."""
    customer = app.customers.update_details(CustomerId(actor.id), body.to_domain(), actor)
    return CustomerOut.from_domain(customer)


@router.get(
    "/customers/me/standing",
    summary="What my prices depend on (customer)",
)
def my_standing(app: Booking, actor: CurrentActor) -> StandingOut:
    """His tier, whether he is still new (no paid order: new-customer coupons apply) and his
    unpaid orders — what checkout and quotes read."""
    return StandingOut.from_domain(app.customers.standing(CustomerId(actor.id), actor))


@router.post(
    "/customers/me/addresses",
    status_code=status.HTTP_201_CREATED,
    summary="Add an address (customer)",
    responses=problem_responses(404, 409),
)
def add_address(body: AddressIn, app: Booking, actor: CurrentActor) -> CustomerOut:
    """Add an address to the book; the first one, or one sent with ``default: true``,
    becomes the default. 422 when the book is full (20)."""
    customer = app.customers.add_address(
        CustomerId(actor.id), body.to_command(), actor, default=body.default
    )
    return CustomerOut.from_domain(customer)


@router.delete(
    "/customers/me/addresses/{address_id}",
    summary="Remove an address (customer)",
    responses=problem_responses(404, 409),
)
def remove_address(address_id: str, app: Booking, actor: CurrentActor) -> CustomerOut:
    """Remove an address; the default passes to the first one left."""
    return CustomerOut.from_domain(
        app.customers.remove_address(CustomerId(actor.id), address_id, actor)
    )


@router.put(
    "/customers/me/default-address",
    summary="Choose my default address (customer)",
    responses=problem_responses(404, 409),
)
def choose_default_address(
    body: DefaultAddressIn, app: Booking, actor: CurrentActor
) -> CustomerOut:
    """Make one of the book's addresses the default."""
    return CustomerOut.from_domain(
        app.customers.set_default_address(CustomerId(actor.id), body.address_id, actor)
    )


@router.patch(
    "/customers/me/favourites",
    summary="Mark or unmark favourites (customer)",
    responses=problem_responses(404, 409),
)
def edit_favourites(body: FavouritesIn, app: Booking, actor: CurrentActor) -> CustomerOut:
    """Add and remove favourite technicians and services (those added must exist)."""
    customer = app.customers.update_favourites(
        CustomerId(actor.id),
        actor,
        add_technicians=[TechnicianId(t) for t in body.add_technicians],
        remove_technicians=[TechnicianId(t) for t in body.remove_technicians],
        add_services=[ServiceId(s) for s in body.add_services],
        remove_services=[ServiceId(s) for s in body.remove_services],
    )
    return CustomerOut.from_domain(customer)


@router.get(
    "/customers/{customer_id}",
    summary="A customer's record (platform)",
    responses=problem_responses(404),
)
def customer_record(customer_id: str, app: Booking, actor: CurrentActor) -> CustomerOut:
    """Any customer's record, for the platform (a customer may read his own)."""
    return CustomerOut.from_domain(app.customers.get(CustomerId(customer_id), actor))


@router.put(
    "/customers/{customer_id}/tier",
    summary="Set a customer's membership tier (platform)",
    responses=problem_responses(404, 409),
)
def set_tier(customer_id: str, body: TierIn, app: Booking, actor: CurrentActor) -> CustomerOut:
    """Set (or, with null, clear) a customer's membership tier: tier prices and member-only
    coupons follow it at the next quote and checkout."""
    return CustomerOut.from_domain(
        app.customers.set_tier(CustomerId(customer_id), body.tier, actor)
    )
