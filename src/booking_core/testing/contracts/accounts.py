"""Contract cases of the accounts repository: unique sign-in keys, compare-and-set on
accounts, sessions and codes, revocation of the live sessions only, and rollback (part of
:class:`~booking_core.testing.contracts.StorageContract`)."""

from __future__ import annotations

import attrs
import pendulum
import pytest
from pendulum import DateTime

from booking_core.accounts import Account, AccountId, LoginSession, OneTimeCode, SessionId
from booking_core.errors import ConcurrentUpdate, DuplicateEntity, InvalidInput, NotFound
from booking_core.orders.actor import Actor, Role
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.staff import StaffRole

__all__ = ["AccountStorageContract"]

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="Asia/Shanghai")
PHONE = "+8613812345678"


def _account(
    n: int,
    *,
    role: Role = Role.CUSTOMER,
    actor_id: str | None = None,
    login: str | None = None,
    phone: str | None = None,
    wechat_openid: str | None = None,
) -> Account:
    return Account(
        AccountId(f"acc_{n}"),
        role,
        actor_id or f"act_{n}",
        login=login,
        phone=phone,
        wechat_openid=wechat_openid,
        created_at=T0,
    )


def _full() -> Account:
    """An account with every field set (a platform one: staff too)."""
    return Account(
        AccountId("acc_ops"),
        Role.PLATFORM,
        "staff_wang",
        staff=StaffRole.OPERATIONS,
        login="Wang.Ops@Example.com",
        phone=PHONE,
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        wechat_openid="oX_wang",
        email="wang.ops@example.com",
        disabled=True,
        created_at=T0,
    )


def _session(
    n: int,
    account: str = "acc_1",
    *,
    start: DateTime = T0,
    days: int = 30,
) -> LoginSession:
    return LoginSession(
        SessionId(f"ses_{n}"),
        AccountId(account),
        f"hash_{n}_0",
        0,
        start,
        start.add(days=days),
    )


def _code(code_hash: str = "h1", *, purpose: str = "login") -> OneTimeCode:
    return OneTimeCode(PHONE, purpose, code_hash, T0, T0.add(minutes=5))


