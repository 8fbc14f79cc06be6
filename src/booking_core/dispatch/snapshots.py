"""A technician's record as the dispatch filter reads it."""

from __future__ import annotations

from pendulum import Date

from booking_core.dispatch.candidates import TechnicianSnapshot
from booking_core.scheduling.schedule import WorkStatus
from booking_core.scheduling.technician import Technician

__all__ = ["snapshot_of"]


def snapshot_of(
    technician: Technician, *, status: WorkStatus, day: Date, orders_today: int
) -> TechnicianSnapshot:
    """What :func:`~booking_core.dispatch.find_candidates` needs of ``technician`` on the
    local ``day``: verified that day, his services, ``status`` (from his work schedule), his
    service area as his working area, his own dispatch settings, and ``orders_today``."""
    profile = technician.profile
    return TechnicianSnapshot(
        id=technician.id,
        verified=profile.verification.is_verified_on(day),
        service_ids=technician.service_ids,
        status=status,
        working_area=profile.dispatch.working_area or profile.service_area,
        accepts_grabs=profile.dispatch.accepts_grabs,
        max_orders_per_day=profile.dispatch.max_orders_per_day,
        orders_today=orders_today,
    )
