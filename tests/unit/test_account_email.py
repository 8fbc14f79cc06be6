"""An account's e-mail address: where e-mail notifications go (issue 11)."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.accounts import Account, AccountId
from booking_core.errors import InvalidInput
from booking_core.orders import Role

T0 = pendulum.datetime(2026, 3, 2, tz="UTC")


def test_an_account_keeps_an_email_address_of_the_right_shape() -> None:
    account = Account(AccountId("acc_1"), Role.TECHNICIAN, "tec_1", email="li@example.com",
                      created_at=T0)  # fmt: skip

    assert account.email == "li@example.com"


@pytest.mark.parametrize("bad", ["li", "li@", "@example.com", "li wei@example.com", "li@host"])
def test_an_address_without_the_shape_of_one_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Account(AccountId("acc_1"), Role.TECHNICIAN, "tec_1", email=bad, created_at=T0)

    assert refused.value.details == {"field": "email"}
