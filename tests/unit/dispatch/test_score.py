"""The ranking: what each factor reads, weights, validation and the tie-break."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest

from booking_core.dispatch import CandidateFacts, Factor, RankingWeights, rank
from booking_core.errors import InvalidInput
from booking_core.ids import TechnicianId

NOW = pendulum.datetime(2026, 3, 2, 15, tz="Asia/Shanghai")
LI, WANG = TechnicianId("tec_li"), TechnicianId("tec_wang")


def test_the_explanation_reads_each_fact() -> None:
    facts = CandidateFacts(
        LI, distance_km=2.5, rating=Decimal("4.8"), acceptance_rate=Decimal("0.9"),
        last_assigned_at=NOW.subtract(minutes=60), orders_today=2, favourite=True,
        completed_orders=4,
    )  # fmt: skip

    (ranked,) = rank([facts], RankingWeights(), NOW)
    lines = {f.name: (f.raw, f.normalized, f.weight, f.points) for f in ranked.explanation}

    assert lines == {
        Factor.DISTANCE: (Decimal("2.500"), Decimal("0.75"), 30, Decimal("22.5")),
        Factor.TRAVEL_TIME: (None, Decimal(0), 0, Decimal(0)),
        Factor.RATING: (Decimal("4.8"), Decimal("0.96"), 20, Decimal("19.2")),
        Factor.ACCEPTANCE_RATE: (Decimal("0.9"), Decimal("0.9"), 15, Decimal("13.5")),
        Factor.LEAST_RECENTLY_ASSIGNED: (60, Decimal("0.25"), 10, Decimal("2.5")),
        Factor.TODAYS_LOAD: (2, Decimal("0.75"), 10, Decimal("7.5")),
        Factor.FAVOURITE: (True, Decimal(1), 10, Decimal(10)),
        Factor.NEW_TECHNICIAN: (4, Decimal("0.6"), 5, Decimal(3)),
    }
    assert ranked.score == Decimal("78.2")


def test_unknown_facts_count_as_the_assumed_values() -> None:
    facts = CandidateFacts(LI, distance_km=0.0)
    weights = RankingWeights(unrated_rating=Decimal("4"), unknown_acceptance=Decimal("0.5"))

    (ranked,) = rank([facts], weights, NOW)
    normalized = {f.name: f.normalized for f in ranked.explanation}

    assert normalized[Factor.RATING] == Decimal("0.8")
    assert normalized[Factor.ACCEPTANCE_RATE] == Decimal("0.5")
    assert normalized[Factor.LEAST_RECENTLY_ASSIGNED] == 1  # never assigned: idle longest


def test_travel_time_replaces_distance_when_weighted() -> None:
    weights = RankingWeights(distance=0, travel_time=30)
    near = CandidateFacts(LI, travel_minutes=15)
    far = CandidateFacts(WANG, travel_minutes=45, distance_km=0.1)

    ranked = rank([far, near], weights, NOW)

    assert [r.technician_id for r in ranked] == [LI, WANG]
    assert {f.name: f.points for f in ranked[0].explanation}[Factor.TRAVEL_TIME] == Decimal("22.5")


def test_a_weighted_factor_needs_its_fact() -> None:
    with pytest.raises(InvalidInput) as raised:
        rank([CandidateFacts(LI, distance_km=1.0)], RankingWeights(travel_time=10), NOW)

    assert raised.value.details == {"field": "travel_minutes", "technician_id": LI}


def test_equal_scores_go_by_id() -> None:
    ranked = rank(
        [CandidateFacts(WANG, distance_km=1.0), CandidateFacts(LI, distance_km=1.0)],
        RankingWeights(),
        NOW,
    )

    assert [r.technician_id for r in ranked] == [LI, WANG]
    assert ranked[0].score == ranked[1].score


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("distance_km", -1.0),
        ("travel_minutes", 1.5),
        ("rating", Decimal("5.1")),
        ("acceptance_rate", Decimal("1.01")),
        ("orders_today", -1),
        ("completed_orders", None),
        ("favourite", 1),
        ("last_assigned_at", "2026-03-02"),
    ],
)
def test_facts_out_of_range_are_refused(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        CandidateFacts(LI, **{"distance_km": 1.0, field: value})  # type: ignore[arg-type]

    assert raised.value.details == {"field": field, "technician_id": LI}


def test_a_candidate_needs_a_distance_or_a_travel_time() -> None:
    with pytest.raises(InvalidInput) as raised:
        CandidateFacts(LI)

    assert raised.value.details["field"] == "distance_km"


@pytest.mark.parametrize(
    ("field", "value"),
    [("rating", -1), ("favourite", 2.5), ("distance_horizon_km", 0), ("newcomer_orders", 0),
     ("unrated_rating", Decimal("6")), ("unknown_acceptance", 0.5)],
)  # fmt: skip
def test_weights_out_of_range_are_refused(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        RankingWeights(**{field: value})  # type: ignore[arg-type]

    assert raised.value.details == {"field": field}
