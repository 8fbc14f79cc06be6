"""Referrals: invite codes, the graph (one binding per referee), distributors and commissions.

* ``referral_bindings`` has the referee as its primary key: a second binding of one referee
  inserts nothing (``referral_binding_exists``); a change is compare-and-set on ``version``.
  The cycle check runs under the graph lock (``LockKey.referral_graph()``, an advisory lock
  on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serializes writers anyway).
* :meth:`SqlAlchemyReferralRepository.upline` is one recursive query.
* ``commissions`` is unique on ``(order_id, line, beneficiary, level)``: a replayed capture's
  ``INSERT ... ON CONFLICT DO NOTHING`` inserts nothing — on PostgreSQL it waits for a
  concurrent insert of the same key to commit, then inserts nothing (INVARIANTS I22).
  Transitions are ``UPDATE ... WHERE id = :id AND version = :version``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final

import attrs
import pendulum
from pendulum import DateTime
from sqlalchemy import Integer, bindparam, literal, select, update
from sqlalchemy.exc import IntegrityError

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
)
from booking_core.serialization import make_converter
from booking_core_sqlalchemy.repositories._base import Repository, insert_or_nothing, rowcount
from booking_core_sqlalchemy.tables import (
    UtcDateTime,
    commissions,
    distributors,
    referral_bindings,
    referral_codes,
)

__all__ = ["SqlAlchemyCommissionRepository", "SqlAlchemyReferralRepository"]

_converter = make_converter()
_NO_LIMIT: Final = 1_000_000
_EARLIEST: Final = pendulum.datetime(1900, 1, 1)
_LATEST: Final = pendulum.datetime(9999, 1, 1)

_rc, _rb, _d, _c = referral_codes.c, referral_bindings.c, distributors.c, commissions.c

_INSERT_CODE: Final = insert_or_nothing(referral_codes)
_CODE: Final = select(referral_codes).where(_rc.code == bindparam("code"))
_CODE_OF: Final = select(referral_codes).where(_rc.owner == bindparam("owner"))

_INSERT_BINDING: Final = insert_or_nothing(referral_bindings, ["referee"])
_BINDING: Final = select(referral_bindings).where(_rb.referee == bindparam("referee"))
_SAVE_BINDING: Final = (
    update(referral_bindings)
    .where(_rb.referee == bindparam("by_referee"), _rb.version == bindparam("by_version"))
    .values(
        referrer=bindparam("new_referrer"),
        version=bindparam("new_version"),
        document=bindparam("new_document", type_=_rb.document.type),
    )
)
_REFEREES: Final = (
    select(referral_bindings)
    .where(_rb.referrer.in_(bindparam("referrers", expanding=True)))
    .order_by(_rb.referee)
)


def _upline_query() -> Any:
    # WITH RECURSIVE up(member, depth): the referrer of the member, then his referrer, …
    start = select(_rb.referrer.label("member"), literal(1, Integer).label("depth")).where(
        _rb.referee == bindparam("member")
    )
    up = start.cte("up", recursive=True)
    step = (
        select(_rb.referrer, (up.c.depth + 1).label("depth"))
        .join(up, _rb.referee == up.c.member)
        .where(up.c.depth < bindparam("depth"))
    )
    up = up.union_all(step)
    return select(up.c.member).order_by(up.c.depth)


_UPLINE: Final = _upline_query()

_INSERT_DISTRIBUTOR: Final = insert_or_nothing(distributors, ["member"])
_DISTRIBUTORS: Final = select(distributors).where(
    _d.member.in_(bindparam("members", expanding=True))
)
_ALL_DISTRIBUTORS: Final = select(distributors).order_by(_d.member)
_DISTRIBUTORS_OF: Final = _ALL_DISTRIBUTORS.where(_d.status == bindparam("status"))
_SAVE_DISTRIBUTOR: Final = (
    update(distributors)
    .where(_d.member == bindparam("by_member"), _d.version == bindparam("by_version"))
    .values(
        status=bindparam("new_status"),
        version=bindparam("new_version"),
        document=bindparam("new_document", type_=_d.document.type),
    )
)

_INSERT_COMMISSION: Final = insert_or_nothing(commissions)
_COMMISSION: Final = select(commissions.c.document).where(_c.id == bindparam("by_id"))
_FOR_ORDER: Final = select(commissions.c.document).where(_c.order_id == bindparam("order_id"))
_SAVE_COMMISSION: Final = (
    update(commissions)
    .where(_c.id == bindparam("by_id"), _c.version == bindparam("by_version"))
    .values(
        state=bindparam("new_state"),
        unfreeze_at=bindparam("new_unfreeze_at", type_=UtcDateTime()),
        version=bindparam("new_version"),
        document=bindparam("new_document", type_=_c.document.type),
    )
)
_SINCE = bindparam("since", type_=UtcDateTime())
_UNTIL = bindparam("until", type_=UtcDateTime())
_DUE: Final = (
    select(commissions.c.document)
    .where(_c.state == "frozen", _c.unfreeze_at <= bindparam("now", type_=UtcDateTime()))
    .order_by(_c.unfreeze_at, _c.id)
    .limit(bindparam("limit"))
)
_BETWEEN: Final = (
    select(commissions.c.document)
    .where(_c.frozen_at >= _SINCE, _c.frozen_at < _UNTIL)
    .order_by(_c.frozen_at, _c.id)
)
_OF_BENEFICIARY: Final = _BETWEEN.where(_c.beneficiary == bindparam("beneficiary"))


def _binding(document: Any) -> Binding:
    return _converter.structure(document, Binding)


def _distributor(row: Any) -> Distributor:
    found = _converter.structure(row.document, Distributor)
    found.version = row.version
    return found


class SqlAlchemyReferralRepository(Repository):
    """Codes in ``referral_codes``, bindings in ``referral_bindings``, distributors in
    ``distributors`` (see the module)."""

    entity = "referral_code"

    def add_code(self, code: ReferralCode) -> None:
        """Insert the code; its code or its owner taken: DuplicateEntity."""
        values = {"code": code.code, "owner": str(code.owner), "created_at": code.created_at}
        self._insert_new(_INSERT_CODE, values, code.code)

    def code(self, code: str) -> ReferralCode:
        """The code. Raises NotFound (``referral_code_not_found``)."""
        row = self._one(_CODE, {"code": code}, code)
        return ReferralCode(row.code, Member.parse(row.owner), row.created_at)

    def code_of(self, member: Member) -> ReferralCode | None:
        """The member's code (one ``SELECT`` on the unique owner)."""
        row = self._conn.execute(_CODE_OF, {"owner": str(member)}).first()
        return None if row is None else ReferralCode(row.code, member, row.created_at)

    def binding_of(self, referee: Member) -> Binding | None:
        """The referee's binding."""
        row = self._conn.execute(_BINDING, {"referee": str(referee)}).first()
        return None if row is None else attrs.evolve(_binding(row.document), version=row.version)

    def add_binding(self, binding: Binding) -> None:
        """Insert the referee's binding; bound already: DuplicateEntity."""
        stored = attrs.evolve(binding, version=0)
        values = {
            "referee": str(binding.referee),
            "referrer": str(binding.referrer),
            "version": 0,
            "document": _converter.unstructure(stored, Binding),
        }
        if not rowcount(self._conn.execute(_INSERT_BINDING.on(self._postgres), values)):
            raise DuplicateEntity("referral_binding", str(binding.referee))

    def save_binding(self, binding: Binding) -> Binding:
        """Compare-and-set on the version."""
        saved = attrs.evolve(binding, version=binding.version + 1)
        params = {
            "by_referee": str(binding.referee),
            "by_version": binding.version,
            "new_referrer": str(binding.referrer),
            "new_version": saved.version,
            "new_document": _converter.unstructure(saved, Binding),
        }
        if rowcount(self._conn.execute(_SAVE_BINDING, params)):
            return saved
        if self.binding_of(binding.referee) is None:
            raise NotFound("referral_binding", str(binding.referee))
        raise ConcurrentUpdate(
            f"The binding of {binding.referee} changed meanwhile; reload it.",
            details={"referee": str(binding.referee)},
        )

    def upline(self, member: Member, depth: int | None = None) -> list[Member]:
        """One recursive ``SELECT``."""
        limit = _NO_LIMIT if depth is None else depth
        if limit <= 0:
            return []
        found: list[Member] = []
        seen = {member}
        for row in self._conn.execute(_UPLINE, {"member": str(member), "depth": limit}):
            ancestor = Member.parse(row.member)
            if ancestor in seen:
                break
            seen.add(ancestor)
            found.append(ancestor)
        return found

    def referees_of(self, referrers: Collection[Member]) -> list[Binding]:
        """One ``SELECT`` over the referrer index."""
        wanted = [str(m) for m in dict.fromkeys(referrers)]
        if not wanted:
            return []
        rows = self._conn.execute(_REFEREES, {"referrers": wanted})
        return [attrs.evolve(_binding(row.document), version=row.version) for row in rows]

    def distributor(self, member: Member) -> Distributor:
        """The record, or a new one."""
        return self.distributors([member])[member]

    def distributors(self, members: Collection[Member]) -> dict[Member, Distributor]:
        """One ``SELECT`` (none when nobody is asked for)."""
        wanted = list(dict.fromkeys(members))
        if not wanted:
            return {}
        rows = self._conn.execute(_DISTRIBUTORS, {"members": [str(m) for m in wanted]})
        found = {Member.parse(row.member): _distributor(row) for row in rows}
        return {m: found.get(m) or Distributor(m) for m in wanted}

    def save_distributor(self, distributor: Distributor) -> None:
        """Insert (version 0) or compare-and-set on the version."""
        new_version = distributor.version + 1
        document = _converter.unstructure(attrs.evolve(distributor, version=new_version))
        key = str(distributor.member)
        if distributor.version == 0:
            values = {
                "member": key,
                "status": distributor.status.value,
                "version": new_version,
                "document": document,
            }
            done = rowcount(self._conn.execute(_INSERT_DISTRIBUTOR.on(self._postgres), values))
        else:
            params = {
                "by_member": key,
                "by_version": distributor.version,
                "new_status": distributor.status.value,
                "new_version": new_version,
                "new_document": document,
            }
            done = rowcount(self._conn.execute(_SAVE_DISTRIBUTOR, params))
        if not done:
            raise ConcurrentUpdate(
                f"The distributor record of {key} changed meanwhile; reload it.",
                details={"member": key},
            )
        distributor.version = new_version

    def list_distributors(self, status: DistributorStatus | None = None) -> list[Distributor]:
        """One ``SELECT``, by member."""
        if status is None:
            rows = self._conn.execute(_ALL_DISTRIBUTORS)
        else:
            rows = self._conn.execute(_DISTRIBUTORS_OF, {"status": status.value})
        return [_distributor(row) for row in rows]


