"""Technicians' onboarding: applications and the platform's review (FEATURES T1, P3).

A newcomer applies as a technician (role ``technician``, his chosen id as his actor id):
he is registered at once, pending, and cannot be booked until the platform
approves. The platform works through the queue: approve, reject or ask for more (he
resubmits). Who may do what is the core's
(:class:`~booking_core.services.onboarding.OnboardingService`); the routes only map.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from booking_core.bootstrap import BookingApp
from booking_core.errors import BookingError, NotFound
from booking_core.ids import TechnicianId
from booking_core.onboarding import ApplicationState, TechnicianApplication
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import Page, SortKey, micros
from booking_server.problems import problem_responses
from booking_server.schemas import (
    ApplicationIn,
    ApplicationList,
    ApplicationOut,
    ApprovalIn,
    DocumentsIn,
    ReviewReasonIn,
)

__all__ = ["NoApplication", "router"]

router = APIRouter(tags=["onboarding"], responses=problem_responses(401, 403, 422))


class NoApplication(NotFound):
    """The technician never applied: unknown, or registered by the platform."""

    def __init__(self, technician_id: str) -> None:
        BookingError.__init__(
            self,
            f"Technician {technician_id} never applied (the platform may have registered him).",
            details={"entity": "application", "technician_id": technician_id},
        )
        self.entity = "application"
        self.entity_id = technician_id


def _out(app: BookingApp, application: TechnicianApplication) -> ApplicationOut:
    return ApplicationOut.from_domain(application, app.technicians.get(application.technician_id))


def _submitted_first(application: TechnicianApplication) -> SortKey:
    return (micros(application.submitted_at), application.id)


@router.post(
    "/technician-applications",
    status_code=status.HTTP_201_CREATED,
    summary="Apply as a technician (technician)",
    responses=problem_responses(404, 409),
)
def apply_as_technician(body: ApplicationIn, app: Booking, actor: CurrentActor) -> ApplicationOut:
    """Register the calling technician (his id is his actor id), pending, with his
    qualification documents: ID card, health certificate and skill certificate, none expired.
    409 ``application_not_allowed`` when he is registered already (he applies again at
    ``/me/technician-applications``); 404 for an unknown service; 422
    ``invalid_application`` for missing or expired documents."""
    return _out(app, app.onboarding.apply(body.to_command(), actor))


@router.post(
    "/me/technician-applications",
    status_code=status.HTTP_201_CREATED,
    summary="Apply again (a registered technician)",
    responses=problem_responses(404, 409),
)
def reapply_as_technician(body: DocumentsIn, app: Booking, actor: CurrentActor) -> ApplicationOut:
    """A registered technician applies again with new documents: after a rejection, or to
    renew documents before they expire (he stays verified until they do). 409
    ``application_not_allowed`` while an application of his is being reviewed."""
    return _out(app, app.onboarding.reapply(body.to_domain(), actor))


@router.get(
    "/technician-applications", summary="The review queue, or applications by state (platform)"
)
def review_queue(
    app: Booking,
    actor: CurrentActor,
    page: Page,
    state: Annotated[
        list[ApplicationState] | None,
        Query(
            max_length=len(ApplicationState),
            description="Only applications in these states (repeat); without it, the review "
            "queue (`submitted`).",
        ),
    ] = None,
) -> ApplicationList:
    """Applications waiting for review (``submitted``), or with ``state`` those in any of
    the states named, first submitted first, a page at a time."""
    if state is None:
        found = app.onboarding.review_queue(actor)
    else:
        found = app.onboarding.applications(actor, state)
    shown, next_cursor = page.of(found, _submitted_first)
    return ApplicationList(items=[_out(app, a) for a in shown], next_cursor=next_cursor)


@router.get(
    "/technician-applications/{application_id}",
    summary="An application (the applicant, platform)",
    responses=problem_responses(404),
)
def get_application(application_id: str, app: Booking, actor: CurrentActor) -> ApplicationOut:
    """The application with its documents, timeline and the applicant's verification; 404
    for anyone but the applicant and the platform."""
    return _out(app, app.onboarding.get(application_id, actor))


@router.get(
    "/technicians/{technician_id}/applications/latest",
    summary="A technician's latest application (he, platform)",
    responses=problem_responses(404),
)
def latest_application(technician_id: str, app: Booking, actor: CurrentActor) -> ApplicationOut:
    """His last application; 404 when he never applied, or for anyone but him and the
    platform."""
    found = app.onboarding.latest(TechnicianId(technician_id), actor)
    if found is None:
        raise NoApplication(technician_id)
    return _out(app, found)


@router.post(
    "/technician-applications/{application_id}/approve",
    summary="Approve an application (platform)",
    responses=problem_responses(404, 409),
)
def approve_application(
    application_id: str, app: Booking, actor: CurrentActor, body: ApprovalIn | None = None
) -> ApplicationOut:
    """Approve a submitted application: he is verified from today (his local date) until
    the earliest expiry among his required documents, and reminded before it. 409
    ``transition_not_allowed`` unless it is ``submitted``; 422 ``invalid_application`` if a
    document has expired since (ask for more instead)."""
    note = body.note if body is not None else ""
    app.onboarding.approve(application_id, actor, note=note)
    return _out(app, app.onboarding.get(application_id, actor))


@router.post(
    "/technician-applications/{application_id}/reject",
    summary="Reject an application (platform)",
    responses=problem_responses(404, 409),
)
def reject_application(
    application_id: str, body: ReviewReasonIn, app: Booking, actor: CurrentActor
) -> ApplicationOut:
    """Reject, saying why. A technician never verified is rejected; one renewing his
    documents stays verified until they expire."""
    return _out(app, app.onboarding.reject(application_id, actor, reason=body.reason))


@router.post(
    "/technician-applications/{application_id}/request-more",
    summary="Ask for more documents (platform)",
    responses=problem_responses(404, 409),
)
def request_more_documents(
    application_id: str, body: ReviewReasonIn, app: Booking, actor: CurrentActor
) -> ApplicationOut:
    """Send a submitted application back to ``more_requested``, saying what is needed."""
    return _out(app, app.onboarding.request_more(application_id, actor, reason=body.reason))


@router.post(
    "/technician-applications/{application_id}/resubmit",
    summary="Send the documents again (the applicant)",
    responses=problem_responses(404, 409),
)
def resubmit_application(
    application_id: str, body: DocumentsIn, app: Booking, actor: CurrentActor
) -> ApplicationOut:
    """After the platform asked for more: the application is ``submitted`` again with these
    documents. 409 ``transition_not_allowed`` unless more was asked for."""
    documents = body.to_domain()
    return _out(app, app.onboarding.resubmit(application_id, documents, actor))
