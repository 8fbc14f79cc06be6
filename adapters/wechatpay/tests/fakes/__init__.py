"""A local WeChat Pay API v3 server standing in for api.mch.weixin.qq.com."""
