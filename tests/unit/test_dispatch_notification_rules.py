"""The dispatch rules of DEFAULT_RULES on their own (the relay's side is in
tests/integration/test_dispatch_notifications.py): a broadcast tells each technician once
however its list reads, and an offer or broadcast relayed once the order has its
technician tells nobody."""

from __future__ import annotations

import attrs

from booking_core.notifications import OrderFacts, Recipient
from booking_core.notifications.rules import DEFAULT_RULES

WAITING = OrderFacts(
    order_id="ord_1",
    number="20260302-0001",
    service="Chinese tuina",
    start="2026-03-03 10:00",
    customer_id="cus_1",
    technician_id=None,
    technician="",
    store_id=None,
    time_zone="Asia/Shanghai",
)
SEATED = attrs.evolve(WAITING, technician_id="tec_2", technician="T2")
OFFER = {"order_id": "ord_1", "technician_id": "tec_1", "expires_at": "2026-03-02T00:01:00Z"}
BROADCAST = {"order_id": "ord_1", "technician_ids": ["tec_1", "tec_2", "tec_1"]}


def test_a_broadcast_naming_a_technician_twice_tells_him_once() -> None:
    notices = DEFAULT_RULES["OrderBroadcast"](BROADCAST, WAITING)

    assert [n.recipient for n in notices] == [
        Recipient("technician", "tec_1"),
        Recipient("technician", "tec_2"),
    ]


def test_an_offer_reads_its_deadline_in_the_orders_zone() -> None:
    (notice,) = DEFAULT_RULES["OrderOffered"](OFFER, WAITING)

    assert notice.params["deadline"] == "2026-03-02 08:01:00"


def test_an_offer_or_broadcast_relayed_once_the_order_is_seated_tells_nobody() -> None:
    assert DEFAULT_RULES["OrderOffered"](OFFER, SEATED) == []
    assert DEFAULT_RULES["OrderBroadcast"](BROADCAST, SEATED) == []
