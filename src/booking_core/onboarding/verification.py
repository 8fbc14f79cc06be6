"""Whether, and until when, a technician is verified: the value his profile carries.

Expiry is computed, not stored as a state: an approved technician whose earliest required
document expires on day D is verified up to the day before D, in his own zone, and not from
D on — no job has to run for the cut-off to hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import attrs
from pendulum import Date

from booking_core.onboarding.document import DocumentKind

__all__ = ["Verification", "VerificationStatus"]


class VerificationStatus(StrEnum):
    """How a technician stands with the platform's checks."""

    VOUCHED = "vouched"  # registered by the platform, which checked him itself
    PENDING = "pending"  # applied; not reviewed (or asked for more documents)
    APPROVED = "approved"  # an application was approved; verified until a document expires
    REJECTED = "rejected"  # the application was rejected


def _expiries(value: Mapping[DocumentKind, Date]) -> dict[DocumentKind, Date]:
    return dict(sorted(value.items()))


@attrs.frozen
class Verification:
    """A technician's verification (FEATURES T1, P3); only verified technicians are booked.

    Attributes:
        status: See :class:`VerificationStatus`.
        application_id: The application it comes from (None: vouched by the platform).
        approved_on: The local day the application was approved.
        expiries: For each required document kind that expires, the day it expires
            (the latest among the documents of that kind).
    """

    status: VerificationStatus = VerificationStatus.VOUCHED
    application_id: str | None = None
    approved_on: Date | None = None
    expiries: dict[DocumentKind, Date] = attrs.field(factory=dict, converter=_expiries, hash=False)

    @classmethod
    def vouched(cls) -> Verification:
        """Registered by the platform directly: verified, with nothing to expire."""
        return cls()

    @classmethod
    def pending(cls, application_id: str) -> Verification:
        """Applied, not approved yet: not bookable."""
        return cls(VerificationStatus.PENDING, application_id)

    @classmethod
    def approved(
        cls, application_id: str, on: Date, expiries: Mapping[DocumentKind, Date]
    ) -> Verification:
        """Approved on local day ``on``; verified until the earliest of ``expiries``."""
        return cls(VerificationStatus.APPROVED, application_id, on, expiries)

    @classmethod
    def rejected(cls, application_id: str) -> Verification:
        """The application was rejected: not bookable."""
        return cls(VerificationStatus.REJECTED, application_id)

    @property
    def expires_on(self) -> Date | None:
        """The first local day he is no longer verified (None: never, or never was)."""
        if self.status is not VerificationStatus.APPROVED or not self.expiries:
            return None
        return min(self.expiries.values())

    @property
    def ever_verified(self) -> bool:
        """Vouched or approved (an approval may have expired since)."""
        return self.status in (VerificationStatus.VOUCHED, VerificationStatus.APPROVED)

    def is_verified_on(self, day: Date) -> bool:
        """Whether he may be booked on his local ``day``."""
        if not self.ever_verified:
            return False
        expires = self.expires_on
        return expires is None or day < expires
