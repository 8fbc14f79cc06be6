"""The wording of every template in every locale: one place to read and change it.

Each entry is a Jinja2 title and body for one template id of
:data:`booking_core.notifications.catalog.TEMPLATES`. Every text names every parameter the core
fills for its template (the tests check it), so nothing the core sends is silently
dropped, and a text that needs a name the core does not send fails in the tests.

Texts are plain text (SMS-length titles, short bodies); ``{{ start }}`` is already the
local time of the slot, written ``YYYY-MM-DD HH:mm``, and ``{{ deadline }}`` (an offer's)
the local time it lapses, ``YYYY-MM-DD HH:mm:ss``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import attrs

__all__ = ["LOCALES", "TEXTS", "TemplateText"]


@attrs.frozen
class TemplateText:
    """The Jinja2 source of one template in one locale."""

    title: str
    body: str


# Orders are opened in the apps by their id: a short path the apps turn into a link.
_ZH_ORDER = "\n订单详情：/orders/{{ order_id }}"
_EN_ORDER = "\nOrder details: /orders/{{ order_id }}"

_ZH_CN = {
    "order_placed": TemplateText(
        "新订单 {{ order_number }}",
        "新订单 {{ order_number }}：{{ service }}，{{ start }}。请尽快确认接单。" + _ZH_ORDER,
    ),
    "order_paid": TemplateText(
        "订单 {{ order_number }} 已支付",
        "订单 {{ order_number }}（{{ service }}，{{ start }}）已支付 {{ amount }}。" + _ZH_ORDER,
    ),
    "order_accepted": TemplateText(
        "{{ technician }} 已接单",
        "您预约的{{ service }}（{{ start }}）已由{{ technician }}接单，"
        "订单号 {{ order_number }}。" + _ZH_ORDER,
    ),
    "technician_departed": TemplateText(
        "{{ technician }} 已出发",
        "{{ technician }}已出发，前往为您提供{{ service }}（预约时间 {{ start }}，"
        "订单号 {{ order_number }}）。请保持电话畅通。" + _ZH_ORDER,
    ),
    "technician_arrived": TemplateText(
        "{{ technician }} 已到达",
        "{{ technician }}已到达服务地址，即将开始{{ service }}（{{ start }}，"
        "订单号 {{ order_number }}）。" + _ZH_ORDER,
    ),
    "order_completed": TemplateText(
        "服务已完成",
        "订单 {{ order_number }} 的{{ service }}（{{ start }}）已完成，欢迎评价本次服务。"
        + _ZH_ORDER,
    ),
    "order_cancelled": TemplateText(
        "订单 {{ order_number }} 已取消",
        "订单 {{ order_number }}（{{ service }}，{{ start }}）已取消。原因：{{ reason }}"
        + _ZH_ORDER,
    ),
    "order_rescheduled": TemplateText(
        "订单 {{ order_number }} 已改期",
        "订单 {{ order_number }} 的{{ service }}已从 {{ previous_start }} 改到 {{ start }}。"
        + _ZH_ORDER,
    ),
    "order_assigned": TemplateText(
        "新指派订单 {{ order_number }}",
        "订单 {{ order_number }}（{{ service }}，{{ start }}）已指派给您，请尽快确认接单。"
        + _ZH_ORDER,
    ),
    "order_unassigned": TemplateText(
        "订单 {{ order_number }} 已改派",
        "订单 {{ order_number }}（{{ service }}，{{ start }}）已改派给其他技师，"
        "您无需前往。" + _ZH_ORDER,
    ),
    "technician_changed": TemplateText(
        "已为您更换技师",
        "您预约的{{ service }}（{{ start }}，订单号 {{ order_number }}）"
        "改由{{ technician }}为您服务。" + _ZH_ORDER,
    ),
    "order_offered": TemplateText(
        "新派单 {{ order_number }}",
        "平台向您派单 {{ order_number }}：{{ service }}，{{ start }}。"
        "请在 {{ deadline }} 前接单或拒绝，逾时将派给其他技师。" + _ZH_ORDER,
    ),
    "order_open_for_grab": TemplateText(
        "可抢订单 {{ order_number }}",
        "附近有新订单 {{ order_number }} 可抢：{{ service }}，{{ start }}。先抢先得。" + _ZH_ORDER,
    ),
    "order_refunded": TemplateText(
        "已退款 {{ amount }}",
        "订单 {{ order_number }}（{{ service }}，{{ start }}）已退款 {{ amount }}，"
        "将按原支付方式退回。" + _ZH_ORDER,
    ),
    "order_needs_attention": TemplateText(
        "订单 {{ order_number }} 需要处理",
        "订单 {{ order_number }}（{{ service }}，{{ start }}）需要人工处理：{{ problem }}。\n"
        "{{ detail }}" + _ZH_ORDER,
    ),
    "complaint_opened": TemplateText(
        "已收到投诉 {{ complaint_id }}",
        "关于订单 {{ order_number }}（{{ service }}，{{ start }}）的投诉已受理，"
        "投诉编号 {{ complaint_id }}，我们会尽快处理。" + _ZH_ORDER,
    ),
    "complaint_resolved": TemplateText(
        "投诉 {{ complaint_id }} 已处理",
        "关于订单 {{ order_number }}（{{ service }}，{{ start }}）的投诉 {{ complaint_id }} "
        "已处理：{{ outcome }}。" + _ZH_ORDER,
    ),
    "reminder_soon": TemplateText(
        "{{ minutes }} 分钟后开始服务",
        "您预约的{{ service }}将在 {{ minutes }} 分钟后（{{ start }}）开始，"
        "订单号 {{ order_number }}。" + _ZH_ORDER,
    ),
    "reminder_day_before": TemplateText(
        "明天的预约：{{ service }}",
        "温馨提醒：您预约的{{ service }}将于 {{ start }} 开始，订单号 {{ order_number }}。"
        + _ZH_ORDER,
    ),
    "application_decided": TemplateText(
        "入驻申请审核结果：{{ outcome }}",
        "您的入驻申请 {{ application_id }} 审核结果：{{ outcome }}。说明：{{ reason }}",
    ),
    "document_expiring": TemplateText(
        "证件即将过期",
        "您在入驻申请 {{ application_id }} 中提交的证件（{{ documents }}）将于 "
        "{{ expires_on }} 过期，请及时上传新证件，以免影响接单。",
    ),
    "tip_received": TemplateText(
        "您收到打赏 {{ amount }}",
        "顾客为订单 {{ order_number }}（{{ service }}，{{ start }}）打赏了 {{ amount }}，"
        "已全额计入您的收入。" + _ZH_ORDER,
    ),
    "review_received": TemplateText(
        "您收到一条 {{ stars }} 星评价",
        "顾客对订单 {{ order_number }}（{{ service }}，{{ start }}）给出了 {{ stars }} 星评价，"
        "可在评价中回复。" + _ZH_ORDER,
    ),
    "review_replied": TemplateText(
        "技师回复了您的评价",
        "您对订单 {{ order_number }}（{{ service }}，{{ start }}）的评价 {{ review_id }} "
        "收到了技师的回复。" + _ZH_ORDER,
    ),
    "review_followed_up": TemplateText(
        "顾客追加了评价",
        "顾客对订单 {{ order_number }}（{{ service }}，{{ start }}）的评价 {{ review_id }} "
        "追加了评价。" + _ZH_ORDER,
    ),
    "review_hidden": TemplateText(
        "一条评价已被隐藏",
        "订单 {{ order_number }}（{{ service }}，{{ start }}）的评价 {{ review_id }} 已被平台"
        "隐藏，原因：{{ reason }}。如有异议可提出申诉。" + _ZH_ORDER,
    ),
    "review_appealed": TemplateText(
        "评价申诉待处理 {{ review_id }}",
        "技师对订单 {{ order_number }}（{{ service }}，{{ start }}）被隐藏的评价 "
        "{{ review_id }} 提出申诉，请处理。" + _ZH_ORDER,
    ),
    "review_appeal_decided": TemplateText(
        "评价申诉结果：{{ outcome }}",
        "您对订单 {{ order_number }}（{{ service }}，{{ start }}）评价 {{ review_id }} "
        "的申诉已处理：{{ outcome }}。" + _ZH_ORDER,
    ),
    "withdrawal_to_approve": TemplateText(
        "提现待审核 {{ withdrawal_id }}",
        "{{ payee }} 申请提现 {{ amount }}（到账 {{ net }}），超过自动审核额度，请审核。",
    ),
    "withdrawal_approved": TemplateText(
        "提现已通过审核",
        "您的提现 {{ withdrawal_id }}：{{ amount }}（到账 {{ net }}）已通过审核，正在打款。",
    ),
    "withdrawal_rejected": TemplateText(
        "提现未通过审核",
        "您的提现 {{ withdrawal_id }}：{{ amount }} 未通过审核，已退回余额。原因：{{ reason }}"
        "（到账金额原为 {{ net }}）",
    ),
    "withdrawal_paid": TemplateText(
        "提现已到账 {{ net }}",
        "您的提现 {{ withdrawal_id }}：{{ amount }} 已打款，到账 {{ net }}。",
    ),
    "withdrawal_failed": TemplateText(
        "提现打款失败",
        "您的提现 {{ withdrawal_id }}：{{ amount }}（到账 {{ net }}）打款失败，已退回余额。"
        "原因：{{ reason }}",
    ),
}

_EN = {
    "order_placed": TemplateText(
        "New order {{ order_number }}",
        "New order {{ order_number }}: {{ service }}, {{ start }}. Please accept it soon."
        + _EN_ORDER,
    ),
    "order_paid": TemplateText(
        "Order {{ order_number }} is paid",
        "Order {{ order_number }} ({{ service }}, {{ start }}) is paid: {{ amount }}." + _EN_ORDER,
    ),
    "order_accepted": TemplateText(
        "{{ technician }} accepted your booking",
        "{{ technician }} accepted your {{ service }} on {{ start }} "
        "(order {{ order_number }})." + _EN_ORDER,
    ),
    "technician_departed": TemplateText(
        "{{ technician }} is on the way",
        "{{ technician }} is on the way for your {{ service }} booked for {{ start }} "
        "(order {{ order_number }}). Please keep your phone at hand." + _EN_ORDER,
    ),
    "technician_arrived": TemplateText(
        "{{ technician }} has arrived",
        "{{ technician }} has arrived for your {{ service }} on {{ start }} "
        "(order {{ order_number }})." + _EN_ORDER,
    ),
    "order_completed": TemplateText(
        "Service completed",
        "Your {{ service }} on {{ start }} (order {{ order_number }}) is completed. "
        "We would love to hear how it went." + _EN_ORDER,
    ),
    "order_cancelled": TemplateText(
        "Order {{ order_number }} cancelled",
        "Order {{ order_number }} ({{ service }}, {{ start }}) was cancelled. "
        "Reason: {{ reason }}" + _EN_ORDER,
    ),
    "order_rescheduled": TemplateText(
        "Order {{ order_number }} rescheduled",
        "Your {{ service }} (order {{ order_number }}) moved from {{ previous_start }} "
        "to {{ start }}." + _EN_ORDER,
    ),
    "order_assigned": TemplateText(
        "Order {{ order_number }} assigned to you",
        "Order {{ order_number }} ({{ service }}, {{ start }}) is now yours. "
        "Please accept it soon." + _EN_ORDER,
    ),
    "order_unassigned": TemplateText(
        "Order {{ order_number }} reassigned",
        "Order {{ order_number }} ({{ service }}, {{ start }}) went to another technician: "
        "you need not go." + _EN_ORDER,
    ),
    "technician_changed": TemplateText(
        "Your technician changed",
        "{{ technician }} will now do your {{ service }} ({{ start }}, order "
        "{{ order_number }})." + _EN_ORDER,
    ),
    "order_offered": TemplateText(
        "Order {{ order_number }} offered to you",
        "Order {{ order_number }} ({{ service }}, {{ start }}) is offered to you. "
        "Accept or refuse it by {{ deadline }}; after that it goes to another technician."
        + _EN_ORDER,
    ),
    "order_open_for_grab": TemplateText(
        "Order {{ order_number }} open to grab",
        "Order {{ order_number }} ({{ service }}, {{ start }}) near you is open to grab: "
        "the first to take it gets it." + _EN_ORDER,
    ),
    "order_refunded": TemplateText(
        "Refunded {{ amount }}",
        "{{ amount }} was refunded for order {{ order_number }} ({{ service }}, {{ start }}) "
        "to the original payment method." + _EN_ORDER,
    ),
    "order_needs_attention": TemplateText(
        "Order {{ order_number }} needs attention",
        "Order {{ order_number }} ({{ service }}, {{ start }}) needs a person: {{ problem }}.\n"
        "{{ detail }}" + _EN_ORDER,
    ),
    "complaint_opened": TemplateText(
        "Complaint {{ complaint_id }} received",
        "We received your complaint {{ complaint_id }} about order {{ order_number }} "
        "({{ service }}, {{ start }}) and will look into it soon." + _EN_ORDER,
    ),
    "complaint_resolved": TemplateText(
        "Complaint {{ complaint_id }} resolved",
        "Your complaint {{ complaint_id }} about order {{ order_number }} "
        "({{ service }}, {{ start }}) was resolved: {{ outcome }}." + _EN_ORDER,
    ),
    "reminder_soon": TemplateText(
        "Starting in {{ minutes }} minutes",
        "Your {{ service }} starts in {{ minutes }} minutes, at {{ start }} "
        "(order {{ order_number }})." + _EN_ORDER,
    ),
    "reminder_day_before": TemplateText(
        "Tomorrow: {{ service }}",
        "A reminder: your {{ service }} starts at {{ start }} (order {{ order_number }})."
        + _EN_ORDER,
    ),
    "application_decided": TemplateText(
        "Your application: {{ outcome }}",
        "Your application {{ application_id }} was decided: {{ outcome }}. Note: {{ reason }}",
    ),
    "document_expiring": TemplateText(
        "A document is about to expire",
        "The documents ({{ documents }}) of your application {{ application_id }} expire on "
        "{{ expires_on }}. Please upload new ones to keep receiving orders.",
    ),
    "tip_received": TemplateText(
        "You were tipped {{ amount }}",
        "A customer tipped you {{ amount }} for order {{ order_number }} ({{ service }}, "
        "{{ start }}); all of it is added to your earnings." + _EN_ORDER,
    ),
    "review_received": TemplateText(
        "You received a {{ stars }}-star review",
        "A customer gave order {{ order_number }} ({{ service }}, {{ start }}) {{ stars }} "
        "stars; you may reply to the review." + _EN_ORDER,
    ),
    "review_replied": TemplateText(
        "The technician replied to your review",
        "Your review {{ review_id }} of order {{ order_number }} ({{ service }}, {{ start }}) "
        "has a reply from the technician." + _EN_ORDER,
    ),
    "review_followed_up": TemplateText(
        "A customer added to a review",
        "The customer added a follow-up to review {{ review_id }} of order "
        "{{ order_number }} ({{ service }}, {{ start }})." + _EN_ORDER,
    ),
    "review_hidden": TemplateText(
        "A review was hidden",
        "Review {{ review_id }} of order {{ order_number }} ({{ service }}, {{ start }}) was "
        "hidden by the platform: {{ reason }}. You may appeal." + _EN_ORDER,
    ),
    "review_appealed": TemplateText(
        "Review appeal {{ review_id }} to decide",
        "The technician appealed the hiding of review {{ review_id }} of order "
        "{{ order_number }} ({{ service }}, {{ start }}). Please decide." + _EN_ORDER,
    ),
    "review_appeal_decided": TemplateText(
        "Review appeal decided: {{ outcome }}",
        "Your appeal for review {{ review_id }} of order {{ order_number }} ({{ service }}, "
        "{{ start }}) was decided: {{ outcome }}." + _EN_ORDER,
    ),
    "withdrawal_to_approve": TemplateText(
        "Withdrawal {{ withdrawal_id }} to approve",
        "{{ payee }} asks to withdraw {{ amount }} ({{ net }} paid out), above the approval "
        "limit. Please approve or reject it.",
    ),
    "withdrawal_approved": TemplateText(
        "Your withdrawal was approved",
        "Your withdrawal {{ withdrawal_id }} of {{ amount }} ({{ net }} paid out) was "
        "approved and is being paid.",
    ),
    "withdrawal_rejected": TemplateText(
        "Your withdrawal was rejected",
        "Your withdrawal {{ withdrawal_id }} of {{ amount }} ({{ net }} to be paid out) was "
        "rejected and returned to your balance. Reason: {{ reason }}",
    ),
    "withdrawal_paid": TemplateText(
        "{{ net }} paid out",
        "Your withdrawal {{ withdrawal_id }} of {{ amount }} was paid out: {{ net }}.",
    ),
    "withdrawal_failed": TemplateText(
        "Your withdrawal could not be paid",
        "The payout of your withdrawal {{ withdrawal_id }} of {{ amount }} ({{ net }}) failed; "
        "the money is back in your balance. Reason: {{ reason }}",
    ),
}

#: The locales every template is written in.
LOCALES = ("zh-CN", "en")

#: locale → template id → its title and body.
TEXTS: Mapping[str, Mapping[str, TemplateText]] = MappingProxyType(
    {"zh-CN": MappingProxyType(_ZH_CN), "en": MappingProxyType(_EN)}
)
