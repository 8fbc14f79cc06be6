"""The platform lists technicians' applications by state (issue 10)."""

from __future__ import annotations

import pendulum
import pytest

from booking_core import Money
from booking_core.bootstrap import BookingApp, build
from booking_core.catalog import Category, Service
from booking_core.errors import PermissionDenied
from booking_core.ids import CategoryId, ServiceId
from booking_core.onboarding import ApplicationState, DocumentKind, QualificationDocument
from booking_core.orders import Actor, Role
from booking_core.scheduling import WeeklyHours
from booking_core.services.onboarding import ApplyAsTechnician
from booking_core.staff import StaffRole
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds

ZONE = "Asia/Shanghai"
SERVICE = ServiceId("svc_1")
OPERATIONS = Actor.platform("ops-1", StaffRole.OPERATIONS)


@pytest.fixture
def app() -> BookingApp:
    store = InMemoryStore()
    built = build(
        uow=store.unit_of_work,
        payments=ScriptedPaymentGateway(),
        clock=FrozenClock(pendulum.datetime(2026, 3, 2, 7, 0, tz=ZONE)),
        ids=SequentialIds(),
    )
    with store.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
        uow.services.add(Service(SERVICE, CategoryId("cat_1"), "Tuina 60", 60, Money(19900, "CNY")))
        uow.commit()
    return built


def _apply(app: BookingApp, technician_id: str) -> str:
    documents = [
        QualificationDocument(DocumentKind.ID_CARD, "f/id.jpg", pendulum.date(2031, 1, 1)),
        QualificationDocument(
            DocumentKind.HEALTH_CERTIFICATE, "f/health.pdf", pendulum.date(2027, 1, 1)
        ),
        QualificationDocument(DocumentKind.SKILL_CERTIFICATE, "f/skill.pdf"),
    ]
    command = ApplyAsTechnician(
        technician_id, ZONE, WeeklyHours.every_day("09:00", "13:00"), documents, {SERVICE}
    )
    return app.onboarding.apply(command, Actor(technician_id, Role.TECHNICIAN)).id


@pytest.fixture
def reviewed(app: BookingApp) -> dict[str, str]:
    """One application in each state, by the state's name."""
    ids = {name: _apply(app, f"tec_{name}") for name in ("a", "b", "c", "d")}
    app.onboarding.approve(ids["a"], OPERATIONS)
    app.onboarding.reject(ids["b"], OPERATIONS, reason="Blurred ID card")
    app.onboarding.request_more(ids["c"], OPERATIONS, reason="Skill certificate, please")
    return {
        ApplicationState.APPROVED: ids["a"],
        ApplicationState.REJECTED: ids["b"],
        ApplicationState.MORE_REQUESTED: ids["c"],
        ApplicationState.SUBMITTED: ids["d"],
    }


def test_the_platform_lists_applications_in_the_states_it_names(
    app: BookingApp, reviewed: dict[str, str]
) -> None:
    finance = Actor.platform("fin-1", StaffRole.FINANCE)

    closed = app.onboarding.applications(
        finance, [ApplicationState.REJECTED, ApplicationState.APPROVED]
    )
    waiting = app.onboarding.applications(finance, [ApplicationState.MORE_REQUESTED])
    every = app.onboarding.applications(finance)

    # first submitted first; any staff member reads
    assert [a.id for a in closed] == [
        reviewed[ApplicationState.APPROVED],
        reviewed[ApplicationState.REJECTED],
    ]
    assert [(a.id, a.state) for a in waiting] == [
        (reviewed[ApplicationState.MORE_REQUESTED], ApplicationState.MORE_REQUESTED)
    ]
    assert sorted(a.id for a in every) == sorted(reviewed.values())


@pytest.mark.parametrize(
    "actor",
    [Actor("tec_a", Role.TECHNICIAN), Actor.customer("cus_1"), Actor("sto_1", Role.STORE)],
    ids=["technician", "customer", "store"],
)
def test_only_the_platform_lists_applications(
    app: BookingApp, reviewed: dict[str, str], actor: Actor
) -> None:
    with pytest.raises(PermissionDenied):
        app.onboarding.applications(actor, [ApplicationState.APPROVED])
