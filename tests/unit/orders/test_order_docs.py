"""docs/orders.md draws the real charts and its examples print what it says."""

from __future__ import annotations

import pytest

from booking_core.orders.complaint import ComplaintLifecycle
from booking_core.orders.diagram import mermaid
from booking_core.orders.lifecycle import OrderLifecycle
from tests.docs_examples import DOCS, blocks

DOC = DOCS / "orders.md"


def test_the_diagrams_match_the_charts() -> None:
    order_chart, complaint_chart = blocks(DOC, "mermaid")

    assert order_chart == mermaid(OrderLifecycle)
    assert complaint_chart == mermaid(ComplaintLifecycle)


def test_every_event_and_state_of_the_chart_is_drawn() -> None:
    drawn = mermaid(OrderLifecycle)

    for state in OrderLifecycle.states:
        assert f" {state.value} " in drawn or f" {state.value}\n" in drawn
    for event in OrderLifecycle.events:
        assert f": {event.id}" in drawn


EXPECTED = [
    "too_early ['lead_time_reached'] 2026-03-03T07:00:00+08:00\ndeparted",
    "59.70 CNY pending_acceptance",
    "order_already_cancelled\n[('captured', 19900), ('refunded', 19900)]",
    "Free with at least 24 h notice; 30 % fee with at least 2 h notice; 100 % fee after that.\n"
    "59.70 CNY 139.30 CNY\npartially_refunded",
    "Free with at least 48 h notice; 50 % fee with at least 6 h notice; 80 % fee after that.\n"
    "159.20 CNY\ninvalid_order_policy",
    "partially_refunded [('captured', 19900), ('refunded', 6600)]",
    "179.00 CNY used\npayments_clearing: 179.00 CNY\ntechnician_payable:tec_0005: -139.30 CNY\n"
    "platform_revenue: -59.70 CNY\npromotion_expense: 20.00 CNY",
    "pay:ord_0007:ful:1 {'payments_clearing': 19900, 'customer_funds': -19900}\n"
    "fee:ord_0007:1 {'customer_funds': 5970, 'technician_payable:tec_0005': -4179, "
    "'platform_revenue': -1791}\n"
    "refund:ord_0007:rf:1 {'customer_funds': 13930, 'payments_clearing': -13930}",
]


@pytest.mark.parametrize(("n", "expected"), list(enumerate(EXPECTED)))
def test_the_examples_print_what_the_page_says(
    n: int, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    exec(blocks(DOC)[n], {})

    assert capsys.readouterr().out.strip() == expected
    assert expected.splitlines()[0] in DOC.read_text(encoding="utf-8")
