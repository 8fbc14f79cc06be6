"""The payments file (BOOKING_CORE_PAYMENTS_FILE): providers built from their sections with
credentials read from files, routes by channel, and every mistake refused at start with a
message that names the field and never a secret (booking_server.providers)."""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

import attrs
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from booking_core.ports.payments import PaymentChannel
from booking_server.main import build_booking_app, open_storage
from booking_server.providers import PROVIDERS, load_payment_routing, load_providers
from booking_server.settings import Settings

STRIPE_KEY = "sk_test_" + "k" * 24
APIV3_KEY = "v3" * 16  # 32 characters


def _pem_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()  # fmt: skip
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    public = key.public_key().public_bytes(serialization.Encoding.PEM, spki)
    return private, public.decode()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("secrets")
    for name in ("merchant", "platform", "app", "alipay"):
        private, public = _pem_pair()
        (folder / f"{name}.pem").write_text(private)
        (folder / f"{name}.pub.pem").write_text(public)
    (folder / "apiv3").write_text(APIV3_KEY + "\n")
    (folder / "stripe").write_text(STRIPE_KEY + "\n")
    (folder / "whsec").write_text("whsec_" + "w" * 24)
    return folder


def _file(tmp_path: Path, keys: Path, extra: str = "") -> Path:
    path = tmp_path / "payments.toml"
    path.write_text(f'''
default = "wechatpay"

[routes]
mini_program = "wechatpay"
h5 = "alipay"
card = "stripe"

[payouts]
wechat = "wechatpay"
alipay = "alipay"

[wechatpay]
mchid = "1900000109"
appid = "wx8888888888888888"
private_key_file = "{keys / "merchant.pem"}"
cert_serial_no = "444F4864EA9B34415"
apiv3_key_file = "{keys / "apiv3"}"
notify_url = "https://api.example.com/payments/webhook/wechatpay"
platform_public_key_file = "{keys / "platform.pub.pem"}"
platform_public_key_id = "PUB_KEY_ID_0114232134912410000"

[alipay]
app_id = "2021000000000000"
app_private_key_file = "{keys / "app.pem"}"
alipay_public_key_file = "{keys / "alipay.pub.pem"}"
notify_url = "https://api.example.com/payments/webhook/alipay"
sandbox = true

[stripe]
secret_key_file = "{keys / "stripe"}"
webhook_secret_file = "{keys / "whsec"}"
currencies = ["CNY", "USD"]
{extra}''')
    return path


def test_each_section_builds_its_provider_and_routes_pick_them(tmp_path: Path, keys: Path) -> None:
    routing = load_payment_routing(_file(tmp_path, keys))

    assert [g.name for g in routing.gateways] == ["wechatpay", "alipay", "stripe"]
    assert routing.default.name == "wechatpay"
    assert {c.value: routing.for_channel(c).name for c in PaymentChannel} == {
        "mini_program": "wechatpay",
        "app": "wechatpay",
        "h5": "alipay",
        "qr": "wechatpay",
        "web": "wechatpay",
        "card": "stripe",
    }
    stripe = routing.named("stripe")
    assert stripe.capabilities.currencies == frozenset({"CNY", "USD"})
    assert STRIPE_KEY not in repr(stripe) + repr(vars(stripe))