class AccountStorageContract:
    """Mix into a ``Test*`` class that provides a ``uow_factory`` fixture over empty storage."""

    # -- accounts --------------------------------------------------------------------------

    def test_an_account_round_trips_at_version_one_and_is_found_by_each_key(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            stored = uow.accounts.add(_full())
            uow.commit()

        with uow_factory() as uow:
            got = uow.accounts.get(AccountId("acc_ops"))
            found = [
                uow.accounts.find(login="WANG.ops@example.COM"),
                uow.accounts.find(phone=PHONE),
                uow.accounts.find(wechat_openid="oX_wang"),
                uow.accounts.find(actor=(Role.PLATFORM, "staff_wang")),
            ]
            missing = [
                uow.accounts.find(login="wang"),
                uow.accounts.find(phone="+8613800000000"),
                uow.accounts.find(wechat_openid="oX_WANG"),  # openids are case-sensitive
                uow.accounts.find(actor=(Role.CUSTOMER, "staff_wang")),
            ]
            with pytest.raises(NotFound) as caught:
                uow.accounts.get(AccountId("acc_nope"))

        assert stored == got == attrs.evolve(_full(), version=1)
        assert got.login == "wang.ops@example.com"
        assert got.created_at == T0
        assert got.actor() == Actor("staff_wang", Role.PLATFORM, staff=StaffRole.OPERATIONS)
        assert found == [got] * 4
        assert missing == [None] * 4
        assert caught.value.error_code == "account_not_found"

    def test_find_takes_exactly_one_key(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            with pytest.raises(ValueError, match="exactly one"):
                uow.accounts.find()
            with pytest.raises(ValueError, match="exactly one"):
                uow.accounts.find(login="alice", phone=PHONE)

    @pytest.mark.parametrize(
        ("second", "field"),
        [
            (_account(1, actor_id="act_other"), "id"),
            (_account(2, login="ALICE"), "login"),
            (_account(2, phone=PHONE), "phone"),
            (_account(2, wechat_openid="oX_alice"), "wechat_openid"),
            (_account(2, actor_id="act_1"), "actor"),
        ],
    )
    def test_each_key_of_an_account_is_unique(
        self, uow_factory: UnitOfWorkFactory, second: Account, field: str
    ) -> None:
        first = _account(1, login="alice", phone=PHONE, wechat_openid="oX_alice")
        with uow_factory() as uow:
            uow.accounts.add(first)
            uow.commit()

        with uow_factory() as uow:
            with pytest.raises(DuplicateEntity) as caught:
                uow.accounts.add(second)
            # the unit of work stays usable after the refusal
            uow.accounts.add(_account(3, login="carol"))
            uow.commit()
        with uow_factory() as uow:
            kept = uow.accounts.get(AccountId("acc_1"))
            others = [uow.accounts.find(actor=(Role.CUSTOMER, "act_2"))]

        assert caught.value.error_code == "account_exists"
        assert caught.value.details["field"] == field
        assert kept == attrs.evolve(first, version=1)
        assert others == [None]

    def test_unset_keys_and_one_actor_id_in_two_roles_do_not_collide(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            uow.accounts.add(_account(1, actor_id="same"))
            uow.accounts.add(_account(2, role=Role.TECHNICIAN, actor_id="same"))
            uow.accounts.add(_account(3, role=Role.STORE, actor_id="same"))
            uow.commit()

        with uow_factory() as uow:
            found = [
                uow.accounts.find(actor=(role, "same")) for role in Role if role.value != "system"
            ]

        assert [a.id if a else None for a in found] == ["acc_1", "acc_2", "acc_3", None]

    def test_save_is_compare_and_set_on_version(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            first = uow.accounts.add(_account(1, login="alice"))
            uow.commit()
        with uow_factory() as uow:
            second = uow.accounts.save(attrs.evolve(first, password_hash="new", phone=PHONE))
            uow.commit()

        with uow_factory() as uow, pytest.raises(ConcurrentUpdate):
            uow.accounts.save(attrs.evolve(first, disabled=True))  # read before the save
        with uow_factory() as uow:
            assert uow.accounts.get(first.id) == second
            assert uow.accounts.find(phone=PHONE) == second
            assert second.version == 2
            with pytest.raises(NotFound):
                uow.accounts.save(attrs.evolve(first, id=AccountId("acc_nope")))

    def test_save_refuses_a_key_another_account_holds(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            alice = uow.accounts.add(_account(1, login="alice", phone=PHONE))
            bob = uow.accounts.add(_account(2, login="bob"))
            uow.commit()

        with uow_factory() as uow:
            with pytest.raises(DuplicateEntity) as login_taken:
                uow.accounts.save(attrs.evolve(bob, login="Alice"))
            with pytest.raises(DuplicateEntity) as phone_taken:
                uow.accounts.save(attrs.evolve(bob, phone=PHONE))
            # keeping its own keys is no conflict, and the unit of work is still usable
            kept = uow.accounts.save(attrs.evolve(alice, disabled=True))
            uow.commit()
        with uow_factory() as uow:
            stored_bob = uow.accounts.get(bob.id)

        assert login_taken.value.error_code == "account_exists"
        assert login_taken.value.details["field"] == "login"
        assert phone_taken.value.details["field"] == "phone"
        assert PHONE not in phone_taken.value.message
        assert kept.disabled
        assert stored_bob == bob

    # -- sessions --------------------------------------------------------------------------

    def test_a_session_round_trips_and_its_saves_are_compare_and_set(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            read = uow.accounts.add_session(_session(1))
            uow.commit()

        with uow_factory() as uow:
            assert uow.accounts.session(SessionId("ses_1")) == read
            with pytest.raises(DuplicateEntity) as duplicate:
                uow.accounts.add_session(_session(1))
            with pytest.raises(NotFound) as missing:
                uow.accounts.session(SessionId("ses_nope"))
        with uow_factory() as uow:
            rotated = uow.accounts.save_session(read.rotated("hash_1_1"))
            uow.commit()
        with uow_factory() as uow, pytest.raises(ConcurrentUpdate):
            uow.accounts.save_session(read.rotated("hash_1_other"))  # the same read: loses
        with uow_factory() as uow:
            stored = uow.accounts.session(SessionId("ses_1"))
            with pytest.raises(NotFound):
                uow.accounts.save_session(_session(9))

        assert read.version == 1
        assert duplicate.value.error_code == "session_exists"
        assert missing.value.error_code == "session_not_found"
        assert stored == rotated
        assert (stored.refresh_hash, stored.generation, stored.version) == ("hash_1_1", 1, 2)

    def test_revoke_sessions_touches_only_the_accounts_live_sessions(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        now = T0.add(days=10)
        with uow_factory() as uow:
            live = [uow.accounts.add_session(_session(n)) for n in (1, 2)]
            earlier = uow.accounts.add_session(_session(3))
            uow.accounts.save_session(earlier.revoked(T0.add(days=1), "logout"))
            expired = uow.accounts.add_session(_session(4, days=10))  # ends exactly now
            others = uow.accounts.add_session(_session(5, "acc_2"))
            uow.commit()

        with uow_factory() as uow:
            count = uow.accounts.revoke_sessions(AccountId("acc_1"), at=now, reason="logout_all")
            uow.commit()
        with uow_factory() as uow:
            after = {n: uow.accounts.session(SessionId(f"ses_{n}")) for n in range(1, 6)}
            again = uow.accounts.revoke_sessions(AccountId("acc_1"), at=now, reason="disabled")
            with pytest.raises(InvalidInput):
                uow.accounts.revoke_sessions(AccountId("acc_2"), at=now, reason="bored")

        assert count == 2
        assert again == 0
        for n, before in zip((1, 2), live, strict=True):
            assert after[n] == attrs.evolve(
                before, revoked_at=now, revoked_reason="logout_all", version=2
            )
            assert not after[n].live(now)
        assert (after[3].revoked_at, after[3].revoked_reason, after[3].version) == (
            T0.add(days=1),
            "logout",
            2,
        )
        assert after[4] == expired
        assert after[5] == others
        assert after[5].live(now)

    # -- one-time codes --------------------------------------------------------------------

    def test_put_code_replaces_and_the_version_goes_on(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            first = uow.accounts.put_code(_code("h1"))
            uow.commit()
        with uow_factory() as uow:
            second = uow.accounts.put_code(_code("h2"))
            uow.commit()

        with uow_factory() as uow, pytest.raises(ConcurrentUpdate):
            uow.accounts.save_code(first.with_attempt())  # the replaced code
        with uow_factory() as uow:
            counted = uow.accounts.save_code(second.with_attempt())
            uow.commit()
        with uow_factory() as uow, pytest.raises(ConcurrentUpdate):
            uow.accounts.save_code(second.with_attempt())  # a guess counted on a stale read
        with uow_factory() as uow:
            stored = uow.accounts.code(PHONE, "login")
            other_purpose = uow.accounts.code(PHONE, "reset")
            other_phone = uow.accounts.code("+8613800000000", "login")

        assert (first.version, second.version) == (1, 2)
        assert stored == counted == attrs.evolve(_code("h2"), attempts=1, version=3)
        assert other_purpose is None
        assert other_phone is None

    def test_a_replacing_code_starts_its_attempts_afresh(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            sent = uow.accounts.put_code(_code("h1"))
            uow.accounts.save_code(attrs.evolve(sent, attempts=3))
            replaced = uow.accounts.put_code(_code("h2"))
            uow.commit()

        with uow_factory() as uow:
            stored = uow.accounts.code(PHONE, "login")

        assert stored == replaced
        assert (replaced.attempts, replaced.code_hash, replaced.version) == (0, "h2", 3)

    def test_a_deleted_code_is_gone(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            login = uow.accounts.put_code(_code("h1"))
            reset = uow.accounts.put_code(_code("h9", purpose="reset"))
            uow.commit()
        with uow_factory() as uow:
            uow.accounts.delete_code(PHONE, "login")
            uow.accounts.delete_code(PHONE, "never_sent")  # nothing to delete: fine
            uow.commit()

        with uow_factory() as uow:
            assert uow.accounts.code(PHONE, "login") is None
            assert uow.accounts.code(PHONE, "reset") == reset
            with pytest.raises(NotFound) as caught:
                uow.accounts.save_code(login.with_attempt())
            assert uow.accounts.put_code(_code("h3")).version == 1
        assert caught.value.error_code == "one_time_code_not_found"

    # -- transactions ----------------------------------------------------------------------

    def test_rollback_leaves_nothing(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.accounts.add(_account(1, login="alice", phone=PHONE))
            uow.accounts.add_session(_session(1))
            uow.accounts.put_code(_code())
            uow.rollback()
            uow.accounts.add(_account(2, login="bob"))
            # leaving without commit rolls back as well

        with uow_factory() as uow:
            assert uow.accounts.find(login="alice") is None
            assert uow.accounts.find(phone=PHONE) is None
            assert uow.accounts.find(login="bob") is None
            assert uow.accounts.code(PHONE, "login") is None
            with pytest.raises(NotFound):
                uow.accounts.session(SessionId("ses_1"))
            # the keys are free again
            uow.accounts.add(_account(3, login="alice", phone=PHONE))
            uow.commit()
