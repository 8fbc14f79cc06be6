"""Sign-in storage under concurrency, on SQLite and PostgreSQL with real threads.

Two refreshes of one session with the same refresh secret read the same version and both
rotate it: compare-and-set lets exactly one through, so a copied refresh token can never
fork a session into two live lines. Two sign-ups with one login: the unique key lets one
account in. Wrong guesses at a code: each is counted, none lost.
"""

from __future__ import annotations

import pendulum
import pytest

from booking_core.accounts import Account, AccountId, LoginSession, OneTimeCode, SessionId
from booking_core.errors import ConcurrentUpdate
from booking_core.orders.actor import Role
from booking_core.testing.contracts.orders import race
from booking_core_sqlalchemy import SqlAlchemyStorage

pytestmark = pytest.mark.slow

ROUNDS = 5
WORKERS = 8
T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="UTC")
PHONE = "+8613812345678"


def test_two_rotations_of_one_session_at_one_version_exactly_one_wins(
    storage: SqlAlchemyStorage,
) -> None:
    for n in range(ROUNDS):
        session_id = SessionId(f"ses_{n}")
        with storage.unit_of_work() as uow:
            read = uow.accounts.add_session(
                LoginSession(session_id, AccountId("acc_1"), "h0", 0, T0, T0.add(days=30))
            )
            uow.commit()

        def rotate(i: int) -> None:
            with storage.unit_of_work() as uow:
                uow.accounts.save_session(read.rotated(f"h1_{i}"))  # noqa: B023
                uow.commit()

        outcomes = race(2, rotate)

        with storage.unit_of_work() as uow:
            stored = uow.accounts.session(session_id)
        assert sorted(outcomes) == ["concurrent_update", "ok"]
        assert (stored.generation, stored.version) == (1, 2)
        assert stored.refresh_hash in {"h1_0", "h1_1"}


def test_many_sign_ups_with_one_login_make_one_account(storage: SqlAlchemyStorage) -> None:
    def sign_up(i: int) -> None:
        with storage.unit_of_work() as uow:
            uow.accounts.add(
                Account(
                    AccountId(f"acc_{i}"), Role.CUSTOMER, f"cus_{i}", login="Alice", created_at=T0
                )
            )
            uow.commit()

    outcomes = race(WORKERS, sign_up)

    assert sorted(outcomes) == ["account_exists"] * (WORKERS - 1) + ["ok"]
    with storage.unit_of_work() as uow:
        found = uow.accounts.find(login="alice")
    assert found is not None
    assert found.id in {f"acc_{i}" for i in range(WORKERS)}


def test_concurrent_wrong_guesses_at_a_code_are_each_counted(
    storage: SqlAlchemyStorage,
) -> None:
    with storage.unit_of_work() as uow:
        uow.accounts.put_code(OneTimeCode(PHONE, "login", "h", T0, T0.add(minutes=5)))
        uow.commit()

    def guess(_: int) -> None:
        # What the edge does: read, count, save; on a lost race read again.
        for _attempt in range(50):
            with storage.unit_of_work() as uow:
                code = uow.accounts.code(PHONE, "login")
                assert code is not None
                try:
                    uow.accounts.save_code(code.with_attempt())
                except ConcurrentUpdate:
                    continue
                uow.commit()
                return

    outcomes = race(WORKERS, guess)

    with storage.unit_of_work() as uow:
        code = uow.accounts.code(PHONE, "login")
    assert outcomes == ["ok"] * WORKERS
    assert code is not None
    assert (code.attempts, code.version) == (WORKERS, WORKERS + 1)