def test_the_server_takes_payments_through_the_files_providers(tmp_path: Path, keys: Path) -> None:
    settings = Settings.from_env({
        "BOOKING_CORE_DB_URL": "memory:",
        "BOOKING_CORE_PAYMENTS_FILE": str(_file(tmp_path, keys)),
    })  # fmt: skip

    app = build_booking_app(open_storage(settings), webhook_secret=b"x" * 32, settings=settings)

    assert settings.payments_file == str(tmp_path / "payments.toml")
    assert app.payments.providers == ("wechatpay", "alipay", "stripe")
    assert app.statements.providers == ("wechatpay", "alipay", "stripe")
    assert app.payouts.gateway is not None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[paypal]\nkey = 1\n", "unknown payment provider section(s) paypal; known: wechatpay"),
        ("[routes.extra]\n", "[routes] names no channel 'extra'"),
    ],
)
def test_unknown_sections_and_channels_are_refused(
    tmp_path: Path, keys: Path, extra: str, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        load_payment_routing(_file(tmp_path, keys, extra))


def test_withdrawals_go_to_the_wallets_provider(tmp_path: Path, keys: Path) -> None:
    payouts = load_providers(_file(tmp_path, keys)).payouts

    assert payouts is not None
    assert {w.value: type(g).__name__ for w, g in payouts.wallets.items()} == {
        "wechat": "WeChatPayTransfers",
        "alipay": "AlipayTransfers",
    }
    assert payouts.cards is None


@pytest.mark.parametrize(
    ("payouts", "message"),
    [
        ('[payouts]\npaypal = "stripe"\n', "[payouts] names no wallet 'paypal'"),
        ('[payouts]\nwechat = "stripe"\n', "[payouts] stripe pays no withdrawals"),
    ],
)
def test_payouts_through_an_unknown_wallet_or_a_provider_without_transfers_are_refused(
    tmp_path: Path, keys: Path, payouts: str, message: str
) -> None:
    path = _file(tmp_path, keys)
    path.write_text(
        path.read_text().replace('[payouts]\nwechat = "wechatpay"\nalipay = "alipay"\n', payouts)
    )

    with pytest.raises(ValueError, match=re.escape(message)):
        load_providers(path)


def test_a_route_to_a_provider_without_a_section_is_refused(tmp_path: Path, keys: Path) -> None:
    path = tmp_path / "payments.toml"
    path.write_text(f'[routes]\ncard = "stripe"\n[alipay]\napp_id = "1"\n'
                    f'app_private_key_file = "{keys / "app.pem"}"\n'
                    f'alipay_public_key_file = "{keys / "alipay.pub.pem"}"\n')  # fmt: skip

    with pytest.raises(ValueError, match="sends card to 'stripe', which has no section"):
        load_payment_routing(path)


def test_a_missing_credential_file_names_the_field(tmp_path: Path, keys: Path) -> None:
    path = tmp_path / "payments.toml"
    path.write_text(
        '[stripe]\nsecret_key_file = "/nonexistent/stripe"\nwebhook_secret = "whsec_x"\n'
    )

    with pytest.raises(ValueError, match=r"\[stripe\] secret_key_file: cannot read /nonexistent"):
        load_payment_routing(path)


def test_a_config_the_adapter_refuses_is_named_without_its_secret(
    tmp_path: Path, keys: Path
) -> None:
    path = tmp_path / "payments.toml"
    leaked = "pk_live_" + "s" * 24  # a publishable key where the secret key belongs
    path.write_text(f'[stripe]\nsecret_key = "{leaked}"\nwebhook_secret = "whsec_x"\n')

    with pytest.raises(ValueError, match=r"\[stripe\] is not accepted") as refused:
        load_payment_routing(path)

    assert "secret_key" in str(refused.value)
    assert leaked not in str(refused.value)


def test_without_a_file_the_server_keeps_the_fake_gateway() -> None:
    settings = Settings.from_env({"BOOKING_CORE_DB_URL": "memory:"})

    app = build_booking_app(open_storage(settings), webhook_secret=b"x" * 32, settings=settings)

    assert settings.payments_file is None
    assert app.payments.providers == ("fake",)


def test_the_documented_file_names_only_fields_of_the_adapters_configs() -> None:
    page = Path(__file__).resolve().parents[3] / "docs" / "payments.md"
    [block] = re.findall(r"```toml\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
    document = tomllib.loads(block)

    assert set(document.pop("routes")) <= {c.value for c in PaymentChannel}
    assert set(document.pop("payouts").values()) <= {"wechatpay", "alipay"}
    assert document.pop("default") in document
    for name, section in document.items():
        kind = PROVIDERS[name]
        fields = attrs.fields_dict(getattr(importlib.import_module(kind.module), kind.config))
        assert {k.removesuffix("_file") for k in section} <= set(fields), name
