"""Reviews of one technician submitted at once all count in his rating.

Each review recomputes the technician's rating from all his reviews in its own transaction.
Under READ COMMITTED two concurrent reviews would each miss the other's and the last
writer would store a rating missing one; ``ReviewService`` takes the technician's lock
(``uow.locks.take(LockKey.technician(...))``) first, so the stored rating is the mean of every
review. SQLite serializes the writers anyway.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from booking_core.errors import BookingError
from booking_core.ids import CustomerId, OrderId
from booking_core.orders import Actor
from booking_core.scheduling.profile import average_rating
from booking_core.services.reviews import SubmitReview
from booking_core.testing.orders import OrderWorld, at, order_world
from booking_core_sqlalchemy import SqlAlchemyStorage

pytestmark = pytest.mark.slow

WORKERS = 10
STARS = [5, 1, 4, 2, 5, 3, 5, 1, 4, 5]


def _completed_orders(world: OrderWorld) -> list[OrderId]:
    # All placed first (the clock then moves through Tuesday as each is done on time).
    orders = [world.paid_order(at(3, 9 + n), customer=f"cus_{n}") for n in range(WORKERS)]
    for order_id in orders:
        world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")
    return orders


def test_concurrent_reviews_all_count_in_the_rating(storage: SqlAlchemyStorage) -> None:
    # given ten completed orders of one technician, by ten customers
    world = order_world(uow=storage.unit_of_work)
    orders = _completed_orders(world)
    barrier = threading.Barrier(WORKERS)
    errors: list[str] = []

    def review(n: int) -> None:
        barrier.wait()
        try:
            world.app.reviews.submit(
                SubmitReview(orders[n], CustomerId(f"cus_{n}"), STARS[n]),
                Actor.customer(f"cus_{n}"),
            )
        except BookingError as exc:  # reported in the assertion message
            errors.append(exc.error_code)

    # when the ten customers review them at once
    threads = [threading.Thread(target=review, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then every review is stored and the rating is the mean of all of them
    assert errors == []
    assert len(world.app.reviews.for_technician(world.li)) == WORKERS
    assert average_rating(STARS) == Decimal("3.5")
    assert world.app.technicians.get(world.li).profile.rating == Decimal("3.5")
