"""The referral graph's one structural rule: no self-links and no cycles (INVARIANTS I21).

A binding makes ``referrer`` the parent of ``referee``. It closes a cycle exactly when the
referee is the referrer or one of the referrer's ancestors; storage reads the referrer's
whole upline under the graph lock and hands it to :func:`check_no_cycle`.
"""

from __future__ import annotations

from collections.abc import Sequence

from booking_core.errors import InvalidReferral, ReferralNotAllowed
from booking_core.referrals.members import Member

__all__ = ["check_no_cycle"]


def check_no_cycle(referee: Member, referrer: Member, upline_of_referrer: Sequence[Member]) -> None:
    """Refuse binding ``referee`` to ``referrer`` if it would make a self-link or a cycle.

    Args:
        referee: Who would be bound.
        referrer: To whom.
        upline_of_referrer: The referrer's ancestors, nearest first, up to the root.

    Raises:
        InvalidReferral: ``referee`` is ``referrer``.
        ReferralNotAllowed: (``details["reason"] == "cycle"``) the referee is an ancestor of
            the referrer: the binding would close a loop.
    """
    if referee == referrer:
        raise InvalidReferral(f"{referee} cannot refer himself.", details={"member": str(referee)})
    if referee in upline_of_referrer:
        raise ReferralNotAllowed(
            f"{referrer} is in {referee}'s team already; binding him as {referee}'s referrer "
            "would close a loop.",
            details={"reason": "cycle", "referee": str(referee), "referrer": str(referrer)},
        )
