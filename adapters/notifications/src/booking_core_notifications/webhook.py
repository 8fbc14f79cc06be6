"""Partner webhooks signed per the Standard Webhooks specification."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

from booking_core.errors import BookingError
from booking_core.ports.notifier import DeliveryOutcome, DeliveryResult, Message
from booking_core_notifications._http import new_client, retryable_status, short, transport_failure
from booking_core_notifications.templates import Renderer

__all__ = ["WebhookNotifier"]

#: The endpoint's secret (``whsec_`` + base64), or None for an endpoint we do not know.
SecretLookup = Callable[[str], str | None]


class WebhookNotifier:
    """POSTs each message as JSON to the endpoint URL in ``Message.recipient``.

    The body is ``{"type": template, "timestamp": ISO-8601, "data": params, "locale": …,
    "title": …, "body": …}`` (title and body rendered in the message's locale). The headers
    ``webhook-id`` (the dedupe key, the same on every retry), ``webhook-timestamp`` and
    ``webhook-signature`` let the partner verify it with any Standard Webhooks library.

    Outcomes: 2xx is ACCEPTED (``provider_id`` = the webhook id); 408, 425, 429, 5xx,
    timeouts and connection errors are RETRY_LATER; other answers (4xx, 3xx) and an endpoint
    without a secret are REJECTED. ``detail`` carries the status and the start of the body.

    Args:
        secrets: Endpoint URL → its secret, or a function from URL to secret (None if
            unknown), e.g. reading the partner's settings.
        timeout: Seconds for connecting and for the answer.
        client: An httpx client to use (its own timeouts apply); a new one by default.
        renderer: The texts to use; the shipped ones by default.
        now: The clock for ``webhook-timestamp``.
    """

    def __init__(
        self,
        secrets: Mapping[str, str] | SecretLookup,
        *,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
        renderer: Renderer | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if isinstance(secrets, Mapping):
            known = dict(secrets)
            self._secret_of: SecretLookup = known.get
        else:
            self._secret_of = secrets
        self._client = client or new_client(timeout)
        self._renderer = renderer or Renderer()
        self._now = now

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def send(self, message: Message) -> DeliveryResult:
        """Sign and POST ``message`` to its endpoint once."""
        url = message.recipient
        secret = self._secret_of(url)
        if not secret:
            return DeliveryResult(DeliveryOutcome.REJECTED, detail=f"no secret for {url}")
        try:
            rendered = self._renderer.render(message.template, message.locale, message.params)
        except BookingError as exc:
            return DeliveryResult(DeliveryOutcome.REJECTED, detail=short(exc.message))
        sent_at = self._now()
        body = json.dumps(
            {
                "type": message.template,
                "timestamp": sent_at.isoformat(),
                "data": message.params,
                "locale": message.locale,
                "title": rendered.title,
                "body": rendered.body,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        ident = message.dedupe_key
        try:
            signature = Webhook(secret).sign(ident, sent_at, body)
        except Exception as exc:  # not base64, or empty: the library's error types vary
            return DeliveryResult(
                DeliveryOutcome.REJECTED, detail=short(f"unusable secret for {url}: {exc}")
            )
        headers = {
            "content-type": "application/json",
            "webhook-id": ident,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": signature,
        }
        try:
            response = self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return transport_failure(exc)
        except httpx.InvalidURL as exc:
            return DeliveryResult(DeliveryOutcome.REJECTED, detail=short(f"InvalidURL: {exc}"))
        detail = short(f"HTTP {response.status_code}: {response.text}")
        if response.is_success:
            return DeliveryResult(DeliveryOutcome.ACCEPTED, provider_id=ident, detail=detail)
        if retryable_status(response.status_code):
            return DeliveryResult(DeliveryOutcome.RETRY_LATER, detail=detail)
        return DeliveryResult(DeliveryOutcome.REJECTED, detail=detail)
