"""Onboarding on SQLite and PostgreSQL: a technician stored before verification existed
reads back vouched, and an application's life through the services round-trips."""

from __future__ import annotations

import pendulum
from sqlalchemy import update

from booking_core import Money
from booking_core.bootstrap import build
from booking_core.catalog import Category, Service
from booking_core.ids import CategoryId, ServiceId, TechnicianId
from booking_core.onboarding import DocumentKind, QualificationDocument, VerificationStatus
from booking_core.orders import Actor, Role
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.services.onboarding import ApplyAsTechnician
from booking_core.testing import FrozenClock, ScriptedPaymentGateway, SequentialIds
from booking_core_sqlalchemy import SqlAlchemyStorage
from booking_core_sqlalchemy.tables import technicians

SERVICE = ServiceId("svc_1")


def test_a_profile_stored_without_verification_reads_back_vouched(
    storage: SqlAlchemyStorage,
) -> None:
    with storage.unit_of_work() as uow:
        uow.technicians.add(
            Technician(
                TechnicianId("tec_1"),
                "Li",
                "Asia/Shanghai",
                WeeklyHours.every_day("09:00", "18:00"),
            )
        )
        uow.commit()
    with storage.engine.begin() as connection:
        # What revision 0006 and before wrote: a profile document without the key.
        connection.execute(update(technicians).values(profile={"skills": ["tuina"]}))

    with storage.unit_of_work() as uow:
        found = uow.technicians.get(TechnicianId("tec_1"))
        listed = uow.technicians.list()

    assert found.profile.verification.status is VerificationStatus.VOUCHED
    assert listed[0].profile.verification.status is VerificationStatus.VOUCHED
    assert found.profile.skills == {"tuina"}


def test_an_application_approved_through_the_services(storage: SqlAlchemyStorage) -> None:
    clock = FrozenClock(pendulum.datetime(2026, 3, 2, 8, 0, tz="Asia/Shanghai"))
    app = build(
        uow=storage.unit_of_work,
        payments=ScriptedPaymentGateway(),
        clock=clock,
        ids=SequentialIds(),
    )
    with storage.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
        uow.services.add(Service(SERVICE, CategoryId("cat_1"), "Tuina", 60, Money(19900, "CNY")))
        uow.commit()
    expires = pendulum.date(2026, 3, 20)
    documents = [
        QualificationDocument(DocumentKind.ID_CARD, "files/id.jpg", pendulum.date(2031, 1, 1)),
        QualificationDocument(DocumentKind.HEALTH_CERTIFICATE, "files/health.pdf", expires),
        QualificationDocument(DocumentKind.SKILL_CERTIFICATE, "files/tuina.pdf"),
    ]
    li = Actor("tec_li", Role.TECHNICIAN)

    applied = app.onboarding.apply(
        ApplyAsTechnician(
            "Li", "Asia/Shanghai", WeeklyHours.every_day("09:00", "12:00"), documents, {SERVICE}
        ),
        li,
    )
    app.onboarding.request_more(applied.id, Actor.platform(), reason="A clearer ID")
    app.onboarding.resubmit(applied.id, documents, li)
    verified = app.onboarding.approve(applied.id, Actor.platform())

    stored = app.onboarding.get(applied.id, li)
    assert stored.documents == tuple(documents)
    assert [r.event for r in stored.timeline] == ["request_more", "resubmit", "approve"]
    assert stored.version == 3
    assert app.technicians.get(TechnicianId("tec_li")) == verified
    assert verified.profile.verification.expires_on == expires
    assert (
        len(app.availability.free_slots(TechnicianId("tec_li"), SERVICE, expires.subtract(days=1)))
        == 3
    )
    assert app.availability.free_slots(TechnicianId("tec_li"), SERVICE, expires) == []
    with storage.unit_of_work() as uow:
        names = [m.name for m in uow.outbox.pending(100)]
    assert names.count("ApplicationStateChanged") == 3
