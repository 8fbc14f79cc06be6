"""The ranking of candidates: a weighted sum of factors, every one of them shown.

Each factor turns one fact about a technician into a value from 0 (worst) to 1 (best), the
*normalized* value, in steps of 1/10,000 rounded half up; the factor earns
``weight × normalized`` points and the score is the sum of the points. Weights are whole
numbers of points (what a perfect value earns), so every points figure and every score is
an exact :class:`~decimal.Decimal` with at most four decimals and the score is *exactly*
the sum of the points shown — floats would not add up to the last digit, and an
explanation that does not add up is not one. Inside, the sum runs on integers (units of
1/10,000 point), which is also what keeps ranking a few hundred candidates fast.

The candidates are ordered by score, highest first; equal scores go by technician id. A
weight of 0 takes its factor out of the score (the explanation still lists it with
0 points). docs/dispatch.md has the table of factors and their defaults.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidInput
from booking_core.ids import TechnicianId

__all__ = ["CandidateFacts", "Factor", "FactorScore", "RankedCandidate", "RankingWeights", "rank"]

#: Normalized values are counted in units of 1/10,000.
UNITS = 10_000
_ONE = Decimal(1)


class Factor(StrEnum):
    """The factors of the score, in the order an explanation lists them."""

    #: Straight-line kilometres to the order: 1 at the door, 0 at the horizon and beyond.
    DISTANCE = "distance"
    #: Minutes of travel to the order (a map adapter's figure): 1 for none, 0 at the horizon.
    TRAVEL_TIME = "travel_time"
    #: Average stars, 0–5, divided by 5; an unrated technician counts as the assumed rating.
    RATING = "rating"
    #: Share of offers accepted, 0–1 as it is; no history counts as the assumed rate.
    ACCEPTANCE_RATE = "acceptance_rate"
    #: Fairness: minutes since his last assignment over the horizon, capped at 1; never
    #: assigned counts as 1.
    LEAST_RECENTLY_ASSIGNED = "least_recently_assigned"
    #: Fairness: orders he already has today: 1 for none, 0 at the horizon and beyond.
    TODAYS_LOAD = "todays_load"
    #: 1 when the customer marked him a favourite, else 0.
    FAVOURITE = "favourite"
    #: Calibration of newcomers: 1 with no completed order, falling to 0 at the threshold.
    NEW_TECHNICIAN = "new_technician"


def _weight(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or value < 0:
        raise InvalidInput(
            f"A ranking weight is a whole number of points ≥ 0; {attribute.name} is {value!r}.",
            details={"field": attribute.name},
        )


def _positive_int(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or value < 1:
        raise InvalidInput(
            f"The {attribute.name} is a whole number ≥ 1; got {value!r}.",
            details={"field": attribute.name},
        )


def _non_negative_int(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or value < 0:
        raise InvalidInput(
            f"The {attribute.name} is a whole number ≥ 0; got {value!r}.",
            details={"field": attribute.name},
        )


def _horizon_km(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
        raise InvalidInput(
            f"The {attribute.name} is a positive number of kilometres; got {value!r}.",
            details={"field": attribute.name},
        )


def _share(low: int, high: int) -> Callable[[object, attrs.Attribute[Decimal], Decimal], None]:
    def check(_: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
        if not isinstance(value, Decimal) or not low <= value <= high:
            raise InvalidInput(
                f"The {attribute.name} is a Decimal from {low} to {high}; got {value!r}.",
                details={"field": attribute.name},
            )

    return check


@attrs.frozen
class RankingWeights:
    """How much each factor counts, and the scales that normalize the facts.

    Weights are whole points a perfect value earns; the defaults add up to 100. Chosen so
    that proximity leads (a customer waits for travel; 30), quality follows (rating 20,
    reliability 15), fairness keeps work spread (10 + 10: the one idle longest and the one
    with the fewest orders today), the customer's favourite is a clear nudge (10) and a
    newcomer gets a small push until his figures mean something (5). Travel time weighs 0:
    set it (and usually distance to 0) when a map adapter supplies minutes.

    Attributes:
        distance: Points for :attr:`Factor.DISTANCE`.
        travel_time: Points for :attr:`Factor.TRAVEL_TIME`.
        rating: Points for :attr:`Factor.RATING`.
        acceptance_rate: Points for :attr:`Factor.ACCEPTANCE_RATE`.
        least_recently_assigned: Points for :attr:`Factor.LEAST_RECENTLY_ASSIGNED`.
        todays_load: Points for :attr:`Factor.TODAYS_LOAD`.
        favourite: Points for :attr:`Factor.FAVOURITE`.
        new_technician: Points for :attr:`Factor.NEW_TECHNICIAN`.
        distance_horizon_km: Where distance stops mattering (0 from there on); 10 km,
            twice the default search radius, so the radius itself still earns half.
        travel_horizon_minutes: Where travel time earns 0 (60).
        idle_horizon_minutes: After this long without an order a technician earns the
            whole fairness factor (240: four hours).
        load_horizon_orders: Orders in a day that earn 0 for today's load (8).
        newcomer_orders: Completed orders after which a technician is no longer new (10).
        unrated_rating: The rating assumed for a technician nobody rated yet (4.5): neither
            a penalty nor a bonus for having no reviews — the newcomer factor is the bonus.
        unknown_acceptance: The acceptance rate assumed with no offers yet (0.8).

    Raises:
        InvalidInput: a weight or scale out of range (``details["field"]`` names it).
    """

    distance: int = attrs.field(default=30, validator=_weight)
    travel_time: int = attrs.field(default=0, validator=_weight)
    rating: int = attrs.field(default=20, validator=_weight)
    acceptance_rate: int = attrs.field(default=15, validator=_weight)
    least_recently_assigned: int = attrs.field(default=10, validator=_weight)
    todays_load: int = attrs.field(default=10, validator=_weight)
    favourite: int = attrs.field(default=10, validator=_weight)
    new_technician: int = attrs.field(default=5, validator=_weight)
    distance_horizon_km: float = attrs.field(default=10.0, validator=_horizon_km)
    travel_horizon_minutes: int = attrs.field(default=60, validator=_positive_int)
    idle_horizon_minutes: int = attrs.field(default=240, validator=_positive_int)
    load_horizon_orders: int = attrs.field(default=8, validator=_positive_int)
    newcomer_orders: int = attrs.field(default=10, validator=_positive_int)
    unrated_rating: Decimal = attrs.field(default=Decimal("4.5"), validator=_share(0, 5))
    unknown_acceptance: Decimal = attrs.field(default=Decimal("0.8"), validator=_share(0, 1))

    def weight_of(self, factor: Factor) -> int:
        """The weight of ``factor``."""
        return int(getattr(self, factor.value))


def _facts_error(message: str, field: str, technician_id: object) -> InvalidInput:
    return InvalidInput(message, details={"field": field, "technician_id": technician_id})


@attrs.frozen
class CandidateFacts:
    """What the ranking knows about one candidate for one order.

    Attributes:
        technician_id: Who.
        distance_km: Straight-line kilometres to the order (what the filter measured).
        travel_minutes: Minutes of travel, when a map adapter estimated them.
        rating: His average stars (None: unrated).
        acceptance_rate: Offers accepted over offers made (None: no offers yet).
        last_assigned_at: When he last got an order (None: never).
        orders_today: Orders he already has today.
        favourite: Whether the customer marked him a favourite.
        completed_orders: Orders he has completed in all (few means new).

    Raises:
        InvalidInput: a fact out of range, or neither a distance nor a travel time
            (``details["field"]`` names it).
    """

    technician_id: TechnicianId
    distance_km: float | None = None
    travel_minutes: int | None = None
    rating: Decimal | None = None
    acceptance_rate: Decimal | None = None
    last_assigned_at: DateTime | None = None
    orders_today: int = 0
    favourite: bool = False
    completed_orders: int = 0

    def __attrs_post_init__(self) -> None:
        # One check for all fields: facts are built for every candidate of every order.
        who = self.technician_id
        d, m = self.distance_km, self.travel_minutes
        if d is None and m is None:
            raise _facts_error("A candidate needs a distance or a travel time.", "distance_km", who)
        if d is not None and (type(d) not in (float, int) or not d >= 0 or d == math.inf):
            raise _facts_error(f"A distance is kilometres ≥ 0; got {d!r}.", "distance_km", who)
        if m is not None and (type(m) is not int or m < 0):
            raise _facts_error(f"Travel is whole minutes ≥ 0; got {m!r}.", "travel_minutes", who)
        r = self.rating
        if r is not None and (not isinstance(r, Decimal) or not 0 <= r <= 5):
            raise _facts_error(f"A rating is a Decimal from 0 to 5; got {r!r}.", "rating", who)
        a = self.acceptance_rate
        if a is not None and (not isinstance(a, Decimal) or not 0 <= a <= 1):
            raise _facts_error(
                f"An acceptance rate is a Decimal from 0 to 1; got {a!r}.", "acceptance_rate", who
            )
        at = self.last_assigned_at
        if at is not None and (not isinstance(at, DateTime) or at.tzinfo is None):
            raise _facts_error(
                f"The last assignment is an aware DateTime; got {at!r}.", "last_assigned_at", who
            )
        for name in ("orders_today", "completed_orders"):
            count = getattr(self, name)
            if type(count) is not int or count < 0:
                raise _facts_error(f"The {name} is a whole number ≥ 0; got {count!r}.", name, who)
        if type(self.favourite) is not bool:
            raise _facts_error(f"favourite is a bool; got {self.favourite!r}.", "favourite", who)


@attrs.frozen
class FactorScore:
    """One line of an explanation: a factor, the fact it read and what it earned.

    Attributes:
        name: The factor.
        raw: The fact as given — kilometres (to the metre), minutes, stars, a rate, minutes
            since the last assignment, orders, a bool — or None when unknown (then the
            normalized value is the assumed one, see :class:`RankingWeights`).
        normalized: The fact on the 0 (worst) to 1 (best) scale, in steps of 0.0001.
        weight: The factor's weight.
        points: ``weight × normalized``, exactly.
    """

    name: Factor
    raw: Decimal | int | bool | None
    normalized: Decimal
    weight: int
    points: Decimal


def _round_units(numerator: int, denominator: int) -> int:
    # numerator / denominator in units, rounded half up (both ≥ 0).
    return (2 * numerator * UNITS + denominator) // (2 * denominator)


def _decimal_units(value: Decimal) -> int:
    return int((value * UNITS).quantize(_ONE, rounding=ROUND_HALF_UP))


def _minutes_since(earlier: DateTime | None, now_seconds: float) -> int | None:
    if earlier is None:
        return None
    return max(0, math.floor((now_seconds - earlier.timestamp()) / 60))


def _units(facts: CandidateFacts, weights: RankingWeights, now_seconds: float) -> tuple[int, ...]:
    """Each factor's normalized value in units, in :class:`Factor` order."""
    d = facts.distance_km
    horizon = weights.distance_horizon_km
    distance = 0 if d is None else math.floor((1 - min(d, horizon) / horizon) * UNITS + 0.5)
    m = facts.travel_minutes
    t_horizon = weights.travel_horizon_minutes
    travel = 0 if m is None else _round_units(t_horizon - min(m, t_horizon), t_horizon)
    rating = weights.unrated_rating if facts.rating is None else facts.rating
    acceptance = (
        weights.unknown_acceptance if facts.acceptance_rate is None else facts.acceptance_rate
    )
    idle_horizon = weights.idle_horizon_minutes
    idle = _minutes_since(facts.last_assigned_at, now_seconds)
    load_horizon = weights.load_horizon_orders
    newcomer = weights.newcomer_orders
    return (
        distance,
        travel,
        _decimal_units(rating / 5),
        _decimal_units(acceptance),
        UNITS if idle is None else _round_units(min(idle, idle_horizon), idle_horizon),
        _round_units(load_horizon - min(facts.orders_today, load_horizon), load_horizon),
        UNITS if facts.favourite else 0,
        _round_units(newcomer - min(facts.completed_orders, newcomer), newcomer),
    )


