"""An order's contact — phone and address — as the caller may see it (P11, I25)."""

from __future__ import annotations

from pydantic import Field

from booking_core.orders import ContactView
from booking_server.schemas.common import InModel, OutModel

__all__ = ["ContactOut", "RevealIn"]


class RevealIn(InModel):
    """Why a staff member needs the full contact (kept in the audit log)."""

    reason: str = Field(
        min_length=1,
        max_length=500,
        pattern=r"\S",
        examples=["客户来电: 技师找不到门牌 (the technician cannot find the door)"],
    )


class ContactOut(OutModel):
    """Whom to call and where to go, in full or masked (``revealed`` says which)."""

    order_id: str
    revealed: bool = Field(
        description="true: the full phone and address; false: masked (138****5678, district)."
    )
    phone: str | None = Field(description="null when the order has no phone to call.")
    address: str
    lat: float | None = Field(description="The address's point, shown with the full address.")
    lon: float | None

    @classmethod
    def from_domain(cls, view: ContactView) -> ContactOut:
        """The answer for ``view``."""
        point = view.location
        return cls(
            order_id=view.order_id,
            revealed=view.revealed,
            phone=view.phone,
            address=view.address,
            lat=None if point is None else point.lat,
            lon=None if point is None else point.lon,
        )
