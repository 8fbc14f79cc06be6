"""Storage of referrals: invite codes, the graph, distributors and commissions
(INVARIANTS I21–I23)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from pendulum import DateTime

from booking_core.ids import OrderId
from booking_core.referrals import (
    Binding,
    Commission,
    CommissionId,
    Distributor,
    DistributorStatus,
    Member,
    ReferralCode,
)

__all__ = ["CommissionRepository", "ReferralRepository", "ReferralStore"]


class ReferralRepository(Protocol):
    """Invite codes, bindings (one per referee) and distributors.

    Binding writes are made under the graph lock (``locks.take(LockKey.referral_graph())``):
    the cycle check reads the referrer's upline and the write must not interleave with
    another binding's (INVARIANTS I21).
    """

    def add_code(self, code: ReferralCode) -> None:
        """Store a member's invite code.

        Raises:
            DuplicateEntity: (``referral_code_exists``) the code is taken, or the member has
                a code already.
        """
        ...

    def code(self, code: str) -> ReferralCode:
        """The invite code ``code``. Raises NotFound (``referral_code_not_found``)."""
        ...

    def code_of(self, member: Member) -> ReferralCode | None:
        """The member's invite code, if he has one."""
        ...

    def binding_of(self, referee: Member) -> Binding | None:
        """The referee's binding, if he is bound."""
        ...

    def add_binding(self, binding: Binding) -> None:
        """Store the referee's first binding (stored with ``version`` 0).

        Raises:
            DuplicateEntity: (``referral_binding_exists``) the referee is bound already —
                also when another unit of work bound him concurrently.
        """
        ...

    def save_binding(self, binding: Binding) -> Binding:
        """Replace the referee's binding if its stored version is ``binding.version``;
        return it with the version incremented.

        Raises:
            NotFound: (``referral_binding_not_found``) he is not bound.
            ConcurrentUpdate: it changed since it was read.
        """
        ...

    def upline(self, member: Member, depth: int | None = None) -> list[Member]:
        """The member's ancestors, nearest first: his referrer, that one's, … up to
        ``depth`` of them (all, up to the root, when None). One round trip where the storage
        can. Stops if it meets a member twice (the graph never holds a cycle; this only
        guards the loop)."""
        ...

    def referees_of(self, referrers: Collection[Member]) -> list[Binding]:
        """The bindings whose referrer is one of ``referrers``, by referee."""
        ...

    def distributor(self, member: Member) -> Distributor:
        """The member's distributor record, or a new one (``status`` none, version 0)."""
        ...

    def distributors(self, members: Collection[Member]) -> dict[Member, Distributor]:
        """The records of ``members`` (a new one for each without), in one round trip."""
        ...

    def save_distributor(self, distributor: Distributor) -> None:
        """Store the record if the stored version (0 when none) is ``distributor.version``;
        the object's version is incremented.

        Raises:
            ConcurrentUpdate: it changed since it was read.
        """
        ...

    def list_distributors(self, status: DistributorStatus | None = None) -> list[Distributor]:
        """Stored records (of ``status`` if given), by member."""
        ...


class CommissionRepository(Protocol):
    """Commissions: one per (order, line, beneficiary, level) — INVARIANTS I22."""

    def add(self, commission: Commission) -> bool:
        """Store a new commission (``version`` 0).

        Returns:
            True if stored; False if a commission with its (order, line, beneficiary,
            level) exists — also one added concurrently: a replayed capture stores nothing.
        """
        ...

    def get(self, commission_id: CommissionId) -> Commission:
        """The commission. Raises NotFound (``commission_not_found``)."""
        ...

    def for_order(self, order_id: OrderId) -> list[Commission]:
        """The order's commissions, by line, then source, level and beneficiary."""
        ...

    def save(self, commission: Commission) -> Commission:
        """Replace the commission if its stored version is ``commission.version``; return
        it with the version incremented (compare-and-set: of concurrent transitions of one
        commission one wins).

        Raises:
            NotFound: no such commission. ConcurrentUpdate: it changed since it was read.
        """
        ...

    def save_many(self, commissions: Sequence[Commission]) -> list[Commission]:
        """Compare-and-set each commission as :meth:`save` does, all in one go (the settle
        job's batch): return those saved, versions incremented, in the given order.

        One whose stored version is no longer its ``version`` (changed since it was read:
        a refund, another settle job) is left out and left untouched — no error: the caller
        tells by the length. Ids are distinct.

        Raises:
            NotFound: one of them was never stored (others may be written by then: the
                unit of work must not commit; leaving ``with uow:`` by the error rolls it
                back).
        """
        ...

    def due(self, now: DateTime, limit: int) -> list[Commission]:
        """Up to ``limit`` frozen commissions whose unfreeze time is at or before ``now``,
        earliest first (then by id): what the settle job settles next.

        Where the database locks rows they are locked for the unit of work in that order
        (PostgreSQL: ``FOR UPDATE``): a concurrent settle job waits for this one's batch,
        then finds what is still due, so two jobs neither deadlock nor settle a commission
        twice."""
        ...

    def settle_due(self, at: DateTime, limit: int) -> int:
        """Settle up to ``limit`` frozen commissions whose unfreeze time is at or before
        ``at``, earliest due first (then by id), and post each one's ``settled`` entry, in
        this unit of work; return how many it settled (``limit`` of them: more may be due).

        Each moves exactly as :meth:`Commission.settled` at ``at`` makes it (``version`` + 1)
        and its entry is exactly :func:`~booking_core.referrals.settled_entry`'s (id
        ``<commission id>:settled``; Dr ``commission_frozen:<beneficiary>``, Cr
        ``commission_payable:<beneficiary>``, the amount still held) — a contract test
        pins every storage to that domain path. One settled meanwhile is no longer frozen,
        so a second call settles nothing new.

        Where the database locks rows, the batch is locked for the unit of work and rows
        another unit of work holds are skipped (PostgreSQL: ``FOR UPDATE SKIP LOCKED``):
        concurrent settle jobs split the due set instead of queueing; a commission a
        concurrent change (a refund in flight) holds is left to a later run.

        Raises:
            IdempotencyConflict: a ``settled`` entry of one of them was recorded before with
                other content (nothing of the batch may be committed).
        """
        ...

    def for_beneficiary(
        self,
        beneficiary: Member,
        *,
        since: DateTime | None = None,
        until: DateTime | None = None,
    ) -> list[Commission]:
        """The beneficiary's commissions frozen in ``[since, until)``, oldest first."""
        ...

    def between(self, since: DateTime, until: DateTime) -> list[Commission]:
        """Every commission frozen in ``[since, until)``, oldest first (the platform's view)."""
        ...


class ReferralStore(Protocol):
    """The referral part of a unit of work."""

    @property
    def referrals(self) -> ReferralRepository: ...
    @property
    def commissions(self) -> CommissionRepository: ...
