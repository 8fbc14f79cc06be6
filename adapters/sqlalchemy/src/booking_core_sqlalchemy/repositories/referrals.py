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
* The settle job's batch (:meth:`SqlAlchemyCommissionRepository.settle_due`) is one
  statement on PostgreSQL: the due rows locked ``FOR UPDATE SKIP LOCKED``, updated (row and
  document) and their ``settled`` entries inserted with their postings.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any, Final

import attrs
import pendulum
from pendulum import DateTime
from sqlalchemy import Integer, bindparam, literal, select, text, update
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
    settled_entry,
)
from booking_core.serialization import make_converter
from booking_core_sqlalchemy.repositories._base import Repository, insert_or_nothing, rowcount
from booking_core_sqlalchemy.repositories.ledger import SqlAlchemyLedgerRepository
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
# The settle job's batch on PostgreSQL: one compare-and-set UPDATE of every row, joined to
# the new values passed as one JSON document (one statement whatever the batch's size).
_SAVE_MANY_PG: Final = text(
    "UPDATE commissions AS c SET state = v.state, unfreeze_at = v.unfreeze_at, "
    "version = v.version + 1, document = v.document "
    "FROM jsonb_to_recordset(CAST(:batch AS jsonb)) AS v(id text, version integer, "
    "state text, unfreeze_at timestamptz, document jsonb) "
    'WHERE c.id = v.id COLLATE "C" AND c.version = v.version RETURNING c.id'
)
_STORED_IDS: Final = select(_c.id).where(_c.id.in_(bindparam("ids", expanding=True)))
# The settle job on PostgreSQL, in one statement: lock the due batch (skipping rows another
# unit of work holds), move each to settled exactly as the converter writes
# ``Commission.settled(at)`` (state, settled_at as ``at.isoformat()``, version + 1), and
# append each one's ``settled_entry`` as ``record_many`` writes it (head ON CONFLICT DO
# NOTHING, then its two postings: Dr commission_frozen, Cr commission_payable, the amount
# less what was cancelled), the heads in due order so ``position`` keeps the order the
# Python path records in. It answers how many moved and those whose head was there already.
_SETTLE_DUE_PG: Final = text(
    "WITH due AS ("
    " SELECT id FROM commissions WHERE state = 'frozen' AND unfreeze_at <= :at"
    " ORDER BY unfreeze_at, id LIMIT :limit FOR UPDATE SKIP LOCKED"
    "), moved AS ("
    " UPDATE commissions AS c SET state = 'settled', version = c.version + 1,"
    " document = c.document || jsonb_build_object('state', 'settled',"
    " 'settled_at', CAST(:settled_at AS text), 'version', c.version + 1)"
    " FROM due WHERE c.id = due.id"
    " RETURNING c.id, c.beneficiary, c.unfreeze_at,"
    " CAST(c.document #>> '{amount,amount}' AS bigint)"
    " - CAST(c.document #>> '{cancelled,amount}' AS bigint) AS remaining,"
    " c.document #>> '{amount,currency}' AS currency"
    "), heads AS ("
    " INSERT INTO ledger_transactions (id, kind, at, memo)"
    " SELECT m.id || '\\:settled', 'commission_settled', :at, '' FROM moved AS m"
    " ORDER BY m.unfreeze_at, m.id"
    " ON CONFLICT DO NOTHING RETURNING id"
    "), lines AS ("
    " INSERT INTO ledger_postings"
    " (transaction_id, line, account_kind, account_owner, amount, currency)"
    " SELECT h.id, p.line, p.kind, m.beneficiary, p.sign * m.remaining, m.currency"
    " FROM moved AS m JOIN heads AS h ON h.id = m.id || '\\:settled'"
    " CROSS JOIN (VALUES (0, 'commission_frozen', 1), (1, 'commission_payable', -1))"
    " AS p(line, kind, sign)"
    " RETURNING 1"
    ") SELECT (SELECT count(*) FROM moved) AS settled,"
    " ARRAY(SELECT m.id FROM moved AS m WHERE NOT EXISTS"
    " (SELECT 1 FROM heads AS h WHERE h.id = m.id || '\\:settled') ORDER BY m.id) AS unposted"
).bindparams(bindparam("at", type_=UtcDateTime()))
_SINCE = bindparam("since", type_=UtcDateTime())
_UNTIL = bindparam("until", type_=UtcDateTime())
_DUE: Final = (
    select(commissions.c.document)
    .where(_c.state == "frozen", _c.unfreeze_at <= bindparam("now", type_=UtcDateTime()))
    .order_by(_c.unfreeze_at, _c.id)
    .limit(bindparam("limit"))
    .with_for_update()  # PostgreSQL: locked in this order (SQLite: nothing; writers queue)
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

    def save_many(self, commissions: Sequence[Commission]) -> list[Commission]:
        """Compare-and-set on each version: on PostgreSQL one ``UPDATE ... FROM
        jsonb_to_recordset(:batch) ... RETURNING id``; on SQLite (in-process, writers
        serialized) one ``UPDATE`` per commission. Then, only if some were not saved, one
        ``SELECT`` to tell a missing one (NotFound) from a changed one (left out)."""
        saved = [attrs.evolve(c, version=c.version + 1) for c in commissions]
        if not saved:
            return []
        documents = [_converter.unstructure(c, Commission) for c in saved]
        if self._postgres:
            batch = [
                {"id": c.id, "version": c.version - 1, "state": c.state.value,
                 "unfreeze_at": None if c.unfreeze_at is None else c.unfreeze_at.isoformat(),
                 "document": document}
                for c, document in zip(saved, documents, strict=True)
            ]  # fmt: skip
            params: dict[str, Any] = {"batch": json.dumps(batch)}
            moved = set(self._conn.execute(_SAVE_MANY_PG, params).scalars())
        else:
            moved = set()
            for c, document in zip(saved, documents, strict=True):
                params = {
                    "by_id": c.id,
                    "by_version": c.version - 1,
                    "new_state": c.state.value,
                    "new_unfreeze_at": c.unfreeze_at,
                    "new_version": c.version,
                    "new_document": document,
                }
                if rowcount(self._conn.execute(_SAVE_COMMISSION, params)):
                    moved.add(c.id)
        if len(moved) < len(saved):
            left = [c.id for c in saved if c.id not in moved]
            known = set(self._conn.execute(_STORED_IDS, {"ids": left}).scalars())
            for commission_id in left:
                if commission_id not in known:
                    raise NotFound(self.entity, commission_id)
        return [c for c in saved if c.id in moved]

    def due(self, now: DateTime, limit: int) -> list[Commission]:
        """One ``SELECT ... FOR UPDATE`` over the partial index of frozen commissions."""
        rows = self._conn.execute(_DUE, {"now": now, "limit": limit})
        return [_commission(row.document) for row in rows]

    def settle_due(self, at: DateTime, limit: int) -> int:
        """On PostgreSQL one statement (see ``_SETTLE_DUE_PG``): the rows are settled where
        they are stored, no commission is loaded into Python; only an id whose ``settled``
        entry was there already is checked as ``record`` would (a replay, or
        IdempotencyConflict). On SQLite (in-process, writers serialized) the domain path:
        :meth:`due`, ``Commission.settled``, :meth:`save_many`, ``record_many``."""
        ledger = SqlAlchemyLedgerRepository(self._source, postgres=self._postgres)
        if not self._postgres:
            saved = self.save_many([c.settled(at) for c in self.due(at, limit)])
            ledger.record_many([settled_entry(c) for c in saved])
            return len(saved)
        params = {"at": at, "limit": limit, "settled_at": at.isoformat()}
        row = self._conn.execute(_SETTLE_DUE_PG, params).one()
        for commission_id in row.unposted:
            ledger.record(settled_entry(self.get(commission_id)))
        return int(row.settled)

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
