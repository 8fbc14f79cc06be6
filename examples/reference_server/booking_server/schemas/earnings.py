"""Earnings and withdrawals (issue 13): a technician's or a store's earnings statement and
balance, withdrawals to a bank card or a wallet, and finance's decisions on them.

Every amount is integer minor units (fen); every instant is shown in UTC. A bank card is
only ever its masked number (asterisks and the last four digits): the server never takes
or shows a full card number.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pendulum import DateTime
from pydantic import AwareDatetime, Field

from booking_core.payouts import (
    BankCard,
    EarningsLine,
    EarningSource,
    EarningsStatement,
    PayeeBalance,
    Wallet,
    WalletProvider,
    Withdrawal,
    WithdrawalStatus,
)
from booking_server.paging import NextCursor
from booking_server.schemas.common import InModel, MoneyIn, MoneyOut, OutModel, in_zone

__all__ = [
    "BankCardIn",
    "BankCardOut",
    "DecisionNoteIn",
    "EarningsLineOut",
    "EarningsOut",
    "PayeeBalanceOut",
    "ServiceTotalOut",
    "WalletIn",
    "WalletOut",
    "WithdrawalIn",
    "WithdrawalList",
    "WithdrawalOut",
    "WithdrawalRejectIn",
]

_Text = Annotated[str, Field(min_length=1, max_length=100)]


class BankCardIn(InModel):
    """A bank card, as the payout provider knows it. ``masked_number`` is asterisks and the
    last four digits (``************1234``): anything else is 422
    ``invalid_payout_destination`` — a full card number is never taken."""

    kind: Literal["bank_card"]
    masked_number: str = Field(max_length=100, examples=["************1234"])
    holder: _Text = Field(examples=["李伟"])
    bank: _Text = Field(examples=["招商银行 China Merchants Bank"])

    def to_domain(self) -> BankCard:
        """The domain card (its validators refuse an unmasked number)."""
        return BankCard(self.masked_number, self.holder, self.bank)


class WalletIn(InModel):
    """A WeChat Pay or Alipay wallet: the provider and the account id there."""

    kind: Literal["wallet"]
    provider: WalletProvider
    account_id: _Text = Field(examples=["o6_bmjrPTlm6_2sgVt7hMZOPfL2M"])

    def to_domain(self) -> Wallet:
        """The domain wallet."""
        return Wallet(self.provider, self.account_id)


Destination = Annotated[BankCardIn | WalletIn, Field(discriminator="kind")]


class WithdrawalIn(InModel):
    """How much to withdraw (fee included) and where to."""

    amount: MoneyIn
    destination: Destination


class BankCardOut(OutModel):
    """A bank card: its masked number only."""

    kind: Literal["bank_card"] = "bank_card"
    masked_number: str
    holder: str
    bank: str


class WalletOut(OutModel):
    """A wallet."""

    kind: Literal["wallet"] = "wallet"
    provider: WalletProvider
    account_id: str


def _destination(destination: BankCard | Wallet) -> BankCardOut | WalletOut:
    if isinstance(destination, BankCard):
        return BankCardOut(
            masked_number=destination.masked_number,
            holder=destination.holder,
            bank=destination.bank,
        )
    return WalletOut(provider=destination.provider, account_id=destination.account_id)


def _utc(instant: DateTime | None) -> dt.datetime | None:
    return None if instant is None else in_zone(instant, "UTC")


class WithdrawalOut(OutModel):
    """A withdrawal and where it stands: ``pending_approval`` (waiting for finance),
    ``approved`` (its payout scheduled), ``paying``, ``paid``, ``failed`` or ``rejected``
    (the last two gave the whole amount back)."""

    id: str = Field(examples=["wdr_0001"])
    payee: str = Field(description="`technician:<id>` or `store:<id>`.")
    amount: MoneyOut = Field(description="What was asked for and debited, fee included.")
    fee: MoneyOut
    net: MoneyOut = Field(description="What reaches the payee: amount less fee.")
    destination: Annotated[BankCardOut | WalletOut, Field(discriminator="kind")]
    status: WithdrawalStatus
    requested_at: AwareDatetime = Field(description="UTC.")
    requested_by: str
    decided_by: str | None = Field(description="Finance's id (null: undecided or automatic).")
    decided_at: AwareDatetime | None
    note: str | None = Field(description="Why it was rejected, or finance's note approving.")
    provider_reference: str | None
    failure: str | None = Field(description="Why the payout failed.")
    settled_at: AwareDatetime | None = Field(description="When it became final (UTC).")

    @classmethod
    def from_domain(cls, withdrawal: Withdrawal) -> WithdrawalOut:
        """The answer for ``withdrawal``."""
        return cls(
            id=withdrawal.id,
            payee=withdrawal.payee.key,
            amount=MoneyOut.from_domain(withdrawal.amount),
            fee=MoneyOut.from_domain(withdrawal.fee),
            net=MoneyOut.from_domain(withdrawal.net),
            destination=_destination(withdrawal.destination),
            status=withdrawal.status,
            requested_at=in_zone(withdrawal.requested_at, "UTC"),
            requested_by=withdrawal.requested_by,
            decided_by=withdrawal.decided_by,
            decided_at=_utc(withdrawal.decided_at),
            note=withdrawal.note,
            provider_reference=withdrawal.provider_reference,
            failure=withdrawal.failure,
            settled_at=_utc(withdrawal.settled_at),
        )


class WithdrawalList(OutModel):
    """Withdrawals, one page."""

    items: list[WithdrawalOut]
    next_cursor: NextCursor = None


class DecisionNoteIn(InModel):
    """What finance notes approving (optional)."""

    note: str | None = Field(default=None, max_length=500)


class WithdrawalRejectIn(InModel):
    """Why finance rejects the withdrawal (kept on it and in the audit log)."""

    reason: str = Field(min_length=1, max_length=500, pattern=r"\S", examples=["Wrong card"])


class PayeeBalanceOut(OutModel):
    """A payee's money as the books hold it."""

    payee: str
    available: MoneyOut = Field(
        description="What may be withdrawn now (a refund after completion may take it below "
        "zero: the amount is then negative)."
    )
    in_flight: MoneyOut = Field(description="Withdrawals requested, not paid out nor returned.")
    paid_out: MoneyOut = Field(description="Everything paid out so far (net of fees).")

    @classmethod
    def from_domain(cls, balance: PayeeBalance) -> PayeeBalanceOut:
        """The answer for ``balance``."""
        return cls(
            payee=balance.payee.key,
            available=MoneyOut.from_domain(balance.available),
            in_flight=MoneyOut.from_domain(balance.in_flight),
            paid_out=MoneyOut.from_domain(balance.paid_out),
        )


