"""RSA keys a test generates: the app's, "Alipay's", and a forger's."""

from __future__ import annotations

import datetime

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

__all__ = ["Certificates", "Keys", "certificates"]


@attrs.frozen
class Keys:
    app: rsa.RSAPrivateKey
    alipay: rsa.RSAPrivateKey
    forger: rsa.RSAPrivateKey

    @staticmethod
    def private_pem(key: rsa.RSAPrivateKey) -> str:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    @staticmethod
    def public_pem(key: rsa.RSAPrivateKey) -> str:
        return (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )


@attrs.frozen
class Certificates:
    """Certificate mode (公钥证书): the app's certificate, Alipay's, and Alipay's root, PEM,
    with the serial numbers Alipay expects requests to carry."""

    app_cert: str
    alipay_cert: str
    root_cert: str
    app_cert_sn: str
    root_cert_sn: str


def certificates(keys: Keys) -> Certificates:
    """Certificates for ``keys``: a root CA that signs the app's and Alipay's."""
    from .alipay import cert_sn

    root_key = keys.forger  # any key not otherwise trusted will do for the CA
    root_name = _name("Fake Alipay Root CA")

    def issue(subject: x509.Name, key: rsa.RSAPublicKey, serial: int) -> x509.Certificate:
        now = datetime.datetime.now(datetime.UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(root_name)
            .public_key(key)
            .serial_number(serial)
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .sign(root_key, hashes.SHA256())
        )

    root = issue(root_name, root_key.public_key(), 1)
    app = issue(_name("2021000000000001"), keys.app.public_key(), 1001)
    alipay = issue(_name("支付宝(杭州)信息技术有限公司"), keys.alipay.public_key(), 1002)

    def pem(cert: x509.Certificate) -> str:
        return cert.public_bytes(serialization.Encoding.PEM).decode()

    return Certificates(pem(app), pem(alipay), pem(root), cert_sn(app), cert_sn(root))


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Fake Alipay"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
