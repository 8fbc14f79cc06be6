"""The application aggregate: who may move it, where to, and what each move records."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.errors import InvalidApplication, PermissionDenied, TransitionNotAllowed
from booking_core.ids import TechnicianId
from booking_core.onboarding import (
    ApplicationState,
    ApplicationStateChanged,
    ApplicationSubmitted,
    DocumentKind,
    QualificationDocument,
    TechnicianApplication,
    TechnicianDocumentExpiring,
    Verification,
    VerificationPolicy,
    VerificationStatus,
)
from booking_core.orders import Actor, Role

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="Asia/Shanghai")
TODAY = pendulum.date(2026, 3, 2)
POLICY = VerificationPolicy()
PLATFORM = Actor.platform("ops_1")
APPLICANT = Actor("tec_li", Role.TECHNICIAN)
OTHER_TECHNICIAN = Actor("tec_wang", Role.TECHNICIAN)
HEALTH_EXPIRES = pendulum.date(2026, 9, 1)


def documents(*, health: pendulum.Date | None = HEALTH_EXPIRES) -> list[QualificationDocument]:
    return [
        QualificationDocument(DocumentKind.ID_CARD, "files/id.jpg", pendulum.date(2031, 1, 1)),
        QualificationDocument(DocumentKind.HEALTH_CERTIFICATE, "files/health.pdf", health),
        QualificationDocument(DocumentKind.SKILL_CERTIFICATE, "files/tuina.pdf"),
    ]


def submitted() -> TechnicianApplication:
    return TechnicianApplication.submit(
        application_id="app_1",
        technician_id=TechnicianId("tec_li"),
        documents=documents(),
        policy=POLICY,
        today=TODAY,
        at=T0,
    )


def review(application: TechnicianApplication, event: str, actor: Actor) -> None:
    if event == "approve":
        application.approve(actor=actor, at=T0)
    else:
        getattr(application, event)(actor=actor, at=T0, reason="a reason")


def test_submitting_raises_an_event_and_awaits_review() -> None:
    application = submitted()

    (event,) = application.pull_events()
    assert event == ApplicationSubmitted(
        occurred_at=T0,
        application_id="app_1",
        technician_id="tec_li",
        document_kinds=("id_card", "health_certificate", "skill_certificate"),
    )
    assert application.state == ApplicationState.SUBMITTED
    assert application.is_open


@pytest.mark.parametrize(
    ("docs", "field"),
    [
        ([], "documents"),
        (documents()[:2], "documents"),  # no skill certificate
        (documents(health=TODAY), "expires_on"),  # expires today: expired already
    ],
    ids=["none", "missing-kind", "expired"],
)
def test_documents_that_do_not_make_an_application_are_refused(
    docs: list[QualificationDocument], field: str
) -> None:
    with pytest.raises(InvalidApplication) as refused:
        TechnicianApplication.submit(
            application_id="app_1",
            technician_id=TechnicianId("tec_li"),
            documents=docs,
            policy=POLICY,
            today=TODAY,
            at=T0,
        )

    assert refused.value.error_code == "invalid_application"
    assert refused.value.details["field"] == field


def test_a_document_expiring_tomorrow_is_accepted() -> None:
    application = TechnicianApplication.submit(
        application_id="app_1",
        technician_id=TechnicianId("tec_li"),
        documents=documents(health=TODAY.add(days=1)),
        policy=POLICY,
        today=TODAY,
        at=T0,
    )

    assert application.state == ApplicationState.SUBMITTED


def test_a_policy_may_require_fewer_kinds() -> None:
    policy = VerificationPolicy(required_kinds={DocumentKind.ID_CARD}, reminder_days=7)

    checked = policy.check(documents()[:1], TODAY)

    assert [d.kind for d in checked] == [DocumentKind.ID_CARD]


@pytest.mark.parametrize(
    ("kind", "reference"),
    [("passport", "files/p.jpg"), (DocumentKind.ID_CARD, "  "), (DocumentKind.ID_CARD, "x" * 501)],
)
def test_a_document_needs_a_known_kind_and_a_file_reference(kind: str, reference: str) -> None:
    with pytest.raises(InvalidApplication):
        QualificationDocument(kind, reference)  # type: ignore[arg-type]


def test_the_platform_approves_and_the_approval_is_recorded() -> None:
    application = submitted()
    application.pull_events()

    application.approve(actor=PLATFORM, at=T0.add(hours=2), note="all clear")

    assert application.state == ApplicationState.APPROVED
    assert not application.is_open
    (record,) = application.timeline
    assert (record.event, record.from_state, record.to_state, record.actor, record.reason) == (
        "approve", "submitted", "approved", PLATFORM, "all clear",
    )  # fmt: skip
    (event,) = application.pull_events()
    assert isinstance(event, ApplicationStateChanged)
    assert (event.event, event.actor_role) == ("approve", "platform")


@pytest.mark.parametrize("event", ["approve", "reject", "request_more"])
@pytest.mark.parametrize("actor", [APPLICANT, Actor.customer("cus_1"), Actor("sto_1", Role.STORE)])
def test_only_the_platform_reviews(event: str, actor: Actor) -> None:
    application = submitted()

    with pytest.raises(PermissionDenied):
        review(application, event, actor)

    assert application.state == ApplicationState.SUBMITTED
    assert application.timeline == []


@pytest.mark.parametrize("event", ["reject", "request_more"])
def test_rejecting_or_asking_for_more_needs_a_reason(event: str) -> None:
    application = submitted()

    with pytest.raises(InvalidApplication) as refused:
        getattr(application, event)(actor=PLATFORM, at=T0, reason="  ")

    assert refused.value.details == {"field": "reason"}
    assert application.state == ApplicationState.SUBMITTED


def test_reject_keeps_the_reason_for_the_applicant() -> None:
    application = submitted()

    application.reject(actor=PLATFORM, at=T0, reason="The ID photo is blurred")

    assert application.state == ApplicationState.REJECTED
    assert application.notes == "The ID photo is blurred"


def test_more_requested_then_resubmitted_by_the_applicant_then_approved() -> None:
    application = submitted()
    application.request_more(actor=PLATFORM, at=T0, reason="A newer health certificate")
    newer = documents(health=pendulum.date(2027, 3, 1))

    application.resubmit(newer, actor=APPLICANT, policy=POLICY, today=TODAY, at=T0.add(days=1))
    application.approve(actor=PLATFORM, at=T0.add(days=2))

    assert application.documents == tuple(newer)
    assert [r.event for r in application.timeline] == ["request_more", "resubmit", "approve"]
    assert application.notes == "A newer health certificate"


def test_only_the_applicant_resubmits_and_only_when_asked() -> None:
    application = submitted()

    with pytest.raises(TransitionNotAllowed):
        application.resubmit(documents(), actor=APPLICANT, policy=POLICY, today=TODAY, at=T0)
    application.request_more(actor=PLATFORM, at=T0, reason="More")
    with pytest.raises(PermissionDenied):
        application.resubmit(documents(), actor=OTHER_TECHNICIAN, policy=POLICY, today=TODAY, at=T0)
    with pytest.raises(PermissionDenied):
        application.resubmit(documents(), actor=PLATFORM, policy=POLICY, today=TODAY, at=T0)

    assert application.state == ApplicationState.MORE_REQUESTED


def test_a_resubmission_with_bad_documents_changes_nothing() -> None:
    application = submitted()
    application.request_more(actor=PLATFORM, at=T0, reason="More")

    with pytest.raises(InvalidApplication):
        application.resubmit(documents()[:1], actor=APPLICANT, policy=POLICY, today=TODAY, at=T0)

    assert application.state == ApplicationState.MORE_REQUESTED
    assert application.documents == tuple(documents())
    assert len(application.timeline) == 1


@pytest.mark.parametrize(
    ("before", "event"),
    [
        ("approved", "approve"),
        ("approved", "reject"),
        ("approved", "request_more"),
        ("rejected", "approve"),
        ("more_requested", "approve"),
        ("more_requested", "request_more"),
    ],
)
def test_refused_transitions_change_nothing(before: str, event: str) -> None:
    application = submitted()
    if before == "approved":
        application.approve(actor=PLATFORM, at=T0)
    elif before == "rejected":
        application.reject(actor=PLATFORM, at=T0, reason="No")
    else:
        application.request_more(actor=PLATFORM, at=T0, reason="More")
    timeline = list(application.timeline)

    with pytest.raises(TransitionNotAllowed) as refused:
        review(application, event, PLATFORM)

    assert refused.value.error_code == "transition_not_allowed"
    assert application.state == before
    assert application.timeline == timeline


def test_more_requested_may_be_rejected() -> None:
    application = submitted()
    application.request_more(actor=PLATFORM, at=T0, reason="More")

    application.reject(actor=PLATFORM, at=T0, reason="Nothing came")

    assert application.state == ApplicationState.REJECTED


def test_approval_verifies_until_the_earliest_required_expiry() -> None:
    application = submitted()
    application.approve(actor=PLATFORM, at=T0)

    verification = application.verification(POLICY, TODAY)

    assert verification.status is VerificationStatus.APPROVED
    assert verification.approved_on == TODAY
    assert verification.expires_on == HEALTH_EXPIRES
    assert verification.expiries == {
        DocumentKind.ID_CARD: pendulum.date(2031, 1, 1),
        DocumentKind.HEALTH_CERTIFICATE: HEALTH_EXPIRES,
    }


def test_a_kind_is_covered_by_its_latest_document_and_unrequired_kinds_do_not_count() -> None:
    policy = VerificationPolicy(
        required_kinds={DocumentKind.ID_CARD, DocumentKind.HEALTH_CERTIFICATE}
    )
    docs = [
        *documents(),
        QualificationDocument(
            DocumentKind.HEALTH_CERTIFICATE, "files/health-2.pdf", pendulum.date(2027, 6, 1)
        ),
        QualificationDocument(
            DocumentKind.SKILL_CERTIFICATE, "files/old.pdf", pendulum.date(2026, 4, 1)
        ),
    ]

    expiries = policy.expiries(docs)

    assert expiries == {
        DocumentKind.ID_CARD: pendulum.date(2031, 1, 1),
        DocumentKind.HEALTH_CERTIFICATE: pendulum.date(2027, 6, 1),
    }


def test_the_expiry_reminder_is_raised_once_per_expiry_day() -> None:
    application = submitted()
    application.approve(actor=PLATFORM, at=T0)
    application.pull_events()
    verification = application.verification(POLICY, TODAY)

    first = application.remind_expiry(verification, at=T0.add(months=5))
    second = application.remind_expiry(verification, at=T0.add(months=5))

    assert (first, second) == (True, False)
    (event,) = application.pull_events()
    assert event == TechnicianDocumentExpiring(
        occurred_at=T0.add(months=5),
        application_id="app_1",
        technician_id="tec_li",
        kinds=("health_certificate",),
        expires_on=HEALTH_EXPIRES,
    )


def test_no_reminder_for_a_verification_of_another_application() -> None:
    application = submitted()
    newer = Verification.approved("app_2", TODAY, {DocumentKind.ID_CARD: HEALTH_EXPIRES})

    assert not application.remind_expiry(newer, at=T0)
    assert not application.remind_expiry(Verification.vouched(), at=T0)
    assert application.reminded_for is None


def test_only_the_applicant_and_the_platform_see_an_application() -> None:
    application = submitted()

    assert application.can_be_seen_by(APPLICANT)
    assert application.can_be_seen_by(PLATFORM)
    assert not application.can_be_seen_by(OTHER_TECHNICIAN)
    assert not application.can_be_seen_by(Actor.customer("cus_1"))
