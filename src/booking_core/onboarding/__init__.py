"""Technicians' onboarding: applications with qualification documents, the platform's
review, and the verification that decides who may be booked (FEATURES T1, P3).
"""

from booking_core.onboarding.application import (
    ApplicationLifecycle,
    ApplicationState,
    ReviewRecord,
    TechnicianApplication,
)
from booking_core.onboarding.document import DocumentKind, QualificationDocument
from booking_core.onboarding.events import (
    ApplicationStateChanged,
    ApplicationSubmitted,
    TechnicianDocumentExpiring,
)
from booking_core.onboarding.policy import VerificationPolicy
from booking_core.onboarding.verification import Verification, VerificationStatus

__all__ = [
    "ApplicationLifecycle",
    "ApplicationState",
    "ApplicationStateChanged",
    "ApplicationSubmitted",
    "DocumentKind",
    "QualificationDocument",
    "ReviewRecord",
    "TechnicianApplication",
    "TechnicianDocumentExpiring",
    "Verification",
    "VerificationPolicy",
    "VerificationStatus",
]
