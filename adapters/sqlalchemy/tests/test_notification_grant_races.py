"""One-time subscription grants under concurrency, on SQLite and PostgreSQL with real threads.

A grant is spent on one message: of many senders racing for the last grants, exactly as
many get one as there were left — never a message sent twice on one grant. Grants given at
once (a user tapping "allow" on two devices) add up; none is lost to the other.
"""

from __future__ import annotations

import pytest

from booking_core.notifications import Recipient
from booking_core.testing.contracts.orders import at_once
from booking_core_sqlalchemy import SqlAlchemyStorage

pytestmark = pytest.mark.slow

ROUNDS = 3
WORKERS = 12
LEFT = 4
ALICE = Recipient("customer", "cus_1")


def test_many_senders_take_exactly_the_grants_that_are_left(
    storage: SqlAlchemyStorage,
) -> None:
    for n in range(ROUNDS):
        template = f"order_accepted_{n}"
        with storage.unit_of_work() as uow:
            uow.notifications.grant(ALICE, template, LEFT)
            uow.commit()

        def send(_: int) -> bool:
            with storage.unit_of_work() as uow:
                taken = uow.notifications.consume_grant(ALICE, template)  # noqa: B023
                uow.commit()
            return taken

        outcomes = at_once(WORKERS, send)

        with storage.unit_of_work() as uow:
            left = uow.notifications.grants_left(ALICE, template)
        assert sorted(outcomes, key=str) == [False] * (WORKERS - LEFT) + [True] * LEFT
        assert left == 0


def test_grants_given_at_once_add_up(storage: SqlAlchemyStorage) -> None:
    def allow(i: int) -> int:
        with storage.unit_of_work() as uow:
            left = uow.notifications.grant(ALICE, "order_paid", 1 + i % 2)
            uow.commit()
        return left

    outcomes = at_once(WORKERS, allow)

    with storage.unit_of_work() as uow:
        left = uow.notifications.grants_left(ALICE, "order_paid")
    expected = sum(1 + i % 2 for i in range(WORKERS))
    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert left == expected
    assert max(o for o in outcomes if isinstance(o, int)) == expected
