"""WeChat Pay (API v3) for booking_core, over the ``wechatpayv3`` SDK.

* :class:`WeChatPayGateway` — the payment gateway port: JSAPI (mini-program), Native (QR)
  and app payments, refunds, signed and encrypted notifications, and the daily trade bill
  (对账单) as the core's statement source.
* :class:`WeChatPayTransfers` — the payout port: 商家转账到零钱 (transfer batches) to
  WeChat wallets.
* :class:`WeChatPayConfig` — the merchant's credentials.
"""

from booking_core_wechatpay.config import WeChatPayConfig
from booking_core_wechatpay.gateway import WECHATPAY_CAPABILITIES, WeChatPayGateway, failure_ack
from booking_core_wechatpay.keys import out_refund_no, out_trade_no, refund_key_of
from booking_core_wechatpay.transfers import WeChatPayTransfers

__all__ = [
    "WECHATPAY_CAPABILITIES",
    "WeChatPayConfig",
    "WeChatPayGateway",
    "WeChatPayTransfers",
    "failure_ack",
    "out_refund_no",
    "out_trade_no",
    "refund_key_of",
]
