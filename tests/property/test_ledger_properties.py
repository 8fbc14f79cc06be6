"""Ledger invariants I8, I9 and I13, including a stateful pay/complete/cancel/refund machine."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    precondition,
    rule,
)

from booking_core.errors import InvalidLedgerEntry, RefundExceedsCaptured
from booking_core.ids import OrderId, TechnicianId
from booking_core.ledger import (
    Account,
    AccountKind,
    Ledger,
    OrderParties,
    SettlementLine,
    SplitRates,
    Transaction,
    TransactionId,
    TransactionKind,
    allocate_signed,
    cancellation_fee_retained,
    order_completed,
    order_position,
    payment_captured,
    refund_issued,
    refundable,
    split_by_rates,
)
from booking_core.money import Money, allocate_units
from booking_core.testing.strategies import split_rates

AT = pendulum.datetime(2026, 3, 1, 10, tz="Asia/Shanghai")


# --- I9: splits --------------------------------------------------------------------------


@given(st.integers(0, 10**9), st.integers(0, 1000), st.integers(0, 1000))
def test_a_split_by_rates_sums_exactly_and_each_share_is_within_one_unit(
    amount: int, technician: int, store: int
) -> None:
    rates = SplitRates(Decimal(technician) / 2000, Decimal(store) / 2000)

    shares = split_by_rates(Money(amount, "CNY"), rates)

    assert shares.total == Money(amount, "CNY")
    for share, rate in zip(
        (shares.technician, shares.store, shares.platform),
        (rates.technician, rates.store, rates.platform),
        strict=True,
    ):
        assert abs(share.amount - Fraction(amount) * Fraction(rate)) < 1


@given(st.lists(st.integers(-(10**6), 10**6), min_size=1, max_size=6), st.data())
def test_a_signed_allocation_is_exact_within_one_unit_and_never_overshoots(
    weights: list[int], data: st.DataObject
) -> None:
    weight_sum = sum(weights)
    if weight_sum <= 0:
        weights = [*weights, 1 - weight_sum]
        weight_sum = 1
    total = data.draw(st.integers(0, weight_sum))

    parts = allocate_signed(total, weights)

    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - Fraction(weight * total, weight_sum)) < 1
        assert min(0, weight) <= part <= max(0, weight)


# --- I8 and I13: a stateful story of orders --------------------------------------------------


@attrs.define
class Story:
    """What the model knows about one order."""

    order_id: OrderId
    currency: str
    parties: OrderParties
    paid: list[int]
    subsidies: list[int]
    rates: list[SplitRates]
    captured: int = 0
    refunded: int = 0
    completed: bool = False
    fee: int = 0  # kept by a cancellation (then never completed)
    cancelled: bool = False


class Books(RuleBasedStateMachine):
    """Pay, complete, refund and correct orders in any order; the books always balance."""

    orders = Bundle("orders")

    @initialize()
    def open_books(self) -> None:
        self.ledger = Ledger()
        self.stories: dict[str, Story] = {}
        self.serial = 0

    def next_id(self, prefix: str) -> TransactionId:
        self.serial += 1
        return TransactionId(f"{prefix}-{self.serial}")

    @property
    def history(self) -> tuple[Transaction, ...]:
        return self.ledger.transactions

    @rule(
        target=orders,
        currency=st.sampled_from(["CNY", "JPY"]),
        lines=st.lists(
            st.tuples(st.integers(0, 50_000), st.integers(0, 5_000), split_rates()),
            min_size=1,
            max_size=3,
        ),
        with_store=st.booleans(),
    )
    def place_and_pay(
        self, currency: str, lines: list[tuple[int, int, SplitRates]], with_store: bool
    ) -> str:
        order_id = OrderId(f"o-{len(self.stories)}")
        rates = [r if with_store else SplitRates(r.technician) for _, _, r in lines]
        story = Story(
            order_id,
            currency,
            OrderParties(
                TechnicianId(f"tech-{len(self.stories) % 2}"), "s-1" if with_store else None
            ),
            [p for p, _, _ in lines],
            [s for _, s, _ in lines],
            rates,
        )
        self.stories[order_id] = story
        total = sum(story.paid)
        if total:
            self.ledger = self.ledger.record(
                payment_captured(
                    transaction_id=self.next_id("pay"),
                    order_id=order_id,
                    amount=Money(total, currency),
                    at=AT,
                )
            )
            story.captured = total
        return order_id

    @rule(order_id=orders)
    def complete(self, order_id: str) -> None:
        story = self.stories[order_id]
        held = story.captured - story.refunded
        if story.completed or story.cancelled or (held == 0 and not any(story.subsidies)):
            return
        # Refunds before completion came off the lines in proportion to what they paid.
        paid = allocate_units(held, story.paid) if sum(story.paid) else [0] * len(story.paid)
        lines = [
            SettlementLine(Money(p, story.currency), Money(s, story.currency), r)
            for p, s, r in zip(paid, story.subsidies, story.rates, strict=True)
        ]

        def settle() -> Transaction:
            return order_completed(
                transaction_id=self.next_id("done"),
                order_id=story.order_id,
                parties=story.parties,
                lines=lines,
                at=AT,
                history=self.history,
            )

        if held == 0 and story.captured:
            # Fully refunded before completion: a subsidy booked now could never be
            # refunded, so the order is not settled at all.
            with pytest.raises(InvalidLedgerEntry, match="fully refunded"):
                settle()
            return
        entry = settle()

        self.ledger = self.ledger.record(entry)
        story.completed = True
        credited = -sum(
            p.amount.amount
            for p in entry.postings
            if p.account.kind
            in (
                AccountKind.TECHNICIAN_PAYABLE,
                AccountKind.STORE_PAYABLE,
                AccountKind.PLATFORM_REVENUE,
            )
        )
        assert credited == held + sum(story.subsidies)

    @rule(order_id=orders, rate=st.fractions(0, 1), assigned=st.booleans())
    def cancel_with_a_fee(self, order_id: str, rate: Fraction, assigned: bool) -> None:
        story = self.stories[order_id]
        if story.completed or story.cancelled:
            return
        story.cancelled = True
        held = story.captured - story.refunded
        fee = int(held * rate)
        if fee == 0:
            return  # nothing captured, or nothing kept: nothing is posted
        # The fee comes off the lines in proportion to what they paid, each shared by its rates.
        parts = allocate_units(fee, story.paid)
        lines = [
            SettlementLine(Money(p, story.currency), Money.zero(story.currency), r)
            for p, r in zip(parts, story.rates, strict=True)
        ]
        parties = story.parties if assigned else None

        entry = cancellation_fee_retained(
            transaction_id=TransactionId(f"fee:{order_id}:1"),
            order_id=story.order_id,
            fee=Money(fee, story.currency),
            parties=parties,
            lines=lines,
            at=AT,
            history=self.history,
        )

        self.ledger = self.ledger.record(entry)
        story.fee = fee
        shares = [split_by_rates(line.paid, line.rates) for line in lines]
        expected = {Account.customer_funds(): fee}
        if parties is not None:
            expected[Account.technician_payable(parties.technician_id)] = -sum(
                s.technician.amount for s in shares
            )
            if parties.store_id is not None:
                expected[Account.store_payable(parties.store_id)] = -sum(
                    s.store.amount for s in shares
                )
        expected[Account.platform_revenue()] = -(fee + sum(v for v in expected.values() if v < 0))
        assert {p.account: p.amount.amount for p in entry.postings} == {
            a: v for a, v in expected.items() if v
        }
        # A second fee for the order is refused.
        with pytest.raises(InvalidLedgerEntry, match="already retained"):
            cancellation_fee_retained(
                transaction_id=TransactionId(f"fee:{order_id}:2"),
                order_id=story.order_id,
                fee=Money(1, story.currency),
                parties=parties,
                lines=[SettlementLine(Money(1, story.currency), Money.zero(story.currency),
                                      story.rates[0])],
                at=AT,
                history=self.history,
            )  # fmt: skip

    @rule(order_id=orders, share=st.fractions(0, 1))
    def refund(self, order_id: str, share: Fraction) -> None:
        story = self.stories[order_id]
        left = story.captured - story.refunded
        amount = int(left * share)
        if amount == 0:
            return
        before = order_position(self.history, story.order_id)

        entry = refund_issued(
            transaction_id=self.next_id("refund"),
            order_id=story.order_id,
            amount=Money(amount, story.currency),
            at=AT,
            history=self.history,
        )

        self.ledger = self.ledger.record(entry)
        story.refunded += amount
        clearing = Account.payments_clearing()
        funds = Account.customer_funds()
        reversals = {p.account: p.amount.amount for p in entry.postings if p.account != clearing}
        # The reversals sum exactly to the refund ...
        assert sum(reversals.values()) == amount
        if story.fee:
            # ... after a kept fee, customer funds give back first, the fee's shares only
            # what is refunded beyond them ...
            in_funds = -before.get((funds, story.currency), 0)
            first = min(amount, in_funds)
            assert reversals.get(funds, 0) == first
            amount, left = amount - first, left - in_funds
            reversals.pop(funds, None)
        for account, part in reversals.items():
            held = -before[account, story.currency]
            # ... each is its account's proportional share, within one unit ...
            assert abs(part - Fraction(held * amount, left)) < 1
            # ... and no account gives back more than the order holds in it.
            assert min(0, held) <= part <= max(0, held)

    @rule(order_id=orders, extra=st.integers(1, 1000))
    def refund_too_much(self, order_id: str, extra: int) -> None:
        story = self.stories[order_id]
        try:
            refund_issued(
                transaction_id=self.next_id("bad"),
                order_id=story.order_id,
                amount=Money(story.captured - story.refunded + extra, story.currency),
                at=AT,
                history=self.history,
            )
        except RefundExceedsCaptured:
            pass
        else:  # pragma: no cover - the property failing
            raise AssertionError("a refund above what was captured was accepted")

    @precondition(
        lambda self: any(
            t.kind is TransactionKind.REFUND and t.id not in self.ledger.reversed_ids()
            for t in self.history
        )
    )
    @rule(data=st.data())
    def correct_a_refund(self, data: st.DataObject) -> None:
        reversed_ids = self.ledger.reversed_ids()
        candidates = [
            t for t in self.history if t.kind is TransactionKind.REFUND and t.id not in reversed_ids
        ]
        wrong = data.draw(st.sampled_from(candidates))

        self.ledger = self.ledger.record(
            wrong.reversal(transaction_id=self.next_id("fix"), at=AT, memo="refund sent twice")
        )

        story = self.stories[wrong.order_id]  # type: ignore[index]
        story.refunded -= -sum(
            p.amount.amount for p in wrong.postings if p.account == Account.payments_clearing()
        )

    @rule(order_id=consumes(orders))
    def refund_everything(self, order_id: str) -> None:
        story = self.stories[order_id]
        left = story.captured - story.refunded
        if left:
            self.ledger = self.ledger.record(
                refund_issued(
                    transaction_id=self.next_id("refund"),
                    order_id=story.order_id,
                    amount=Money(left, story.currency),
                    at=AT,
                    history=self.history,
                )
            )
            story.refunded = story.captured
        position = order_position(self.history, story.order_id)
        # Fully refunded: every account the order touched is back to zero, except the
        # platform-funded part of a settled order with nothing paid (it was never captured).
        if story.captured:
            assert position == {}

    @invariant()
    def the_books_balance_in_every_currency(self) -> None:
        assert self.ledger.is_balanced()
        totals: dict[str, int] = {}
        for (_, currency), money in self.ledger.trial_balance().items():
            totals[currency] = totals.get(currency, 0) + money.amount
        assert all(total == 0 for total in totals.values())

    @invariant()
    def refunds_never_exceed_what_was_captured(self) -> None:
        for story in self.stories.values():
            left = refundable(self.history, story.order_id, story.currency)
            assert left == Money(story.captured - story.refunded, story.currency)
            assert 0 <= left.amount <= story.captured

    @invariant()
    def no_order_owes_back_more_than_it_holds(self) -> None:
        for story in self.stories.values():
            position = order_position(self.history, story.order_id)
            funds = position.get((Account.customer_funds(), story.currency), 0)
            assert funds <= 0
            if story.fee:
                # Customer funds still hold what the cancellation left refundable (refunds
                # take from them first; only the fee's shares can have given back more).
                assert -funds >= story.captured - story.fee - story.refunded
            for (account, _), value in position.items():
                if account.kind in (AccountKind.TECHNICIAN_PAYABLE, AccountKind.STORE_PAYABLE):
                    assert value <= 0, account
                if account.kind is AccountKind.PROMOTION_EXPENSE:
                    assert value >= 0


Books.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestBooks = Books.TestCase
