"""Review races with real threads on SQLite and PostgreSQL (issue 15).

A technician's app sends his reply several times at once (a double tap, two devices), and
a customer's follow-up likewise. Each command takes the order's lock before it reads the
review and saves by compare-and-set: exactly one reply and one follow-up are stored, and
every other sender is told the review has one (``review_not_allowed``). Staff hiding a
review while new reviews arrive leave the level counting exactly the shown ones.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from booking_core.errors import BookingError
from booking_core.ids import CustomerId
from booking_core.orders import Actor
from booking_core.reviews import Review
from booking_core.services.reviews import FollowUpReview, HideReview, ReplyToReview, SubmitReview
from booking_core.testing.contracts.orders import at_once
from booking_core.testing.orders import OrderWorld, at, order_world
from booking_core_sqlalchemy import SqlAlchemyStorage

pytestmark = pytest.mark.slow

TAPS = 6


def _reviewed(world: OrderWorld, customer: str = "cus_1", day: int = 3, stars: int = 5) -> Review:
    order_id = world.paid_order(at(day, 10), customer=customer)
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")
    return world.app.reviews.submit(
        SubmitReview(order_id, CustomerId(customer), stars, "很好"), Actor.customer(customer)
    )


def _codes(results: list[Review | Exception]) -> list[str]:
    return sorted(r.error_code if isinstance(r, BookingError) else repr(r)
                  for r in results if not isinstance(r, Review))  # fmt: skip


def test_replies_sent_at_once_store_exactly_one(storage: SqlAlchemyStorage) -> None:
    # given a review of Li's order
    world = order_world(uow=storage.unit_of_work)
    review = _reviewed(world)

    # when Li sends six different replies at once
    results = at_once(
        TAPS, lambda n: world.app.reviews.reply(ReplyToReview(review.id, f"谢谢 {n}"), world.tech)
    )

    # then one is stored, and the others are told it has its reply
    won = [r for r in results if isinstance(r, Review)]
    assert len(won) == 1
    assert _codes(results) == ["review_not_allowed"] * (TAPS - 1)
    assert world.app.reviews.get(review.id).reply == won[0].reply
    assert world.outbox().count("ReviewReplied") == 1


def test_follow_ups_sent_at_once_store_exactly_one(storage: SqlAlchemyStorage) -> None:
    world = order_world(uow=storage.unit_of_work)
    review = _reviewed(world)
    alice = Actor.customer("cus_1")

    results = at_once(
        TAPS,
        lambda n: world.app.reviews.follow_up(
            FollowUpReview(review.id, CustomerId("cus_1"), f"追评 {n}", [f"file_{n}"]), alice
        ),
    )

    won = [r for r in results if isinstance(r, Review)]
    assert len(won) == 1
    assert _codes(results) == ["review_not_allowed"] * (TAPS - 1)
    assert world.app.reviews.get(review.id).follow_up == won[0].follow_up


def test_hiding_while_reviews_arrive_leaves_the_level_of_the_shown_ones(
    storage: SqlAlchemyStorage,
) -> None:
    # given a one-star review to hide, and three completed orders about to be reviewed
    world = order_world(uow=storage.unit_of_work)
    bad = _reviewed(world, "cus_9", 3, stars=1)
    orders = []
    for n in range(3):
        order_id = world.paid_order(at(4 + n, 10), customer=f"cus_{n}")
        world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")
        orders.append(order_id)

    def act(n: int) -> object:
        if n == 3:
            return world.app.reviews.hide(HideReview(bad.id, "abusive"), Actor.platform("ops_1"))
        command = SubmitReview(orders[n], CustomerId(f"cus_{n}"), 4 + n % 2, "")
        return world.app.reviews.submit(command, Actor.customer(f"cus_{n}"))

    # when the three reviews and the hiding happen at once
    results = at_once(4, act)

    # then all succeed and the level is the mean of the three shown: (4 + 5 + 4) / 3 → 4.3
    assert [r for r in results if isinstance(r, Exception)] == []
    assert world.app.technicians.get(world.li).profile.rating == Decimal("4.3")
