"""The storage contract of onboarding: technicians' applications and their verification.

:class:`OnboardingStorageContract` is part of
:class:`~booking_core.testing.contracts.StorageContract` (which inherits it); mix it in on
its own to run just these cases against a ``uow_factory`` fixture over empty storage.
"""

from __future__ import annotations

import pendulum
import pytest

from booking_core.errors import ConcurrentUpdate, DuplicateEntity, NotFound
from booking_core.ids import TechnicianId
from booking_core.onboarding import (
    ApplicationState,
    DocumentKind,
    QualificationDocument,
    TechnicianApplication,
    Verification,
    VerificationPolicy,
)
from booking_core.orders import Actor
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.scheduling import Technician, TechnicianProfile, WeeklyHours

__all__ = ["OnboardingStorageContract"]

_T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="Asia/Shanghai")
_TODAY = pendulum.date(2026, 3, 2)
_POLICY = VerificationPolicy()
_PLATFORM = Actor.platform("ops_1")


def _documents(n: int = 0) -> tuple[QualificationDocument, ...]:
    # Every field differs between documents and applications: an adapter that drops one
    # (or the expiry of one kind) reads back something else.
    return (
        QualificationDocument(DocumentKind.ID_CARD, f"files/id-{n}.jpg", pendulum.date(2031, 5, 1)),
        QualificationDocument(
            DocumentKind.HEALTH_CERTIFICATE, f"files/health-{n}.pdf", pendulum.date(2027, 1, n + 1)
        ),
        QualificationDocument(DocumentKind.SKILL_CERTIFICATE, f"files/skill-{n}.pdf"),
    )


def _application(n: int, technician: str = "tec_1", minutes: int = 0) -> TechnicianApplication:
    return TechnicianApplication.submit(
        application_id=f"app_{n}",
        technician_id=TechnicianId(technician),
        documents=_documents(n),
        policy=_POLICY,
        today=_TODAY,
        at=_T0.add(minutes=minutes),
    )


class OnboardingStorageContract:
    """:class:`~booking_core.ports.storage.ApplicationRepository` (``uow.applications``) and
    the technician's :class:`~booking_core.onboarding.Verification` in his profile."""

    def test_an_application_round_trips_with_documents_and_timeline(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        application = _application(1)
        application.request_more(actor=_PLATFORM, at=_T0.add(hours=1), reason="A clearer ID")
        with uow_factory() as uow:
            uow.applications.add(application)
            uow.commit()

        with uow_factory() as uow:
            found = uow.applications.get("app_1")

        assert found.documents == _documents(1)
        assert found.state == ApplicationState.MORE_REQUESTED
        assert found.notes == "A clearer ID"
        assert found.timeline == application.timeline
        assert found.submitted_at == _T0
        assert (found.technician_id, found.version, found.reminded_for) == ("tec_1", 0, None)

    def test_missing_and_duplicate_applications_raise_with_their_codes(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            uow.applications.add(_application(1))
            uow.commit()

        with uow_factory() as uow, pytest.raises(DuplicateEntity) as duplicate:
            uow.applications.add(_application(1))
        with uow_factory() as uow, pytest.raises(NotFound) as missing:
            uow.applications.get("app_9")

        assert duplicate.value.error_code == "application_exists"
        assert missing.value.error_code == "application_not_found"

    def test_save_is_compare_and_set_on_version(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.applications.add(_application(1))
            uow.commit()
        with uow_factory() as uow:
            first = uow.applications.get("app_1")
        with uow_factory() as uow:
            second = uow.applications.get("app_1")

        first.approve(actor=_PLATFORM, at=_T0.add(hours=1))
        second.reject(actor=_PLATFORM, at=_T0.add(hours=1), reason="Blurred photos")
        with uow_factory() as uow:
            uow.applications.save(first)
            uow.commit()
        with uow_factory() as uow, pytest.raises(ConcurrentUpdate):
            uow.applications.save(second)
        with uow_factory() as uow:
            stored = uow.applications.get("app_1")

        assert first.version == 1
        assert (stored.state, stored.version) == (ApplicationState.APPROVED, 1)

    def test_saved_changes_read_back(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.applications.add(_application(1))
            uow.commit()

        with uow_factory() as uow:
            application = uow.applications.get("app_1")
            application.approve(actor=_PLATFORM, at=_T0.add(hours=1), note="ok")
            application.remind_expiry(application.verification(_POLICY, _TODAY), at=_T0)
            uow.applications.save(application)
            uow.commit()
        with uow_factory() as uow:
            found = uow.applications.get("app_1")

        assert found.state == ApplicationState.APPROVED
        assert found.reminded_for == pendulum.date(2027, 1, 2)
        assert found.timeline == application.timeline
        assert found.version == 1

    def test_lists_by_state_first_submitted_first_and_latest_per_technician(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        rejected = _application(3, minutes=1)
        rejected.reject(actor=_PLATFORM, at=_T0.add(hours=1), reason="Forged certificate")
        with uow_factory() as uow:
            # Added out of order: storage sorts by submission, not by insertion or id.
            uow.applications.add(_application(2, "tec_2", minutes=5))
            uow.applications.add(rejected)
            uow.applications.add(_application(1, minutes=9))
            uow.applications.add(_application(4, "tec_4", minutes=2))
            uow.commit()

        with uow_factory() as uow:
            submitted = uow.applications.list_by_state(ApplicationState.SUBMITTED)
            both = uow.applications.list_by_state(
                ApplicationState.SUBMITTED, ApplicationState.REJECTED
            )
            approved = uow.applications.list_by_state(ApplicationState.APPROVED)
            latest = uow.applications.latest_for(TechnicianId("tec_1"))
            nobody = uow.applications.latest_for(TechnicianId("tec_9"))

        assert [a.id for a in submitted] == ["app_4", "app_2", "app_1"]
        assert [a.id for a in both] == ["app_3", "app_4", "app_2", "app_1"]
        assert approved == []
        assert latest is not None
        assert latest.id == "app_1"
        assert nobody is None

    def test_an_uncommitted_application_is_discarded(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.applications.add(_application(1))

        with uow_factory() as uow, pytest.raises(NotFound):
            uow.applications.get("app_1")

    @pytest.mark.parametrize(
        "verification",
        [
            Verification.vouched(),
            Verification.pending("app_1"),
            Verification.rejected("app_1"),
            Verification.approved(
                "app_1",
                pendulum.date(2026, 3, 2),
                {
                    DocumentKind.ID_CARD: pendulum.date(2031, 5, 1),
                    DocumentKind.HEALTH_CERTIFICATE: pendulum.date(2027, 1, 2),
                },
            ),
        ],
        ids=lambda v: v.status.value,
    )
    def test_a_technicians_verification_round_trips_in_his_profile(
        self, uow_factory: UnitOfWorkFactory, verification: Verification
    ) -> None:
        technician = Technician(
            TechnicianId("tec_1"),
            "Li",
            "Asia/Shanghai",
            WeeklyHours.every_day("09:00", "18:00"),
            profile=TechnicianProfile(skills={"tuina"}, verification=verification),
        )
        with uow_factory() as uow:
            uow.technicians.add(technician)
            uow.commit()

        with uow_factory() as uow:
            found = uow.technicians.get(TechnicianId("tec_1"))
            listed = uow.technicians.list()

        assert found.profile.verification == verification
        assert found.profile.verification.expiries == verification.expiries
        assert listed[0].profile.verification == verification
