"""Properties of the star level: always from 1 to 5 (or unrated), a hidden review never
counted, a perfect review never lowering it — for any formula and any reviews."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pendulum
from hypothesis import given
from hypothesis import strategies as st

from booking_core.ids import CustomerId, OrderId, ReviewId, TechnicianId
from booking_core.reviews import Moderation, ModerationState, Review, StarLevelFormula, star_level

NOW = pendulum.datetime(2026, 6, 1, 12, 0, tz="UTC")
DIMS = ("skill", "punctuality", "attitude")
STATES = sorted(ModerationState)

stars = st.integers(1, 5)
ratings = st.one_of(st.just({}), st.fixed_dictionaries(dict.fromkeys(DIMS, stars)))
formulas = st.builds(
    StarLevelFormula,
    window_days=st.none() | st.integers(1, 120),
    last_reviews=st.none() | st.integers(1, 8),
    weights=st.fixed_dictionaries({}, optional={k: st.integers(0, 5) for k in ("stars", *DIMS)}),
    prior_weight=st.integers(0, 20),
    prior_mean=st.integers(10, 50).map(lambda tenths: Decimal(tenths).scaleb(-1)),
)


@st.composite
def review_lists(draw: st.DrawFn) -> list[Review]:
    count = draw(st.integers(0, 12))
    found = []
    for n in range(count):
        state = draw(st.none() | st.sampled_from(STATES))
        found.append(
            Review(
                ReviewId(f"rev_{n:02}"),
                OrderId(f"ord_{n:02}"),
                CustomerId("cus_1"),
                TechnicianId("tec_1"),
                draw(stars),
                "",
                NOW.subtract(hours=draw(st.integers(0, 200 * 24))),
                ratings=draw(ratings),
                moderation=None if state is None else Moderation(state, "why", "ops", NOW),
            )
        )
    return found


@given(review_lists(), formulas)
def test_the_level_is_from_1_to_5_with_one_decimal(
    reviews: list[Review], formula: StarLevelFormula
) -> None:
    level = star_level(reviews, formula, NOW)

    assert level is None or (Decimal(1) <= level <= Decimal(5) and level.as_tuple().exponent == -1)
    if formula.window_days is None:
        assert (level is None) == all(r.hidden for r in reviews)


@given(review_lists(), formulas, st.data())
def test_a_hidden_review_counts_as_if_it_did_not_exist(
    reviews: list[Review], formula: StarLevelFormula, data: st.DataObject
) -> None:
    if not reviews:
        return
    n = data.draw(st.integers(0, len(reviews) - 1))
    hidden = attrs.evolve(
        reviews[n], moderation=Moderation(ModerationState.HIDDEN, "x", "ops", NOW)
    )

    with_it_hidden = [*reviews[:n], hidden, *reviews[n + 1 :]]
    without_it = [*reviews[:n], *reviews[n + 1 :]]
    assert star_level(with_it_hidden, formula, NOW) == star_level(without_it, formula, NOW)


@given(review_lists(), formulas)
def test_a_perfect_review_never_lowers_the_level(
    reviews: list[Review], formula: StarLevelFormula
) -> None:
    before = star_level(reviews, formula, NOW)
    perfect = Review(
        ReviewId("rev_99"), OrderId("ord_99"), CustomerId("cus_2"), TechnicianId("tec_1"), 5,
        "", NOW, ratings=dict.fromkeys(DIMS, 5),
    )  # fmt: skip

    after = star_level([*reviews, perfect], formula, NOW)

    assert after is not None
    assert before is None or after >= before
