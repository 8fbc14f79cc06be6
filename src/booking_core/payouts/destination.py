"""Where a withdrawal goes: a bank card or a wallet (frozen values, never a full card number)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

import attrs

from booking_core.errors import InvalidPayoutDestination

__all__ = ["BankCard", "Destination", "Wallet", "WalletProvider"]

# Only the last four digits are kept: the payout provider holds the card itself, booking_core
# holds nothing a leak could charge.
_MASKED = re.compile(r"^\*{4,15}\d{4}$")


def _text(_: Any, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise InvalidPayoutDestination(
            f"The {attribute.name} is some text of at most 100 characters; got {value!r}.",
            details={"field": attribute.name},
        )


def _masked(_: Any, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not _MASKED.match(value):
        raise InvalidPayoutDestination(
            "A card number is kept masked: asterisks and its last four digits "
            f"(****1234); got {value!r}.",
            details={"field": attribute.name},
        )


@attrs.frozen
class BankCard:
    """A bank card, as the payout provider knows it.

    Attributes:
        masked_number: Asterisks and the last four digits (``"************1234"``).
        holder: The name on the card.
        bank: The issuing bank (``"招商银行 China Merchants Bank"``).
    """

    masked_number: str = attrs.field(validator=_masked)
    holder: str = attrs.field(validator=_text)
    bank: str = attrs.field(validator=_text)

    @property
    def last_four(self) -> str:
        """The last four digits."""
        return self.masked_number[-4:]


class WalletProvider(StrEnum):
    """The wallets a withdrawal can go to."""

    WECHAT = "wechat"
    ALIPAY = "alipay"


@attrs.frozen
class Wallet:
    """A WeChat Pay or Alipay wallet.

    Attributes:
        provider: Which wallet.
        account_id: The wallet's account id at the provider (an openid, an Alipay login id).
    """

    provider: WalletProvider
    account_id: str = attrs.field(validator=_text)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.provider, WalletProvider):
            raise InvalidPayoutDestination(
                f"Unknown wallet {self.provider!r}.", details={"field": "provider"}
            )


Destination = BankCard | Wallet
"""Where a withdrawal is paid to."""
