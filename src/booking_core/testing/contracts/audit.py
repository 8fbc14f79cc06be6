"""Contract cases of the audit log: append, read back, filters, newest-first keyset pages
(part of :class:`~booking_core.testing.contracts.StorageContract`).

The data make every field count: entries differ in actor, action, subject and instant,
several share an instant (only the id breaks the tie), instants carry microseconds and come
in several zones, and action names share prefixes that are not whole words.
"""

from __future__ import annotations

from typing import Any

import pendulum
import pytest

from booking_core.audit import AuditCursor, AuditEntry, AuditQuery
from booking_core.errors import DuplicateEntity, InvalidInput
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.staff import StaffRole

__all__ = ["AuditStorageContract"]

_T0 = pendulum.datetime(2026, 3, 2, 9, 0, 0, 250_000, tz="UTC")
_ZONES = ("UTC", "Asia/Shanghai", "America/New_York")


def _entry(
    n: int,
    action: str,
    *,
    minutes: int,
    actor: str = "ops_1",
    subject: tuple[str, str] = ("order", "ord_1"),
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEntry:
    return AuditEntry(
        id=f"aud_{n:03d}",
        at=_T0.add(minutes=minutes).in_timezone(_ZONES[n % 3]),
        actor_id=actor,
        staff=StaffRole.OPERATIONS if actor == "ops_1" else StaffRole.CUSTOMER_SERVICE,
        action=action,
        subject_kind=subject[0],
        subject_id=subject[1],
        before=before,
        after=after,
        reason=reason,
    )


def _entries() -> list[AuditEntry]:
    return [
        _entry(1, "catalog.service.create", minutes=0, subject=("service", "svc_1"),
               after={"name": "Tuina", "price": {"amount": 19900, "currency": "CNY"}}),
        _entry(2, "order.cancel", minutes=10, actor="cs_1",
               before={"state": "accepted"}, after={"state": "cancelled"}, reason="他生病了"),
        _entry(3, "order.change_time", minutes=10, actor="cs_1"),
        _entry(4, "orders_export.run", minutes=20, subject=("report", "rep_1")),
        _entry(5, "customer.set_tier", minutes=30, subject=("customer", "cus_1"),
               before={"tier": None}, after={"tier": "gold"}),
        _entry(6, "order", minutes=40, subject=("order", "ord_2")),
        _entry(7, "complaint.resolve", minutes=50, actor="cs_1",
               subject=("complaint", "cmp_1"), after={"decision": "full_refund"}),
        _entry(8, "order.cancel", minutes=60, subject=("order", "ord_2")),
    ]  # fmt: skip


class AuditStorageContract:
    """Mix into a ``Test*`` class that provides a ``uow_factory`` fixture over empty storage."""

    @pytest.fixture
    def audited(self, uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
        """Eight entries by two staff members about orders, a customer, a complaint …"""
        with uow_factory() as uow:
            for entry in _entries():
                uow.audit.append(entry)
            uow.commit()
        return uow_factory

    def _find_audit(self, uow_factory: UnitOfWorkFactory, **filters: Any) -> list[str]:
        with uow_factory() as uow:
            return [e.id for e in uow.audit.find(AuditQuery(**filters))]

    def test_audit_an_entry_reads_back_whole(self, audited: UnitOfWorkFactory) -> None:
        with audited() as uow:
            found = {e.id: e for e in uow.audit.find(AuditQuery())}

        assert found == {e.id: e for e in _entries()}
        cancel = found["aud_002"]
        assert (cancel.before, cancel.after, cancel.reason) == (
            {"state": "accepted"},
            {"state": "cancelled"},
            "他生病了",
        )
        assert cancel.at == _T0.add(minutes=10)
        assert (found["aud_003"].before, found["aud_003"].after) == (None, None)

    def test_audit_a_rolled_back_entry_is_not_kept(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.audit.append(_entry(1, "order.cancel", minutes=0))
            uow.rollback()

        assert self._find_audit(uow_factory) == []

    def test_audit_an_id_is_stored_once(self, audited: UnitOfWorkFactory) -> None:
        with audited() as uow, pytest.raises(DuplicateEntity):
            uow.audit.append(_entry(1, "order.reject", minutes=99))

        with audited() as uow:
            kept = [e for e in uow.audit.find(AuditQuery()) if e.id == "aud_001"]
        assert [e.action for e in kept] == ["catalog.service.create"]

    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            ({}, ["aud_008", "aud_007", "aud_006", "aud_005", "aud_004", "aud_003", "aud_002",
                  "aud_001"]),
            ({"actor_id": "cs_1"}, ["aud_007", "aud_003", "aud_002"]),
            # A family is whole words: "order" holds "order" and "order.*", not "orders_*".
            ({"action": "order"}, ["aud_008", "aud_006", "aud_003", "aud_002"]),
            ({"action": "order.cancel"}, ["aud_008", "aud_002"]),
            ({"action": "order.can"}, []),
            ({"action": "catalog"}, ["aud_001"]),
            ({"subject_kind": "order"}, ["aud_008", "aud_006", "aud_003", "aud_002"]),
            ({"subject_kind": "order", "subject_id": "ord_2"}, ["aud_008", "aud_006"]),
            ({"subject_id": "cus_1"}, ["aud_005"]),
            # Half-open: +10 (twice) and +20 are in, +30 is not.
            ({"since": _T0.add(minutes=10).in_timezone("Asia/Shanghai"),
              "until": _T0.add(minutes=30).in_timezone("America/New_York")},
             ["aud_004", "aud_003", "aud_002"]),
            ({"actor_id": "ops_1", "action": "order", "since": _T0.add(minutes=1)},
             ["aud_008", "aud_006"]),
            ({"limit": 2}, ["aud_008", "aud_007"]),
        ],
        ids=["all", "actor", "family", "action", "partial-word", "other-family", "kind",
             "subject", "subject-id", "period", "combined", "limit"],
    )  # fmt: skip
    def test_audit_find_keeps_what_every_filter_admits_newest_first(
        self, audited: UnitOfWorkFactory, filters: dict[str, Any], expected: list[str]
    ) -> None:
        assert self._find_audit(audited, **filters) == expected
        assert expected == [e.id for e in sorted(
            (e for e in _entries() if AuditQuery(**filters).admits(e)),
            key=AuditQuery.sort_key, reverse=True,
        )][: AuditQuery(**filters).limit]  # fmt: skip

    def test_audit_pages_follow_the_cursor_without_gaps_or_repeats_while_entries_arrive(
        self, audited: UnitOfWorkFactory
    ) -> None:
        # Between pages, entries are appended at both ends of the list.
        originals = self._find_audit(audited)
        seen: list[AuditEntry] = []
        after: AuditCursor | None = None
        extra = 100

        while True:
            with audited() as uow:
                page = uow.audit.find(AuditQuery(after=after, limit=3))
            if not page:
                break
            seen.extend(page)
            after = AuditCursor.after(page[-1])
            with audited() as uow:
                for minutes in (-500, 5000):
                    extra += 1
                    uow.audit.append(_entry(extra, "order.accept", minutes=minutes))
                uow.commit()

        ids = [e.id for e in seen]
        assert len(ids) == len(set(ids)), "an entry was shown twice"
        keys = [AuditQuery.sort_key(e) for e in seen]
        assert keys == sorted(keys, reverse=True)
        assert [i for i in ids if i in set(originals)] == originals

    def test_audit_a_cursor_between_tied_instants_continues_by_id(
        self, audited: UnitOfWorkFactory
    ) -> None:
        # aud_002 and aud_003 share their instant.
        tie = AuditCursor(_T0.add(minutes=10).in_timezone("Asia/Shanghai"), "aud_003")

        assert self._find_audit(audited, after=tie) == ["aud_002", "aud_001"]

    def test_audit_a_cursor_keeps_microseconds(self, audited: UnitOfWorkFactory) -> None:
        just_after = AuditCursor(_T0.add(microseconds=1), "aud_000")
        just_before = AuditCursor(_T0.subtract(microseconds=1), "aud_999")

        assert self._find_audit(audited, after=just_after) == ["aud_001"]
        assert self._find_audit(audited, after=just_before) == []

    @pytest.mark.parametrize("limit", [0, -1, 1001, True])
    def test_audit_an_unreasonable_limit_is_refused(self, limit: int) -> None:
        with pytest.raises(InvalidInput):
            AuditQuery(limit=limit)

    @pytest.mark.parametrize("family", ["", "Order", "order.", "order..cancel", "order cancel"])
    def test_audit_a_malformed_family_is_refused(self, family: str) -> None:
        with pytest.raises(InvalidInput):
            AuditQuery(action=family)
