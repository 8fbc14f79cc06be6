"""Technicians' onboarding through the services on the in-memory store: applying, the
platform's review, who may be booked (and when), and the expiry reminder."""

from __future__ import annotations

import attrs
import pendulum
import pytest
from pendulum import Date, DateTime

from booking_core import Money
from booking_core.bootstrap import BookingApp, build
from booking_core.catalog import Category, Service
from booking_core.errors import (
    ApplicationNotAllowed,
    InvalidApplication,
    NotFound,
    PermissionDenied,
    TechnicianNotVerified,
)
from booking_core.ids import CategoryId, CustomerId, ServiceId, TechnicianId
from booking_core.onboarding import (
    ApplicationState,
    DocumentKind,
    QualificationDocument,
    Verification,
    VerificationStatus,
)
from booking_core.orders import Actor, Role
from booking_core.scheduling import Technician, TechnicianProfile, WeeklyHours
from booking_core.scheduling.availability import BookingPolicy
from booking_core.scheduling.offer_memo import OfferMemo
from booking_core.services.availability import SlotSearch
from booking_core.services.holds import HoldSlot
from booking_core.services.jobs import JobKind
from booking_core.services.onboarding import ApplyAsTechnician
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds

ZONE = "Asia/Shanghai"
MONDAY = pendulum.date(2026, 3, 2)
SERVICE = ServiceId("svc_1")
LI = TechnicianId("tec_li")  # applies
WANG = TechnicianId("tec_wang")  # registered by the platform: vouched
PLATFORM = Actor.platform("ops_1")
LI_ACTOR = Actor(LI, Role.TECHNICIAN)
ALICE = CustomerId("cus_alice")
#: Li's health certificate expires on this day: from it on he is not verified.
EXPIRES = pendulum.date(2026, 5, 1)


@attrs.define
class World:
    app: BookingApp
    store: InMemoryStore
    clock: FrozenClock
    memo: OfferMemo


def at(clock: str, day: Date = MONDAY, zone: str = ZONE) -> DateTime:
    hour, minute = map(int, clock.split(":"))
    return pendulum.datetime(day.year, day.month, day.day, hour, minute, tz=zone)


def documents(health: Date = EXPIRES) -> list[QualificationDocument]:
    return [
        QualificationDocument(DocumentKind.ID_CARD, "files/li-id.jpg", pendulum.date(2031, 1, 1)),
        QualificationDocument(DocumentKind.HEALTH_CERTIFICATE, "files/li-health.pdf", health),
        QualificationDocument(DocumentKind.SKILL_CERTIFICATE, "files/li-tuina.pdf"),
    ]


def application(zone: str = ZONE, health: Date = EXPIRES) -> ApplyAsTechnician:
    return ApplyAsTechnician(
        "Li", zone, WeeklyHours.every_day("09:00", "13:00"), documents(health), {SERVICE}
    )


@pytest.fixture
def world() -> World:
    store = InMemoryStore()
    clock = FrozenClock(at("07:00"))
    memo = OfferMemo()
    app = build(
        uow=store.unit_of_work,
        payments=ScriptedPaymentGateway(),
        clock=clock,
        ids=SequentialIds(),
        policy=BookingPolicy(notice_minutes=60, window_days=120, hold_minutes=10),
        offer_memo=memo,
    )
    with store.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
        uow.services.add(Service(SERVICE, CategoryId("cat_1"), "Tuina 60", 60, Money(19900, "CNY")))
        uow.technicians.add(
            Technician(WANG, "Wang", ZONE, WeeklyHours.every_day("09:00", "13:00"), {SERVICE})
        )
        uow.commit()
    return World(app, store, clock, memo)


def approved(world: World) -> str:
    applied = world.app.onboarding.apply(application(), LI_ACTOR)
    world.app.onboarding.approve(applied.id, PLATFORM)
    return applied.id


def hold(world: World, start: DateTime, technician: TechnicianId = LI) -> object:
    return world.app.holds.hold(HoldSlot(ALICE, technician, SERVICE, start), Actor.customer(ALICE))


def who(world: World, day: Date, last: Date | None = None) -> set[str]:
    offers = world.app.availability.search(SlotSearch(SERVICE, day, last))
    return {o.technician_id for slot in offers for o in slot.technicians}


def outbox_names(world: World) -> list[str]:
    return [m.name for m in world.store.tables["outbox"].values()]


# -- applying ---------------------------------------------------------------------------


