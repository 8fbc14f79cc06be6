"""The star-level formula against values computed by hand, and the rules it states."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import attrs
import pendulum
import pytest

from booking_core.errors import InvalidInput
from booking_core.ids import CustomerId, OrderId, ReviewId, TechnicianId
from booking_core.reviews import (
    Moderation,
    ModerationState,
    Review,
    ReviewPolicy,
    StarLevelFormula,
    counted_reviews,
    review_score,
    round_level,
    star_level,
)

NOW = pendulum.datetime(2026, 6, 1, 12, 0, tz="Asia/Shanghai")
DIMS = ("skill", "punctuality", "attitude")


def _review(n: int, stars: int, days_ago: float, ratings: tuple[int, ...] = (), *,
            hidden: bool = False) -> Review:  # fmt: skip
    return Review(
        ReviewId(f"rev_{n}"),
        OrderId(f"ord_{n}"),
        CustomerId("cus_1"),
        TechnicianId("tec_1"),
        stars,
        "",
        NOW.subtract(seconds=int(days_ago * 86400)),
        ratings=dict(zip(DIMS, ratings, strict=True)) if ratings else {},
        moderation=Moderation(ModerationState.HIDDEN, "fake", "ops_1", NOW) if hidden else None,
    )


# Stars 2, skill 1, punctuality 1, attitude 0; the 90 days; a prior worth 2 reviews at 4.6.
FORMULA = StarLevelFormula(
    window_days=90,
    weights={"stars": 2, "skill": 1, "punctuality": 1, "attitude": 0},
    prior_weight=2,
    prior_mean=Decimal("4.6"),
)
REVIEWS = [
    _review(1, 1, 100),  # older than the window
    _review(2, 1, 2, hidden=True),  # hidden
    _review(3, 5, 10, (4, 3, 1)),  # (2·5 + 4 + 3 + 0·1) / 4 = 4.25
    _review(4, 3, 5),  # stars only: 3
    _review(5, 4, 3, (5, 5, 5)),  # (8 + 5 + 5) / 4 = 4.5
    _review(6, 2, 1, (2, 3, 5)),  # (4 + 2 + 3 + 0) / 4 = 2.25
]


def test_each_review_scores_the_weighted_mean_of_what_it_rates() -> None:
    scores = [review_score(r, FORMULA) for r in REVIEWS[2:]]

    assert scores == [Fraction(17, 4), Fraction(3), Fraction(9, 2), Fraction(9, 4)]


def test_the_level_by_hand() -> None:
    # (2 × 4.6 + 4.25 + 3 + 4.5 + 2.25) / (2 + 4) = 23.2 / 6 = 3.8666… → 3.9
    assert star_level(REVIEWS, FORMULA, NOW) == Decimal("3.9")


def test_the_last_n_reviews_by_hand() -> None:
    # the newest three: (9.2 + 2.25 + 4.5 + 3) / 5 = 18.95 / 5 = 3.79 → 3.8
    formula = StarLevelFormula(
        window_days=90, last_reviews=3, weights=FORMULA.weights, prior_weight=2,
        prior_mean=Decimal("4.6"),
    )  # fmt: skip

    assert [r.id for r in counted_reviews(REVIEWS, formula, NOW)] == ["rev_6", "rev_5", "rev_4"]
    assert star_level(REVIEWS, formula, NOW) == Decimal("3.8")


def test_hidden_and_old_reviews_do_not_count() -> None:
    counted = counted_reviews(REVIEWS, FORMULA, NOW)

    assert [r.id for r in counted] == ["rev_6", "rev_5", "rev_4", "rev_3"]


def test_the_window_includes_its_first_instant() -> None:
    edge = _review(7, 1, 90)
    before = attrs.evolve(edge, created_at=edge.created_at.subtract(seconds=1))

    assert counted_reviews([edge], FORMULA, NOW) == [edge]
    assert counted_reviews([before], FORMULA, NOW) == []


def test_the_default_is_the_mean_of_the_stars_rounded_half_up() -> None:
    # 17 / 4 = 4.25: half up gives 4.3 (half even would give 4.2)
    reviews = [_review(n, s, 400) for n, s in enumerate([4, 5, 4, 4])]

    assert star_level(reviews, StarLevelFormula(), NOW) == Decimal("4.3")


def test_the_default_weighs_stars_and_each_dimension_alike() -> None:
    # (5 + 3 + 3 + 3) / 4 = 3.5
    assert star_level([_review(1, 5, 1, (3, 3, 3))], StarLevelFormula(), NOW) == Decimal("3.5")


def test_a_review_whose_weights_are_all_zero_scores_its_stars() -> None:
    formula = StarLevelFormula(weights={"stars": 0, "skill": 0, "punctuality": 0, "attitude": 0})

    assert review_score(_review(1, 4, 1, (1, 1, 1)), formula) == 4


def test_no_counted_review_is_unrated_whatever_the_prior() -> None:
    formula = StarLevelFormula(prior_weight=10, prior_mean=Decimal("4.8"))

    assert star_level([_review(1, 5, 1, hidden=True)], formula, NOW) is None
    assert star_level([], formula, NOW) is None


def test_round_level_keeps_one_decimal() -> None:
    assert str(round_level(Fraction(5))) == "5.0"
    assert round_level(Fraction(4249, 1000)) == Decimal("4.2")
    assert round_level(Fraction(425, 100)) == Decimal("4.3")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"window_days": 0}, "window_days"),
        ({"last_reviews": -1}, "last_reviews"),
        ({"prior_weight": -1}, "prior_weight"),
        ({"prior_mean": Decimal("5.1")}, "prior_mean"),
        ({"prior_mean": 4.5}, "prior_mean"),
        ({"weights": {"stars": -1}}, "weights"),
    ],
)
def test_a_bad_formula_is_refused(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        StarLevelFormula(**kwargs)  # type: ignore[arg-type]

    assert refused.value.details["field"] == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"dimensions": ("skill", "skill")}, "dimensions"),
        ({"dimensions": ("Skill",)}, "dimensions"),
        ({"dimensions": ("stars",)}, "dimensions"),
        ({"dimensions": "skill"}, "names"),
        ({"tags": ("on time",)}, "tags"),
        ({"max_photos": -1}, "max_photos"),
        ({"follow_up_days": 0}, "follow_up_days"),
        ({"star_level": StarLevelFormula(weights={"hygiene": 2})}, "star_level.weights"),
    ],
)
def test_a_bad_policy_is_refused(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        ReviewPolicy(**kwargs)  # type: ignore[arg-type]

    assert refused.value.details["field"] == field


def test_weights_may_name_the_policys_own_dimensions() -> None:
    policy = ReviewPolicy(
        dimensions=("technique", "hygiene"),
        star_level=StarLevelFormula(weights={"stars": 0, "hygiene": 2}),
    )

    assert policy.star_level.weight_of("technique") == 1
    assert policy.star_level.weight_of("hygiene") == 2
