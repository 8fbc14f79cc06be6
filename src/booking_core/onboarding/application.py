"""A technician's application and the platform's review of it (FEATURES T1, P3).

An application is its own small aggregate with its own chart::

    submitted ──approve──▶ approved
      │  ▲  └───reject───▶ rejected
      │  └─resubmit─┐          ▲
      └request_more─▶ more_requested ──reject──┘

Only the platform reviews (approve, reject, request more); only the applicant resubmits.
Every move is recorded on the application's timeline with actor, time and reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Final

import attrs
from pendulum import Date, DateTime
from statemachine import State, StateChart
from statemachine.exceptions import TransitionNotAllowed as _MachineRefused

from booking_core.errors import InvalidApplication, TransitionNotAllowed
from booking_core.events import DomainEvent
from booking_core.ids import TechnicianId
from booking_core.onboarding.document import QualificationDocument
from booking_core.onboarding.events import (
    ApplicationStateChanged,
    ApplicationSubmitted,
    TechnicianDocumentExpiring,
)
from booking_core.onboarding.policy import VerificationPolicy
from booking_core.onboarding.verification import Verification

# Leaf modules of orders only: orders.order reaches the technician's profile, which
# holds a Verification from this package.
from booking_core.orders.actor import Actor, Role
from booking_core.orders.permissions import check_event

__all__ = [
    "APPLICATION_ROLES",
    "ApplicationLifecycle",
    "ApplicationState",
    "ReviewRecord",
    "TechnicianApplication",
]

MAX_REVIEW_TEXT: Final = 2000


class ApplicationState(StrEnum):
    """Where an application stands."""

    SUBMITTED = "submitted"
    MORE_REQUESTED = "more_requested"
    APPROVED = "approved"
    REJECTED = "rejected"


class ApplicationLifecycle(StateChart):  # type: ignore[type-arg]
    """States and transitions of an application (built per command)."""

    allow_event_without_transition = False
    catch_errors_as_events = False

    submitted = State("Submitted", initial=True, value="submitted")
    more_requested = State("More requested", value="more_requested")
    approved = State("Approved", value="approved", final=True)
    rejected = State("Rejected", value="rejected", final=True)

    approve = submitted.to(approved)
    reject = submitted.to(rejected) | more_requested.to(rejected)
    request_more = submitted.to(more_requested)
    resubmit = more_requested.to(submitted)


#: Which roles may move an application. The applicant acts only on his own.
APPLICATION_ROLES: Final[dict[str, frozenset[Role]]] = {
    "approve": frozenset({Role.PLATFORM}),
    "reject": frozenset({Role.PLATFORM}),
    "request_more": frozenset({Role.PLATFORM}),
    "resubmit": frozenset({Role.TECHNICIAN}),
}


@attrs.frozen
class ReviewRecord:
    """One immutable line of an application's timeline."""

    sequence: int
    event: str
    from_state: str
    to_state: str
    actor: Actor
    at: DateTime
    reason: str = ""


def _reason(text: str, event: str) -> str:
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_REVIEW_TEXT:
        raise InvalidApplication(
            f"Say why ({event.replace('_', ' ')}) in 1–{MAX_REVIEW_TEXT} characters; the "
            "applicant reads it.",
            details={"field": "reason"},
        )
    return text.strip()


