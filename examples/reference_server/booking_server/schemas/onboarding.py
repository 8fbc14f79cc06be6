"""Technicians' applications, their documents and the platform's review (FEATURES T1, P3).

A document is a reference to a file the app stored (a storage key or URL), never the file
itself. Times are shown in the applicant's zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import pendulum
from pydantic import AwareDatetime, Field

from booking_core.ids import ServiceId
from booking_core.onboarding import (
    DocumentKind,
    QualificationDocument,
    ReviewRecord,
    TechnicianApplication,
    Verification,
    VerificationStatus,
)
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.profile import Gender, TechnicianProfile
from booking_core.services.onboarding import ApplyAsTechnician
from booking_server.paging import NextCursor
from booking_server.schemas.common import (
    ID_PATTERN,
    Day,
    EntityId,
    InModel,
    MoneyIn,
    Name,
    OutModel,
    in_zone,
)
from booking_server.schemas.orders import ActorOut
from booking_server.schemas.technicians import ServiceAreaIn, Skill, WeeklyHoursSpec

__all__ = [
    "MAX_APPLICATION_DOCUMENTS",
    "ApplicantProfileIn",
    "ApplicationIn",
    "ApplicationList",
    "ApplicationOut",
    "ApprovalIn",
    "DocumentIn",
    "DocumentOut",
    "DocumentsIn",
    "ReviewReasonIn",
    "ReviewRecordOut",
    "VerificationOut",
]

#: The most documents one application carries (as the core's policy says).
MAX_APPLICATION_DOCUMENTS: Final = 20
_ZONE: Final = r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+){0,2}$"


class DocumentIn(InModel):
    """One qualification document: its kind, where its file is, when it expires."""

    kind: DocumentKind = Field(examples=["health_certificate"])
    file_reference: str = Field(
        min_length=1,
        max_length=500,
        description="Where your app stored the file (a storage key or URL).",
        examples=["uploads/tec-new/health.pdf"],
    )
    expires_on: Day | None = Field(
        default=None,
        description="The local day from which it is no longer valid (null: never).",
        examples=["2027-01-31"],
    )

    def to_domain(self) -> QualificationDocument:
        """The domain document (a blank reference: InvalidApplication → 422)."""
        day = self.expires_on
        return QualificationDocument(
            self.kind,
            self.file_reference,
            pendulum.Date(day.year, day.month, day.day) if day is not None else None,
        )


Documents = list[DocumentIn]


def _documents(documents: Documents) -> list[QualificationDocument]:
    return [d.to_domain() for d in documents]


class ApplicantProfileIn(InModel):
    """What customers will filter him by; his rating and store are not his to set."""

    gender: Gender | None = None
    skills: list[Skill] = Field(default_factory=list, max_length=50)
    prices: dict[EntityId, MoneyIn] = Field(
        default_factory=dict,
        max_length=200,
        description="His own price per service id; other services sell at the catalog price.",
        json_schema_extra={"propertyNames": {"pattern": ID_PATTERN, "examples": ["svc_0002"]}},
    )
    service_area: ServiceAreaIn | None = None

    def to_domain(self) -> TechnicianProfile:
        """The domain profile."""
        return TechnicianProfile(
            gender=self.gender,
            skills=frozenset(self.skills),
            prices={ServiceId(k): v.to_domain() for k, v in self.prices.items()},
            service_area=self.service_area.to_domain() if self.service_area else None,
        )


class ApplicationIn(InModel):
    """A newcomer applies: who he is, when and what he works, and his documents."""

    name: Name = Field(examples=["赵敏 Zhao Min"])
    time_zone: str = Field(
        max_length=64, pattern=_ZONE, description="IANA zone name.", examples=["Asia/Shanghai"]
    )
    weekly_hours: WeeklyHoursSpec
    service_ids: list[EntityId] = Field(default_factory=list, max_length=200)
    profile: ApplicantProfileIn | None = None
    documents: Documents = Field(min_length=1, max_length=MAX_APPLICATION_DOCUMENTS)

    def to_command(self) -> ApplyAsTechnician:
        """The core command (bad hours: InvalidSchedule → 422)."""
        return ApplyAsTechnician(
            name=self.name,
            time_zone=self.time_zone,
            weekly_hours=WeeklyHours.parse(self.weekly_hours),
            documents=_documents(self.documents),
            service_ids=frozenset(ServiceId(s) for s in self.service_ids),
            profile=self.profile.to_domain() if self.profile else TechnicianProfile(),
        )


class DocumentsIn(InModel):
    """His documents, sent again (reapplying, or after the platform asked for more)."""

    documents: Documents = Field(min_length=1, max_length=MAX_APPLICATION_DOCUMENTS)

    def to_domain(self) -> list[QualificationDocument]:
        """The domain documents."""
        return _documents(self.documents)


class ApprovalIn(InModel):
    """An optional note kept on the application's timeline."""

    note: str = Field(default="", max_length=2000, examples=["All documents checked."])


