"""The payment providers of a running server, read from a TOML file
(``BOOKING_CORE_PAYMENTS_FILE``): which providers, their credentials, which provider
serves which channel, and which pays withdrawals to which wallet.

.. code-block:: toml

    default = "wechatpay"          # the provider of every channel without a route

    [routes]                       # channel = provider
    mini_program = "wechatpay"
    h5 = "alipay"
    card = "stripe"

    [payouts]                      # wallet = provider (its transfers pay withdrawals)
    wechat = "wechatpay"

    [wechatpay]                    # the fields of booking_core_wechatpay.WeChatPayConfig
    mchid = "1900000109"
    private_key_file = "/run/secrets/apiclient_key.pem"   # <field>_file: read from a file

A field named ``<name>_file`` is read from that file (keys, secrets): credentials live in
files the deployment mounts, never in the repository, the environment or a log. Each
section builds the provider's adapter, imported only when named (``pip install
booking-core-sdk-server[wechatpay]``); every mistake stops the server at start with a
message naming the file, the section and the field — never a secret's value.
"""

from __future__ import annotations

import importlib
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import attrs
import cattrs

from booking_core.payouts import WalletProvider
from booking_core.ports.payments import PaymentChannel, PaymentGateway
from booking_core.ports.payouts import PayoutGateway
from booking_core.routing import PaymentRouting, PayoutRouting

__all__ = ["PROVIDERS", "ProviderKind", "Providers", "load_payment_routing", "load_providers"]


@attrs.frozen
class ProviderKind:
    """Where a provider's adapter lives: its distribution, module, config, gateway and the
    payout gateway over the same config (None: it pays no withdrawals)."""

    distribution: str
    module: str
    config: str
    gateway: str
    transfers: str | None = None


#: The providers a payments file may configure, by section name.
PROVIDERS: Final = {
    "wechatpay": ProviderKind(
        "booking-core-sdk-wechatpay", "booking_core_wechatpay", "WeChatPayConfig",
        "WeChatPayGateway", "WeChatPayTransfers",
    ),
    "alipay": ProviderKind(
        "booking-core-sdk-alipay", "booking_core_alipay", "AlipayConfig", "AlipayGateway",
        "AlipayTransfers",
    ),
    "stripe": ProviderKind(
        "booking-core-sdk-stripe", "booking_core_stripe", "StripeConfig", "StripeGateway"
    ),
}  # fmt: skip
_FILE: Final = "_file"


@attrs.frozen
class Providers:
    """What a payments file configures: the payment providers and their routes, and the
    payout providers by wallet (None: withdrawals wait for one)."""

    payments: PaymentRouting
    payouts: PayoutRouting | None


def load_payment_routing(path: str | Path) -> PaymentRouting:
    """The payment providers and routes of the payments file (see :func:`load_providers`)."""
    return load_providers(path).payments


def load_providers(path: str | Path) -> Providers:
    """The providers, routes and payouts the TOML file at ``path`` describes.

    Raises:
        ValueError: the file is missing or malformed, names an unknown provider, channel
            or wallet, routes to a provider it does not configure, a credential file is
            missing, an adapter is not installed, or the adapter refuses its config.
    """
    where = Path(path)
    try:
        document = tomllib.loads(where.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"Cannot read the payments file {where}: {exc}") from None
    wallets = document.pop("payouts", None)
    routes = document.pop("routes", {})
    default = document.pop("default", None)
    unknown = sorted(set(document) - set(PROVIDERS))
    if unknown:
        raise ValueError(
            f"{where}: unknown payment provider section(s) {', '.join(unknown)}; "
            f"known: {', '.join(PROVIDERS)}."
        )
    if not document:
        raise ValueError(f"{where} configures no payment provider.")
    configs = {name: _config(where, name, section) for name, section in document.items()}
    gateways: dict[str, PaymentGateway] = {
        name: _built(where, name, PROVIDERS[name].gateway, config)
        for name, config in configs.items()
    }
    default = default if default is not None else next(iter(gateways))
    if default not in gateways:
        raise ValueError(f"{where}: the default provider {default!r} has no section.")
    payments = PaymentRouting(gateways[default], _routes(where, routes, gateways))
    payouts = None if wallets is None else _payouts(where, wallets, configs)
    return Providers(payments, payouts)


