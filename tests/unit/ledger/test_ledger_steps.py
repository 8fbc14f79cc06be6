"""The ledger steps post each order entry once: a replay returns the recorded entry, a
replay with another amount is refused — for refunds back to payments clearing and for a
package visit given back to prepaid packages."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.errors import IdempotencyConflict
from booking_core.ids import OrderId
from booking_core.ledger import Account
from booking_core.money import Money
from booking_core.services.steps.ledger import (
    post_payment_captured,
    post_refund,
    post_visit_used,
)
from booking_core.testing.memory import InMemoryStore

AT = pendulum.datetime(2026, 3, 2, 10, tz="Asia/Shanghai")
ORDER = OrderId("ord_1")


def _cny(fen: int) -> Money:
    return Money(fen, "CNY")


@pytest.mark.parametrize("visit", [False, True])
def test_a_refund_posted_again_returns_the_entry_and_another_amount_is_refused(
    visit: bool,
) -> None:
    source = Account.prepaid_packages() if visit else None
    store = InMemoryStore()
    with store.unit_of_work() as uow:
        if visit:
            post_visit_used(uow, ORDER, _cny(12516), at=AT)
        else:
            post_payment_captured(uow, ORDER, _cny(12516), key="p1", at=AT)
        first, new = post_refund(uow, ORDER, _cny(5000), key="r1", at=AT, source=source)
        again, again_new = post_refund(uow, ORDER, _cny(5000), key="r1", at=AT, source=source)
        with pytest.raises(IdempotencyConflict):
            post_refund(uow, ORDER, _cny(4000), key="r1", at=AT, source=source)
        uow.commit()

    assert (new, again_new) == (True, False)
    assert again == first
    credited = source or Account.payments_clearing()
    assert [(p.account, p.amount.amount) for p in first.postings] == [
        (Account.customer_funds(), 5000),
        (credited, -5000),
    ]
