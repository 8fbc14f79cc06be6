"""In-memory referrals and commissions (units of work are serialized, so the graph lock
and the uniqueness checks hold by construction)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import attrs
from pendulum import DateTime

from booking_core.errors import ConcurrentUpdate, DuplicateEntity, NotFound
from booking_core.ids import OrderId
from booking_core.referrals import (
    Binding,
    Commission,
    CommissionId,
    Distributor,
    DistributorStatus,
    Member,
    ReferralCode,
    settled_entry,
)
from booking_core.testing.memory.ledger import InMemoryJournal
from booking_core.testing.memory.table import Table

__all__ = ["InMemoryCommissions", "InMemoryReferrals"]


class InMemoryReferrals(Table):
    """:class:`~booking_core.ports.storage.ReferralRepository` over a snapshot: codes in
    this table, bindings in ``referral_bindings``, distributors in ``distributors`` (keyed
    by ``str(member)``; distributors stored as copies, so an object changed after saving is
    not the stored one)."""

    def add_code(self, code: ReferralCode) -> None:
        owner = str(code.owner)
        if code.code in self.rows or any(c.owner == code.owner for c in self.rows.values()):
            raise DuplicateEntity("referral_code", code.code if code.code in self.rows else owner)
        self.rows[code.code] = code

    def code(self, code: str) -> ReferralCode:
        found: ReferralCode = self._get(code)
        return found

    def code_of(self, member: Member) -> ReferralCode | None:
        return next((c for c in self.rows.values() if c.owner == member), None)

    @property
    def _bindings(self) -> dict[str, Binding]:
        return self.table("referral_bindings")

    def binding_of(self, referee: Member) -> Binding | None:
        return self._bindings.get(str(referee))

    def add_binding(self, binding: Binding) -> None:
        key = str(binding.referee)
        if key in self._bindings:
            raise DuplicateEntity("referral_binding", key)
        self._bindings[key] = attrs.evolve(binding, version=0)

    def save_binding(self, binding: Binding) -> Binding:
        key = str(binding.referee)
        stored = self._bindings.get(key)
        if stored is None:
            raise NotFound("referral_binding", key)
        if stored.version != binding.version:
            raise ConcurrentUpdate(
                f"The binding of {key} changed meanwhile; reload it.",
                details={"referee": key},
            )
        saved = attrs.evolve(binding, version=binding.version + 1)
        self._bindings[key] = saved
        return saved

    def upline(self, member: Member, depth: int | None = None) -> list[Member]:
        found: list[Member] = []
        seen = {member}
        current = member
        while depth is None or len(found) < depth:
            binding = self._bindings.get(str(current))
            if binding is None or binding.referrer in seen:
                break
            found.append(binding.referrer)
            seen.add(binding.referrer)
            current = binding.referrer
        return found

    def referees_of(self, referrers: Collection[Member]) -> list[Binding]:
        wanted = set(referrers)
        return sorted(
            (b for b in self._bindings.values() if b.referrer in wanted), key=lambda b: b.referee
        )

    @property
    def _distributors(self) -> dict[str, Distributor]:
        return self.table("distributors")

    def distributor(self, member: Member) -> Distributor:
        stored = self._distributors.get(str(member))
        return attrs.evolve(stored) if stored is not None else Distributor(member)

    def distributors(self, members: Collection[Member]) -> dict[Member, Distributor]:
        return {member: self.distributor(member) for member in members}

    def save_distributor(self, distributor: Distributor) -> None:
        key = str(distributor.member)
        stored = self._distributors.get(key)
        if (stored.version if stored is not None else 0) != distributor.version:
            raise ConcurrentUpdate(
                f"The distributor record of {key} changed meanwhile; reload it.",
                details={"member": key},
            )
        distributor.version += 1
        self._distributors[key] = attrs.evolve(distributor)

    def list_distributors(self, status: DistributorStatus | None = None) -> list[Distributor]:
        return [
            attrs.evolve(d)
            for d in sorted(self._distributors.values(), key=lambda d: d.member)
            if status is None or d.status is status
        ]


def _order_key(c: Commission) -> tuple[int, str, int, Member]:
    return c.line, c.source.value, c.level, c.beneficiary


class InMemoryCommissions(Table):
    """:class:`~booking_core.ports.storage.CommissionRepository` over a snapshot (the id is
    the (order, line, beneficiary, level) key, so one row per key)."""

    def add(self, commission: Commission) -> bool:
        if commission.id in self.rows:
            return False
        self.rows[commission.id] = attrs.evolve(commission, version=0)
        return True

    def get(self, commission_id: CommissionId) -> Commission:
        found: Commission = self._get(commission_id)
        return found

    def for_order(self, order_id: OrderId) -> list[Commission]:
        return sorted((c for c in self.rows.values() if c.order_id == order_id), key=_order_key)

    def save(self, commission: Commission) -> Commission:
        stored = self.get(commission.id)
        if stored.version != commission.version:
            raise ConcurrentUpdate(
                f"Commission {commission.id} changed meanwhile; reload it.",
                details={"commission_id": commission.id},
            )
        saved = attrs.evolve(commission, version=commission.version + 1)
        self.rows[commission.id] = saved
        return saved

    def save_many(self, commissions: Sequence[Commission]) -> list[Commission]:
        stored = [self.get(c.id) for c in commissions]  # NotFound before any change
        saved = [
            attrs.evolve(c, version=c.version + 1)
            for c, before in zip(commissions, stored, strict=True)
            if before.version == c.version
        ]
        for c in saved:
            self.rows[c.id] = c
        return saved

    def due(self, now: DateTime, limit: int) -> list[Commission]:
        due = [
            c
            for c in self.rows.values()
            if c.state.value == "frozen" and c.unfreeze_at is not None and c.unfreeze_at <= now
        ]
        due.sort(key=lambda c: (c.unfreeze_at, c.id))
        return due[:limit]

    def settle_due(self, at: DateTime, limit: int) -> int:
        """The domain path: read the due batch, settle it (``Commission.settled``), store
        it and post each ``settled_entry`` to the journal of this snapshot."""
        saved = self.save_many([c.settled(at) for c in self.due(at, limit)])
        InMemoryJournal(self._snapshot, "ledger", "transaction").record_many(
            [settled_entry(c) for c in saved]
        )
        return len(saved)

    def for_beneficiary(
        self,
        beneficiary: Member,
        *,
        since: DateTime | None = None,
        until: DateTime | None = None,
    ) -> list[Commission]:
        return self._frozen_within(since, until, beneficiary)

    def between(self, since: DateTime, until: DateTime) -> list[Commission]:
        return self._frozen_within(since, until, None)

    def _frozen_within(
        self, since: DateTime | None, until: DateTime | None, beneficiary: Member | None
    ) -> list[Commission]:
        found = [
            c
            for c in self.rows.values()
            if (beneficiary is None or c.beneficiary == beneficiary)
            and (since is None or c.frozen_at >= since)
            and (until is None or c.frozen_at < until)
        ]
        return sorted(found, key=lambda c: (c.frozen_at, c.id))