@attrs.define(eq=False)
class TechnicianApplication:
    """A technician's application with his qualification documents, and its review.

    Attributes:
        id: The application's id.
        technician_id: Who applies.
        documents: The documents as last submitted.
        submitted_at: When it was first submitted.
        state: See :class:`ApplicationState` (a plain string, as stored).
        notes: The reviewer's last reason (rejection, what more is needed).
        reminded_for: The expiry day the expiry reminder was sent for (None: not yet).
        version: For compare-and-set saves.
        timeline: Every move, with actor, time and reason.
    """

    id: str
    technician_id: TechnicianId
    documents: tuple[QualificationDocument, ...]
    submitted_at: DateTime
    state: str = ApplicationState.SUBMITTED.value
    notes: str = ""
    reminded_for: Date | None = None
    version: int = 0
    timeline: list[ReviewRecord] = attrs.field(factory=list)
    _events: list[DomainEvent] = attrs.field(factory=list, init=False, repr=False)

    @classmethod
    def submit(
        cls,
        *,
        application_id: str,
        technician_id: TechnicianId,
        documents: Sequence[QualificationDocument],
        policy: VerificationPolicy,
        today: Date,
        at: DateTime,
    ) -> TechnicianApplication:
        """A new application, its documents checked on the applicant's local ``today``;
        raises ``ApplicationSubmitted``.

        Raises:
            InvalidApplication: the documents do not make an application (see
                :meth:`VerificationPolicy.check`).
        """
        application = cls(
            id=application_id,
            technician_id=technician_id,
            documents=policy.check(documents, today),
            submitted_at=at,
        )
        application._events.append(
            ApplicationSubmitted(
                occurred_at=at,
                application_id=application_id,
                technician_id=technician_id,
                document_kinds=tuple(d.kind.value for d in application.documents),
            )
        )
        return application

    @property
    def is_open(self) -> bool:
        """Submitted or waiting for more documents: still being reviewed."""
        return self.state in (ApplicationState.SUBMITTED, ApplicationState.MORE_REQUESTED)

    def can_be_seen_by(self, actor: Actor) -> bool:
        """The applicant and the platform (I25)."""
        if actor.role in (Role.PLATFORM, Role.SYSTEM):
            return True
        return actor.role is Role.TECHNICIAN and actor.id == self.technician_id

    def approve(self, *, actor: Actor, at: DateTime, note: str = "") -> None:
        """The platform approves (submitted applications only)."""
        self._move("approve", actor=actor, at=at, reason=note.strip())

    def reject(self, *, actor: Actor, at: DateTime, reason: str) -> None:
        """The platform rejects, saying why (InvalidApplication without a reason)."""
        self._move("reject", actor=actor, at=at, reason=_reason(reason, "reject"))

    def request_more(self, *, actor: Actor, at: DateTime, reason: str) -> None:
        """The platform asks for more or other documents, saying which."""
        self._move("request_more", actor=actor, at=at, reason=_reason(reason, "request_more"))

    def resubmit(
        self,
        documents: Sequence[QualificationDocument],
        *,
        actor: Actor,
        policy: VerificationPolicy,
        today: Date,
        at: DateTime,
    ) -> None:
        """The applicant sends his documents again after the platform asked for more.

        Raises:
            InvalidApplication: the documents do not make an application.
        """
        # Who and when first: an outsider's or a late resubmission never gets to validation.
        self._check("resubmit", actor)
        if self.state != ApplicationState.MORE_REQUESTED:
            raise self._refused("resubmit")
        checked = policy.check(documents, today)
        self._move("resubmit", actor=actor, at=at, reason="")
        self.documents = checked

    def verification(self, policy: VerificationPolicy, on: Date) -> Verification:
        """What approving on local day ``on`` makes him: verified until the earliest
        expiry among the required documents."""
        return Verification.approved(self.id, on, policy.expiries(self.documents))

    def remind_expiry(self, verification: Verification, *, at: DateTime) -> bool:
        """Raise ``TechnicianDocumentExpiring`` for ``verification`` (the technician's,
        from this application) once per expiry day; False if already sent or not due."""
        expires = verification.expires_on
        if expires is None or verification.application_id != self.id:
            return False
        if self.reminded_for == expires:
            return False
        self.reminded_for = expires
        self._events.append(
            TechnicianDocumentExpiring(
                occurred_at=at,
                application_id=self.id,
                technician_id=self.technician_id,
                kinds=tuple(k.value for k, day in verification.expiries.items() if day == expires),
                expires_on=expires,
            )
        )
        return True

    def pull_events(self) -> list[DomainEvent]:
        """The events raised since the last pull."""
        events, self._events = self._events, []
        return events

    def _check(self, event: str, actor: Actor) -> None:
        check_event(
            APPLICATION_ROLES,
            event,
            actor,
            kind="application",
            subject_id=self.id,
            visible=self.can_be_seen_by(actor),
        )

    def _refused(self, event: str) -> TransitionNotAllowed:
        return TransitionNotAllowed(
            f"Cannot {event.replace('_', ' ')} application {self.id} while it is "
            f"{self.state.replace('_', ' ')}.",
            details={"event": event, "state": self.state, "application_id": self.id},
        )

    def _move(self, event: str, *, actor: Actor, at: DateTime, reason: str) -> None:
        self._check(event, actor)
        before = self.state
        try:
            ApplicationLifecycle(model=self).send(event)
        except _MachineRefused as exc:
            self.state = before
            raise self._refused(event) from exc
        if reason:
            self.notes = reason
        self.timeline.append(
            ReviewRecord(len(self.timeline) + 1, event, before, self.state, actor, at, reason)
        )
        self._events.append(
            ApplicationStateChanged(
                occurred_at=at,
                application_id=self.id,
                technician_id=self.technician_id,
                event=event,
                from_state=before,
                to_state=self.state,
                actor_id=actor.id,
                actor_role=actor.role.value,
                reason=reason,
            )
        )