def test_applying_registers_him_pending_and_queues_the_application(world: World) -> None:
    applied = world.app.onboarding.apply(application(), LI_ACTOR)

    li = world.app.technicians.get(LI)
    assert li.profile.verification == Verification.pending(applied.id)
    assert [a.id for a in world.app.onboarding.review_queue(PLATFORM)] == [applied.id]
    latest = world.app.onboarding.latest(LI, LI_ACTOR)
    assert latest is not None
    assert latest.id == applied.id
    assert outbox_names(world) == ["ApplicationSubmitted"]


def test_an_applicant_cannot_set_his_own_rating_store_or_verification(world: World) -> None:
    command = attrs.evolve(
        application(),
        profile=TechnicianProfile(store_id="sto_1", verification=Verification.vouched()),  # type: ignore[arg-type]
    )

    world.app.onboarding.apply(command, LI_ACTOR)

    profile = world.app.technicians.get(LI).profile
    assert (profile.store_id, profile.verification.status) == (None, VerificationStatus.PENDING)


def test_only_a_technician_applies_for_himself(world: World) -> None:
    with pytest.raises(PermissionDenied):
        world.app.onboarding.apply(application(), Actor.customer(ALICE))


@pytest.mark.parametrize(
    ("command", "error", "code"),
    [
        (attrs.evolve(application(), documents=documents()[:2]), InvalidApplication,
         "invalid_application"),
        (application(health=MONDAY), InvalidApplication, "invalid_application"),
        (attrs.evolve(application(), service_ids=frozenset({"svc_9"})), NotFound,
         "service_not_found"),
    ],
    ids=["missing-document", "expired-today", "unknown-service"],
)  # fmt: skip
def test_a_bad_application_stores_nothing(
    world: World, command: ApplyAsTechnician, error: type[Exception], code: str
) -> None:
    with pytest.raises(error) as refused:
        world.app.onboarding.apply(command, LI_ACTOR)

    assert refused.value.error_code == code  # type: ignore[attr-defined]
    assert LI not in world.store.tables["technicians"]
    assert world.store.tables["applications"] == {}
    assert outbox_names(world) == []


def test_a_registered_technician_cannot_apply_again_as_a_newcomer(world: World) -> None:
    with pytest.raises(ApplicationNotAllowed) as refused:
        world.app.onboarding.apply(application(), Actor(WANG, Role.TECHNICIAN))

    assert refused.value.error_code == "application_not_allowed"
    assert world.store.tables["applications"] == {}


def test_the_queue_is_the_platforms_and_an_application_its_applicants(world: World) -> None:
    applied = world.app.onboarding.apply(application(), LI_ACTOR)

    with pytest.raises(PermissionDenied):
        world.app.onboarding.review_queue(LI_ACTOR)
    with pytest.raises(NotFound):
        world.app.onboarding.get(applied.id, Actor(WANG, Role.TECHNICIAN))
    assert world.app.onboarding.get(applied.id, LI_ACTOR).id == applied.id


# -- only verified technicians are bookable ----------------------------------------------


def test_a_pending_technician_is_neither_offered_nor_booked(world: World) -> None:
    world.app.onboarding.apply(application(), LI_ACTOR)

    with pytest.raises(TechnicianNotVerified) as refused:
        hold(world, at("10:00"))

    assert refused.value.error_code == "technician_not_verified"
    assert refused.value.details["verification"] == "pending"
    assert world.app.availability.free_slots(LI, SERVICE, MONDAY) == []
    assert who(world, MONDAY) == {WANG}
    assert hold(world, at("10:00"), WANG) is not None  # the vouched one books as before


def test_the_search_does_not_even_read_an_unverified_technician(world: World) -> None:
    world.app.onboarding.apply(application(), LI_ACTOR)

    world.app.availability.search(SlotSearch(SERVICE, MONDAY))

    assert len(world.memo) == 1  # Wang's answer only: Li was left out before the engine


def test_approval_makes_him_bookable(world: World) -> None:
    approved(world)

    li = world.app.technicians.get(LI)
    assert li.profile.verification.status is VerificationStatus.APPROVED
    assert li.profile.verification.expires_on == EXPIRES
    assert who(world, MONDAY) == {LI, WANG}
    assert hold(world, at("10:00")) is not None
    assert world.app.onboarding.review_queue(PLATFORM) == []


