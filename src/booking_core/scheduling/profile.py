"""What customers filter technicians by: gender, skills, rating, prices, store, area."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

import attrs

from booking_core.errors import InvalidInput
from booking_core.ids import ServiceId, StoreId
from booking_core.money import Money
from booking_core.onboarding.verification import Verification
from booking_core.scheduling.dispatch_settings import DispatchSettings
from booking_core.scheduling.geo import ServiceArea

__all__ = ["Gender", "TechnicianProfile", "average_rating"]

#: A technician's rating is kept to one decimal (4.7) ...
RATING_QUANTUM = Decimal("0.1")
#: ... rounded half up, as customers expect (4.25 shows as 4.3, not 4.2).
RATING_ROUNDING = ROUND_HALF_UP


class Gender(StrEnum):
    """A technician's gender, as customers filter by it."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


def _skills(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def _prices(value: Mapping[ServiceId, Money]) -> dict[ServiceId, Money]:
    return dict(sorted(value.items()))


def _rating(_: object, attribute: attrs.Attribute[Decimal | None], value: Decimal | None) -> None:
    if value is not None and (not isinstance(value, Decimal) or not 0 <= value <= 5):
        raise InvalidInput(
            f"A rating is a Decimal from 0 to 5 (or none yet); got {value!r}.",
            details={"field": "rating"},
        )


def _price_map(
    _: object, attribute: attrs.Attribute[dict[ServiceId, Money]], value: dict[ServiceId, Money]
) -> None:
    for service_id, price in value.items():
        if price.is_negative:
            raise InvalidInput(
                f"The technician's price for {service_id} cannot be negative; got {price}.",
                details={"field": "prices", "service_id": service_id},
            )


@attrs.frozen
class TechnicianProfile:
    """The searchable facts about a technician (FEATURES C4, C5, T2).

    Attributes:
        gender: For the gender filter (None: not given, never matches a gender filter).
        skills: Free-form skill tags ("tuina", "thai", "deep_cleaning").
        rating: Average stars of his reviews (:func:`average_rating`: one decimal, half
            up), recomputed by ``ReviewService.submit`` with every review (None: unrated).
        prices: The technician's own price per service; a service without one sells at the
            catalog price.
        store_id: The store that employs him (None: independent). Joining and leaving go
            through ``StoreService``; a technician belongs to at most one store.
        service_area: Where he serves from; customers outside it are not offered his slots.
        verification: Whether and until when he is verified; only verified technicians are
            offered and booked. Like the rating, only the platform changes it (by approving
            his application, ``OnboardingService``). Default: vouched — registered by the
            platform, which checked him itself.
        store_prices: A copy of his store's own prices, kept by ``StoreService`` whenever he
            joins or leaves or the store changes its prices (never set by him). It travels
            with his record so that checkout reads it in the read it makes of him anyway.
        dispatch: His own dispatch settings (grabs, daily maximum); dispatch reads them
            with the rest of his record (``booking_core.dispatch.snapshot_of``).
    """

    gender: Gender | None = None
    skills: frozenset[str] = attrs.field(default=frozenset(), converter=_skills)
    rating: Decimal | None = attrs.field(default=None, validator=_rating)
    prices: dict[ServiceId, Money] = attrs.field(
        factory=dict, converter=_prices, validator=_price_map, hash=False
    )
    store_id: StoreId | None = None
    service_area: ServiceArea | None = None
    verification: Verification = attrs.field(factory=Verification.vouched)
    # Last, so that profiles built positionally keep their meaning.
    store_prices: dict[ServiceId, Money] = attrs.field(
        factory=dict, converter=_prices, validator=_price_map, hash=False
    )
    dispatch: DispatchSettings = attrs.field(factory=DispatchSettings, kw_only=True)

    def price_for(self, service_id: ServiceId, catalog_price: Money) -> Money:
        """What he charges for ``service_id``: his own price, else his store's, else the
        catalog's."""
        own = self.prices.get(service_id)
        if own is not None:
            return own
        return self.store_prices.get(service_id, catalog_price)


def average_rating(stars: Collection[int]) -> Decimal | None:
    """The rating ``stars`` (each 1–5) earn: their mean to :data:`RATING_QUANTUM`, rounded
    with :data:`RATING_ROUNDING`; None when there are none (unrated).

    Exact: the mean is a Decimal division of integers, never a float.
    """
    if not stars:
        return None
    mean = Decimal(sum(stars)) / Decimal(len(stars))
    return mean.quantize(RATING_QUANTUM, rounding=RATING_ROUNDING)