_FACTORS = tuple(Factor)


def _weights(weights: RankingWeights) -> tuple[int, ...]:
    return tuple(weights.weight_of(factor) for factor in _FACTORS)


def _check_measures(facts: CandidateFacts, weights: RankingWeights) -> None:
    if weights.distance and facts.distance_km is None:
        raise _facts_error(
            "Distance has a weight, but this candidate has no distance_km.",
            "distance_km",
            facts.technician_id,
        )
    if weights.travel_time and facts.travel_minutes is None:
        raise _facts_error(
            "Travel time has a weight, but this candidate has no travel_minutes.",
            "travel_minutes",
            facts.technician_id,
        )


@attrs.frozen
class RankedCandidate:
    """A candidate's place in the ranking: his score and, on demand, why.

    Attributes:
        technician_id: Who.
        score: The sum of the points of :attr:`explanation`, exactly.
        facts: The facts the score was computed from.
        weights: The weights it was computed with.
        now: The instant it was computed at (fairness counts minutes up to it).
    """

    technician_id: TechnicianId
    score: Decimal
    facts: CandidateFacts = attrs.field(repr=False)
    weights: RankingWeights = attrs.field(repr=False)
    now: DateTime = attrs.field(repr=False)

    @property
    def explanation(self) -> tuple[FactorScore, ...]:
        """Every factor, in :class:`Factor` order: its raw fact, normalized value, weight
        and points (built when asked: a board shows a few, the ranking needs none)."""
        facts = self.facts
        units = _units(facts, self.weights, self.now.timestamp())
        raws: tuple[Decimal | int | bool | None, ...] = (
            None
            if facts.distance_km is None
            else Decimal(facts.distance_km).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP),
            facts.travel_minutes,
            facts.rating,
            facts.acceptance_rate,
            _minutes_since(facts.last_assigned_at, self.now.timestamp()),
            facts.orders_today,
            facts.favourite,
            facts.completed_orders,
        )
        return tuple(
            FactorScore(
                factor,
                raw,
                Decimal(unit) / UNITS,
                weight,
                Decimal(weight * unit) / UNITS,
            )
            for factor, raw, unit, weight in zip(
                _FACTORS, raws, units, _weights(self.weights), strict=True
            )
        )


def rank(
    candidates: Iterable[CandidateFacts], weights: RankingWeights, now: DateTime
) -> list[RankedCandidate]:
    """The candidates by score, highest first, equal scores by technician id.

    Raises:
        InvalidInput: a factor with a weight needs a fact a candidate lacks (a distance or a
            travel time); ``details["field"]`` names it, ``details["technician_id"]`` him.
    """
    now_seconds = now.timestamp()
    factor_weights = _weights(weights)
    scored: list[tuple[int, TechnicianId, CandidateFacts]] = []
    for facts in candidates:
        _check_measures(facts, weights)
        units = _units(facts, weights, now_seconds)
        total = sum(w * u for w, u in zip(factor_weights, units, strict=True))
        scored.append((-total, facts.technician_id, facts))
    scored.sort(key=lambda row: (row[0], row[1]))
    return [
        RankedCandidate(technician_id, Decimal(-total) / UNITS, facts, weights, now)
        for total, technician_id, facts in scored
    ]
