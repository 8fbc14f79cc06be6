"""Notification channels for booking_core, each an adapter behind the notifier port.

The core emits a template id and its parameters (``booking_core.ports.notifier.Message``);
the channels here render them (:class:`Renderer`, texts in :mod:`.texts`) or map them to a
provider's approved template, and send:

- :class:`EmailNotifier` — SMTP;
- :class:`WebhookNotifier` — partner webhooks signed per Standard Webhooks;
- :class:`AliyunSmsNotifier` and :class:`TencentSmsNotifier` — SMS (:class:`SmsTemplate`);
- :class:`WeChatSubscribeNotifier` — mini-program subscribe messages (:class:`WeChatTemplate`);
- :class:`ConsoleNotifier` — one line per message on a text stream.

None raises for a provider's refusal: each answers a ``DeliveryResult``.
"""

from booking_core_notifications.console import ConsoleNotifier
from booking_core_notifications.email import EmailNotifier
from booking_core_notifications.sms import SmsTemplate
from booking_core_notifications.sms_aliyun import AliyunSmsNotifier
from booking_core_notifications.sms_tencent import TencentSmsNotifier
from booking_core_notifications.templates import Rendered, Renderer
from booking_core_notifications.texts import LOCALES, TEXTS, TemplateText
from booking_core_notifications.webhook import WebhookNotifier
from booking_core_notifications.wechat import WeChatSubscribeNotifier, WeChatTemplate

__all__ = [
    "LOCALES",
    "TEXTS",
    "AliyunSmsNotifier",
    "ConsoleNotifier",
    "EmailNotifier",
    "Rendered",
    "Renderer",
    "SmsTemplate",
    "TemplateText",
    "TencentSmsNotifier",
    "WeChatSubscribeNotifier",
    "WeChatTemplate",
    "WebhookNotifier",
]
