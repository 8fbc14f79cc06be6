"""Rejection, modification, tracking, time-driven jobs, numbers and after-sales."""

from __future__ import annotations

import pendulum
import pytest

from booking_core import Money
from booking_core.errors import (
    ComplaintNotAllowed,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RefundExceedsCaptured,
    ReviewNotAllowed,
    SlotTaken,
    TrackingUnavailable,
    TransitionNotAllowed,
)
from booking_core.ids import CustomerId
from booking_core.orders import Actor, Role
from booking_core.orders.complaint import Decision, Remedy
from booking_core.orders.payments import PaymentStatus
from booking_core.orders.policy import PaymentMode
from booking_core.ports.jobs import Job, JobStatus
from booking_core.scheduling.geo import GeoPoint
from booking_core.services.aftersales import FileComplaint
from booking_core.services.jobs import JobRunner
from booking_core.services.reviews import SubmitReview
from booking_core.testing.orders import CUSTOMER, OPERATOR, OrderWorld, at, order_world


@pytest.fixture
def world() -> OrderWorld:
    return order_world()


def completed(world: OrderWorld) -> str:
    order_id = world.paid_order(at(2, 10))
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")
    return order_id


# -- rejection and reassignment ------------------------------------------------------------


def test_a_rejection_records_the_refusal_frees_the_time_and_waits_for_a_technician(
    world: OrderWorld,
) -> None:
    order_id = world.paid_order(at(3, 10))
    world.fire(order_id, "accept")

    world.app.ordering.transition(order_id, "reject", world.tech, reason="too far")

    order = world.get(order_id)
    assert (order.state, order.technician_id) == ("pending_acceptance", None)
    assert order.timeline[-1].event == "reject"
    assert order.timeline[-1].reason == "too far"
    with pytest.raises(NotFound):  # the technician no longer sees it
        world.app.ordering.get_order(order_id, world.tech)
    with pytest.raises(TransitionNotAllowed) as refused:
        world.fire(order_id, "accept", actor=OPERATOR)
    assert "no technician is assigned" in refused.value.message
    world.place(at(3, 10), customer="cus_2")  # Li's time is free again


def test_the_platform_reassigns_a_rejected_order_and_the_new_technician_accepts(
    world: OrderWorld,
) -> None:
    order_id = world.paid_order(at(3, 10))
    world.fire(order_id, "reject")

    result = world.app.modification.change_technician(order_id, OPERATOR, world.wang)
    order = world.fire(order_id, "accept", actor=Actor(world.wang, Role.TECHNICIAN))

    assert result.payment is None
    assert result.refunds == ()
    assert (order.state, order.technician_id) == ("accepted", world.wang)
    assert [r.event for r in order.timeline] == ["pay", "reject", "reassign", "accept"]


# -- modification --------------------------------------------------------------------------


def test_changing_the_time_moves_the_booking_in_one_step(world: OrderWorld) -> None:
    order_id = world.paid_order(at(3, 10))
    blocker = world.place(at(3, 15), customer="cus_2")

    order = world.app.modification.change_time(order_id, CUSTOMER, at(3, 11))
    with pytest.raises(SlotTaken):
        world.app.modification.change_time(order_id, CUSTOMER, at(3, 15))

    assert order.slot.start == at(3, 11)
    assert world.get(order_id).slot.start == at(3, 11)
    assert order.timeline[-1].event == "modify"
    world.place(at(3, 10), customer="cus_3")  # the old time is free
    assert world.get(blocker).state == "pending_payment"


def test_a_dearer_service_charges_the_difference(world: OrderWorld) -> None:
    order_id = world.paid_order(at(3, 9))  # 09:00 is on both services' slot grids

    result = world.app.modification.change_service(order_id, CUSTOMER, world.spa)

    assert result.payment is not None
    assert result.payment.amount == Money(10000, "CNY")
    assert result.payment.status is PaymentStatus.CAPTURED
    assert (result.order.price, result.order.paid) == (Money(29900, "CNY"), Money(29900, "CNY"))
    assert result.order.slot.duration.in_minutes() == 90


