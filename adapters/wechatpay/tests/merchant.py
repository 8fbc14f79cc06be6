"""The test merchant's account at the fake WeChat Pay (made-up values)."""

MCHID = "1900000109"
APPID = "wxd678efh567hg6787"
MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000001092025120700000000"
APIV3_KEY = "a12d3924fd499edac8a5efc2b7d4c9e1"  # 32 characters, test only
NOTIFY_URL = "https://booking.example.com/webhooks/wechatpay"
