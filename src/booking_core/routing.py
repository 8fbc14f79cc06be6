"""Which payment provider serves which channel (WeChat Pay in the mini-program, Alipay in a
mobile browser, Stripe for international cards), and every provider by its name; which
payout provider pays which destination (WeChat wallets, Alipay wallets, bank cards).

A payment goes to the provider of its channel; its attempt stores that provider's name, so
the queries, cancellations, refunds and reconciliations of the money it took go back to the
same provider whatever the routes say later.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from booking_core.errors import PaymentError
from booking_core.payouts import BankCard, Wallet, WalletProvider
from booking_core.ports.payments import PaymentChannel, PaymentGateway
from booking_core.ports.payouts import PayoutGateway, PayoutRequest, PayoutResult, PayoutStatus

__all__ = ["PaymentRouting", "PayoutRouting"]


def _routes(
    value: Mapping[PaymentChannel, PaymentGateway],
) -> Mapping[PaymentChannel, PaymentGateway]:
    return dict(value)


@attrs.frozen
class PaymentRouting:
    """The providers of a platform and the channel each serves.

    Attributes:
        default: The provider of every channel without a route (and of attempts stored
            before routing, which name no provider).
        routes: The provider of each routed channel.

    Raises:
        ValueError: two different providers share a name (refunds could not find theirs).
    """

    default: PaymentGateway
    routes: Mapping[PaymentChannel, PaymentGateway] = attrs.field(factory=dict, converter=_routes)

    def __attrs_post_init__(self) -> None:
        seen: dict[str, PaymentGateway] = {}
        for gateway in (self.default, *self.routes.values()):
            known = seen.setdefault(gateway.name, gateway)
            if known is not gateway:
                raise ValueError(f"Two payment providers are both named {gateway.name!r}.")

    @classmethod
    def of(cls, gateway: PaymentGateway | PaymentRouting) -> PaymentRouting:
        """``gateway`` itself if it is a routing, else a routing with it alone."""
        return gateway if isinstance(gateway, PaymentRouting) else cls(gateway)

    @property
    def gateways(self) -> tuple[PaymentGateway, ...]:
        """Every provider once, the default first."""
        return tuple({g.name: g for g in (self.default, *self.routes.values())}.values())

    def for_channel(self, channel: PaymentChannel | None) -> PaymentGateway:
        """The provider that takes payments made in ``channel``."""
        return self.default if channel is None else self.routes.get(channel, self.default)

    def named(self, name: str) -> PaymentGateway:
        """The provider called ``name``; ``""`` (an attempt from before routing) is the default.

        Raises:
            PaymentError: (``payment_provider_unknown``) no provider of that name is
                configured — money it took can only be handled once it is again.
        """
        if not name:
            return self.default
        for gateway in self.gateways:
            if gateway.name == name:
                return gateway
        raise PaymentError(
            f"No payment provider named {name!r} is configured; configure it again to query "
            "or refund the money it took.",
            details={"reason": "payment_provider_unknown", "provider": name},
        )


def _wallets(
    value: Mapping[WalletProvider, PayoutGateway],
) -> Mapping[WalletProvider, PayoutGateway]:
    return dict(value)


@attrs.frozen
class PayoutRouting:
    """A payout gateway that sends each payout to the provider of its destination: wallets
    to their wallet's provider (WeChat Pay transfers, Alipay transfers), bank cards to
    ``cards``.

    Sending again under a key goes to the same provider (the destination is part of the
    request, and the same key with another destination is refused by that provider). A
    query asks the providers in turn until one knows the key: payout keys are withdrawal ids,
    unique across providers.

    Attributes:
        wallets: The provider paying each kind of wallet.
        cards: The provider paying bank cards; None: bank cards are refused.
    """

    wallets: Mapping[WalletProvider, PayoutGateway] = attrs.field(factory=dict, converter=_wallets)
    cards: PayoutGateway | None = None

    def send(self, request: PayoutRequest) -> PayoutResult:
        """Send through the destination's provider (see :class:`PayoutGateway`); a
        destination no provider pays fails the payout (the withdrawal's money goes back to
        the payee, who may choose another destination)."""
        provider = self._provider_of(request.destination)
        if provider is None:
            kind = (
                f"{request.destination.provider.value} wallets"
                if isinstance(request.destination, Wallet)
                else "bank cards"
            )
            reason = f"No payout provider pays {kind} on this platform."
            return PayoutResult(request.key, PayoutStatus.FAILED, reason=reason)
        return provider.send(request)

    def query(self, key: str) -> PayoutResult | None:
        """The payout's state at whichever provider took it; None if none did."""
        for provider in self._providers():
            found = provider.query(key)
            if found is not None:
                return found
        return None

    def _providers(self) -> list[PayoutGateway]:
        found: list[PayoutGateway] = []
        for provider in (*self.wallets.values(), self.cards):
            if provider is not None and all(provider is not p for p in found):
                found.append(provider)
        return found

    def _provider_of(self, destination: BankCard | Wallet) -> PayoutGateway | None:
        if isinstance(destination, Wallet):
            return self.wallets.get(destination.provider)
        return self.cards
