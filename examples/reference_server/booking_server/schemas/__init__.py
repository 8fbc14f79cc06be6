"""The wire format: pydantic request and response schemas, converted at the edge.

FastAPI does not take attrs classes as models, so the server keeps its own schemas and
converts to and from the domain here (and only here): one module per topic, every model
name unique across the package (the OpenAPI document names its schemas after the classes).
Import from here — ``from booking_server.schemas import OrderOut`` — not from the modules.

============  ==========================================================================
module        holds
============  ==========================================================================
common        validated scalars (instants, days, ids, whole numbers), money, base models
catalog       categories and services
customers     customers, their address book, favourites, tier and standing
technicians   technicians, weekly hours, profiles and service areas
availability  free slots, slot searches, checkout holds, bookings and rescheduling
orders        placing an order, the order and its timeline
lifecycle     versioned actions, the order's lifecycle facts, changes, tracking
cancellation  the cancellation quote and outcome
payments      a payment's answer, payment attempts and refunds
aftersales    complaints and arbitration
reviews       reviews and a technician's rating
promotions    coupon templates, coupons and campaigns
quotes        a priced cart and its coupon explanations
ledger        balances and journal entries
============  ==========================================================================

Lists come as ``{"items": [...], "next_cursor": ...}``, one page at a time (see
:mod:`booking_server.paging`).
"""

from __future__ import annotations

from booking_server.schemas.aftersales import (
    ComplaintIn,
    ComplaintList,
    ComplaintOut,
    NoteIn,
    ResolutionIn,
)
from booking_server.schemas.availability import (
    Address,
    AnySlotOut,
    AnySlotsOut,
    BookingOut,
    HoldIn,
    RangeOut,
    RescheduleIn,
    SlotOut,
    SlotsOut,
    TechnicianOfferOut,
    TechnicianSlotsOut,
)
from booking_server.schemas.cancellation import CancellationOut, CancellationQuoteOut
from booking_server.schemas.catalog import (
    CategoryIn,
    CategoryList,
    CategoryOut,
    ServiceIn,
    ServiceList,
    ServiceOut,
)
from booking_server.schemas.common import (
    ID_PATTERN,
    MAX_AMOUNT,
    MAX_YEAR,
    MIN_YEAR,
    TAKE_WHOLE_FLOATS,
    Day,
    EntityId,
    InModel,
    Instant,
    MoneyIn,
    MoneyOut,
    Name,
    OutModel,
    WholeNumber,
    in_zone,
    optional_money,
)
from booking_server.schemas.customers import (
    AddressIn,
    AddressOut,
    CustomerDetailsIn,
    CustomerOut,
    DefaultAddressIn,
    FavouritesIn,
    StandingOut,
    TierIn,
)
from booking_server.schemas.ledger import (
    BalanceOut,
    BalancesOut,
    JournalOut,
    PostingOut,
    TransactionOut,
)
from booking_server.schemas.lifecycle import (
    ActionIn,
    LifecycleOrderOut,
    ModificationOut,
    PositionIn,
    PositionOut,
    ServiceChangeIn,
    TechnicianChangeIn,
    TimeChangeIn,
    TrackingOut,
)
from booking_server.schemas.orders import (
    ActorOut,
    OrderList,
    OrderOut,
    PlaceOrderIn,
    TransitionIn,
    TransitionOut,
)
from booking_server.schemas.payments import (
    MoneyViewOut,
    NextActionOut,
    PaymentAttemptOut,
    PaymentOut,
    RefundOut,
)
from booking_server.schemas.promotions import (
    BenefitIn,
    CampaignIn,
    CampaignList,
    CampaignOut,
    CouponList,
    CouponOut,
    CouponTemplateIn,
    CouponTemplateList,
    CouponTemplateOut,
    IssueCouponIn,
    OfferIn,
    Rate,
    ScopeIn,
    ScopeOut,
    TemplateActiveIn,
)
from booking_server.schemas.quotes import (
    CouponEvaluationOut,
    QuoteIn,
    QuoteLineIn,
    QuoteLineOut,
    QuoteOut,
)
from booking_server.schemas.reviews import ReviewIn, ReviewList, ReviewOut
from booking_server.schemas.technicians import (
    MAX_RADIUS_KM,
    RATING_PATTERN,
    ProfileIn,
    ProfileOut,
    Rating,
    ServiceAreaIn,
    ServiceAreaOut,
    Skill,
    TechnicianIn,
    TechnicianList,
    TechnicianOut,
    WeeklyHoursSpec,
)

__all__ = [
    "ID_PATTERN",
    "MAX_AMOUNT",
    "MAX_RADIUS_KM",
    "MAX_YEAR",
    "MIN_YEAR",
    "RATING_PATTERN",
    "TAKE_WHOLE_FLOATS",
    "ActionIn",
    "ActorOut",
    "Address",
    "AddressIn",
    "AddressOut",
    "AnySlotOut",
    "AnySlotsOut",
    "BalanceOut",
    "BalancesOut",
    "BenefitIn",
    "BookingOut",
    "CampaignIn",
    "CampaignList",
    "CampaignOut",
    "CancellationOut",
    "CancellationQuoteOut",
    "CategoryIn",
    "CategoryList",
    "CategoryOut",
    "ComplaintIn",
    "ComplaintList",
    "ComplaintOut",
    "CouponEvaluationOut",
    "CouponList",
    "CouponOut",
    "CouponTemplateIn",
    "CouponTemplateList",
    "CouponTemplateOut",
    "CustomerDetailsIn",
    "CustomerOut",
    "Day",
    "DefaultAddressIn",
    "EntityId",
    "FavouritesIn",
    "HoldIn",
    "InModel",
    "Instant",
    "IssueCouponIn",
    "JournalOut",
    "LifecycleOrderOut",
    "ModificationOut",
    "MoneyIn",
    "MoneyOut",
    "MoneyViewOut",
    "Name",
    "NextActionOut",
    "NoteIn",
    "OfferIn",
    "OrderList",
    "OrderOut",
    "OutModel",
    "PaymentAttemptOut",
    "PaymentOut",
    "PlaceOrderIn",
    "PositionIn",
    "PositionOut",
    "PostingOut",
    "ProfileIn",
    "ProfileOut",
    "QuoteIn",
    "QuoteLineIn",
    "QuoteLineOut",
    "QuoteOut",
    "RangeOut",
    "Rate",
    "Rating",
    "RefundOut",
    "RescheduleIn",
    "ResolutionIn",
    "ReviewIn",
    "ReviewList",
    "ReviewOut",
    "ScopeIn",
    "ScopeOut",
    "ServiceAreaIn",
    "ServiceAreaOut",
    "ServiceChangeIn",
    "ServiceIn",
    "ServiceList",
    "ServiceOut",
    "Skill",
    "SlotOut",
    "SlotsOut",
    "StandingOut",
    "TechnicianChangeIn",
    "TechnicianIn",
    "TechnicianList",
    "TechnicianOfferOut",
    "TechnicianOut",
    "TechnicianSlotsOut",
    "TemplateActiveIn",
    "TierIn",
    "TimeChangeIn",
    "TrackingOut",
    "TransactionOut",
    "TransitionIn",
    "TransitionOut",
    "WeeklyHoursSpec",
    "WholeNumber",
    "in_zone",
    "optional_money",
]