def test_he_is_not_bookable_from_the_day_a_required_document_expires(world: World) -> None:
    approved(world)
    eve = EXPIRES.subtract(days=1)

    slots_eve = world.app.availability.free_slots(LI, SERVICE, eve)
    slots_expiry = world.app.availability.free_slots(LI, SERVICE, EXPIRES)
    across = world.app.availability.search(SlotSearch(SERVICE, eve, EXPIRES))
    with pytest.raises(TechnicianNotVerified) as refused:
        hold(world, at("09:00", EXPIRES))

    assert len(slots_eve) == 4
    assert slots_expiry == []
    assert {o.technician_id for s in across if s.slot.start >= at("00:00", EXPIRES)
            for o in s.technicians} == {WANG}  # fmt: skip
    assert {o.technician_id for s in across if s.slot.start < at("00:00", EXPIRES)
            for o in s.technicians} == {LI, WANG}  # fmt: skip
    assert "expired on 2026-05-01" in refused.value.message
    assert hold(world, at("12:00", eve)) is not None  # the last hour before midnight


def test_the_expiry_day_is_the_technicians_local_day(world: World) -> None:
    # Los Angeles: 12:00 local on the eve is 19:00 UTC — and 20:00 local is already the
    # expiry day in UTC (and in Shanghai). Still his eve: bookable.
    la = "America/Los_Angeles"
    applied = world.app.onboarding.apply(
        attrs.evolve(application(la), weekly_hours=WeeklyHours.every_day("17:00", "22:00")),
        LI_ACTOR,
    )
    world.app.onboarding.approve(applied.id, PLATFORM)
    eve = EXPIRES.subtract(days=1)

    late = hold(world, at("20:00", eve, la))
    with pytest.raises(TechnicianNotVerified):
        hold(world, at("17:00", EXPIRES, la))

    assert late is not None
    assert at("20:00", eve, la).in_timezone("UTC").date() == EXPIRES
    assert world.app.availability.free_slots(LI, SERVICE, EXPIRES) == []


def test_a_rejected_technician_is_not_bookable_and_hears_why(world: World) -> None:
    applied = world.app.onboarding.apply(application(), LI_ACTOR)

    world.app.onboarding.reject(applied.id, PLATFORM, reason="The ID photo is blurred")

    assert world.app.technicians.get(LI).profile.verification.status is VerificationStatus.REJECTED
    assert world.app.onboarding.get(applied.id, LI_ACTOR).notes == "The ID photo is blurred"
    assert who(world, MONDAY) == {WANG}
    with pytest.raises(TechnicianNotVerified):
        hold(world, at("10:00"))


def test_a_review_without_a_reason_stores_nothing(world: World) -> None:
    applied = world.app.onboarding.apply(application(), LI_ACTOR)
    messages = outbox_names(world)

    with pytest.raises(InvalidApplication):
        world.app.onboarding.reject(applied.id, PLATFORM, reason="")
    with pytest.raises(InvalidApplication):
        world.app.onboarding.request_more(applied.id, PLATFORM, reason=" ")

    assert world.app.onboarding.get(applied.id, PLATFORM).state == ApplicationState.SUBMITTED
    assert world.app.technicians.get(LI).profile.verification.status is VerificationStatus.PENDING
    assert outbox_names(world) == messages


def test_only_the_platform_approves(world: World) -> None:
    applied = world.app.onboarding.apply(application(), LI_ACTOR)

    with pytest.raises(PermissionDenied):
        world.app.onboarding.approve(applied.id, LI_ACTOR)

    assert world.app.technicians.get(LI).profile.verification.status is VerificationStatus.PENDING


def test_more_requested_resubmitted_and_approved(world: World) -> None:
    applied = world.app.onboarding.apply(application(), LI_ACTOR)
    later = pendulum.date(2027, 3, 1)

    world.app.onboarding.request_more(applied.id, PLATFORM, reason="A newer health certificate")
    assert world.app.onboarding.review_queue(PLATFORM) == []
    world.app.onboarding.resubmit(applied.id, documents(later), LI_ACTOR)
    world.app.onboarding.approve(applied.id, PLATFORM)

    assert world.app.technicians.get(LI).profile.verification.expires_on == later
    assert outbox_names(world).count("ApplicationStateChanged") == 3


def test_approving_a_document_expired_while_queued_is_refused(world: World) -> None:
    applied = world.app.onboarding.apply(application(), LI_ACTOR)
    world.clock.set(at("08:00", EXPIRES))

    with pytest.raises(InvalidApplication):
        world.app.onboarding.approve(applied.id, PLATFORM)

    assert world.app.onboarding.get(applied.id, PLATFORM).state == ApplicationState.SUBMITTED


