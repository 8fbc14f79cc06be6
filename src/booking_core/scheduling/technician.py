"""The technician as scheduling sees him: zone, hours and the services he offers."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from booking_core.catalog.category import _non_blank
from booking_core.ids import ServiceId, TechnicianId
from booking_core.scheduling.profile import TechnicianProfile
from booking_core.scheduling.weekly_hours import WeeklyHours
from booking_core.timerange import zone

__all__ = ["Technician"]


def _iana(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    zone(value)


def _service_ids(value: Iterable[ServiceId]) -> frozenset[ServiceId]:
    return frozenset(value)


@attrs.frozen
class Technician:
    """A person who performs services, with weekly hours in his own IANA time zone.

    ``time_zone`` is the business zone of his availability: hours, overrides, shifts and
    the slot grid are wall-clock times there. ``profile`` holds what customers filter by.
    """

    id: TechnicianId
    name: str = attrs.field(validator=_non_blank)
    time_zone: str = attrs.field(validator=_iana)
    weekly_hours: WeeklyHours
    service_ids: frozenset[ServiceId] = attrs.field(default=frozenset(), converter=_service_ids)
    profile: TechnicianProfile = attrs.field(factory=TechnicianProfile)

    def offers(self, service_id: ServiceId) -> bool:
        """True when the technician performs ``service_id``."""
        return service_id in self.service_ids
