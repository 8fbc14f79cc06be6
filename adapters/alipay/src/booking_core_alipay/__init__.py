"""Alipay for booking_core: a payment gateway (H5, web, app and QR payments, refunds,
notifications) and a payout gateway (transfers to Alipay accounts), over python-alipay-sdk."""

from booking_core_alipay.amounts import from_yuan, to_yuan
from booking_core_alipay.config import AlipayConfig
from booking_core_alipay.gateway import AlipayGateway
from booking_core_alipay.keys import decode_key, encode_key
from booking_core_alipay.transfers import AlipayTransfers, PayeeName

__all__ = [
    "AlipayConfig",
    "AlipayGateway",
    "AlipayTransfers",
    "PayeeName",
    "decode_key",
    "encode_key",
    "from_yuan",
    "to_yuan",
]
