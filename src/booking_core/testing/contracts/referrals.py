"""Contract cases of referral storage: invite codes, bindings (one per referee, changed by
compare-and-set, read up the graph), distributors and commissions (one per key, transitions
by compare-and-set, the settle job's query) — part of
:class:`~booking_core.testing.contracts.StorageContract`.

The data make every field count: instants carry microseconds and a zone other than UTC,
a binding has a history of two changes, a commission has every optional field set.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import pendulum
import pytest

from booking_core.errors import ConcurrentUpdate, DuplicateEntity, NotFound, ReferralNotAllowed
from booking_core.ids import OrderId, ServiceId
from booking_core.money import Money
from booking_core.ports.storage import LockKey, UnitOfWorkFactory
from booking_core.referrals import (
    Binding,
    BindingMoment,
    Commission,
    CommissionSource,
    Distributor,
    DistributorStatus,
    Member,
    ReferralCode,
    check_no_cycle,
)
from booking_core.testing.contracts.orders import at_once

__all__ = ["ReferralStorageContract"]

_T0 = pendulum.datetime(2026, 3, 2, 9, 0, 0, 123_456, tz="Asia/Shanghai")
_A = Member.customer("cus_a")
_B = Member.customer("cus_b")
_C = Member.customer("cus_c")
_D = Member.technician("cus_a")  # the same id as _A, another member


def _binding(referee: Member, referrer: Member, minutes: int = 0) -> Binding:
    return Binding.first(
        referee, referrer, _T0.add(minutes=minutes), BindingMoment.ORDER, "ABCD2345"
    )


def _commission(n: int, *, line: int = 0, level: int = 1, beneficiary: Member = _A,
                order: str = "ord_1", minutes: int = 0) -> Commission:  # fmt: skip
    cny = "CNY"
    return Commission(
        id=Commission.key(OrderId(order), line, beneficiary, level),
        order_id=OrderId(order),
        line=line,
        beneficiary=beneficiary,
        level=level,
        source=CommissionSource.BUYER if n % 2 else CommissionSource.TECHNICIAN,
        referee=_C,
        service_id=ServiceId("svc_1"),
        base=Money(19_900 + n, cny),
        rate=Decimal("0.05"),
        amount=Money(995 + n, cny),
        frozen_at=_T0.add(minutes=minutes),
        order_paid=Money(20_900, cny),
    )


class ReferralStorageContract:
    """Mix into a ``Test*`` class that provides a ``uow_factory`` fixture over empty storage.

    ``concurrency_workers`` is how many threads the race cases start.
    """

    concurrency_workers = 20

    # -- codes ---------------------------------------------------------------------------

    def test_invite_codes_are_unique_and_one_per_member(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        code = ReferralCode("ABCD2345", _A, _T0)
        with uow_factory() as uow:
            uow.referrals.add_code(code)
            uow.referrals.add_code(ReferralCode("WXYZ6789", _D, _T0))
            uow.commit()

        with uow_factory() as uow:
            with pytest.raises(DuplicateEntity):
                uow.referrals.add_code(ReferralCode("ABCD2345", _B, _T0))
            with pytest.raises(DuplicateEntity):
                uow.referrals.add_code(ReferralCode("QRST2345", _A, _T0))
        with uow_factory() as uow:
            assert uow.referrals.code("ABCD2345") == code
            assert uow.referrals.code_of(_A) == code
            assert uow.referrals.code_of(_D) == ReferralCode("WXYZ6789", _D, _T0)
            assert uow.referrals.code_of(_B) is None
            with pytest.raises(NotFound) as missing:
                uow.referrals.code("NOPE2345")
        assert missing.value.error_code == "referral_code_not_found"

    # -- bindings ------------------------------------------------------------------------

    def test_a_binding_round_trips_and_changes_by_compare_and_set(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        first = _binding(_C, _A)
        with uow_factory() as uow:
            uow.referrals.add_binding(first)
            uow.commit()
        with uow_factory() as uow:
            stored = uow.referrals.binding_of(_C)
            with pytest.raises(DuplicateEntity) as twice:
                uow.referrals.add_binding(_binding(_C, _B))
        assert stored == first
        assert twice.value.error_code == "referral_binding_exists"

        assert stored is not None
        moved = stored.changed_to(_B, _T0.add(days=1, microseconds=7), BindingMoment.LATER)
        with uow_factory() as uow:
            saved = uow.referrals.save_binding(moved)
            uow.commit()
        with uow_factory() as uow:
            again = uow.referrals.binding_of(_C)
            with pytest.raises(ConcurrentUpdate):
                uow.referrals.save_binding(moved)  # version 0 is stale now
            with pytest.raises(NotFound):
                uow.referrals.save_binding(_binding(_B, _A))

        assert saved == again == attrs.evolve(moved, version=1)
        assert again is not None
        assert [c.referrer for c in again.history] == [_A, _B]
        assert again.history[1].previous == _A

    def test_upline_walks_up_to_the_root_or_the_depth(self, uow_factory: UnitOfWorkFactory) -> None:
        e = Member.customer("cus_e")
        with uow_factory() as uow:
            for referee, referrer in ((_B, _A), (_C, _B), (_D, _C), (e, _C)):
                uow.referrals.add_binding(_binding(referee, referrer))
            uow.commit()

        with uow_factory() as uow:
            assert uow.referrals.upline(_D) == [_C, _B, _A]
            assert uow.referrals.upline(_D, 2) == [_C, _B]
            assert uow.referrals.upline(_A) == []
            assert uow.referrals.upline(_D, 0) == []
            team = uow.referrals.referees_of([_C, _A])
            assert [b.referee for b in team] == sorted([_D, e, _B])
            assert uow.referrals.referees_of([]) == []

    def test_binds_that_would_close_a_cycle_under_the_graph_lock_cannot_both_win(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        # A chain of members; every thread binds its ends the other way round, or binds a
        # member to the next: together they would close loops.
        members = [Member.customer(f"cus_{n}") for n in range(self.concurrency_workers)]

        def bind(n: int) -> bool:
            referee, referrer = members[n], members[(n + 1) % len(members)]
            with uow_factory() as uow:
                uow.locks.take(LockKey.referral_graph())
                if uow.referrals.binding_of(referee) is not None:
                    return False
                try:
                    check_no_cycle(referee, referrer, uow.referrals.upline(referrer))
                except ReferralNotAllowed:
                    return False
                uow.referrals.add_binding(_binding(referee, referrer))
                uow.commit()
                return True

        outcomes = at_once(self.concurrency_workers, bind)

        assert all(isinstance(o, bool) for o in outcomes), outcomes
        assert outcomes.count(True) == self.concurrency_workers - 1  # the ring stays open
        with uow_factory() as uow:
            for member in members:
                assert member not in uow.referrals.upline(member)

    # -- distributors --------------------------------------------------------------------

    def test_distributor_records_are_stored_by_compare_and_set(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            fresh = uow.referrals.distributor(_A)
            fresh.status = DistributorStatus.APPLIED
            fresh.applied_at = _T0
            fresh.spend, fresh.orders = Money(12_345, "CNY"), 3
            uow.referrals.save_distributor(fresh)
            other = Distributor(_B, DistributorStatus.SUSPENDED, reason="fraud", decided_by="ops")
            uow.referrals.save_distributor(other)
            uow.commit()
        with uow_factory() as uow:
            found = uow.referrals.distributors([_A, _B, _C])
            stale = uow.referrals.distributor(_A)
            stale.version = 0
            with pytest.raises(ConcurrentUpdate):
                uow.referrals.save_distributor(stale)

        assert attrs.asdict(found[_A]) == attrs.asdict(fresh)
        assert fresh.version == 1
        assert (found[_B].status, found[_B].reason, found[_B].decided_by) == (
            DistributorStatus.SUSPENDED, "fraud", "ops",
        )  # fmt: skip
        assert (found[_C].status, found[_C].version) == (DistributorStatus.NONE, 0)
        with uow_factory() as uow:
            applied = uow.referrals.list_distributors(DistributorStatus.APPLIED)
            everyone = uow.referrals.list_distributors()
        assert [d.member for d in applied] == [_A]
        assert [d.member for d in everyone] == [_A, _B]

    # -- commissions ---------------------------------------------------------------------

    def test_a_commission_is_stored_once_per_key_and_round_trips(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        first = _commission(1)
        with uow_factory() as uow:
            assert uow.commissions.add(first) is True
            assert uow.commissions.add(attrs.evolve(first, amount=Money(1, "CNY"))) is False
            uow.commit()
        with uow_factory() as uow:
            assert uow.commissions.add(first) is False
            assert uow.commissions.get(first.id) == first
            with pytest.raises(NotFound) as missing:
                uow.commissions.get(Commission.key(OrderId("x"), 0, _A, 1))
        assert missing.value.error_code == "commission_not_found"

    def test_commissions_change_by_compare_and_set_and_keep_every_field(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            uow.commissions.add(_commission(1))
            uow.commit()
        scheduled = _commission(1).scheduled(_T0.add(days=7))
        reduced = scheduled.reduced(Money(100, "CNY"), order_refunded=Money(2_000, "CNY"),
                                    at=_T0.add(days=1))  # fmt: skip
        with uow_factory() as uow:
            saved = uow.commissions.save(reduced)
            uow.commit()
        with uow_factory() as uow:
            stored = uow.commissions.get(reduced.id)
            with pytest.raises(ConcurrentUpdate):
                uow.commissions.save(reduced)  # version 0 is stale now

        assert saved == stored == attrs.evolve(reduced, version=1)
        assert (stored.cancelled, stored.reductions) == (Money(100, "CNY"), 1)
        settled = stored.settled(_T0.add(days=8))
        with uow_factory() as uow:
            uow.commissions.save(settled)
            uow.commit()
        with uow_factory() as uow:
            assert uow.commissions.get(settled.id) == attrs.evolve(settled, version=2)

    def test_due_finds_the_frozen_commissions_whose_unfreeze_time_has_come(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        now = _T0.add(days=10)
        early = _commission(1, line=0).scheduled(now.subtract(days=2))
        on_time = _commission(2, line=1).scheduled(now)  # inclusive
        later = _commission(3, line=2).scheduled(now.add(microseconds=1))
        unscheduled = _commission(4, line=3)
        settled = _commission(5, line=4).scheduled(now.subtract(days=3))
        with uow_factory() as uow:
            for c in (later, on_time, unscheduled, early, settled):
                uow.commissions.add(c)
            uow.commit()
        with uow_factory() as uow:
            stored = uow.commissions.get(settled.id)
            uow.commissions.save(stored.settled(now))
            uow.commit()

        with uow_factory() as uow:
            due = uow.commissions.due(now, 10)
            one = uow.commissions.due(now, 1)

        assert [c.id for c in due] == [early.id, on_time.id]
        assert [c.id for c in one] == [early.id]

    def test_commissions_are_listed_by_order_beneficiary_and_period(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        a2 = _commission(2, line=1, level=2, minutes=5)
        a1 = _commission(1, line=1, level=1, minutes=3)
        b1 = _commission(3, line=0, beneficiary=_B, minutes=4)
        other = _commission(4, order="ord_2", minutes=10)
        with uow_factory() as uow:
            for c in (a2, other, a1, b1):
                uow.commissions.add(c)
            uow.commit()

        with uow_factory() as uow:
            by_order = uow.commissions.for_order(OrderId("ord_1"))
            of_a = uow.commissions.for_beneficiary(_A)
            of_a_window = uow.commissions.for_beneficiary(
                _A, since=_T0.add(minutes=3), until=_T0.add(minutes=10)
            )
            window = uow.commissions.between(_T0.add(minutes=4), _T0.add(minutes=10))

        assert [c.id for c in by_order] == [b1.id, a1.id, a2.id]
        assert [c.id for c in of_a] == [a1.id, a2.id, other.id]
        assert [c.id for c in of_a_window] == [a1.id, a2.id]  # half-open
        assert [c.id for c in window] == [b1.id, a2.id]

    def test_concurrent_adds_of_one_commission_store_it_once(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        commission = _commission(1)

        def add(_: int) -> bool:
            with uow_factory() as uow:
                added = uow.commissions.add(commission)
                uow.commit()
                return added

        outcomes = at_once(self.concurrency_workers, add)

        assert sorted(outcomes, key=str) == [False] * (self.concurrency_workers - 1) + [True]
