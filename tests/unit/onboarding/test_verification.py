"""Verification at dates: computed from the approval's expiry dates, in the local day."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.errors import InvalidInput
from booking_core.onboarding import DocumentKind, Verification, VerificationPolicy

EXPIRES = pendulum.date(2026, 9, 1)
APPROVED = Verification.approved(
    "app_1",
    pendulum.date(2026, 3, 2),
    {DocumentKind.HEALTH_CERTIFICATE: EXPIRES, DocumentKind.ID_CARD: pendulum.date(2030, 1, 1)},
)


def test_vouched_is_the_default_and_verified_on_every_day() -> None:
    assert Verification() == Verification.vouched()
    assert Verification.vouched().is_verified_on(pendulum.date(2100, 1, 1))
    assert Verification.vouched().expires_on is None


def test_approved_is_verified_up_to_the_day_before_the_earliest_expiry() -> None:
    assert APPROVED.expires_on == EXPIRES
    assert APPROVED.is_verified_on(pendulum.date(2026, 3, 2))
    assert APPROVED.is_verified_on(EXPIRES.subtract(days=1))
    assert not APPROVED.is_verified_on(EXPIRES)
    assert not APPROVED.is_verified_on(EXPIRES.add(days=1))
    assert APPROVED.ever_verified


def test_approved_without_expiring_documents_never_expires() -> None:
    approved = Verification.approved("app_1", pendulum.date(2026, 3, 2), {})

    assert approved.expires_on is None
    assert approved.is_verified_on(pendulum.date(2100, 1, 1))


@pytest.mark.parametrize("verification", [Verification.pending("a"), Verification.rejected("a")])
def test_pending_and_rejected_are_never_verified(verification: Verification) -> None:
    assert not verification.ever_verified
    assert not verification.is_verified_on(pendulum.date(2026, 3, 2))
    assert verification.expires_on is None


def test_the_policy_defaults_and_refuses_negative_reminders() -> None:
    policy = VerificationPolicy()

    assert policy.required_kinds == frozenset(DocumentKind)
    assert policy.reminder_days == 30
    with pytest.raises(InvalidInput):
        VerificationPolicy(reminder_days=-1)