def test_reapplying_after_a_rejection_and_to_renew(world: World) -> None:
    first = world.app.onboarding.apply(application(), LI_ACTOR)
    with pytest.raises(ApplicationNotAllowed):
        world.app.onboarding.reapply(documents(), LI_ACTOR)
    world.app.onboarding.reject(first.id, PLATFORM, reason="Blurred")

    second = world.app.onboarding.reapply(documents(), LI_ACTOR)
    assert world.app.technicians.get(LI).profile.verification == Verification.pending(second.id)
    world.app.onboarding.approve(second.id, PLATFORM)
    renewal = world.app.onboarding.reapply(documents(pendulum.date(2027, 5, 1)), LI_ACTOR)

    # Renewing, he stays verified (until the old documents expire), and a rejected renewal
    # does not take that away.
    assert world.app.technicians.get(LI).profile.verification.application_id == second.id
    world.app.onboarding.reject(renewal.id, PLATFORM, reason="Same old certificate")
    assert who(world, MONDAY) == {LI, WANG}


# -- only the platform changes a verification -------------------------------------------


def test_a_technician_or_his_store_cannot_change_his_verification(world: World) -> None:
    world.app.onboarding.apply(application(), LI_ACTOR)

    # A profile edit sends a whole profile; its default verification (vouched) is ignored.
    world.app.technicians.update_profile(LI, TechnicianProfile(skills={"thai"}), LI_ACTOR)

    li = world.app.technicians.get(LI)
    assert li.profile.skills == {"thai"}
    assert li.profile.verification.status is VerificationStatus.PENDING


def test_the_platform_may_vouch_for_him(world: World) -> None:
    world.app.onboarding.apply(application(), LI_ACTOR)

    world.app.technicians.update_profile(LI, TechnicianProfile(), PLATFORM)

    assert world.app.technicians.get(LI).profile.verification == Verification.vouched()


# -- the expiry reminder ------------------------------------------------------------------


def test_approval_schedules_the_reminder_reminder_days_before_the_expiry(world: World) -> None:
    application_id = approved(world)

    with world.store.unit_of_work() as uow:
        (job,) = uow.jobs.list_for_subject(application_id)

    assert job.kind == JobKind.DOCUMENT_EXPIRING.value
    assert job.due_at == at("00:00", EXPIRES.subtract(days=30))


def test_the_reminder_is_sent_once_when_due(world: World) -> None:
    application_id = approved(world)
    world.clock.set(at("00:00", EXPIRES.subtract(days=30)).add(minutes=1))

    runs = world.app.worker("w1").run_due()

    assert [r.outcome for r in runs] == ["done"]
    assert outbox_names(world).count("TechnicianDocumentExpiring") == 1
    (message,) = [
        m for m in world.store.tables["outbox"].values() if m.name == "TechnicianDocumentExpiring"
    ]
    assert message.payload["technician_id"] == LI
    assert message.payload["expires_on"] == "2026-05-01"
    assert message.payload["application_id"] == application_id


def test_running_the_reminder_twice_sends_it_once(world: World) -> None:
    application_id = approved(world)
    with world.store.unit_of_work() as uow:
        (job,) = uow.jobs.list_for_subject(application_id)
    handler = world.app.job_handlers[JobKind.DOCUMENT_EXPIRING.value]

    assert handler(job, world.clock.now()) is None
    assert handler(job, world.clock.now()) is None

    assert outbox_names(world).count("TechnicianDocumentExpiring") == 1


def test_a_reminder_for_a_replaced_approval_sends_nothing(world: World) -> None:
    first = approved(world)
    renewal = world.app.onboarding.reapply(documents(pendulum.date(2027, 5, 1)), LI_ACTOR)
    world.app.onboarding.approve(renewal.id, PLATFORM)
    with world.store.unit_of_work() as uow:
        (old_job,) = uow.jobs.list_for_subject(first)
    handler = world.app.job_handlers[JobKind.DOCUMENT_EXPIRING.value]

    handler(old_job, world.clock.now())

    assert outbox_names(world).count("TechnicianDocumentExpiring") == 0


def test_a_document_expiring_sooner_than_the_reminder_days_is_reminded_now(world: World) -> None:
    applied = world.app.onboarding.apply(application(health=MONDAY.add(days=3)), LI_ACTOR)
    world.app.onboarding.approve(applied.id, PLATFORM)

    with world.store.unit_of_work() as uow:
        (job,) = uow.jobs.list_for_subject(applied.id)

    assert job.due_at == world.clock.now()
