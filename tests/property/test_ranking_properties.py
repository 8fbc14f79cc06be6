"""Ranking properties: points add up to the score, every factor is named, a weight of zero
removes its factor, and each factor pulls in the right direction."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pendulum
from hypothesis import given
from hypothesis import strategies as st

from booking_core.dispatch import CandidateFacts, Factor, RankingWeights, rank
from booking_core.ids import TechnicianId

NOW = pendulum.datetime(2026, 3, 2, 15, tz="Asia/Shanghai")


@st.composite
def facts(draw: st.DrawFn, technician_id: str = "tec_a") -> CandidateFacts:
    return CandidateFacts(
        TechnicianId(technician_id),
        distance_km=draw(st.floats(0, 30)),
        travel_minutes=draw(st.integers(0, 120)),
        rating=draw(st.none() | st.decimals("0", "5", places=1)),
        acceptance_rate=draw(st.none() | st.decimals("0", "1", places=3)),
        last_assigned_at=draw(
            st.none() | st.integers(0, 24 * 60).map(lambda m: NOW.subtract(minutes=m))
        ),
        orders_today=draw(st.integers(0, 12)),
        favourite=draw(st.booleans()),
        completed_orders=draw(st.integers(0, 30)),
    )


weights = st.builds(
    RankingWeights,
    **{f.value: st.integers(0, 50) for f in Factor},
    distance_horizon_km=st.floats(0.5, 50),
    idle_horizon_minutes=st.integers(1, 600),
)


@given(candidates=st.lists(facts(), max_size=5), weights=weights)
def test_points_add_up_to_the_score_and_every_factor_is_named(
    candidates: list[CandidateFacts], weights: RankingWeights
) -> None:
    for ranked in rank(candidates, weights, NOW):
        assert ranked.score == sum(f.points for f in ranked.explanation)
        assert [f.name for f in ranked.explanation] == list(Factor)
        for line in ranked.explanation:
            assert 0 <= line.normalized <= 1
            assert line.weight == weights.weight_of(line.name)
            assert line.points == line.weight * line.normalized


@given(one=facts("tec_a"), other=facts("tec_b"), weights=weights, factor=st.sampled_from(Factor))
def test_a_weight_of_zero_removes_its_factor(
    one: CandidateFacts, other: CandidateFacts, weights: RankingWeights, factor: Factor
) -> None:
    # Everything but ``factor`` equal: with its weight at 0 the two score the same.
    fields = {
        Factor.DISTANCE: "distance_km", Factor.TRAVEL_TIME: "travel_minutes",
        Factor.RATING: "rating", Factor.ACCEPTANCE_RATE: "acceptance_rate",
        Factor.LEAST_RECENTLY_ASSIGNED: "last_assigned_at", Factor.TODAYS_LOAD: "orders_today",
        Factor.FAVOURITE: "favourite", Factor.NEW_TECHNICIAN: "completed_orders",
    }  # fmt: skip
    twin = attrs.evolve(one, technician_id=other.technician_id)
    twin = attrs.evolve(twin, **{fields[factor]: getattr(other, fields[factor])})
    zero = attrs.evolve(weights, **{factor.value: 0})  # type: ignore[arg-type]

    first, second = rank([one, twin], zero, NOW)

    assert first.score == second.score


def _score(candidate: CandidateFacts, weights: RankingWeights) -> Decimal:
    (ranked,) = rank([candidate], weights, NOW)
    return ranked.score


@given(base=facts(), weights=weights, a=st.floats(0, 30), b=st.floats(0, 30))
def test_closer_never_scores_lower(
    base: CandidateFacts, weights: RankingWeights, a: float, b: float
) -> None:
    near, far = sorted([a, b])
    closer = _score(attrs.evolve(base, distance_km=near), weights)
    farther = _score(attrs.evolve(base, distance_km=far), weights)

    assert closer >= farther
    # Within the horizon two units' difference (2/10,000 of the horizon) always shows.
    visible = far - near >= weights.distance_horizon_km / 5000
    if weights.distance and visible and near <= weights.distance_horizon_km * 0.9998:
        assert closer > farther


@given(base=facts(), weights=weights, a=st.integers(0, 120), b=st.integers(0, 120))
def test_shorter_travel_never_scores_lower(
    base: CandidateFacts, weights: RankingWeights, a: int, b: int
) -> None:
    assert _score(attrs.evolve(base, travel_minutes=min(a, b)), weights) >= _score(
        attrs.evolve(base, travel_minutes=max(a, b)), weights
    )


@given(base=facts(), weights=weights, a=st.decimals("0", "5", places=1),
       b=st.decimals("0", "5", places=1))  # fmt: skip
def test_a_better_rating_never_scores_lower(
    base: CandidateFacts, weights: RankingWeights, a: Decimal, b: Decimal
) -> None:
    high = _score(attrs.evolve(base, rating=max(a, b)), weights)
    low = _score(attrs.evolve(base, rating=min(a, b)), weights)

    assert high >= low
    assert (high > low) == (weights.rating > 0 and a != b)


@given(base=facts(), weights=weights, a=st.decimals("0", "1", places=2),
       b=st.decimals("0", "1", places=2))  # fmt: skip
def test_a_higher_acceptance_rate_never_scores_lower(
    base: CandidateFacts, weights: RankingWeights, a: Decimal, b: Decimal
) -> None:
    high = _score(attrs.evolve(base, acceptance_rate=max(a, b)), weights)
    low = _score(attrs.evolve(base, acceptance_rate=min(a, b)), weights)

    assert high >= low
    assert (high > low) == (weights.acceptance_rate > 0 and a != b)


@given(base=facts(), weights=weights, a=st.integers(0, 2000), b=st.integers(0, 2000))
def test_longer_idle_never_scores_lower(
    base: CandidateFacts, weights: RankingWeights, a: int, b: int
) -> None:
    idle_long = _score(
        attrs.evolve(base, last_assigned_at=NOW.subtract(minutes=max(a, b))), weights
    )
    idle_short = _score(
        attrs.evolve(base, last_assigned_at=NOW.subtract(minutes=min(a, b))), weights
    )
    never = _score(attrs.evolve(base, last_assigned_at=None), weights)

    assert never >= idle_long >= idle_short


@given(base=facts(), weights=weights, a=st.integers(0, 20), b=st.integers(0, 20))
def test_fewer_orders_today_never_scores_lower(
    base: CandidateFacts, weights: RankingWeights, a: int, b: int
) -> None:
    assert _score(attrs.evolve(base, orders_today=min(a, b)), weights) >= _score(
        attrs.evolve(base, orders_today=max(a, b)), weights
    )


@given(base=facts(), weights=weights)
def test_a_favourite_never_scores_lower(base: CandidateFacts, weights: RankingWeights) -> None:
    favourite = _score(attrs.evolve(base, favourite=True), weights)
    other = _score(attrs.evolve(base, favourite=False), weights)

    assert favourite - other == weights.favourite


@given(base=facts(), weights=weights, a=st.integers(0, 40), b=st.integers(0, 40))
def test_a_newer_technician_never_scores_lower(
    base: CandidateFacts, weights: RankingWeights, a: int, b: int
) -> None:
    assert _score(attrs.evolve(base, completed_orders=min(a, b)), weights) >= _score(
        attrs.evolve(base, completed_orders=max(a, b)), weights
    )


@given(candidates=st.lists(facts(), min_size=1, max_size=6, unique_by=lambda f: f.distance_km)
       .map(lambda fs: [attrs.evolve(f, technician_id=TechnicianId(f"tec_{i}"))
                        for i, f in enumerate(fs)]),
       weights=weights)  # fmt: skip
def test_the_order_is_by_score_then_id(
    candidates: list[CandidateFacts], weights: RankingWeights
) -> None:
    ranked = rank(candidates, weights, NOW)

    assert [(-r.score, r.technician_id) for r in ranked] == sorted(
        (-r.score, r.technician_id) for r in ranked
    )
    assert sorted(r.technician_id for r in ranked) == sorted(c.technician_id for c in candidates)
