"""The one error tree of booking_core.

Every rule violation raises a subclass of :class:`BookingError` that carries a stable,
machine-readable ``code`` and a message a person can act on. The reference server maps the
families below to HTTP statuses (RFC 9457 problem+json); an embedding app can do the same.

::

    BookingError                      code           family
    ├── InvalidInput                  invalid_input  the caller sent something malformed
    │   ├── InvalidMoney              invalid_money
    │   ├── CurrencyMismatch          currency_mismatch
    │   ├── InvalidTimeRange          invalid_time_range
    │   ├── InvalidTimeZone           invalid_time_zone
    │   ├── InvalidText               invalid_text
    │   ├── DateOutOfRange            date_out_of_range
    │   ├── InvalidSchedule           invalid_schedule
    │   ├── ServiceNotOffered         service_not_offered
    │   ├── OutsideServiceArea        outside_service_area
    │   ├── InvalidOrderPolicy        invalid_order_policy
    │   ├── InvalidWebhook            invalid_webhook
    │   ├── InvalidCart               invalid_cart
    │   ├── InvalidPromotion          invalid_promotion
    │   ├── InvalidRates              invalid_rates
    │   ├── CouponNotApplicable       coupon_not_applicable
    │   ├── InvalidIdempotencyKey     invalid_idempotency_key
    │   ├── IdempotencyKeyReused      idempotency_key_reused
    │   ├── PointsNotRedeemable       points_not_redeemable
    │   ├── InvalidApplication        invalid_application
    │   ├── InvalidReferral           invalid_referral
    │   ├── InvalidWithdrawalRules    invalid_withdrawal_rules
    │   ├── InvalidPayoutDestination  invalid_payout_destination
    │   ├── InvalidReward             invalid_reward
    │   ├── PayerUnknown              payer_unknown
    │   ├── InvalidCalendar           invalid_calendar
    │   ├── InvalidParty              invalid_party
    │   ├── InvalidPackage            invalid_package
    │   └── InvalidLedgerEntry        invalid_ledger_entry
    │       └── UnbalancedTransaction unbalanced_transaction
    ├── NotFound                      <entity>_not_found
    ├── Conflict                      conflict       the request lost to the stored state
    │   ├── SlotTaken                 slot_taken
    │   ├── SlotHeld                  slot_held
    │   ├── SlotUnavailable           slot_unavailable
    │   ├── DailyCapReached           daily_cap_reached
    │   ├── TransitionNotAllowed      transition_not_allowed
    │   │   ├── AlreadyCancelled      order_already_cancelled
    │   │   ├── NothingToPay          nothing_to_pay
    │   │   └── TooEarly              too_early
    │   ├── ConcurrentUpdate          concurrent_update
    │   ├── IdempotencyConflict       idempotency_conflict
    │   ├── IdempotencyKeyInFlight    idempotency_key_in_flight
    │   ├── TooManyUnpaidOrders       too_many_unpaid_orders
    │   ├── ReviewNotAllowed          review_not_allowed
    │   ├── DuplicateEntity           <entity>_exists
    │   ├── CouponUnavailable         coupon_unavailable
    │   ├── CouponNotClaimable        coupon_not_claimable
    │   ├── CouponOutOfStock          coupon_out_of_stock
    │   ├── CouponLimitReached        coupon_limit_reached
    │   ├── CampaignBudgetExceeded    campaign_budget_exceeded
    │   ├── RefundExceedsCaptured     refund_exceeds_captured
    │   ├── TransactionAlreadyReversed transaction_already_reversed
    │   ├── ComplaintNotAllowed       complaint_not_allowed
    │   ├── TechnicianNotVerified     technician_not_verified
    │   ├── ApplicationNotAllowed     application_not_allowed
    │   ├── MembershipConflict        membership_conflict
    │   ├── TrackingUnavailable       tracking_unavailable
    │   ├── OrderAlreadyTaken         order_already_taken
    │   ├── OfferNotOpen              offer_not_open
    │   ├── NoTechnicianAvailable     no_technician_available
    │   ├── ReferralNotAllowed        referral_not_allowed
    │   ├── CommissionNotAllowed      commission_not_allowed
    │   ├── WithdrawalNotAllowed      withdrawal_not_allowed
    │   ├── InsufficientBalance       insufficient_balance
    │   ├── TipNotAllowed             tip_not_allowed
    │   ├── InsufficientPoints        insufficient_points
    │   ├── RewardNotAvailable        reward_not_available
    │   ├── GiftOutOfStock            gift_out_of_stock
    │   ├── GiftLimitReached          gift_limit_reached
    │   ├── RedemptionNotAllowed      redemption_not_allowed
    │   ├── BusyTimeConflict          busy_time_conflict
    │   └── PackageNotRedeemable      package_not_redeemable
    ├── PermissionDenied              permission_denied
    ├── PaymentError                  payment_error  a dependency failed or refused
    ├── CalendarUnavailable           calendar_unavailable  an outside calendar did not answer
    └── StorageUnavailable            storage_unavailable  the database did not answer in time
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "AlreadyCancelled",
    "ApplicationNotAllowed",
    "BookingError",
    "BusyTimeConflict",
    "CalendarUnavailable",
    "CampaignBudgetExceeded",
    "CommissionNotAllowed",
    "ComplaintNotAllowed",
    "ConcurrentUpdate",
    "Conflict",
    "CouponLimitReached",
    "CouponNotApplicable",
    "CouponNotClaimable",
    "CouponOutOfStock",
    "CouponUnavailable",
    "CurrencyMismatch",
    "DailyCapReached",
    "DateOutOfRange",
    "DuplicateEntity",
    "GiftLimitReached",
    "GiftOutOfStock",
    "IdempotencyConflict",
    "IdempotencyKeyInFlight",
    "IdempotencyKeyReused",
    "InsufficientBalance",
    "InsufficientPoints",
    "InvalidApplication",
    "InvalidCalendar",
    "InvalidCart",
    "InvalidIdempotencyKey",
    "InvalidInput",
    "InvalidLedgerEntry",
    "InvalidMoney",
    "InvalidOrderPolicy",
    "InvalidPackage",
    "InvalidParty",
    "InvalidPayoutDestination",
    "InvalidPromotion",
    "InvalidRates",
    "InvalidReferral",
    "InvalidReward",
    "InvalidSchedule",
    "InvalidText",
    "InvalidTimeRange",
    "InvalidTimeZone",
    "InvalidWebhook",
    "InvalidWithdrawalRules",
    "MembershipConflict",
    "NoTechnicianAvailable",
    "NotFound",
    "NothingToPay",
    "OfferNotOpen",
    "OrderAlreadyTaken",
    "OutsideServiceArea",
    "PackageNotRedeemable",
    "PayerUnknown",
    "PaymentError",
    "PermissionDenied",
    "PointsNotRedeemable",
    "RedemptionNotAllowed",
    "ReferralNotAllowed",
    "RefundExceedsCaptured",
    "ReviewNotAllowed",
    "RewardNotAvailable",
    "ServiceNotOffered",
    "SlotHeld",
    "SlotTaken",
    "SlotUnavailable",
    "StorageUnavailable",
    "TechnicianNotVerified",
    "TipNotAllowed",
    "TooEarly",
    "TooManyUnpaidOrders",
    "TrackingUnavailable",
    "TransactionAlreadyReversed",
    "TransitionNotAllowed",
    "UnbalancedTransaction",
    "WithdrawalNotAllowed",
]


class BookingError(Exception):
    """Root of every error booking_core raises on purpose.

    Attributes:
        code: Stable machine-readable code; never changes between releases.
        message: What went wrong and what the caller can do about it.
        details: Extra machine-readable facts (ids, limits) for the caller.
    """

    code: ClassVar[str] = "booking_error"

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    @property
    def error_code(self) -> str:
        """The code of this instance (entity-specific for some families)."""
        return self.code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.error_code!r}, {self.message!r})"


class InvalidInput(BookingError):
    """The input is malformed or breaks a validation rule; nothing was changed."""

    code = "invalid_input"


class InvalidMoney(InvalidInput):
    """An amount is not an integer of minor units, or the currency is not ISO 4217."""

    code = "invalid_money"


class CurrencyMismatch(InvalidInput):
    """Two amounts in different currencies were combined."""

    code = "currency_mismatch"


class InvalidTimeRange(InvalidInput):
    """A time range ends before it starts, or a time is naive (has no zone)."""

    code = "invalid_time_range"


class InvalidTimeZone(InvalidInput):
    """A time zone name is not a known IANA zone."""

    code = "invalid_time_zone"


class InvalidText(InvalidInput):
    """A text holds a character no database stores (NUL, or a lone UTF-16 surrogate)."""

    code = "invalid_text"


class DateOutOfRange(InvalidInput):
    """A date or an instant lies outside the range the application accepts."""

    code = "date_out_of_range"


class InvalidSchedule(InvalidInput):
    """Working hours or scheduling settings contradict themselves."""

    code = "invalid_schedule"


class ServiceNotOffered(InvalidInput):
    """The technician does not perform the requested service."""

    code = "service_not_offered"


class OutsideServiceArea(InvalidInput):
    """The address lies outside the technician's service area for that time."""

    code = "outside_service_area"


