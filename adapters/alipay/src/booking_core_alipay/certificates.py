"""Certificate mode (公钥证书模式): the serial numbers Alipay wants on each request, and
Alipay's public key out of its certificate.

python-alipay-sdk's ``DCAliPay`` computes these with pyOpenSSL calls that pyOpenSSL has
deprecated (``X509.get_issuer`` …, slated for removal); the same algorithm with
``cryptography``: md5 of ``CN=…,OU=…,O=…,C=…`` of the issuer followed by the decimal serial.
"""

from __future__ import annotations

import hashlib
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID, SignatureAlgorithmOID

__all__ = ["cert_sn", "public_key_pem", "root_cert_sn"]

# The RSA signature algorithms whose root certificates count (the SM2 one does not).
_RSA: Final = frozenset(
    {
        SignatureAlgorithmOID.RSA_WITH_MD5,
        SignatureAlgorithmOID.RSA_WITH_SHA1,
        SignatureAlgorithmOID.RSA_WITH_SHA256,
        SignatureAlgorithmOID.RSA_WITH_SHA384,
        SignatureAlgorithmOID.RSA_WITH_SHA512,
    }
)


def _sn(cert: x509.Certificate) -> str:
    def part(oid: x509.ObjectIdentifier) -> str:
        found = cert.issuer.get_attributes_for_oid(oid)
        return str(found[0].value) if found else "None"

    name = (
        f"CN={part(NameOID.COMMON_NAME)},OU={part(NameOID.ORGANIZATIONAL_UNIT_NAME)},"
        f"O={part(NameOID.ORGANIZATION_NAME)},C={part(NameOID.COUNTRY_NAME)}"
    )
    return hashlib.md5((name + str(cert.serial_number)).encode()).hexdigest()  # Alipay's choice


def cert_sn(pem: str) -> str:
    """The serial number of one certificate (the app's: ``app_cert_sn``)."""
    return _sn(x509.load_pem_x509_certificate(pem.encode()))


def root_cert_sn(pem: str) -> str:
    """The serial number of Alipay's root chain (``alipay_root_cert_sn``): its RSA
    certificates' numbers joined by ``_``."""
    certs = x509.load_pem_x509_certificates(pem.encode())
    numbers = [_sn(cert) for cert in certs if cert.signature_algorithm_oid in _RSA]
    if not numbers:
        raise ValueError("The root certificate chain holds no RSA certificate.")
    return "_".join(numbers)


def public_key_pem(pem: str) -> str:
    """The public key a certificate certifies, PEM."""
    key = x509.load_pem_x509_certificate(pem.encode()).public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
