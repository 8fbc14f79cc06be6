"""The money storage contract: coupon templates, coupons, campaigns and the journal.

Mix :class:`MoneyStorageContract` into a ``Test*`` class that provides a ``uow_factory``
fixture over empty storage. Besides round trips and error codes it proves, with
``money_workers`` threads released together, the guarantees of INVARIANTS I16 (stock,
per-customer limit, single use, a coupon returned once) and that the journal records an
entry once per id and one entry per order history (I13, I15); and that an order has at
most one open payment attempt and its lock makes the next locker wait (issue 8).
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import attrs
import pendulum
import pytest

from booking_core.errors import (
    CampaignBudgetExceeded,
    ConcurrentUpdate,
    CouponLimitReached,
    CouponOutOfStock,
    DuplicateEntity,
    IdempotencyConflict,
    InvalidLedgerEntry,
    InvalidPromotion,
    NotFound,
    TransactionAlreadyReversed,
)
from booking_core.ids import BookingId, CustomerId, OrderId, ServiceId, StoreId, TechnicianId
from booking_core.ledger import (
    Account,
    OrderParties,
    SettlementLine,
    SplitRates,
    Transaction,
    TransactionId,
    order_completed,
    payment_captured,
    refund_issued,
)
from booking_core.money import Money
from booking_core.orders.order import Order
from booking_core.orders.payments import (
    MoneyMovement,
    MovementKind,
    PaymentAttempt,
    PaymentPurpose,
    PaymentStatus,
    payment_key,
)
from booking_core.orders.statements import Difference, DifferenceKind, EntryKind, StatementCheck
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.promotions import (
    Campaign,
    CampaignId,
    CampaignOffer,
    Coupon,
    CouponBenefit,
    CouponId,
    CouponStatus,
    CouponTemplate,
    CouponTemplateId,
    CouponTerms,
    IssueChannel,
    Scope,
    Validity,
)
from booking_core.testing.contracts.orders import race
from booking_core.timerange import TimeRange

__all__ = ["MoneyStorageContract"]

AT = pendulum.datetime(2026, 3, 2, 9, 0, tz="Asia/Shanghai")
TEMPLATE = CouponTemplateId("tpl_1")
ALICE = CustomerId("cus_alice")
ORDER = OrderId("ord_1")
TECH = TechnicianId("tec_1")
RATES = SplitRates(Decimal("0.6"), Decimal("0.1"))


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


def template(
    *, stock: int | None = None, per_customer_limit: int | None = 1, template_id: str = TEMPLATE
) -> CouponTemplate:
    """满200减30, valid 30 days after issue, claimable and issued by admins."""
    return CouponTemplate(
        id=CouponTemplateId(template_id),
        name="满200减30",
        terms=CouponTerms(CouponBenefit.threshold(min_spend=cny(20000), amount=cny(3000))),
        validity=Validity.days_after_issue(30),
        stock=stock,
        per_customer_limit=per_customer_limit,
        channels=frozenset({IssueChannel.CLAIM, IssueChannel.ADMIN}),
    )


def campaign(*, budget: int | None = 1000, campaign_id: str = "cmp_1") -> Campaign:
    """20 % off everything for a week."""
    return Campaign(
        id=CampaignId(campaign_id),
        name="周末8折",
        offer=CampaignOffer.percent_off(Decimal("0.2")),
        starts_at=AT,
        ends_at=AT.add(days=7),
        scope=Scope.everything(),
        budget=None if budget is None else cny(budget),
    )


def captured(amount: int = 8000, *, order_id: OrderId = ORDER, n: int = 1) -> Transaction:
    """The payment of ``order_id`` was captured."""
    return payment_captured(
        transaction_id=TransactionId(f"pay_{order_id}_{n}"),
        order_id=order_id,
        amount=cny(amount),
        at=AT,
    )


class MoneyStorageContract:
    """Mix into a ``Test*`` class that provides a ``uow_factory`` fixture over empty storage."""

    money_workers = 20

    @pytest.fixture
    def with_template(self, uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
        with uow_factory() as uow:
            uow.coupon_templates.add(template())
            uow.commit()
        return uow_factory

    def _issue(
        self,
        uow_factory: UnitOfWorkFactory,
        coupon_id: str,
        customer_id: CustomerId = ALICE,
        *,
        channel: IssueChannel = IssueChannel.CLAIM,
        template_id: CouponTemplateId = TEMPLATE,
    ) -> Coupon:
        with uow_factory() as uow:
            coupon = uow.coupon_templates.issue(
                template_id,
                coupon_id=CouponId(coupon_id),
                customer_id=customer_id,
                channel=channel,
                at=AT,
            )
            uow.commit()
        return coupon

    @staticmethod
    def _step(uow_factory: UnitOfWorkFactory, coupon_id: str, action: str, order: str) -> None:
        with uow_factory() as uow:
            before = uow.coupons.get(CouponId(coupon_id))
            after = getattr(before, action)(OrderId(order), AT.add(minutes=5))
            uow.coupons.replace(before, after)
            uow.commit()

    # -- money movements and statement checks -------------------------------------------

    def test_movements_are_found_by_time_and_by_key(self, uow_factory: UnitOfWorkFactory) -> None:
        early = MoneyMovement("ord_1:ful:1:captured", ORDER, MovementKind.CAPTURED, cny(19900),
                              AT, "api", "wechatpay")  # fmt: skip
        late = MoneyMovement("ord_1:rf:1:refunded", ORDER, MovementKind.REFUNDED, cny(5000),
                             AT.add(hours=2), "webhook", "wechatpay")  # fmt: skip
        other = MoneyMovement("ord_2:ful:1:captured", OrderId("ord_2"), MovementKind.CAPTURED,
                              cny(100), AT.add(hours=1), "api")  # fmt: skip
        with uow_factory() as uow:
            for movement in (late, other, early):
                uow.movements.append(movement)
            uow.commit()

        with uow_factory() as uow:
            assert uow.movements.between(AT, AT.add(hours=2)) == [early, other]
            assert uow.movements.between(AT.add(minutes=1), AT.add(hours=3)) == [other, late]
            assert uow.movements.find([late.key, "nope", early.key, late.key]) == [early, late]
            assert uow.movements.find([]) == []

    def test_statement_checks_round_trip_and_a_recheck_replaces_the_day(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        monday, tuesday = AT.date(), AT.date().add(days=1)
        found = (
            Difference(DifferenceKind.AMOUNT_MISMATCH, EntryKind.REFUND, "ord_1:rf:1",
                       cny(5000), cny(10000), ORDER, "tx_1"),
            Difference(DifferenceKind.MISSING_OURS, EntryKind.PAYMENT, "ord_9:ful:1", None,
                       cny(100)),
        )  # fmt: skip
        first = StatementCheck("wechatpay", monday, AT, 3, found)
        again = StatementCheck("wechatpay", monday, AT.add(hours=1), 2)
        alipay = StatementCheck("alipay", monday, AT, 0)
        later = StatementCheck("wechatpay", tuesday, AT.add(days=1), 1)
        with uow_factory() as uow:
            uow.statements.save(first)
            uow.commit()
        with uow_factory() as uow:
            stored = uow.statements.get("wechatpay", monday)
            for check in (again, alipay, later):
                uow.statements.save(check)
            uow.commit()

        with uow_factory() as uow:
            assert stored == first
            assert uow.statements.get("wechatpay", monday) == again
            assert uow.statements.get("wechatpay", tuesday.add(days=1)) is None
            assert uow.statements.recent() == [later, alipay, again]
            assert uow.statements.recent(provider="wechatpay", after=(tuesday, "wechatpay")) == [
                again
            ]
            assert uow.statements.recent(after=(monday, "alipay")) == [again]
            assert uow.statements.recent(limit=1) == [later]

    # -- coupon templates and issuing ----------------------------------------------------

    def test_templates_round_trip_and_are_listed_by_id(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        second = template(template_id="tpl_0", stock=5)
        with uow_factory() as uow:
            uow.coupon_templates.add(template())
            uow.coupon_templates.add(second)
            uow.commit()

        with uow_factory() as uow:
            assert uow.coupon_templates.get(TEMPLATE) == template()
            assert uow.coupon_templates.list() == [second, template()]
            assert uow.coupon_templates.issued_count(TEMPLATE) == 0

    def test_template_ids_are_unique_and_missing_ones_not_found(
        self, with_template: UnitOfWorkFactory
    ) -> None:
        with with_template() as uow:
            with pytest.raises(DuplicateEntity) as duplicate:
                uow.coupon_templates.add(template())
            with pytest.raises(NotFound) as missing:
                uow.coupon_templates.get(CouponTemplateId("nope"))
            with pytest.raises(NotFound):
                uow.coupon_templates.save(template(template_id="nope"))

        assert duplicate.value.error_code == "coupon_template_exists"
        assert missing.value.error_code == "coupon_template_not_found"

    def test_saving_a_template_keeps_what_was_issued(
        self, with_template: UnitOfWorkFactory
    ) -> None:
        self._issue(with_template, "cpn_1")
        stopped = attrs.evolve(template(), active=False)

        with with_template() as uow:
            uow.coupon_templates.save(stopped)
            uow.commit()

        with with_template() as uow:
            assert uow.coupon_templates.get(TEMPLATE) == stopped
            assert uow.coupon_templates.issued_count(TEMPLATE) == 1

    def test_an_issued_coupon_is_stored_and_counted(self, with_template: UnitOfWorkFactory) -> None:
        coupon = self._issue(with_template, "cpn_1")

        with with_template() as uow:
            stored = uow.coupons.get(CouponId("cpn_1"))
            mine = uow.coupons.list_for_customer(ALICE)
            count = uow.coupon_templates.issued_count(TEMPLATE)

        assert stored == coupon
        assert (stored.status, stored.valid_until) == (CouponStatus.AVAILABLE, AT.add(days=30))
        assert mine == [coupon]
        assert count == 1

    def test_stock_and_per_customer_limit_are_enforced(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            uow.coupon_templates.add(template(stock=2, per_customer_limit=1))
            uow.commit()
        self._issue(uow_factory, "cpn_1", ALICE)

        with pytest.raises(CouponLimitReached):
            self._issue(uow_factory, "cpn_2", ALICE)
        admin = self._issue(uow_factory, "cpn_3", ALICE, channel=IssueChannel.ADMIN)
        with pytest.raises(CouponOutOfStock):
            self._issue(uow_factory, "cpn_4", CustomerId("cus_bob"))

        assert admin.channel is IssueChannel.ADMIN
        with uow_factory() as uow:
            assert uow.coupon_templates.issued_count(TEMPLATE) == 2
            assert [c.id for c in uow.coupons.list_for_customer(ALICE)] == ["cpn_1", "cpn_3"]

    def test_a_taken_coupon_id_is_refused_and_nothing_is_issued(
        self, with_template: UnitOfWorkFactory
    ) -> None:
        self._issue(with_template, "cpn_1", ALICE)

        with pytest.raises(DuplicateEntity) as raised:
            self._issue(with_template, "cpn_1", CustomerId("cus_bob"))

        assert raised.value.error_code == "coupon_exists"
        with with_template() as uow:
            assert uow.coupon_templates.issued_count(TEMPLATE) == 1
            assert uow.coupons.list_for_customer(CustomerId("cus_bob")) == []

    def test_issuing_from_a_missing_template_is_not_found(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with pytest.raises(NotFound) as raised:
            self._issue(uow_factory, "cpn_1")

        assert raised.value.error_code == "coupon_template_not_found"

    # -- coupons: compare-and-set lifecycle ----------------------------------------------

    def test_coupon_steps_are_stored_and_found_by_order(
        self, with_template: UnitOfWorkFactory
    ) -> None:
        self._issue(with_template, "cpn_1")

        self._step(with_template, "cpn_1", "reserve", "ord_1")
        with with_template() as uow:
            reserved = uow.coupons.for_order(OrderId("ord_1"))
        self._step(with_template, "cpn_1", "consume", "ord_1")
        self._step(with_template, "cpn_1", "release", "ord_1")

        assert [(c.id, c.status) for c in reserved] == [("cpn_1", CouponStatus.RESERVED)]
        with with_template() as uow:
            returned = uow.coupons.get(CouponId("cpn_1"))
            assert uow.coupons.for_order(OrderId("ord_1")) == []
        assert (returned.status, returned.order_id) == (CouponStatus.AVAILABLE, None)
        assert returned.changed_at == AT.add(minutes=5)

    def test_replacing_a_stale_coupon_is_a_concurrent_update(
        self, with_template: UnitOfWorkFactory
    ) -> None:
        self._issue(with_template, "cpn_1")
        with with_template() as uow:
            stale = uow.coupons.get(CouponId("cpn_1"))
        self._step(with_template, "cpn_1", "reserve", "ord_1")

        with with_template() as uow, pytest.raises(ConcurrentUpdate):
            uow.coupons.replace(stale, stale.reserve(OrderId("ord_2"), AT))

        with with_template() as uow:
            assert uow.coupons.get(CouponId("cpn_1")).order_id == "ord_1"
            with pytest.raises(NotFound) as missing:
                uow.coupons.get(CouponId("nope"))
        assert missing.value.error_code == "coupon_not_found"

    # -- campaigns and budgets -----------------------------------------------------------

    def test_campaigns_round_trip_and_spend_their_budget(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        later = attrs.evolve(campaign(campaign_id="cmp_0"), starts_at=AT.add(days=1))
        with uow_factory() as uow:
            uow.campaigns.add(campaign())
            uow.campaigns.add(later)
            uow.commit()

        with uow_factory() as uow:
            spent = uow.campaigns.spend(CampaignId("cmp_1"), cny(700))
            back = uow.campaigns.give_back(CampaignId("cmp_1"), cny(200))
            uow.commit()

        assert spent.remaining == cny(300)
        assert back.spent == cny(500)
        with uow_factory() as uow:
            assert uow.campaigns.get(CampaignId("cmp_1")) == back
            assert [c.id for c in uow.campaigns.list()] == ["cmp_1", "cmp_0"]
            with pytest.raises(CampaignBudgetExceeded):
                uow.campaigns.spend(CampaignId("cmp_1"), cny(501))
            with pytest.raises(InvalidPromotion):
                uow.campaigns.give_back(CampaignId("cmp_1"), cny(501))
            with pytest.raises(DuplicateEntity) as duplicate:
                uow.campaigns.add(campaign())
            with pytest.raises(NotFound) as missing:
                uow.campaigns.spend(CampaignId("nope"), cny(1))
        assert duplicate.value.error_code == "campaign_exists"
        assert missing.value.error_code == "campaign_not_found"

    def test_saving_a_campaign_keeps_what_it_spent(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.campaigns.add(campaign(budget=1000))
            uow.campaigns.spend(CampaignId("cmp_1"), cny(600))
            uow.commit()

        with uow_factory() as uow:
            uow.campaigns.save(campaign(budget=2000))
            with pytest.raises(CampaignBudgetExceeded):
                uow.campaigns.save(campaign(budget=500))
            uow.commit()

        with uow_factory() as uow:
            stored = uow.campaigns.get(CampaignId("cmp_1"))
        assert (stored.budget, stored.spent) == (cny(2000), cny(600))

    # -- the journal ---------------------------------------------------------------------

    def test_transactions_round_trip_in_recording_order(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        pay = captured(8000)
        history = [pay]
        done = order_completed(
            transaction_id=TransactionId("done_1"),
            order_id=ORDER,
            parties=OrderParties(TECH, StoreId("sto_1")),
            lines=[SettlementLine(cny(8000), cny(2000), RATES)],
            at=AT.add(hours=3),
            history=history,
        )
        other = captured(500, order_id=OrderId("ord_2"))

        with uow_factory() as uow:
            assert uow.ledger.record(pay, after=0) is True
            assert uow.ledger.record(other) is True
            assert uow.ledger.record(done, after=1) is True
            uow.commit()

        with uow_factory() as uow:
            assert uow.ledger.for_order(ORDER) == [pay, done]
            assert uow.ledger.get(TransactionId("done_1")) == done
            assert [p.account for p in uow.ledger.get(done.id).postings] == [
                p.account for p in done.postings
            ]
            with pytest.raises(NotFound) as missing:
                uow.ledger.get(TransactionId("nope"))
        assert missing.value.error_code == "transaction_not_found"

    def test_balances_are_sums_over_postings(self, uow_factory: UnitOfWorkFactory) -> None:
        pay = captured(8000)
        done = order_completed(
            transaction_id=TransactionId("done_1"),
            order_id=ORDER,
            parties=OrderParties(TECH, StoreId("sto_1")),
            lines=[SettlementLine(cny(8000), cny(2000), RATES)],
            at=AT,
            history=[pay],
        )
        refund = refund_issued(
            transaction_id=TransactionId("refund_1"),
            order_id=ORDER,
            amount=cny(4000),
            at=AT,
            history=[pay, done],
        )
        yen = payment_captured(
            transaction_id=TransactionId("pay_jpy"),
            order_id=OrderId("ord_jp"),
            amount=Money(300, "JPY"),
            at=AT,
        )
        with uow_factory() as uow:
            for entry in (pay, done, refund, yen):
                uow.ledger.record(entry)
            uow.commit()

        with uow_factory() as uow:
            cny_balances = uow.ledger.balances("CNY")
            everything = uow.ledger.balances()

        assert cny_balances == {
            (Account.payments_clearing(), "CNY"): cny(4000),
            (Account.technician_payable(TECH), "CNY"): cny(-3000),
            (Account.store_payable(StoreId("sto_1")), "CNY"): cny(-500),
            (Account.platform_revenue(), "CNY"): cny(-1500),
            (Account.promotion_expense(), "CNY"): cny(1000),
        }
        assert sum(m.amount for m in cny_balances.values()) == 0
        assert everything == {
            **cny_balances,
            (Account.payments_clearing(), "JPY"): Money(300, "JPY"),
            (Account.customer_funds(), "JPY"): Money(-300, "JPY"),
        }

    def test_recording_is_idempotent_by_id(self, uow_factory: UnitOfWorkFactory) -> None:
        pay = captured(8000)
        with uow_factory() as uow:
            uow.ledger.record(pay)
            uow.commit()

        with uow_factory() as uow:
            again = uow.ledger.record(pay, after=0)
            with pytest.raises(IdempotencyConflict):
                uow.ledger.record(
                    payment_captured(transaction_id=pay.id, order_id=ORDER, amount=cny(1), at=AT)
                )
            uow.commit()

        assert again is False
        with uow_factory() as uow:
            assert uow.ledger.for_order(ORDER) == [pay]

    def test_an_entry_built_from_a_stale_history_is_refused(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        pay = captured(8000)
        with uow_factory() as uow:
            uow.ledger.record(pay)
            uow.ledger.record(refund_issued(
                transaction_id=TransactionId("refund_1"), order_id=ORDER, amount=cny(8000),
                at=AT, history=[pay],
            ))  # fmt: skip
            uow.commit()
        stale = refund_issued(
            transaction_id=TransactionId("refund_2"),
            order_id=ORDER,
            amount=cny(8000),
            at=AT,
            history=[pay],
        )

        with uow_factory() as uow, pytest.raises(ConcurrentUpdate):
            uow.ledger.record(stale, after=1)

        with uow_factory() as uow:
            assert [t.id for t in uow.ledger.for_order(ORDER)] == ["pay_ord_1_1", "refund_1"]

    def test_a_transaction_is_reversed_once_by_a_mirror_entry(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        pay = captured(8000)
        undo = pay.reversal(transaction_id=TransactionId("undo_1"), at=AT)
        with uow_factory() as uow:
            uow.ledger.record(pay)
            with pytest.raises(InvalidLedgerEntry):
                uow.ledger.record(captured(1).reversal(transaction_id=TransactionId("x"), at=AT))
            uow.ledger.record(undo)
            with pytest.raises(TransactionAlreadyReversed):
                uow.ledger.record(pay.reversal(transaction_id=TransactionId("undo_2"), at=AT))
            uow.commit()

        with uow_factory() as uow:
            assert uow.ledger.for_order(ORDER) == [pay, undo]
            assert uow.ledger.balances() == {}

    def test_uncommitted_entries_are_discarded(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.ledger.record(captured(8000))
            uow.coupon_templates.add(template())

        with uow_factory() as uow:
            assert uow.ledger.for_order(ORDER) == []
            assert uow.coupon_templates.list() == []

    # -- I16 under concurrency -----------------------------------------------------------

    def test_concurrent_claims_never_exceed_the_stock(self, uow_factory: UnitOfWorkFactory) -> None:
        stock = self.money_workers // 4
        with uow_factory() as uow:
            uow.coupon_templates.add(template(stock=stock))
            uow.commit()

        results = race(
            self.money_workers,
            lambda n: self._issue(uow_factory, f"cpn_{n}", CustomerId(f"cus_{n}")),
        )

        assert sorted(results) == sorted(
            ["ok"] * stock + ["coupon_out_of_stock"] * (self.money_workers - stock)
        ), results
        with uow_factory() as uow:
            assert uow.coupon_templates.issued_count(TEMPLATE) == stock
            holders = [
                n
                for n in range(self.money_workers)
                if uow.coupons.list_for_customer(CustomerId(f"cus_{n}"))
            ]
        assert len(holders) == stock

    def test_concurrent_claims_by_one_customer_hold_the_per_customer_limit(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            uow.coupon_templates.add(template(per_customer_limit=2))
            uow.commit()

        results = race(self.money_workers, lambda n: self._issue(uow_factory, f"cpn_{n}", ALICE))

        assert sorted(results) == sorted(
            ["ok"] * 2 + ["coupon_limit_reached"] * (self.money_workers - 2)
        ), results
        with uow_factory() as uow:
            assert len(uow.coupons.list_for_customer(ALICE)) == 2
            assert uow.coupon_templates.issued_count(TEMPLATE) == 2

    def test_concurrent_checkouts_reserve_one_coupon_once(
        self, with_template: UnitOfWorkFactory
    ) -> None:
        self._issue(with_template, "cpn_1")

        results = race(
            self.money_workers,
            lambda n: self._step(with_template, "cpn_1", "reserve", f"ord_{n}"),
        )

        assert results.count("ok") == 1, results
        assert set(results) - {"ok"} <= {"concurrent_update", "coupon_unavailable"}, results
        with with_template() as uow:
            coupon = uow.coupons.get(CouponId("cpn_1"))
            holders = [
                n for n in range(self.money_workers) if uow.coupons.for_order(OrderId(f"ord_{n}"))
            ]
        assert coupon.status is CouponStatus.RESERVED
        assert holders == [int(str(coupon.order_id).removeprefix("ord_"))]

    def test_concurrent_payments_consume_a_reserved_coupon_once(
        self, with_template: UnitOfWorkFactory
    ) -> None:
        self._issue(with_template, "cpn_1")
        self._step(with_template, "cpn_1", "reserve", "ord_1")

        results = race(
            self.money_workers, lambda n: self._step(with_template, "cpn_1", "consume", "ord_1")
        )

        assert results.count("ok") == 1, results
        assert set(results) - {"ok"} <= {"concurrent_update", "coupon_unavailable"}, results
        with with_template() as uow:
            assert uow.coupons.get(CouponId("cpn_1")).status is CouponStatus.USED

    def test_a_cancelled_order_returns_its_coupon_once(
        self, with_template: UnitOfWorkFactory
    ) -> None:
        self._issue(with_template, "cpn_1")
        self._step(with_template, "cpn_1", "reserve", "ord_1")
        self._step(with_template, "cpn_1", "consume", "ord_1")

        results = race(
            self.money_workers, lambda n: self._step(with_template, "cpn_1", "release", "ord_1")
        )

        assert results.count("ok") == 1, results
        assert set(results) - {"ok"} <= {"concurrent_update", "coupon_unavailable"}, results
        with with_template() as uow:
            coupon = uow.coupons.get(CouponId("cpn_1"))
        assert (coupon.status, coupon.order_id) == (CouponStatus.AVAILABLE, None)

    def test_concurrent_spends_never_overspend_a_budget(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            uow.campaigns.add(campaign(budget=100 * (self.money_workers // 2)))
            uow.commit()

        def spend(n: int) -> None:
            with uow_factory() as uow:
                uow.campaigns.spend(CampaignId("cmp_1"), cny(100))
                uow.commit()

        results = race(self.money_workers, spend)

        half = self.money_workers // 2
        assert sorted(results) == sorted(
            ["ok"] * half + ["campaign_budget_exceeded"] * (self.money_workers - half)
        ), results
        with uow_factory() as uow:
            assert uow.campaigns.get(CampaignId("cmp_1")).remaining == cny(0)

    def test_concurrent_replays_record_a_transaction_once(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        pay = captured(8000)
        stored: list[bool] = []

        def record(n: int) -> None:
            with uow_factory() as uow:
                stored.append(uow.ledger.record(pay))
                uow.commit()

        results = race(self.money_workers, record)

        assert set(results) == {"ok"}, results
        assert sorted(stored) == [False] * (self.money_workers - 1) + [True]
        with uow_factory() as uow:
            assert uow.ledger.for_order(ORDER) == [pay]

    def test_concurrent_refunds_from_one_history_record_one(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        pay = captured(8000)
        with uow_factory() as uow:
            uow.ledger.record(pay)
            uow.commit()

        def refund(n: int) -> None:
            entry = refund_issued(
                transaction_id=TransactionId(f"refund_{n}"),
                order_id=ORDER,
                amount=cny(8000),
                at=AT,
                history=[pay],
            )
            with uow_factory() as uow:
                uow.ledger.record(entry, after=1)
                uow.commit()

        results = race(self.money_workers, refund)

        assert sorted(results) == sorted(
            ["ok"] + ["concurrent_update"] * (self.money_workers - 1)
        ), results
        with uow_factory() as uow:
            assert len(uow.ledger.for_order(ORDER)) == 2
            assert uow.ledger.balances() == {}

    # -- payment attempts and the order lock (issue 8: at most one capture per amount due) --

    def test_an_order_has_at_most_one_open_payment_attempt(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            uow.payments.add(attempt(1, PaymentStatus.UNKNOWN))
            uow.payments.add(attempt(1, PaymentStatus.UNKNOWN, order_id=OrderId("ord_2")))
            uow.commit()

        with uow_factory() as uow, pytest.raises(ConcurrentUpdate) as refused:
            uow.payments.add(attempt(2, PaymentStatus.REQUIRES_ACTION))
        with uow_factory() as uow:
            uow.payments.save(attrs.evolve(attempt(1), status=PaymentStatus.DECLINED))
            uow.payments.add(attempt(2, PaymentStatus.AUTHORIZED))  # the first one is closed
            uow.commit()
        with uow_factory() as uow:
            stored = [(a.key, a.status) for a in uow.payments.for_order(ORDER)]

        assert refused.value.details == {"order_id": ORDER, "key": f"{ORDER}:ful:2"}
        assert stored == [
            (f"{ORDER}:ful:1", PaymentStatus.DECLINED),
            (f"{ORDER}:ful:2", PaymentStatus.AUTHORIZED),
        ]

    def test_closed_attempts_are_not_limited(self, uow_factory: UnitOfWorkFactory) -> None:
        # Captures are the gateway's facts: a second one is stored (and refunded), never lost.
        with uow_factory() as uow:
            uow.payments.add(attempt(1, PaymentStatus.CAPTURED))
            uow.payments.add(attempt(2, PaymentStatus.CAPTURED))
            uow.payments.add(attempt(3, PaymentStatus.UNKNOWN))
            uow.commit()
        with uow_factory() as uow, pytest.raises(DuplicateEntity) as duplicate:
            uow.payments.add(attempt(3, PaymentStatus.UNKNOWN))

        assert duplicate.value.error_code == "payment_exists"
        with uow_factory() as uow:
            assert len(uow.payments.for_order(ORDER)) == 3

    def test_concurrent_attempts_of_one_order_open_one(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        def open_one(n: int) -> None:
            with uow_factory() as uow:
                uow.payments.add(attempt(n + 1, PaymentStatus.UNKNOWN))
                uow.commit()

        results = race(self.money_workers, open_one)

        assert sorted(results) == sorted(
            ["ok"] + ["concurrent_update"] * (self.money_workers - 1)
        ), results
        with uow_factory() as uow:
            assert [a.is_open for a in uow.payments.for_order(ORDER)] == [True]

    def test_locking_a_missing_order_is_not_found(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow, pytest.raises(NotFound) as missing:
            uow.orders.lock(OrderId("ord_nope"))

        assert missing.value.error_code == "order_not_found"

    def test_the_next_locker_of_an_order_waits_and_reads_what_the_first_stored(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            uow.orders.add(_placed_order())
            uow.commit()
        locked, seen = threading.Event(), list[str]()

        def first() -> None:
            with uow_factory() as uow:
                uow.orders.lock(ORDER)
                locked.set()
                time.sleep(0.3)  # the second locker is waiting meanwhile
                uow.payments.add(attempt(1, PaymentStatus.UNKNOWN))
                uow.commit()

        def second() -> None:
            locked.wait(10)
            with uow_factory() as uow:
                uow.orders.lock(ORDER)
                seen.extend(a.key for a in uow.payments.for_order(ORDER))

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

        assert seen == [f"{ORDER}:ful:1"]


def attempt(
    n: int, status: PaymentStatus = PaymentStatus.UNKNOWN, *, order_id: OrderId = ORDER
) -> PaymentAttempt:
    """The ``n``-th attempt to pay the full price of ``order_id``."""
    return PaymentAttempt(
        key=payment_key(order_id, PaymentPurpose.FULL, n),
        order_id=order_id,
        purpose=PaymentPurpose.FULL,
        amount=cny(19900),
        status=status,
        created_at=AT.add(minutes=n),
        updated_at=AT.add(minutes=n),
    )


def _placed_order() -> Order:
    start = AT.add(days=1)
    order = Order.place(
        order_id=ORDER,
        customer_id=ALICE,
        technician_id=TECH,
        service_id=ServiceId("svc_1"),
        booking_id=BookingId("bkg_1"),
        slot=TimeRange(start, start.add(hours=1)),
        time_zone="Asia/Shanghai",
        price=cny(19900),
        at=AT,
    )
    order.pull_events()
    return order
