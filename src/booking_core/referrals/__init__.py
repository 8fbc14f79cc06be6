"""Referrals and commissions (分销; FEATURES C18, T9, P9; INVARIANTS I21–I23; docs/referrals.md).

* who: a :class:`Member` — a customer or a technician;
* invite codes and links: :class:`ReferralCode`, made by :func:`invite_code`;
* the graph: a :class:`Binding` per referee (its history of :class:`BindingChange` s), made
  when :class:`BindingRules` allow (:class:`BindingMode`, :class:`BindingMoment`);
  :func:`check_no_cycle` keeps it free of self-links and cycles;
* distributors: a :class:`Distributor` per member, admitted by an :class:`Admission`
  (:class:`AdmissionMode`), in a :class:`DistributorStatus`;
* plans: a :class:`CommissionPlan` per side (rates per level, :class:`RateOverride` s per
  service or category, a cap, on a :class:`CommissionBase`);
* the engine: :func:`commissions_for` of :class:`CommissionLine` s gives
  :class:`CommissionShare` s; :func:`refund_reductions` takes them back in proportion;
* the lifecycle: a :class:`Commission` (:class:`CommissionState`, :class:`CommissionSource`)
  and its journal entries :func:`frozen_entry`, :func:`settled_entry`, :func:`cancel_entry`;
* settings: :class:`ReferralPolicy`.
"""

from booking_core.referrals.binding import (
    Binding,
    BindingChange,
    BindingMode,
    BindingMoment,
    BindingRules,
)
from booking_core.referrals.codes import ReferralCode, invite_code
from booking_core.referrals.commission import (
    Commission,
    CommissionId,
    CommissionSource,
    CommissionState,
)
from booking_core.referrals.distributors import (
    Admission,
    AdmissionMode,
    Distributor,
    DistributorStatus,
)
from booking_core.referrals.engine import (
    CommissionLine,
    CommissionShare,
    commissions_for,
    refund_reductions,
)
from booking_core.referrals.entries import cancel_entry, frozen_entry, settled_entry
from booking_core.referrals.graph import check_no_cycle
from booking_core.referrals.members import Member, MemberKind
from booking_core.referrals.plan import CommissionBase, CommissionPlan, RateOverride
from booking_core.referrals.policy import ReferralPolicy

__all__ = [
    "Admission",
    "AdmissionMode",
    "Binding",
    "BindingChange",
    "BindingMode",
    "BindingMoment",
    "BindingRules",
    "Commission",
    "CommissionBase",
    "CommissionId",
    "CommissionLine",
    "CommissionPlan",
    "CommissionShare",
    "CommissionSource",
    "CommissionState",
    "Distributor",
    "DistributorStatus",
    "Member",
    "MemberKind",
    "RateOverride",
    "ReferralCode",
    "ReferralPolicy",
    "cancel_entry",
    "check_no_cycle",
    "commissions_for",
    "frozen_entry",
    "invite_code",
    "refund_reductions",
    "settled_entry",
]