class ReviewReasonIn(InModel):
    """Why: the applicant reads it."""

    reason: str = Field(
        min_length=1, max_length=2000, examples=["The health certificate is unreadable."]
    )


class DocumentOut(OutModel):
    """A document as submitted."""

    kind: DocumentKind
    file_reference: str
    expires_on: dt.date | None

    @classmethod
    def from_domain(cls, document: QualificationDocument) -> DocumentOut:
        """From the domain document."""
        return cls(
            kind=document.kind,
            file_reference=document.file_reference,
            expires_on=document.expires_on,
        )


class ReviewRecordOut(OutModel):
    """One line of an application's timeline."""

    sequence: int
    event: str
    from_state: str
    to_state: str
    actor: ActorOut
    at: AwareDatetime
    reason: str

    @classmethod
    def from_domain(cls, record: ReviewRecord, time_zone: str) -> ReviewRecordOut:
        """From the domain record, its time in ``time_zone``."""
        return cls(
            sequence=record.sequence,
            event=record.event,
            from_state=record.from_state,
            to_state=record.to_state,
            actor=ActorOut(id=record.actor.id, role=record.actor.role.value),
            at=in_zone(record.at, time_zone),
            reason=record.reason,
        )


class VerificationOut(OutModel):
    """Whether, and until when, the technician may be booked."""

    status: VerificationStatus = Field(
        description="vouched (registered by the platform), pending, approved or rejected."
    )
    application_id: str | None
    approved_on: dt.date | None
    expires_on: dt.date | None = Field(
        description="The first local day he is no longer verified (null: never)."
    )
    expiries: dict[DocumentKind, dt.date] = Field(
        description="For each required document kind that expires, the day it does."
    )

    @classmethod
    def from_domain(cls, verification: Verification) -> VerificationOut:
        """From the domain verification."""
        return cls(
            status=verification.status,
            application_id=verification.application_id,
            approved_on=verification.approved_on,
            expires_on=verification.expires_on,
            expiries=dict(verification.expiries),
        )


class ApplicationOut(OutModel):
    """An application with its documents, its review timeline and where the applicant
    stands now (his verification)."""

    id: str
    technician_id: str
    technician_name: str
    time_zone: str
    state: str = Field(description="submitted, more_requested, approved or rejected.")
    documents: list[DocumentOut]
    submitted_at: AwareDatetime
    notes: str = Field(description="The reviewer's last reason (rejection, what is missing).")
    version: int
    timeline: list[ReviewRecordOut]
    verification: VerificationOut = Field(description="The technician's, as it is now.")

    @classmethod
    def from_domain(
        cls, application: TechnicianApplication, technician: Technician
    ) -> ApplicationOut:
        """From the domain application and its applicant."""
        zone = technician.time_zone
        return cls(
            id=application.id,
            technician_id=application.technician_id,
            technician_name=technician.name,
            time_zone=zone,
            state=application.state,
            documents=[DocumentOut.from_domain(d) for d in application.documents],
            submitted_at=in_zone(application.submitted_at, zone),
            notes=application.notes,
            version=application.version,
            timeline=[ReviewRecordOut.from_domain(r, zone) for r in application.timeline],
            verification=VerificationOut.from_domain(technician.profile.verification),
        )


class ApplicationList(OutModel):
    """Applications waiting for review, first submitted first, one page."""

    items: list[ApplicationOut]
    next_cursor: NextCursor = None