class EarningsLineOut(OutModel):
    """One movement of the payee's earnings: a completed order's share, a kept
    cancellation fee's share, or a refund after completion (negative)."""

    transaction_id: str
    source: EarningSource
    order_id: str
    service_id: str | None
    at: AwareDatetime = Field(description="UTC.")
    amount: MoneyOut

    @classmethod
    def from_domain(cls, line: EarningsLine) -> EarningsLineOut:
        """The answer for ``line``."""
        return cls(
            transaction_id=line.transaction_id,
            source=line.source,
            order_id=line.order_id,
            service_id=line.service_id,
            at=in_zone(line.at, "UTC"),
            amount=MoneyOut.from_domain(line.amount),
        )


class ServiceTotalOut(OutModel):
    """What one service earned in the period."""

    service_id: str | None
    total: MoneyOut


class EarningsOut(OutModel):
    """A payee's earnings statement over ``[since, until)``: every line, oldest first, and
    their totals (the total is the sum of the lines)."""

    payee: str
    since: AwareDatetime
    until: AwareDatetime
    total: MoneyOut
    orders: int = Field(description="Orders completed in the period.")
    by_service: list[ServiceTotalOut]
    items: list[EarningsLineOut]

    @classmethod
    def from_domain(cls, statement: EarningsStatement) -> EarningsOut:
        """The answer for ``statement``."""
        return cls(
            payee=statement.payee.key,
            since=in_zone(statement.period.start, "UTC"),
            until=in_zone(statement.period.end, "UTC"),
            total=MoneyOut.from_domain(statement.total),
            orders=statement.orders,
            by_service=[
                ServiceTotalOut(service_id=service, total=MoneyOut.from_domain(total))
                for service, total in statement.by_service().items()
            ],
            items=[EarningsLineOut.from_domain(line) for line in statement.lines],
        )