class NotFound(BookingError):
    """A referenced entity does not exist (or is not visible to the caller)."""

    code = "not_found"

    def __init__(self, entity: str, entity_id: str) -> None:
        super().__init__(
            f"No {entity.replace('_', ' ')} with id {entity_id!r} exists.",
            details={"entity": entity, "id": entity_id},
        )
        self.entity = entity
        self.entity_id = entity_id

    @property
    def error_code(self) -> str:
        return f"{self.entity}_not_found"


class Conflict(BookingError):
    """The request is well-formed but conflicts with the stored state."""

    code = "conflict"


class SlotTaken(Conflict):
    """The technician already has an active booking overlapping the requested time."""

    code = "slot_taken"


class SlotHeld(Conflict):
    """Another customer holds the slot during checkout; it frees when the hold expires."""

    code = "slot_held"


class DailyCapReached(Conflict):
    """The technician already has as many bookings on that local day as his cap allows."""

    code = "daily_cap_reached"


class SlotUnavailable(Conflict):
    """The requested start is not among the slots the availability rules offer."""

    code = "slot_unavailable"


class TransitionNotAllowed(Conflict):
    """The order's current state does not allow the requested transition."""

    code = "transition_not_allowed"


class ConcurrentUpdate(Conflict):
    """Someone else changed the entity first; reload and decide again."""

    code = "concurrent_update"


