"""WeChat mini-program login: the port and a deterministic fake.

A mini-program calls ``wx.login()`` and sends the ``js_code`` it gets to the server, which
trades it with WeChat (``code2session``, with the app id and secret) for the user's
``openid`` — and ``unionid`` when the app belongs to an open platform account. A platform
plugs in its own :class:`WeChatLogin` that calls WeChat; tests and the demo use
:class:`FakeWeChatLogin`.
"""

from __future__ import annotations

import hashlib
from typing import Final, Protocol

import attrs

from booking_server.auth.errors import WeChatLoginFailed

__all__ = ["FakeWeChatLogin", "WeChatIdentity", "WeChatLogin"]


@attrs.frozen
class WeChatIdentity:
    """Who WeChat says the mini-program user is."""

    openid: str
    unionid: str | None = None


class WeChatLogin(Protocol):
    """Trades a mini-program login code for the user's identity."""

    def code2session(self, js_code: str) -> WeChatIdentity:
        """The identity behind ``js_code``.

        Raises:
            WeChatLoginFailed: WeChat refused the code (invalid, used or expired).
        """
        ...


class FakeWeChatLogin:
    """A stand-in for WeChat: each ``js_code`` is one user, the same on every call.

    Codes starting with ``invalid`` are refused, as WeChat refuses a spent code.
    """

    REFUSED_PREFIX: Final = "invalid"

    def code2session(self, js_code: str) -> WeChatIdentity:
        """``openid`` ``fake-openid-<hash of js_code>``; no unionid."""
        if not js_code or js_code.startswith(self.REFUSED_PREFIX):
            raise WeChatLoginFailed("WeChat did not accept the login code; call wx.login() again.")
        digest = hashlib.sha256(js_code.encode()).hexdigest()[:16]
        return WeChatIdentity(openid=f"fake-openid-{digest}")
