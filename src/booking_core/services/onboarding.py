"""Technicians' onboarding use cases: apply, review, resubmit, remind (FEATURES T1, P3).

A person applies as a technician with his qualification documents (references to files the
app stored); he is registered at once, pending, and cannot be booked until the platform
approves. The platform reviews the queue: approve, reject with a reason, or ask for more
(he resubmits). Approval makes him verified until the earliest expiry among his required
documents — computed, so he stops being bookable on that local day without any job — and
schedules a reminder ``reminder_days`` before it (``TechnicianDocumentExpiring``). To renew
his documents, a registered technician reapplies; he stays verified meanwhile.

Only the platform changes a technician's verification (INVARIANTS I25); every change is an
event on the application, which the unit of work writes to the outbox.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs
import pendulum
from pendulum import Date, DateTime

from booking_core.errors import ApplicationNotAllowed, NotFound, PermissionDenied
from booking_core.ids import ServiceId, TechnicianId
from booking_core.onboarding import (
    ApplicationState,
    QualificationDocument,
    TechnicianApplication,
    Verification,
    VerificationPolicy,
)
from booking_core.orders import Actor, Role
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.jobs import Job
from booking_core.ports.storage import LockKey, UnitOfWork, UnitOfWorkFactory
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.profile import TechnicianProfile
from booking_core.services._access import check_staff, require_role
from booking_core.services.jobs import JobKind
from booking_core.services.steps.audit import AuditTrail
from booking_core.staff import Permission
from booking_core.timerange import zone

__all__ = ["ApplyAsTechnician", "OnboardingService"]


def _documents(value: Iterable[QualificationDocument]) -> tuple[QualificationDocument, ...]:
    return tuple(value)


@attrs.frozen
class ApplyAsTechnician:
    """A newcomer's application: who he is, when and what he works, and his documents.

    The profile's rating, store and verification are not his to set: an applicant starts
    unrated, independent and pending.
    """

    name: str
    time_zone: str
    weekly_hours: WeeklyHours
    documents: tuple[QualificationDocument, ...] = attrs.field(converter=_documents)
    service_ids: frozenset[ServiceId] = frozenset()
    profile: TechnicianProfile = attrs.field(factory=TechnicianProfile)


def _today(technician_zone: str, now: DateTime) -> Date:
    return now.in_timezone(zone(technician_zone)).date()


def _reminder(application_id: str, expires_on: Date) -> str:
    # One reminder per application and expiry day: scheduling it again is a no-op.
    return f"{JobKind.DOCUMENT_EXPIRING.value}:{application_id}:{expires_on.isoformat()}"


class OnboardingService:
    """Takes technicians' applications and records the platform's review."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdSource,
        policy: VerificationPolicy,
        *,
        audit: AuditTrail,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self.policy = policy
        self._audit = audit

    def apply(self, command: ApplyAsTechnician, actor: Actor) -> TechnicianApplication:
        """Register the acting technician (his id is the actor's), pending, with his
        application.

        Raises:
            PermissionDenied: the actor does not act as a technician.
            ApplicationNotAllowed: a technician with his id is registered already
                (``reapply`` instead).
            InvalidApplication: the documents do not make an application.
            NotFound: an unknown service id (offered or priced).
            InvalidInput: the name, zone or profile are not valid.
        """
        require_role(actor, Role.TECHNICIAN, "applies as a technician")
        technician_id = TechnicianId(actor.id)
        now = self._clock.now()
        application_id = self._ids.new_id("app")
        # Every value checked before storage is touched: a refusal stores nothing.
        technician = Technician(
            id=technician_id,
            name=command.name,
            time_zone=command.time_zone,
            weekly_hours=command.weekly_hours,
            service_ids=command.service_ids,
            profile=attrs.evolve(
                command.profile,
                rating=None,
                store_id=None,
                verification=Verification.pending(application_id),
            ),
        )
        application = TechnicianApplication.submit(
            application_id=application_id,
            technician_id=technician_id,
            documents=command.documents,
            policy=self.policy,
            today=_today(technician.time_zone, now),
            at=now,
        )
        with self._uow() as uow:
            uow.locks.take(LockKey.technician(technician_id))
            if _exists(uow, technician_id):
                raise ApplicationNotAllowed(
                    f"Technician {technician_id} is registered already; reapply to send new "
                    "documents.",
                    details={"technician_id": technician_id},
                )
            for service_id in sorted({*command.service_ids, *technician.profile.prices}):
                uow.services.get(service_id)
            uow.technicians.add(technician)
            uow.applications.add(application)
            uow.commit()
        return application

    def reapply(
        self, documents: Sequence[QualificationDocument], actor: Actor
    ) -> TechnicianApplication:
        """A registered technician applies again: after a rejection, or to renew documents
        that will expire (he stays verified meanwhile, until they do).

        Raises:
            PermissionDenied: the actor does not act as a technician.
            NotFound: he is not registered (``apply`` instead).
            ApplicationNotAllowed: an application of his is still being reviewed.
            InvalidApplication: the documents do not make an application.
        """
        require_role(actor, Role.TECHNICIAN, "applies as a technician")
        technician_id = TechnicianId(actor.id)
        now = self._clock.now()
        with self._uow() as uow:
            uow.locks.take(LockKey.technician(technician_id))
            technician = uow.technicians.get(technician_id)
            latest = uow.applications.latest_for(technician_id)
            if latest is not None and latest.is_open:
                raise ApplicationNotAllowed(
                    f"Application {latest.id} is still being reviewed; resubmit to it or wait "
                    "for the platform's answer.",
                    details={"application_id": latest.id, "state": latest.state},
                )
            application = TechnicianApplication.submit(
                application_id=self._ids.new_id("app"),
                technician_id=technician_id,
                documents=documents,
                policy=self.policy,
                today=_today(technician.time_zone, now),
                at=now,
            )
            if not technician.profile.verification.ever_verified:
                _verify(uow, technician, Verification.pending(application.id))
            uow.applications.add(application)
            uow.commit()
        return application

    def get(self, application_id: str, actor: Actor) -> TechnicianApplication:
        """The application, if the actor may see it (the applicant, the platform);
        NotFound otherwise."""
        with self._uow() as uow:
            return _visible(uow, application_id, actor)

    def latest(self, technician_id: TechnicianId, actor: Actor) -> TechnicianApplication | None:
        """The technician's last application (his own, or any for the platform)."""
        with self._uow() as uow:
            found = uow.applications.latest_for(technician_id)
        if found is not None and not found.can_be_seen_by(actor):
            raise NotFound("application", found.id)
        return found

    def review_queue(self, actor: Actor) -> list[TechnicianApplication]:
        """The platform's queue: submitted applications, first submitted first."""
        if actor.role is not Role.PLATFORM:
            raise PermissionDenied("Only the platform reviews technicians' applications.")
        with self._uow() as uow:
            return uow.applications.list_by_state(ApplicationState.SUBMITTED)

    def applications(
        self, actor: Actor, states: Iterable[ApplicationState] = ()
    ) -> list[TechnicianApplication]:
        """The applications in any of ``states`` (none given: every state), first submitted
        first, for the platform: every staff member reads them.

        Raises:
            PermissionDenied: the actor is not the platform.
        """
        require_role(actor, Role.PLATFORM, "lists technicians' applications")
        wanted = tuple(sorted(set(states))) or tuple(ApplicationState)
        with self._uow() as uow:
            return uow.applications.list_by_state(*wanted)

    def approve(self, application_id: str, actor: Actor, *, note: str = "") -> Technician:
        """Approve a submitted application: the technician is verified from today (his
        local date) until the earliest expiry among his required documents, and a reminder
        is scheduled ``policy.reminder_days`` before it.

        Raises:
            PermissionDenied: the actor is not platform staff with the technicians permission.
            TransitionNotAllowed: the application is not waiting for review.
            InvalidApplication: a document has expired since it was submitted (ask for
                more instead).
        """
        check_staff(actor, Permission.TECHNICIANS, "reviews technicians' applications")
        now = self._clock.now()
        with self._uow() as uow:
            application, technician = _load(uow, application_id)
            before = {"state": application.state}
            application.approve(actor=actor, at=now, note=note)
            today = _today(technician.time_zone, now)
            self.policy.check(application.documents, today)
            verification = application.verification(self.policy, today)
            changed = _verify(uow, technician, verification)
            uow.applications.save(application)
            expires = verification.expires_on
            if expires is not None:
                due = max(self._reminder_due(technician, expires), now)
                uow.jobs.schedule(
                    Job(
                        id=_reminder(application.id, expires),
                        kind=JobKind.DOCUMENT_EXPIRING.value,
                        subject=application.id,
                        due_at=due,
                    )
                )
            self._audit.record(
                uow, actor, "technician_application.approve",
                ("technician_application", application.id), before=before,
                after={"state": application.state, "verification": verification},
                reason=note or None,
            )  # fmt: skip
            uow.commit()
        return changed

    def reject(self, application_id: str, actor: Actor, *, reason: str) -> TechnicianApplication:
        """Reject an application under review, saying why. A technician who was never
        verified is rejected; one renewing his documents stays verified until they expire.

        Raises:
            PermissionDenied: the actor is not platform staff with the technicians permission.
            TransitionNotAllowed: the application is approved or rejected already.
            InvalidApplication: no reason given.
        """
        check_staff(actor, Permission.TECHNICIANS, "reviews technicians' applications")
        now = self._clock.now()
        with self._uow() as uow:
            application, technician = _load(uow, application_id)
            before = {"state": application.state}
            application.reject(actor=actor, at=now, reason=reason)
            if not technician.profile.verification.ever_verified:
                _verify(uow, technician, Verification.rejected(application.id))
            uow.applications.save(application)
            self._audit.record(
                uow, actor, "technician_application.reject",
                ("technician_application", application.id), before=before,
                after={"state": application.state}, reason=reason,
            )  # fmt: skip
            uow.commit()
        return application

    def request_more(
        self, application_id: str, actor: Actor, *, reason: str
    ) -> TechnicianApplication:
        """Send a submitted application back, saying which documents are needed.

        Raises:
            PermissionDenied: the actor is not platform staff with the technicians permission.
            TransitionNotAllowed: the application is not waiting for review.
            InvalidApplication: no reason given.
        """
        check_staff(actor, Permission.TECHNICIANS, "reviews technicians' applications")
        now = self._clock.now()
        with self._uow() as uow:
            application = uow.applications.get(application_id)
            before = {"state": application.state}
            application.request_more(actor=actor, at=now, reason=reason)
            uow.applications.save(application)
            self._audit.record(
                uow, actor, "technician_application.request_more",
                ("technician_application", application.id), before=before,
                after={"state": application.state}, reason=reason,
            )  # fmt: skip
            uow.commit()
        return application

    def resubmit(
        self, application_id: str, documents: Sequence[QualificationDocument], actor: Actor
    ) -> TechnicianApplication:
        """The applicant sends his documents again, after the platform asked for more.

        Raises:
            PermissionDenied: the actor is not the applicant.
            TransitionNotAllowed: the platform has not asked for more.
            InvalidApplication: the documents do not make an application.
        """
        now = self._clock.now()
        with self._uow() as uow:
            application, technician = _load(uow, application_id)
            application.resubmit(
                documents,
                actor=actor,
                policy=self.policy,
                today=_today(technician.time_zone, now),
                at=now,
            )
            uow.applications.save(application)
            uow.commit()
        return application

    def run_reminder_job(self, job: Job, now: DateTime) -> DateTime | None:
        """Job handler: raise ``TechnicianDocumentExpiring`` for the application's approval,
        once per expiry day — a second run, or one for an approval since replaced by a newer
        one, does nothing."""
        with self._uow() as uow:
            application, technician = _load(uow, job.subject)
            if application.remind_expiry(technician.profile.verification, at=now):
                uow.applications.save(application)
                uow.commit()
        return None

    def _reminder_due(self, technician: Technician, expires: Date) -> DateTime:
        day = expires.subtract(days=self.policy.reminder_days)
        return pendulum.datetime(day.year, day.month, day.day, tz=zone(technician.time_zone))


def _exists(uow: UnitOfWork, technician_id: TechnicianId) -> bool:
    try:
        uow.technicians.get(technician_id)
    except NotFound:
        return False
    return True


def _load(uow: UnitOfWork, application_id: str) -> tuple[TechnicianApplication, Technician]:
    application = uow.applications.get(application_id)
    # Queued behind his reservations and profile edits, like every change to him.
    uow.locks.take(LockKey.technician(application.technician_id))
    return application, uow.technicians.get(application.technician_id)


def _verify(uow: UnitOfWork, technician: Technician, verification: Verification) -> Technician:
    changed = attrs.evolve(
        technician, profile=attrs.evolve(technician.profile, verification=verification)
    )
    uow.technicians.save(changed)
    return changed


def _visible(uow: UnitOfWork, application_id: str, actor: Actor) -> TechnicianApplication:
    application = uow.applications.get(application_id)
    if not application.can_be_seen_by(actor):
        raise NotFound("application", application_id)
    return application
