"""A partner's webhook endpoint: verifies each delivery with the Standard Webhooks library."""

from __future__ import annotations

from standardwebhooks import Webhook, WebhookVerificationError

from .http import Answer, FakeHttpProvider, Request

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class PartnerEndpoint(FakeHttpProvider):
    """``mode``: ``ok``, ``refuse`` (422), ``gone`` (410), ``throttle`` (429) or ``busy``."""

    def __init__(self, secret: str = SECRET) -> None:
        super().__init__()
        self.webhook = Webhook(secret)
        self.mode = "ok"
        self.delivered: list[tuple[dict[str, str], dict[str, object]]] = []

    @property
    def endpoint(self) -> str:
        return f"{self.url}/hooks/booking"

    def answer(self, request: Request) -> Answer:
        try:
            payload = self.webhook.verify(request.body, request.headers)
        except WebhookVerificationError as exc:
            return Answer(401, f"bad signature: {exc}".encode(), "text/plain")
        status = {"refuse": 422, "gone": 410, "throttle": 429, "busy": 503}.get(self.mode)
        if status:
            return Answer.json({"error": f"partner says {status}"}, status)
        self.delivered.append((request.headers, payload))
        return Answer(204)
