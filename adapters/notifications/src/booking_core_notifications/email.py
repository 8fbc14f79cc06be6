"""E-mail over SMTP (the standard library's ``smtplib``)."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from booking_core.errors import BookingError
from booking_core.ports.notifier import DeliveryOutcome, DeliveryResult, Message
from booking_core_notifications._http import short
from booking_core_notifications.templates import Renderer

__all__ = ["EmailNotifier", "message_id"]


def message_id(dedupe_key: str, domain: str) -> str:
    """The ``Message-ID`` of the e-mail for ``dedupe_key``: the same on every retry.

    A hash, because a dedupe key may hold characters a Message-ID cannot (``:``).
    """
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


class EmailNotifier:
    """Sends each message as a plain-text e-mail; ``Message.recipient`` is the address.

    The subject is the rendered title, the body the rendered text, in the message's locale.
    The ``Message-ID`` is derived from the dedupe key, so a retried message keeps its id and
    mail systems that deduplicate by it show it once.

    Outcomes: a 5xx SMTP reply (mailbox unknown, relay denied, bad credentials) is
    REJECTED; a 4xx reply, a lost or refused connection and a timeout are RETRY_LATER; a
    template that cannot be rendered is REJECTED (a retry cannot fix it).

    Args:
        host, port: The SMTP server (a relay or the provider's submission port).
        sender: The ``From`` address.
        starttls: Upgrade the connection with STARTTLS before sending (port 587).
        username, password: Log in when given (after STARTTLS).
        timeout: Seconds for connecting and for each SMTP reply.
        domain: The right-hand side of Message-IDs; the sender's domain by default.
        renderer: The texts to use; the shipped ones by default.
        tls_context: For STARTTLS; the system's default trust store by default.
    """

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        domain: str | None = None,
        renderer: Renderer | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._starttls = starttls
        self._login = (username, password) if username is not None else None
        self._timeout = timeout
        self._domain = domain or sender.rpartition("@")[2] or "localhost"
        self._renderer = renderer or Renderer()
        self._tls_context = tls_context

    def send(self, message: Message) -> DeliveryResult:
        """Render ``message`` and hand it to the SMTP server once."""
        try:
            rendered = self._renderer.render(message.template, message.locale, message.params)
        except BookingError as exc:
            return DeliveryResult(DeliveryOutcome.REJECTED, detail=short(exc.message))
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = message.recipient
        mail["Subject"] = rendered.title
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        mail["Message-ID"] = ident = message_id(message.dedupe_key, self._domain)
        mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
        mail.set_content(rendered.body)
        mail["Content-Language"] = message.locale  # after set_content, which clears Content-*
        try:
            self._deliver(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            replies = "; ".join(f"{code} {_text(reply)}" for code, reply in exc.recipients.values())
            return _by_code(min(codes, default=550), f"recipient refused: {replies}")
        except smtplib.SMTPResponseException as exc:
            return _by_code(exc.smtp_code, f"{exc.smtp_code} {_text(exc.smtp_error)}")
        except smtplib.SMTPNotSupportedError as exc:
            return DeliveryResult(DeliveryOutcome.REJECTED, detail=short(f"SMTP: {exc}"))
        except (smtplib.SMTPException, OSError) as exc:
            # Refused or lost connections, timeouts, TLS failures: try again later.
            return DeliveryResult(
                DeliveryOutcome.RETRY_LATER, detail=short(f"{type(exc).__name__}: {exc}")
            )
        return DeliveryResult(DeliveryOutcome.ACCEPTED, provider_id=ident, detail="250 sent")

    def _deliver(self, mail: EmailMessage) -> None:
        with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
            if self._starttls:
                smtp.starttls(context=self._tls_context or ssl.create_default_context())
            if self._login is not None:
                smtp.login(self._login[0], self._login[1] or "")
            smtp.send_message(mail)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _by_code(code: int, detail: str) -> DeliveryResult:
    outcome = DeliveryOutcome.REJECTED if code >= 500 else DeliveryOutcome.RETRY_LATER
    return DeliveryResult(outcome, detail=short(detail))
