"""Imported busy time is never offered (issue 15, "Must show"), and what is offered is
still bookable (I2) with busy blocks in the agenda."""

from __future__ import annotations

import pendulum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking_core.ids import CustomerId
from booking_core.orders import Actor
from booking_core.scheduling import BusyBlock
from booking_core.services.bulk_import import ImportedBusyBlock, RowStatus
from booking_core.services.ordering import PlaceOrder
from booking_core.testing.orders import HOME, OPERATOR, at, order_world
from booking_core.timerange import TimeRange

#: (minutes after Tuesday 08:00, length in minutes, buffer before, buffer after)
_BLOCKS = st.lists(
    st.tuples(
        st.integers(0, 14 * 60),
        st.integers(1, 180),
        st.sampled_from([0, 5, 15, 30]),
        st.sampled_from([0, 10, 45]),
    ),
    max_size=6,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocks=_BLOCKS, seconds=st.sampled_from([0, 30]), book_index=st.integers(0, 50))
def test_imported_busy_time_is_never_offered(
    blocks: list[tuple[int, int, int, int]], seconds: int, book_index: int
) -> None:
    world = order_world()
    rows = [
        ImportedBusyBlock(
            f"b{n}",
            world.li,
            at(3, 8).add(minutes=offset, seconds=seconds),
            at(3, 8).add(minutes=offset + length, seconds=seconds),
            buffer_before_minutes=before,
            buffer_after_minutes=after,
        )
        for n, (offset, length, before, after) in enumerate(blocks)
    ]
    report = world.app.imports.run(OPERATOR, busy_blocks=rows)
    assert all(r.status is RowStatus.IMPORTED for r in report.rows)
    stored: list[BusyBlock] = world.app.outside_calendars.blocks(OPERATOR, world.li)

    slots = world.app.availability.free_slots_between(
        world.li, world.tuina, pendulum.date(2026, 3, 3), pendulum.date(2026, 3, 4)
    )

    for slot in slots:
        for block in stored:
            assert not slot.overlaps(block.blocked), (slot, block)
    every_hour = [TimeRange(at(3, 9).add(hours=h), at(3, 10).add(hours=h)) for h in range(12)]
    # The blocks took something away: an hour with a block is never offered.
    offered = {s.start for s in slots}
    for hour in every_hour:
        if any(hour.overlaps(b.blocked) for b in stored):
            assert hour.start not in offered
    if slots:  # one rule engine: an offered start is bookable
        start = slots[book_index % len(slots)].start
        customer = CustomerId("cus_1")
        world.app.ordering.place_order(
            PlaceOrder(customer, world.li, world.tuina, start, location=HOME),
            Actor.customer(customer),
        )
