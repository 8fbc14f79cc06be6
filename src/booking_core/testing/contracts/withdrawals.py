"""Contract cases of withdrawal storage: the withdrawals, the payee lock and the two ledger
reads the payouts use (part of :class:`~booking_core.testing.contracts.StorageContract`).

The data make every field count: a withdrawal with every optional field set (decided,
noted, referenced, failed, settled, instants with microseconds in another zone), a card and
a wallet, requests at one instant told apart by id, and returned withdrawals that the period
totals must leave out.
"""

from __future__ import annotations

import time

import attrs
import pendulum
import pytest
from pendulum import DateTime

from booking_core.errors import ConcurrentUpdate, DuplicateEntity, NotFound
from booking_core.ids import OrderId
from booking_core.ledger import Account, Posting, Transaction, TransactionId, TransactionKind
from booking_core.money import Money
from booking_core.payouts import (
    BankCard,
    Payee,
    Wallet,
    WalletProvider,
    Withdrawal,
    WithdrawalId,
    WithdrawalStatus,
    withdrawal_requested,
)
from booking_core.ports.storage import LockKey, UnitOfWorkFactory, WithdrawalCursor
from booking_core.testing.contracts.orders import at_once, race
from booking_core.timerange import TimeRange

__all__ = ["WithdrawalStorageContract"]

_T0 = pendulum.datetime(2026, 3, 2, 9, 0, 0, 123_456, tz="Asia/Shanghai")
_LI = Payee.technician("tec_li")
_NORTH = Payee.store("tec_li")  # the same id as a technician: payees differ by kind
_CARD = BankCard("************1234", "李雷 Li Lei", "招商银行 China Merchants Bank")
_WALLET = Wallet(WalletProvider.WECHAT, "o_wx_8842")