class ReviewNotAllowed(Conflict):
    """The order cannot be reviewed (not completed yet)."""

    code = "review_not_allowed"


class IdempotencyConflict(Conflict):
    """An idempotency key was reused with different parameters."""

    code = "idempotency_conflict"


class DuplicateEntity(Conflict):
    """An entity with the same id or unique key already exists."""

    code = "duplicate"

    def __init__(self, entity: str, entity_id: str) -> None:
        super().__init__(
            f"A {entity.replace('_', ' ')} with id {entity_id!r} already exists.",
            details={"entity": entity, "id": entity_id},
        )
        self.entity = entity

    @property
    def error_code(self) -> str:
        return f"{self.entity}_exists"


class PermissionDenied(BookingError):
    """The actor's role does not allow this action on this entity."""

    code = "permission_denied"


class PaymentError(BookingError):
    """The payment gateway refused or failed in a way the caller must handle."""

    code = "payment_error"


class StorageUnavailable(BookingError):
    """The database did not answer in time: a lock held too long, a statement over its
    time limit, or no connection. The command's transaction was rolled back (only a
    connection lost in the middle of a commit leaves its outcome unknown); retry it after
    ``retry_after_seconds`` (commands are safe to retry with their idempotency keys).

    Storage adapters raise it from the driver's error (``raise ... from exc``); the
    reference server answers 503 with a ``Retry-After`` header.
    """

    code = "storage_unavailable"

    def __init__(
        self,
        message: str,
        *,
        retry_after_seconds: int = 1,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(
            message, details={**(details or {}), "retry_after_seconds": retry_after_seconds}
        )
        self.retry_after_seconds = retry_after_seconds


# --- Money: pricing, promotions and the ledger --------------------------------------------


class InvalidCart(InvalidInput):
    """A cart cannot be priced: no lines, a bad quantity, or mixed currencies."""

    code = "invalid_cart"


class InvalidPromotion(InvalidInput):
    """A coupon, campaign, threshold offer, tier discount or points policy contradicts itself."""

    code = "invalid_promotion"


class InvalidRates(InvalidInput):
    """Split rates are negative, or together give away more than the whole amount."""

    code = "invalid_rates"


class CouponNotApplicable(InvalidInput):
    """The chosen coupon does not apply to this cart; ``details["reason"]`` says why."""

    code = "coupon_not_applicable"


class PointsNotRedeemable(InvalidInput):
    """The points asked for cannot be spent (negative, more than held, or not allowed)."""

    code = "points_not_redeemable"


class InvalidLedgerEntry(InvalidInput):
    """A journal entry is malformed or does not match the order's books."""

    code = "invalid_ledger_entry"


class UnbalancedTransaction(InvalidLedgerEntry):
    """A journal transaction's debits and credits differ in some currency."""

    code = "unbalanced_transaction"


class CouponUnavailable(Conflict):
    """The coupon's state does not allow this step (already used, reserved, expired)."""

    code = "coupon_unavailable"


class CouponNotClaimable(Conflict):
    """The coupon template cannot be issued now (inactive, closed, wrong channel)."""

    code = "coupon_not_claimable"


class CouponOutOfStock(Conflict):
    """Every coupon of the template has been issued."""

    code = "coupon_out_of_stock"


class CouponLimitReached(Conflict):
    """The customer already holds as many coupons of the template as one person may."""

    code = "coupon_limit_reached"


class CampaignBudgetExceeded(Conflict):
    """The campaign's remaining budget cannot cover the discount."""

    code = "campaign_budget_exceeded"


class RefundExceedsCaptured(Conflict):
    """A refund would return more than was captured and not yet refunded."""

    code = "refund_exceeds_captured"


class TransactionAlreadyReversed(Conflict):
    """A journal transaction may be reversed once; this one already was."""

    code = "transaction_already_reversed"


# --- Orders: lifecycle, payments, after-sales ------------------------------------------------


class InvalidOrderPolicy(InvalidInput):
    """An order policy contradicts itself (e.g. a cancellation fee that falls as the start
    approaches, a rate outside 0–100 %, a negative timeout)."""

    code = "invalid_order_policy"


class InvalidWebhook(InvalidInput):
    """A payment notification's signature is missing or wrong, or its body is not one."""

    code = "invalid_webhook"


class AlreadyCancelled(TransitionNotAllowed):
    """The order was cancelled already (its refund may still be on its way): a repeated
    cancellation, e.g. a double-clicked button, changes nothing."""

    code = "order_already_cancelled"


class NothingToPay(TransitionNotAllowed):
    """The order owes nothing at this point (already paid, or not due yet)."""

    code = "nothing_to_pay"


class TooEarly(TransitionNotAllowed):
    """A time guard of the order chart refused the event: it is allowed later.

    ``details["not_before"]`` is the earliest allowed instant (ISO 8601) and
    ``details["guards"]`` names the guards that failed.
    """

    code = "too_early"


class InvalidIdempotencyKey(InvalidInput):
    """An idempotency key is empty, too long, or holds a character other than visible ASCII."""

    code = "invalid_idempotency_key"


class IdempotencyKeyReused(InvalidInput):
    """An idempotency key was used before for another request (another body); nothing was
    done. Use a new key for a new request."""

    code = "idempotency_key_reused"


class IdempotencyKeyInFlight(Conflict):
    """The first request with this idempotency key is still running; retry after it ends."""

    code = "idempotency_key_in_flight"


class TooManyUnpaidOrders(Conflict):
    """The customer has as many open orders with nothing paid as a limit allows.

    ``details["limit"]`` names the :class:`~booking_core.orders.policy.OrderPolicy` field,
    ``details["max"]`` its value and ``details["open_unpaid"]`` what was counted.
    """

    code = "too_many_unpaid_orders"


class ComplaintNotAllowed(Conflict):
    """The order cannot take a complaint now (wrong state, window closed, one already open)."""

    code = "complaint_not_allowed"


class TrackingUnavailable(Conflict):
    """Positions are only taken and shown while the technician is on the way."""

    code = "tracking_unavailable"


class InvalidApplication(InvalidInput):
    """A technician's application or its documents break a rule (a required document
    missing, a blank file reference, a document already expired, a review without reason).

    ``details["field"]`` names what to fix; ``details["kind"]`` the document kind, if any.
    """

    code = "invalid_application"


class TechnicianNotVerified(Conflict):
    """The technician is not verified on that local day (his application is pending or
    was rejected, or a required document has expired): he cannot be booked then."""

    code = "technician_not_verified"


class ApplicationNotAllowed(Conflict):
    """An application cannot be filed now: the technician has one being reviewed, or is
    registered already (``apply`` is for newcomers; ``reapply`` for those registered)."""

    code = "application_not_allowed"


class MembershipConflict(Conflict):
    """A technician cannot join or leave that store now: he belongs to another store
    (``details["store_id"]``; he leaves it first, or the platform transfers him), he is a
    member already, he is not a member, or he was not invited."""

    code = "membership_conflict"


class OrderAlreadyTaken(Conflict):
    """Another technician has the order (a grab or an assignment won first), or the
    technician asked for is in another seat of it already."""

    code = "order_already_taken"


class OfferNotOpen(Conflict):
    """No offer of that order stands for this technician (it timed out, was refused, went
    to someone else, or the order was assigned or cancelled meanwhile)."""

    code = "offer_not_open"


class NoTechnicianAvailable(Conflict):
    """Nobody qualified, nearby and free can serve the order at that time: pick another
    time (or let a dispatcher assign it by hand)."""

    code = "no_technician_available"


class InvalidWithdrawalRules(InvalidInput):
    """The withdrawal rules are malformed (a negative minimum, a fee rate outside 0–1, a
    day of the month that does not exist …); ``details["field"]`` names the culprit."""

    code = "invalid_withdrawal_rules"


class InvalidPayoutDestination(InvalidInput):
    """A bank card or wallet to pay a withdrawal to is malformed (an unmasked card number,
    an empty account id …)."""

    code = "invalid_payout_destination"


class WithdrawalNotAllowed(Conflict):
    """The withdrawal rules refuse the request as made, or the withdrawal is not in a state
    that allows the step; ``details["reason"]`` says which rule (``below_minimum``,
    ``day_not_allowed``, ``too_many_in_period``, ``too_much_in_period``,
    ``not_above_fee``, ``currency``)."""

    code = "withdrawal_not_allowed"


class PayerUnknown(InvalidInput):
    """The payment's channel needs the customer's id at the provider (his WeChat ``openid``
    in the mini-program) and none was given or is on his account."""

    code = "payer_unknown"


class TipNotAllowed(Conflict):
    """A tip the tipping rules refuse; ``details["reason"]`` says which: ``not_started``
    (the service has not started), ``order_closed`` (cancelled or refunded), ``no_technician``,
    ``below_minimum`` (under 1 fen), ``above_maximum`` (over the policy's maximum),
    ``currency`` (not the order's currency), ``tip_in_progress`` (another tip of the order
    is still on its way), ``number_skipped`` (tip number n+2 before n+1 exists)."""

    code = "tip_not_allowed"


class InsufficientBalance(Conflict):
    """The payee's available balance is less than the withdrawal asked for (also when
    requests made at the same moment took it first); ``details`` has both amounts."""

    code = "insufficient_balance"


class InsufficientPoints(Conflict):
    """The customer holds fewer usable points than asked for (``details``: ``balance``,
    ``asked``); a concurrent spend may have taken them."""

    code = "insufficient_points"


class InvalidReferral(InvalidInput):
    """A referral value breaks its own rules: a member referring himself, a malformed invite
    code, or a commission plan whose rates or levels contradict themselves."""

    code = "invalid_referral"


class ReferralNotAllowed(Conflict):
    """A referral command conflicts with the stored graph or a distributor's status: the
    binding would close a cycle, the binding mode does not allow it (now), or the
    distributor cannot move that way (``details["reason"]`` says which)."""

    code = "referral_not_allowed"


class CommissionNotAllowed(Conflict):
    """A commission cannot move that way: it is not frozen any more, or its unfreeze time
    has not come (``details["reason"]`` says which)."""

    code = "commission_not_allowed"


class InvalidReward(InvalidInput):
    """A reward value breaks its own rules: a gift without a name or a price, a stock or a
    per-customer limit below zero, a tier purchase of no points or no days."""

    code = "invalid_reward"


class RewardNotAvailable(Conflict):
    """The reward cannot be had now: the gift or exchange is inactive, the tier is not for
    sale, or it is below the tier he holds (``details["reason"]`` says which)."""

    code = "reward_not_available"


class GiftOutOfStock(Conflict):
    """Every unit of the gift has been redeemed (his points are untouched)."""

    code = "gift_out_of_stock"


class GiftLimitReached(Conflict):
    """The customer has redeemed the gift as often as one person may."""

    code = "gift_limit_reached"


class RedemptionNotAllowed(Conflict):
    """A redemption cannot move that way: it is fulfilled or cancelled already, or it is
    not a gift's (coupons and tiers are delivered at once)."""

    code = "redemption_not_allowed"


class InvalidPackage(InvalidInput):
    """A package (套餐) breaks its own rules: no parts, a service twice, a part of no visits,
    a price of zero or above what its parts cost one by one, parts in another currency, a
    validity out of range; or a purchase whose amount is not the package's price."""

    code = "invalid_package"


class PackageNotRedeemable(Conflict):
    """A visit of a bought package cannot be used: the package has expired, no visit of that
    service is left, the package holds no such service, it was refunded, or it is not the
    customer's; ``details["reason"]`` is ``expired``, ``none_left``, ``wrong_service``,
    ``refunded`` or ``not_holder``."""

    code = "package_not_redeemable"


class InvalidCalendar(InvalidInput):
    """An outside calendar's data is unusable: a feed URL that is not http(s), a busy block
    without a uid or with a buffer out of range, iCalendar text that does not parse."""

    code = "invalid_calendar"


class BusyTimeConflict(Conflict):
    """Busy time cannot be stored over a booking the technician already has (pushed or
    imported blocks, imported bookings); ``details["booking_id"]`` names the booking, or
    ``details["busy_uid"]`` the busy block, in the way."""

    code = "busy_time_conflict"


class CalendarUnavailable(BookingError):
    """An outside calendar could not be fetched (network, HTTP status, size); the blocks
    read from it last time stay in force and the refresh job tries again later."""

    code = "calendar_unavailable"


class InvalidParty(InvalidInput):
    """The technicians named do not fit the service: it needs ``details["needed"]``
    technicians at once (book it as a party of that many, one per technician), a party was
    asked of a service for one, or a technician is named twice."""

    code = "invalid_party"