def _payouts(where: Path, wallets: object, configs: Mapping[str, object]) -> PayoutRouting:
    if not isinstance(wallets, dict):
        raise ValueError(f"{where}: [payouts] must map wallets to providers.")
    found: dict[WalletProvider, PayoutGateway] = {}
    for wallet, provider in wallets.items():
        try:
            key = WalletProvider(wallet)
        except ValueError:
            known = ", ".join(w.value for w in WalletProvider)
            message = f"{where}: [payouts] names no wallet {wallet!r}; known: {known}."
            raise ValueError(message) from None
        kind = PROVIDERS.get(provider)
        if provider not in configs or kind is None:
            raise ValueError(
                f"{where}: [payouts] pays {wallet} wallets through {provider!r}, which has "
                "no section."
            )
        if kind.transfers is None:
            raise ValueError(f"{where}: [payouts] {provider} pays no withdrawals.")
        found[key] = _built(where, provider, kind.transfers, configs[provider])
    return PayoutRouting(found)


def _routes(
    where: Path, routes: object, gateways: Mapping[str, PaymentGateway]
) -> dict[PaymentChannel, PaymentGateway]:
    if not isinstance(routes, dict):
        raise ValueError(f"{where}: [routes] must map channels to providers.")
    found = {}
    for channel, provider in routes.items():
        try:
            key = PaymentChannel(channel)
        except ValueError:
            known = ", ".join(c.value for c in PaymentChannel)
            message = f"{where}: [routes] names no channel {channel!r}; known: {known}."
            raise ValueError(message) from None
        if provider not in gateways:
            raise ValueError(
                f"{where}: [routes] sends {channel} to {provider!r}, which has no section."
            )
        found[key] = gateways[provider]
    return found


def _config(where: Path, name: str, section: object) -> object:
    if not isinstance(section, dict):
        raise ValueError(f"{where}: [{name}] must be a table of the provider's settings.")
    kind = PROVIDERS[name]
    config_class = getattr(_module(where, name, kind), kind.config)
    fields = {_field(where, name, key, value): _value(where, name, key, value)
              for key, value in section.items()}  # fmt: skip
    try:
        return cattrs.Converter().structure(fields, config_class)
    except Exception as exc:  # the adapter's own validation, whatever its type
        # The message names the field; values are never echoed (they may be secrets).
        raise ValueError(f"{where}: [{name}] is not accepted: {_reason(exc)}") from None


def _built(where: Path, name: str, class_name: str, config: object) -> Any:
    try:
        return getattr(_module(where, name, PROVIDERS[name]), class_name)(config)
    except Exception as exc:
        raise ValueError(f"{where}: [{name}] is not accepted: {_reason(exc)}") from None


def _module(where: Path, name: str, kind: ProviderKind) -> Any:
    try:
        return importlib.import_module(kind.module)
    except ImportError:
        raise ValueError(
            f"{where}: [{name}] needs {kind.distribution} "
            f"(pip install 'booking-core-sdk-server[{name}]')."
        ) from None


def _field(where: Path, name: str, key: str, value: object) -> str:
    if not isinstance(key, str) or not key:
        raise ValueError(f"{where}: [{name}] has an empty field name.")
    return key.removesuffix(_FILE) if key.endswith(_FILE) else key


def _value(where: Path, name: str, key: str, value: Any) -> Any:
    if not key.endswith(_FILE):
        return value
    try:
        return Path(str(value)).read_text(encoding="utf-8").strip()
    except OSError:
        raise ValueError(f"{where}: [{name}] {key}: cannot read {value}.") from None


def _reason(exc: Exception) -> str:
    if isinstance(exc, cattrs.BaseValidationError):
        notes = [
            f"{note}: {sub}"
            for sub in exc.exceptions
            for note in (getattr(sub, "__notes__", None) or [type(sub).__name__])
        ]
        return "; ".join(notes) or "invalid settings"
    message = getattr(exc, "message", None) or str(exc)
    return str(message)