def _commission(document: Any) -> Commission:
    return _converter.structure(document, Commission)


def _sort_key(c: Commission) -> tuple[int, str, int, Member]:
    return c.line, c.source.value, c.level, c.beneficiary


class SqlAlchemyCommissionRepository(Repository):
    """Commissions in ``commissions`` (see the module)."""

    entity = "commission"

    def add(self, commission: Commission) -> bool:
        """``INSERT ... ON CONFLICT DO NOTHING``: False when its key exists."""
        stored = attrs.evolve(commission, version=0)
        values = {
            "id": commission.id,
            "order_id": commission.order_id,
            "line": commission.line,
            "beneficiary": str(commission.beneficiary),
            "level": commission.level,
            "state": commission.state.value,
            "frozen_at": commission.frozen_at,
            "unfreeze_at": commission.unfreeze_at,
            "version": 0,
            "document": _converter.unstructure(stored, Commission),
        }
        try:
            result = self._conn.execute(_INSERT_COMMISSION.on(self._postgres), values)
        except IntegrityError as exc:  # pragma: no cover - ON CONFLICT covers every key
            raise DuplicateEntity("commission", commission.id) from exc
        return bool(rowcount(result))

    def get(self, commission_id: CommissionId) -> Commission:
        """The commission. Raises NotFound (``commission_not_found``)."""
        return _commission(self._one(_COMMISSION, {"by_id": commission_id}, commission_id).document)

    def for_order(self, order_id: OrderId) -> list[Commission]:
        """One ``SELECT`` over the unique key's prefix."""
        rows = self._conn.execute(_FOR_ORDER, {"order_id": order_id})
        return sorted((_commission(row.document) for row in rows), key=_sort_key)

    def save(self, commission: Commission) -> Commission:
        """Compare-and-set on the version."""
        saved = attrs.evolve(commission, version=commission.version + 1)
        params = {
            "by_id": commission.id,
            "by_version": commission.version,
            "new_state": saved.state.value,
            "new_unfreeze_at": saved.unfreeze_at,
            "new_version": saved.version,
            "new_document": _converter.unstructure(saved, Commission),
        }
        self._compare_and_set(_SAVE_COMMISSION, params, commission.id, self.get)
        return saved

    def due(self, now: DateTime, limit: int) -> list[Commission]:
        """One ``SELECT`` over the partial index of frozen commissions."""
        rows = self._conn.execute(_DUE, {"now": now, "limit": limit})
        return [_commission(row.document) for row in rows]

    def for_beneficiary(
        self,
        beneficiary: Member,
        *,
        since: DateTime | None = None,
        until: DateTime | None = None,
    ) -> list[Commission]:
        """One ``SELECT`` over (beneficiary, frozen_at)."""
        params = {
            "beneficiary": str(beneficiary),
            "since": since or _EARLIEST,
            "until": until or _LATEST,
        }
        return [_commission(row.document) for row in self._conn.execute(_OF_BENEFICIARY, params)]

    def between(self, since: DateTime, until: DateTime) -> list[Commission]:
        """One ``SELECT`` over ``frozen_at``."""
        rows = self._conn.execute(_BETWEEN, {"since": since, "until": until})
        return [_commission(row.document) for row in rows]
