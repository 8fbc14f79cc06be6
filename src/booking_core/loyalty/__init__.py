"""Loyalty: points as lots, the daily check-in, sharing rewards, membership tiers
(docs/loyalty.md; FEATURES C13, C15, C16; INVARIANTS I17–I20).

Points are not money: they live in a points journal of their own, balanced in points —
every :class:`PointsMovement` says what it did to each :class:`PointsLot`, and a statement
is the sum of its movements. The cash value of points redeemed at checkout is already booked
as promotion expense by the pricing and books flow; nothing here posts to the money ledger.

* lots and their expiry: :class:`PointsLot` (by :class:`PointsSource`), :class:`ExpiryPolicy`;
* the account and its pure functions: :class:`PointsAccount`, :func:`award`, :func:`spend`,
  :func:`expire`, :func:`claw_back`, :func:`return_spent`, :func:`settle_in_cash`,
  each giving a
  :class:`PointsChange` of :class:`PointsMovement` s (:class:`MovementKind`,
  :class:`LotEffect`);
* earning: :class:`EarningRule` (per yuan paid, floor), :class:`SharingRule` (daily cap),
  :class:`CheckInTable` and :class:`CheckIn`;
* tiers: :class:`TierLadder` of :class:`Tier` s over a :class:`TierMetric`, a customer's
  :class:`TierStatus` and his history of :class:`TierChange` s; what each tier gives:
  :class:`TierPrivileges` of :class:`TierPrivilege` s;
* spending points on rewards: the :class:`Gift` catalog with its stock,
  :class:`CouponExchange` (a coupon template's price in points), :class:`TierPurchase`, and
  the :class:`Redemption` each leaves (:class:`RewardKind`, :class:`RedemptionStatus`);
* the settings: :class:`LoyaltyPolicy`, with its :class:`DebtPolicy`.
"""

from booking_core.loyalty.account import (
    PointsAccount,
    PointsChange,
    award,
    claw_back,
    expire,
    return_spent,
    settle_in_cash,
    spend,
)
from booking_core.loyalty.check_in import CheckIn, CheckInTable
from booking_core.loyalty.earning import EarningRule, SharingRule
from booking_core.loyalty.expiry import ExpiryKind, ExpiryPolicy
from booking_core.loyalty.lot import PointsLot, PointsSource
from booking_core.loyalty.movement import LotEffect, MovementKind, PointsMovement
from booking_core.loyalty.policy import DebtPolicy, LoyaltyPolicy
from booking_core.loyalty.privileges import TierPrivilege, TierPrivileges, celebrates_on
from booking_core.loyalty.rewards import (
    CouponExchange,
    CouponExchangeId,
    Gift,
    GiftId,
    Redemption,
    RedemptionId,
    RedemptionStatus,
    RewardKind,
    TierPurchase,
)
from booking_core.loyalty.tiers import Tier, TierChange, TierLadder, TierMetric, TierStatus

__all__ = [
    "CheckIn",
    "CheckInTable",
    "CouponExchange",
    "CouponExchangeId",
    "DebtPolicy",
    "EarningRule",
    "ExpiryKind",
    "ExpiryPolicy",
    "Gift",
    "GiftId",
    "LotEffect",
    "LoyaltyPolicy",
    "MovementKind",
    "PointsAccount",
    "PointsChange",
    "PointsLot",
    "PointsMovement",
    "PointsSource",
    "Redemption",
    "RedemptionId",
    "RedemptionStatus",
    "RewardKind",
    "SharingRule",
    "Tier",
    "TierChange",
    "TierLadder",
    "TierMetric",
    "TierPrivilege",
    "TierPrivileges",
    "TierPurchase",
    "TierStatus",
    "award",
    "celebrates_on",
    "claw_back",
    "expire",
    "return_spent",
    "settle_in_cash",
    "spend",
]