def _withdrawal(
    n: int,
    *,
    payee: Payee = _LI,
    at: DateTime = _T0,
    amount: int = 10_000,
    status: WithdrawalStatus = WithdrawalStatus.APPROVED,
    wallet: bool = False,
) -> Withdrawal:
    return Withdrawal(
        WithdrawalId(f"wdr_{n:02d}"),
        payee,
        Money(amount, "CNY"),
        Money(amount // 100 + 1, "CNY"),
        _WALLET if wallet else _CARD,
        at,
        payee.id,
        f"key-{n}",
        status=status,
    )


def _full() -> Withdrawal:
    """Every optional field set to something other than its default."""
    decided = pendulum.datetime(2026, 3, 2, 1, 30, 0, 654_321, tz="UTC")
    return attrs.evolve(
        _withdrawal(1, wallet=True),
        status=WithdrawalStatus.FAILED,
        decided_by="fin_1",
        decided_at=decided,
        note="大额 checked by phone",
        provider_reference="po_77",
        failure="the account is closed",
        settled_at=decided.add(hours=5, microseconds=3),
    )


class WithdrawalStorageContract:
    """Withdrawals: round trips, keys, compare-and-set, paging, period totals, the payee lock."""

    concurrency_workers = 20

    def test_a_withdrawal_comes_back_as_stored(self, uow_factory: UnitOfWorkFactory) -> None:
        full, card = _full(), _withdrawal(2, payee=_NORTH)
        with uow_factory() as uow:
            stored = uow.withdrawals.add(full)
            uow.withdrawals.add(card)
            uow.commit()

        with uow_factory() as uow:
            found, other = uow.withdrawals.get(full.id), uow.withdrawals.get(card.id)

        assert stored == attrs.evolve(full, version=1)
        assert found == stored
        assert other == attrs.evolve(card, version=1)
        assert found.decided_at is not None
        assert found.decided_at.microsecond == 654_321

    def test_a_missing_withdrawal_is_not_found(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow, pytest.raises(NotFound) as missing:
            uow.withdrawals.get(WithdrawalId("wdr_none"))

        assert missing.value.error_code == "withdrawal_not_found"

    def test_one_id_and_one_key_per_payee(self, uow_factory: UnitOfWorkFactory) -> None:
        first = _withdrawal(1)
        with uow_factory() as uow:
            uow.withdrawals.add(first)
            uow.commit()

        with uow_factory() as uow:
            with pytest.raises(DuplicateEntity):
                uow.withdrawals.add(attrs.evolve(first, key="another"))
            with pytest.raises(DuplicateEntity):
                uow.withdrawals.add(attrs.evolve(first, id=WithdrawalId("wdr_other")))
            # the same key of another payee is another request
            uow.withdrawals.add(attrs.evolve(first, id=WithdrawalId("wdr_n"), payee=_NORTH))
            uow.commit()

        with uow_factory() as uow:
            found = uow.withdrawals.find_by_key(_LI, "key-1")
            assert found is not None
            assert found.id == first.id
            north = uow.withdrawals.find_by_key(_NORTH, "key-1")
            assert north is not None
            assert north.id == "wdr_n"
            assert uow.withdrawals.find_by_key(_LI, "key-2") is None

    def test_save_is_compare_and_set(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            stored = uow.withdrawals.add(_withdrawal(1))
            uow.commit()

        def pay(n: int) -> None:
            with uow_factory() as uow:
                uow.withdrawals.save(stored.paying())
                time.sleep(0.01)
                uow.commit()

        outcomes = race(self.concurrency_workers, pay)

        assert sorted(outcomes) == ["concurrent_update"] * (self.concurrency_workers - 1) + ["ok"]
        with uow_factory() as uow:
            found = uow.withdrawals.get(stored.id)
            assert (found.status, found.version) == (WithdrawalStatus.PAYING, 2)
            with pytest.raises(ConcurrentUpdate):
                uow.withdrawals.save(stored.paying())

    def test_a_payees_withdrawals_page_newest_first(self, uow_factory: UnitOfWorkFactory) -> None:
        # five of Li's: two at one instant (told apart by id), one of the store in between
        times = [_T0, _T0.add(hours=1), _T0.add(hours=1), _T0.add(days=1), _T0.add(days=2)]
        with uow_factory() as uow:
            for n, at in enumerate(times):
                uow.withdrawals.add(_withdrawal(n, at=at))
            uow.withdrawals.add(_withdrawal(9, payee=_NORTH, at=_T0.add(hours=2)))
            uow.commit()

        with uow_factory() as uow:
            first = uow.withdrawals.list_for_payee(_LI, limit=2)
            rest = uow.withdrawals.list_for_payee(
                _LI, limit=10, after=WithdrawalCursor.after(first[-1])
            )

        assert [w.id for w in first] == ["wdr_04", "wdr_03"]
        assert [w.id for w in rest] == ["wdr_02", "wdr_01", "wdr_00"]

    def test_the_finance_queue_lists_by_status_oldest_first(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        pending = WithdrawalStatus.PENDING_APPROVAL
        with uow_factory() as uow:
            uow.withdrawals.add(_withdrawal(1, at=_T0.add(hours=3), status=pending))
            uow.withdrawals.add(_withdrawal(2, at=_T0, status=pending, payee=_NORTH))
            uow.withdrawals.add(_withdrawal(3, at=_T0.add(hours=1)))
            uow.withdrawals.add(_withdrawal(4, at=_T0.add(hours=3), status=pending))
            uow.commit()

        with uow_factory() as uow:
            page = uow.withdrawals.list_by_status(pending, limit=2)
            rest = uow.withdrawals.list_by_status(pending, after=WithdrawalCursor.after(page[-1]))

        assert [w.id for w in page] == ["wdr_02", "wdr_01"]
        assert [w.id for w in rest] == ["wdr_04"]

    def test_period_totals_count_what_was_not_returned_within_the_period(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        day = TimeRange(_T0.start_of("day"), _T0.start_of("day").add(days=1))
        with uow_factory() as uow:
            uow.withdrawals.add(_withdrawal(1, at=day.start, amount=10_000))  # start: in
            uow.withdrawals.add(_withdrawal(2, at=_T0, amount=20_000, status=WithdrawalStatus.PAID))
            uow.withdrawals.add(
                _withdrawal(3, at=_T0, amount=40_000, status=WithdrawalStatus.FAILED)
            )
            uow.withdrawals.add(_withdrawal(4, at=_T0, status=WithdrawalStatus.REJECTED))
            uow.withdrawals.add(_withdrawal(5, at=day.end, amount=80_000))  # end: out
            uow.withdrawals.add(_withdrawal(6, at=_T0, amount=160_000, payee=_NORTH))
            uow.withdrawals.add(
                _withdrawal(7, at=day.start.subtract(microseconds=1), amount=320_000)
            )
            uow.commit()

        with uow_factory() as uow:
            assert uow.withdrawals.totals_in(_LI, day) == (2, 30_000)
            assert uow.withdrawals.totals_in(_NORTH, day) == (1, 160_000)
            assert uow.withdrawals.totals_in(Payee.technician("tec_x"), day) == (0, 0)

    def test_the_payee_lock_serializes_check_then_spend(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        # Each worker takes Li's lock, reads how many withdrawals he has, and adds one only
        # below three (a rule no compare-and-set guards): exactly three get in.
        key = LockKey.payee(_LI.key)

        def withdraw(n: int) -> bool:
            with uow_factory() as uow:
                uow.locks.take(key)
                day = TimeRange(_T0, _T0.add(days=1))
                if uow.withdrawals.totals_in(_LI, day)[0] >= 3:
                    return False
                time.sleep(0.02)  # the window a lock not held would let the others into
                uow.withdrawals.add(_withdrawal(n, at=_T0.add(seconds=n)))
                uow.commit()
                return True

        outcomes = at_once(self.concurrency_workers, withdraw)

        assert sorted(outcomes, key=str) == [False] * (self.concurrency_workers - 3) + [True] * 3

    # -- the ledger reads the payouts use -----------------------------------------------------

    def test_one_accounts_net_and_its_transactions(self, uow_factory: UnitOfWorkFactory) -> None:
        payable = _LI.payable
        earned = Transaction(
            TransactionId("done:ord_w1:1"),
            TransactionKind.ORDER_COMPLETED,
            _T0,
            (
                Posting.debit(Account.customer_funds(), Money(19_900, "CNY")),
                Posting.credit(payable, Money(13_930, "CNY")),
                Posting.credit(Account.platform_revenue(), Money(5_970, "CNY")),
            ),
            order_id=OrderId("ord_w1"),
        )
        other = Transaction(
            TransactionId("done:ord_w2:1"),
            TransactionKind.ORDER_COMPLETED,
            _T0.add(hours=1),
            (
                Posting.debit(Account.customer_funds(), Money(9_900, "CNY")),
                Posting.credit(_NORTH.payable, Money(9_900, "CNY")),
            ),
            order_id=OrderId("ord_w2"),
        )
        withdrawal = _withdrawal(1, at=_T0.add(days=1), amount=10_000)
        with uow_factory() as uow:
            uow.ledger.record(earned)
            uow.ledger.record(other)
            uow.ledger.record(withdrawal_requested(withdrawal))
            uow.commit()

        with uow_factory() as uow:
            net = uow.ledger.net(payable, "CNY")
            in_flight = uow.ledger.net(_LI.in_flight, "CNY")
            nothing = uow.ledger.net(payable, "USD")
            everything = uow.ledger.for_account(payable)
            first_day = uow.ledger.for_account(payable, TimeRange(_T0, _T0.add(days=1)))

        assert net == Money(-13_930 + 10_000, "CNY")
        assert in_flight == Money(-(10_000 - withdrawal.fee.amount), "CNY")
        assert nothing == Money(0, "USD")
        assert [t.id for t in everything] == ["done:ord_w1:1", "wdr:wdr_01:requested"]
        assert everything[0] == earned
        assert [t.id for t in first_day] == ["done:ord_w1:1"]
