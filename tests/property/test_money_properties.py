"""Money.allocate and TimeRange overlap hold for every input (INVARIANTS I9)."""

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from booking_core import Money, TimeRange
from booking_core.testing.strategies import moneys, time_ranges

weights = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12).filter(
    lambda ws: sum(ws) > 0
)


@given(amount=moneys(currency="CNY"), weights=weights)
def test_allocate_sums_exactly_and_each_part_is_within_one_unit(
    amount: Money, weights: list[int]
) -> None:
    parts = amount.allocate(weights)

    assert sum(p.amount for p in parts) == amount.amount
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(amount.amount * weight, sum(weights))
        assert abs(part.amount - exact) < 1


@given(amount=moneys(currency="CNY", min_amount=0), weights=weights)
def test_leftover_units_go_to_largest_remainders_ties_to_lower_index(
    amount: Money, weights: list[int]
) -> None:
    parts = amount.allocate(weights)

    total = sum(weights)
    remainders = [Fraction(amount.amount * w, total) % 1 for w in weights]
    bumped = [i for i, p in enumerate(parts) if p.amount > amount.amount * weights[i] // total]
    others = [i for i in range(len(weights)) if i not in bumped]
    for i in bumped:
        for j in others:
            assert (remainders[i], -i) > (remainders[j], -j)


@st.composite
def capped_allocations(draw: st.DrawFn) -> tuple[int, list[int], list[int | None]]:
    ws = draw(st.lists(st.integers(1, 1000), min_size=1, max_size=8))
    caps = draw(
        st.lists(st.one_of(st.none(), st.integers(0, 50_000)), min_size=len(ws), max_size=len(ws))
    )
    room = None if None in caps else sum(c for c in caps if c is not None)
    total = draw(st.integers(0, room if room is not None else 200_000))
    return total, ws, caps


@given(case=capped_allocations())
def test_allocate_with_caps_never_exceeds_a_cap_and_still_sums(
    case: tuple[int, list[int], list[int | None]],
) -> None:
    total, ws, caps = case
    amount = Money(total, "CNY")

    parts = amount.allocate(ws, caps=[None if c is None else Money(c, "CNY") for c in caps])

    assert sum(p.amount for p in parts) == total
    for part, cap in zip(parts, caps, strict=True):
        assert part.amount >= 0
        if cap is not None:
            assert part.amount <= cap


@given(a=time_ranges(), b=time_ranges())
def test_overlap_is_symmetric_and_matches_interval_arithmetic(a: TimeRange, b: TimeRange) -> None:
    expected = max(a.start, b.start) < min(a.end, b.end)

    assert a.overlaps(b) is expected
    assert b.overlaps(a) is expected


@given(a=time_ranges())
def test_touching_ranges_do_not_overlap(a: TimeRange) -> None:
    after = TimeRange(a.end, a.end.add(minutes=5))

    assert not a.overlaps(after)
    assert not after.overlaps(a)
    assert a.overlaps(a)