def test_a_cheaper_service_refunds_the_difference_and_keeps_the_state(
    world: OrderWorld,
) -> None:
    order_id = world.paid_order(at(3, 10))
    world.fire(order_id, "accept")

    result = world.app.modification.change_service(order_id, CUSTOMER, world.foot)

    assert [r.amount for r in result.refunds] == [Money(10000, "CNY")]
    assert result.order.state == "accepted"
    assert result.order.refundable == Money(9900, "CNY")


def test_a_started_order_cannot_be_changed(world: OrderWorld) -> None:
    order_id = world.paid_order(at(2, 10))
    world.fire(order_id, "accept", "depart")

    with pytest.raises(TransitionNotAllowed):
        world.app.modification.change_time(order_id, CUSTOMER, at(3, 11))

    assert world.get(order_id).slot.start == at(2, 10)


def test_technicians_cannot_change_orders(world: OrderWorld) -> None:
    order_id = world.paid_order(at(3, 10))

    with pytest.raises(PermissionDenied):
        world.app.modification.change_time(order_id, world.tech, at(3, 11))

    assert world.get(order_id).slot.start == at(3, 10)


# -- tracking ------------------------------------------------------------------------------


def test_the_customer_sees_the_last_position_and_an_eta(world: OrderWorld) -> None:
    order_id = world.paid_order(at(2, 10))
    world.fire(order_id, "accept")
    with pytest.raises(TrackingUnavailable):
        world.app.tracking.report_position(order_id, world.tech, GeoPoint(31.2, 121.4))
    world.fire(order_id, "depart")
    world.app.tracking.report_position(order_id, world.tech, GeoPoint(31.30, 121.50))
    world.clock.advance(pendulum.duration(minutes=5))
    world.app.tracking.report_position(order_id, world.tech, GeoPoint(31.25, 121.48))

    view = world.app.tracking.track(order_id, CUSTOMER)

    assert view.position is not None
    assert view.position.point == GeoPoint(31.25, 121.48)
    assert view.distance_km is not None
    assert 2 < view.distance_km < 3
    assert view.eta is not None
    assert view.eta > view.position.reported_at
    with pytest.raises(NotFound):
        world.app.tracking.track(order_id, Actor("cus_2", Role.CUSTOMER))


# -- time-driven work ----------------------------------------------------------------------


def test_an_order_left_in_service_is_completed_after_its_end_and_grace(
    world: OrderWorld,
) -> None:
    order_id = world.paid_order(at(2, 10))
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service")

    world.clock.set(at(2, 11, 59))
    before = world.run_jobs()
    world.clock.set(at(2, 12))
    after = world.run_jobs()

    assert "auto_complete:done" not in before
    assert "auto_complete:done" in after
    order = world.get(order_id)
    assert order.state == "completed"
    assert order.timeline[-1].actor.role is Role.SYSTEM


def test_auto_completion_leaves_an_unpaid_balance_to_the_platform(world: OrderWorld) -> None:
    order_id = world.paid_order(at(2, 10), mode=PaymentMode.DEPOSIT)
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service")

    world.clock.set(at(2, 13))
    world.run_jobs()

    assert world.get(order_id).state == "in_service"
    assert "OrderNeedsAttention" in world.outbox()


def test_an_auto_completion_job_rechecks_the_order(world: OrderWorld) -> None:
    order_id = world.paid_order(at(2, 10))
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")
    timeline = list(world.get(order_id).timeline)

    world.clock.set(at(2, 13))
    world.run_jobs()

    assert world.get(order_id).timeline == timeline


def test_the_review_window_closes(world: OrderWorld) -> None:
    order_id = completed(world)

    world.clock.advance(pendulum.duration(days=7, hours=1))
    world.run_jobs()

    with pytest.raises(ReviewNotAllowed) as refused:
        world.app.reviews.submit(
            SubmitReview(order_id, CustomerId("cus_1"), 5, "late"), Actor.customer("cus_1")
        )
    assert refused.value.details["review_closed"] is True
    assert "ReviewWindowClosed" in world.outbox()


