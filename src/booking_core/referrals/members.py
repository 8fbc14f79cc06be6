"""Who takes part in referrals: a customer or a technician, as one value."""

from __future__ import annotations

from enum import StrEnum

import attrs

from booking_core.errors import InvalidReferral
from booking_core.ids import CustomerId, TechnicianId

__all__ = ["Member", "MemberKind"]


class MemberKind(StrEnum):
    """Which side of the platform a member is on."""

    CUSTOMER = "customer"
    TECHNICIAN = "technician"


@attrs.frozen(order=True)
class Member:
    """A customer or a technician in the referral graph (referrer, referee or beneficiary).

    ``str(member)`` is ``"<kind>:<id>"`` — the owner of its commission accounts in the
    ledger (``commission_frozen:customer:cus_1``), so a customer and a technician who happen
    to share an id never share an account.
    """

    kind: MemberKind
    id: str

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.kind, MemberKind):
            raise InvalidReferral(f"Unknown member kind {self.kind!r}.")
        if not isinstance(self.id, str) or not self.id.strip():
            raise InvalidReferral("A member has an id.")

    @classmethod
    def customer(cls, customer_id: CustomerId | str) -> Member:
        """The customer ``customer_id``."""
        return cls(MemberKind.CUSTOMER, customer_id)

    @classmethod
    def technician(cls, technician_id: TechnicianId | str) -> Member:
        """The technician ``technician_id``."""
        return cls(MemberKind.TECHNICIAN, technician_id)

    @classmethod
    def parse(cls, text: str) -> Member:
        """The member written as ``"<kind>:<id>"`` (what ``str`` gives).

        Raises:
            InvalidReferral: not of that form.
        """
        kind, sep, member_id = text.partition(":")
        if not sep or kind not in MemberKind.__members__.values():
            raise InvalidReferral(
                f"A member is written 'customer:<id>' or 'technician:<id>'; got {text!r}."
            )
        return cls(MemberKind(kind), member_id)

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"
