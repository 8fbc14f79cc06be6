"""Stores: profile, members, own prices, announcements (FEATURES S1, S2, S7).

A store acts in the role ``store`` with its store id as its actor id. Who may do
what is the core's (``StoreService``); each route says it in its summary.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from booking_core.ids import StoreId, TechnicianId
from booking_core.scheduling import Technician
from booking_core.stores import Announcement, Store
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import Page, SortKey, micros
from booking_server.problems import problem_responses
from booking_server.schemas import (
    AnnouncementIn,
    AnnouncementList,
    AnnouncementOut,
    InvitationIn,
    JoinRequestOut,
    MemberIn,
    OwnPricesAllowedIn,
    StoreIn,
    StoreList,
    StoreMemberList,
    StoreMemberOut,
    StoreOut,
    StorePricesIn,
    TechnicianOut,
)

__all__ = ["router"]

router = APIRouter(tags=["stores"], responses=problem_responses(422))

_WHO = problem_responses(401, 403, 404)


def _by_name(store: Store) -> SortKey:
    return (store.details.name, store.id)


def _member_by_name(technician: Technician) -> SortKey:
    return (technician.name, technician.id)


def _newest_first(announcement: Announcement) -> SortKey:
    return (micros(announcement.published_at), announcement.id)


@router.post(
    "/stores",
    status_code=status.HTTP_201_CREATED,
    summary="Create a store (platform)",
    responses=problem_responses(401, 403),
)
def create_store(body: StoreIn, app: Booking, actor: CurrentActor) -> StoreOut:
    """Create a store with its profile and whether it may set its own prices."""
    store = app.stores.create(body.to_domain(), actor, own_prices_allowed=body.own_prices_allowed)
    return StoreOut.from_domain(store)


@router.get("/stores", summary="List stores")
def list_stores(app: Booking, page: Page) -> StoreList:
    """Every store, by name then id, a page at a time (public)."""
    shown, next_cursor = page.of(app.stores.list(), _by_name)
    return StoreList(items=[StoreOut.from_domain(s) for s in shown], next_cursor=next_cursor)


@router.get("/stores/{store_id}", summary="Get a store", responses=problem_responses(404))
def get_store(store_id: str, app: Booking) -> StoreOut:
    """A store's public profile and own prices (public)."""
    return StoreOut.from_domain(app.stores.get(StoreId(store_id)))


@router.put(
    "/stores/{store_id}",
    summary="Edit a store's profile (the store, platform)",
    responses=problem_responses(401, 403, 404, 409),
)
def edit_store(store_id: str, body: StoreIn, app: Booking, actor: CurrentActor) -> StoreOut:
    """Replace the store's profile (``own_prices_allowed`` is ignored here)."""
    return StoreOut.from_domain(
        app.stores.update_details(StoreId(store_id), body.to_domain(), actor)
    )


@router.put(
    "/stores/{store_id}/own-prices-allowed",
    summary="Allow or forbid a store its own prices (platform)",
    responses=problem_responses(401, 403, 404, 409),
)
def allow_own_prices(
    store_id: str, body: OwnPricesAllowedIn, app: Booking, actor: CurrentActor
) -> StoreOut:
    """Forbidding drops the store's prices, from its technicians' prices too."""
    return StoreOut.from_domain(app.stores.allow_own_prices(StoreId(store_id), body.allowed, actor))


@router.put(
    "/stores/{store_id}/prices",
    summary="Set a store's own prices (the store, platform)",
    responses=problem_responses(401, 403, 404, 409),
)
def set_store_prices(
    store_id: str, body: StorePricesIn, app: Booking, actor: CurrentActor
) -> StoreOut:
    """Replace the store's own prices; its technicians sell at them from now on, unless they
    have their own price for the service. 403 when the platform does not allow it."""
    return StoreOut.from_domain(app.stores.set_prices(StoreId(store_id), body.to_domain(), actor))


@router.get(
    "/stores/{store_id}/members",
    summary="A store's technicians and invitations (the store, platform)",
    responses=_WHO,
)
def list_members(store_id: str, app: Booking, actor: CurrentActor, page: Page) -> StoreMemberList:
    """Its technicians by name then id, a page at a time, whom it has invited and who asked
    to join."""
    members = app.stores.members(StoreId(store_id), actor)
    shown, next_cursor = page.of(members, _member_by_name)
    store = app.stores.get(StoreId(store_id))
    return StoreMemberList(
        items=[StoreMemberOut.from_domain(t) for t in shown],
        invitations=sorted(store.invitations),
        join_requests=sorted(store.join_requests),
        next_cursor=next_cursor,
    )


@router.post(
    "/stores/{store_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    summary="Invite a technician (the store, platform)",
    responses=problem_responses(401, 403, 404, 409),
)
def invite_technician(
    store_id: str, body: InvitationIn, app: Booking, actor: CurrentActor
) -> StoreMemberList:
    """Invite a technician to join; he accepts at
    ``POST /stores/{store_id}/invitations/{technician_id}/accept``. Answers the invitations."""
    store = app.stores.invite(StoreId(store_id), TechnicianId(body.technician_id), actor)
    return StoreMemberList.pending(store)


