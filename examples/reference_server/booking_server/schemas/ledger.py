"""The books: balances and journal entries (FEATURES M2)."""

from __future__ import annotations

from booking_core.ledger import Account, Transaction
from booking_core.money import Money
from booking_server.paging import NextCursor
from booking_server.schemas.common import MoneyOut, OutModel

__all__ = [
    "BalanceOut",
    "BalancesOut",
    "JournalOut",
    "PostingOut",
    "TransactionOut",
]


class BalanceOut(OutModel):
    """One account's balance: ``net`` is debits minus credits; ``balance`` is on the
    account's normal side (what a technician is owed is positive)."""

    account: str
    kind: str
    owner: str
    net: MoneyOut
    balance: MoneyOut

    @classmethod
    def from_domain(cls, account: Account, net: Money) -> BalanceOut:
        """From an account and its net balance."""
        normal = net if account.kind.debit_normal else -net
        return cls(
            account=str(account),
            kind=account.kind.value,
            owner=account.owner,
            net=MoneyOut.from_domain(net),
            balance=MoneyOut.from_domain(normal),
        )


class BalancesOut(OutModel):
    """Non-zero balances by currency, then account, one page; the ``net`` values of a
    currency sum to zero over all pages."""

    items: list[BalanceOut]
    next_cursor: NextCursor = None


class PostingOut(OutModel):
    """One posting: a debit when positive, a credit when negative."""

    account: str
    amount: MoneyOut


class TransactionOut(OutModel):
    """A journal entry."""

    id: str
    kind: str
    at: str
    order_id: str | None
    reverses: str | None
    memo: str
    postings: list[PostingOut]

    @classmethod
    def from_domain(cls, transaction: Transaction) -> TransactionOut:
        """From the domain Transaction."""
        return cls(
            id=transaction.id,
            kind=transaction.kind.value,
            at=transaction.at.isoformat(),
            order_id=transaction.order_id,
            reverses=transaction.reverses,
            memo=transaction.memo,
            postings=[
                PostingOut(account=str(p.account), amount=MoneyOut.from_domain(p.amount))
                for p in transaction.postings
            ],
        )


class JournalOut(OutModel):
    """An order's journal entries in recording order."""

    order_id: str
    items: list[TransactionOut]