def test_a_failing_job_is_retried_with_backoff_then_buried(world: OrderWorld) -> None:
    with world.uow() as uow:
        uow.jobs.schedule(Job("boom:1", "boom", "x", world.clock.now()))
        uow.commit()

    def explode(job: Job, now: pendulum.DateTime) -> None:
        raise RuntimeError("broken")

    runner = JobRunner(world.uow, world.clock, {"boom": explode}, worker="w", max_attempts=2)
    first = runner.run_due()
    world.clock.advance(pendulum.duration(minutes=3))
    second = runner.run_due()

    assert [r.outcome for r in first] == ["failed"]
    assert [r.outcome for r in second] == ["dead"]
    with world.uow() as uow:
        job = uow.jobs.get("boom:1")
    assert (job.status, job.last_error) == (JobStatus.DEAD, "RuntimeError: broken")


def test_a_job_whose_runs_keep_killing_the_worker_is_buried_not_run_again(
    world: OrderWorld,
) -> None:
    # given a job claimed five times by workers that died (nobody ever settled it)
    ran: list[str] = []
    with world.uow() as uow:
        uow.jobs.schedule(Job("oom:1", "oom", "x", world.clock.now()))
        uow.commit()
    lease = pendulum.duration(minutes=5)
    for n in range(5):
        with world.uow() as uow:
            uow.jobs.claim_due(world.clock.now(), worker=f"dead{n}", limit=1, lease=lease)
            uow.commit()
        world.clock.advance(lease)

    # when a sixth worker claims it
    runner = JobRunner(world.uow, world.clock, {"oom": lambda j, now: ran.append(j.id)},
                       worker="w6", max_attempts=5)  # fmt: skip
    (run,) = runner.run_due()

    # then it is dead with a reason, and its handler was not run
    assert (run.outcome, ran) == ("dead", [])
    with world.uow() as uow:
        job = uow.jobs.get("oom:1")
    assert job.status is JobStatus.DEAD
    assert "claimed 6 times" in (job.last_error or "")


def test_a_job_whose_lease_ran_out_before_its_turn_in_the_batch_is_left_alone(
    world: OrderWorld,
) -> None:
    # given two due jobs, the first of which takes longer than the lease
    ran: list[str] = []
    lease = pendulum.duration(minutes=5)
    with world.uow() as uow:
        for n in (1, 2):
            uow.jobs.schedule(Job(f"slow:{n}", "slow", "x", world.clock.now()))
        uow.commit()

    def slow(job: Job, now: pendulum.DateTime) -> None:
        ran.append(job.id)
        world.clock.advance(lease)

    runner = JobRunner(world.uow, world.clock, {"slow": slow}, worker="w1", lease=lease)

    # when the worker runs its batch, then the second job is not started past its lease
    runs = runner.run_due()
    assert [(r.job_id, r.outcome) for r in runs] == [("slow:1", "done"), ("slow:2", "lost")]
    assert ran == ["slow:1"]
    # and another worker takes it
    other = JobRunner(world.uow, world.clock, {"slow": slow}, worker="w2", lease=lease)
    assert [(r.job_id, r.outcome) for r in other.run_due()] == [("slow:2", "done")]


# -- numbers -------------------------------------------------------------------------------


def test_orders_get_human_friendly_numbers_that_find_them(world: OrderWorld) -> None:
    first = world.get(world.place(at(3, 10)))
    second = world.get(world.place(at(3, 12)))

    found = world.app.ordering.find_by_number(second.number.replace("-", " "), CUSTOMER)

    assert first.number == "260302-000001-3"
    assert second.number.startswith("260302-000002-")
    assert found.id == second.id
    with pytest.raises(InvalidInput):  # a typo: the check digit catches it
        world.app.ordering.find_by_number("260302-000001-4", CUSTOMER)
    with pytest.raises(NotFound):
        world.app.ordering.find_by_number(first.number, Actor("cus_2", Role.CUSTOMER))


# -- after-sales ---------------------------------------------------------------------------