@router.delete(
    "/stores/{store_id}/invitations/{technician_id}",
    summary="Withdraw an invitation (the store, platform)",
    responses=problem_responses(401, 403, 404, 409),
)
def withdraw_invitation(
    store_id: str, technician_id: str, app: Booking, actor: CurrentActor
) -> StoreMemberList:
    """Take back an invitation he has not accepted: he can no longer accept it. 409
    ``membership_conflict`` when he has no invitation from the store. Answers what is
    pending."""
    store = app.stores.withdraw_invitation(StoreId(store_id), TechnicianId(technician_id), actor)
    return StoreMemberList.pending(store)


@router.post(
    "/stores/{store_id}/join-requests",
    status_code=status.HTTP_201_CREATED,
    summary="Ask to join a store (a technician)",
    responses=problem_responses(401, 403, 404, 409),
)
def request_to_join(store_id: str, app: Booking, actor: CurrentActor) -> JoinRequestOut:
    """The calling technician asks to join; the store approves at
    ``POST /stores/{store_id}/join-requests/{technician_id}/approve`` or declines. 409
    ``membership_conflict`` while he belongs to a store (he leaves it first)."""
    store = app.stores.request_to_join(StoreId(store_id), TechnicianId(actor.id), actor)
    return JoinRequestOut(store_id=store.id, technician_id=actor.id)


@router.post(
    "/stores/{store_id}/join-requests/{technician_id}/approve",
    summary="Approve a request to join (the store, platform)",
    responses=problem_responses(401, 403, 404, 409),
)
def approve_join_request(
    store_id: str, technician_id: str, app: Booking, actor: CurrentActor
) -> TechnicianOut:
    """He joins the store. 409 ``membership_conflict`` when he has not asked, or has joined
    a store since (a technician belongs to at most one)."""
    technician = app.stores.approve_join_request(
        StoreId(store_id), TechnicianId(technician_id), actor
    )
    return TechnicianOut.from_domain(technician)


@router.delete(
    "/stores/{store_id}/join-requests/{technician_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Decline a request to join (the store, platform) or withdraw it (the technician)",
    responses=problem_responses(401, 403, 404, 409),
)
def decline_join_request(
    store_id: str, technician_id: str, app: Booking, actor: CurrentActor
) -> Response:
    """The request is gone: he is not a member. 409 ``membership_conflict`` when there is
    no such request."""
    app.stores.decline_join_request(StoreId(store_id), TechnicianId(technician_id), actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/stores/{store_id}/invitations/{technician_id}/accept",
    summary="Accept a store's invitation (the technician)",
    responses=problem_responses(401, 403, 404, 409),
)
def accept_invitation(
    store_id: str, technician_id: str, app: Booking, actor: CurrentActor
) -> TechnicianOut:
    """The invited technician joins the store. 409 ``membership_conflict`` without an
    invitation, or while he belongs to another store (he leaves it first)."""
    technician = app.stores.accept(StoreId(store_id), TechnicianId(technician_id), actor)
    return TechnicianOut.from_domain(technician)


@router.post(
    "/stores/{store_id}/members",
    summary="Add or transfer a technician (platform)",
    responses=problem_responses(401, 403, 404, 409),
)
def add_member(store_id: str, body: MemberIn, app: Booking, actor: CurrentActor) -> TechnicianOut:
    """Make a technician a member without invitation; with ``transfer`` he is moved out of
    the store he is in. 409 ``membership_conflict`` when he is in another store without
    ``transfer``, or a member already."""
    technician = app.stores.add_member(
        StoreId(store_id), TechnicianId(body.technician_id), actor, transfer=body.transfer
    )
    return TechnicianOut.from_domain(technician)


@router.delete(
    "/stores/{store_id}/members/{technician_id}",
    summary="Leave a store (the technician), remove a member (the store, platform)",
    responses=problem_responses(401, 403, 404, 409),
)
def remove_member(
    store_id: str, technician_id: str, app: Booking, actor: CurrentActor
) -> TechnicianOut:
    """He is no longer the store's member; its prices no longer apply to him."""
    technician = app.stores.leave(StoreId(store_id), TechnicianId(technician_id), actor)
    return TechnicianOut.from_domain(technician)


@router.post(
    "/stores/{store_id}/announcements",
    status_code=status.HTTP_201_CREATED,
    summary="Publish an announcement (the store, platform)",
    responses=_WHO,
)
def publish_announcement(
    store_id: str, body: AnnouncementIn, app: Booking, actor: CurrentActor
) -> AnnouncementOut:
    """Publish to the store's technicians, its customers, or both."""
    announcement = app.stores.publish(
        StoreId(store_id), body.audience, body.title, body.body, actor
    )
    zone = app.stores.get(StoreId(store_id)).details.time_zone
    return AnnouncementOut.from_domain(announcement, zone)


@router.get(
    "/stores/{store_id}/announcements",
    summary="Read a store's announcements",
    responses=problem_responses(401, 404),
)
def list_announcements(
    store_id: str, app: Booking, actor: CurrentActor, page: Page
) -> AnnouncementList:
    """The latest 100 announcements the caller may read, newest first, a page at a time:
    all for the store and the platform, those for technicians for its members, those for
    customers for everyone else."""
    found = app.stores.announcements(StoreId(store_id), actor, limit=100)
    shown, next_cursor = page.of(found, _newest_first, descending=True)
    zone = app.stores.get(StoreId(store_id)).details.time_zone
    return AnnouncementList(
        items=[AnnouncementOut.from_domain(a, zone) for a in shown], next_cursor=next_cursor
    )