def complain(world: OrderWorld, order_id: str, **kwargs: object) -> str:
    command = FileComplaint(
        order_id,  # type: ignore[arg-type]
        CustomerId("cus_1"),
        "The oil was cold and the session ended early.",
        kwargs.pop("remedy", Remedy.PARTIAL_REFUND),  # type: ignore[arg-type]
        photos=("https://img.example/1.jpg",),
        requested_refund=kwargs.pop("amount", Money(5000, "CNY")),  # type: ignore[arg-type]
    )
    return world.app.aftersales.file(command, Actor.customer(command.customer_id)).id


def test_arbitration_with_a_partial_refund(world: OrderWorld) -> None:
    order_id = completed(world)
    complaint_id = complain(world, order_id)

    world.app.aftersales.take_up(complaint_id, OPERATOR)
    result = world.app.aftersales.resolve(
        complaint_id, OPERATOR, decision=Decision.PARTIAL_REFUND, refund=Money(5000, "CNY")
    )

    order = world.get(order_id)
    assert result.complaint.state == "resolved"
    assert result.complaint.resolution is not None
    assert result.complaint.resolution.refund == Money(5000, "CNY")
    assert order.state == "partially_refunded"
    assert world.movements(order_id) == [("captured", 19900), ("refunded", 5000)]
    assert "OrderRefunded" in world.outbox()


def test_arbitration_with_a_full_refund_after_a_partial_one(world: OrderWorld) -> None:
    order_id = completed(world)
    first = complain(world, order_id)
    world.app.aftersales.take_up(first, OPERATOR)
    world.app.aftersales.resolve(
        first, OPERATOR, decision=Decision.PARTIAL_REFUND, refund=Money(5000, "CNY")
    )
    second = complain(world, order_id, remedy=Remedy.FULL_REFUND, amount=None)

    world.app.aftersales.take_up(second, OPERATOR)
    world.app.aftersales.resolve(second, OPERATOR, decision=Decision.FULL_REFUND)

    assert world.get(order_id).state == "refunded"
    assert world.movements(order_id)[-1] == ("refunded", 14900)


def test_a_rejected_or_no_refund_complaint_moves_no_money(world: OrderWorld) -> None:
    order_id = completed(world)
    first = complain(world, order_id)
    world.app.aftersales.take_up(first, OPERATOR)
    world.app.aftersales.reject(first, OPERATOR, note="the session ran the full hour")
    second = complain(world, order_id, remedy=Remedy.APOLOGY, amount=None)
    world.app.aftersales.take_up(second, OPERATOR)

    world.app.aftersales.resolve(second, OPERATOR, decision=Decision.NO_REFUND, note="sorry")

    assert world.get(order_id).state == "completed"
    assert world.movements(order_id) == [("captured", 19900)]


def test_complaint_rules(world: OrderWorld) -> None:
    active = world.paid_order(at(3, 10))
    with pytest.raises(ComplaintNotAllowed):
        complain(world, active)
    order_id = completed(world)
    complaint_id = complain(world, order_id)
    with pytest.raises(ComplaintNotAllowed):  # one pending at a time
        complain(world, order_id)
    with pytest.raises(PermissionDenied):
        world.app.aftersales.take_up(complaint_id, CUSTOMER)
    with pytest.raises(TransitionNotAllowed):  # not under arbitration yet
        world.app.aftersales.resolve(complaint_id, OPERATOR, decision=Decision.NO_REFUND)
    world.app.aftersales.take_up(complaint_id, OPERATOR)
    with pytest.raises(RefundExceedsCaptured):
        world.app.payments.refund(order_id, Money(19901, "CNY"), reason="too much", actor=OPERATOR)
    with pytest.raises(InvalidInput):
        world.app.aftersales.resolve(
            complaint_id, OPERATOR, decision=Decision.PARTIAL_REFUND, refund=Money(19900, "CNY")
        )
    world.clock.advance(pendulum.duration(days=8))
    world.app.aftersales.withdraw(complaint_id, CUSTOMER)
    with pytest.raises(ComplaintNotAllowed):  # the window has closed
        complain(world, order_id)

    assert world.get(order_id).state == "completed"
