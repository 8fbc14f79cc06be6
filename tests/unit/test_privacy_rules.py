"""Who sees the customer's phone and address: each rule on its own (I25, P11)."""

from __future__ import annotations

import attrs
import pendulum
import pytest
from pendulum import DateTime

from booking_core import Money
from booking_core.errors import InvalidInput, InvalidOrderPolicy
from booking_core.ids import BookingId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.orders import (
    Actor,
    AuditedReveal,
    Order,
    PrivacyPolicy,
    RevealWindow,
    Role,
    contact_for,
    mask_address,
    mask_phone,
    reveal_windows,
    reveals_contact,
)
from booking_core.scheduling.geo import GeoPoint
from booking_core.timerange import TimeRange

LI, WANG, ZHAO = TechnicianId("tec_li"), TechnicianId("tec_wang"), TechnicianId("tec_zhao")
CUSTOMER = Actor("cus_1", Role.CUSTOMER)
OPERATOR = Actor("ops_1", Role.PLATFORM)
SYSTEM = Actor.system()
HOME = GeoPoint(31.2304, 121.4737)
POLICY = PrivacyPolicy(reveal_after_completion_minutes=90)
PHONE = "+8613812345678"


def at(hour: int, minute: int = 0, second: int = 0) -> DateTime:
    """An instant on Tuesday 3 March 2026, Shanghai time (the slot is 10:00–11:00)."""
    return pendulum.datetime(2026, 3, 3, hour, minute, second, tz="Asia/Shanghai")


def before(instant: DateTime) -> DateTime:
    return instant.subtract(seconds=1)


@attrs.frozen
class Address:
    province: str
    city: str
    district: str
    detail: str
    point: GeoPoint | None = None


HOME_ADDRESS = Address("上海市", "上海市", "黄浦区", "人民大道 200 号 3 楼 301", HOME)


def tech(technician_id: str) -> Actor:
    return Actor(technician_id, Role.TECHNICIAN)


def paid_order(technician_id: TechnicianId = LI) -> Order:
    """An order of Li's placed at 08:00 and paid at 08:01, for 10:00–11:00."""
    price = Money(19900, "CNY")
    order = Order.place(
        order_id=OrderId("ord_1"),
        customer_id=CustomerId("cus_1"),
        technician_id=technician_id,
        service_id=ServiceId("tuina"),
        booking_id=BookingId("bkg_1"),
        slot=TimeRange(at(10), at(11)),
        time_zone="Asia/Shanghai",
        price=price,
        at=at(8),
        destination=HOME,
    )
    order.record_capture(price)
    order.transition("pay", actor=SYSTEM, at=at(8, 1))
    return order


def accepted_order() -> Order:
    """Li accepts at 08:05."""
    order = paid_order()
    order.transition("accept", actor=tech(LI), at=at(8, 5))
    return order


def completed_order() -> Order:
    """Li accepts at 08:05, sets off 09:00, arrives 09:50, starts 10:00, completes 11:00."""
    order = accepted_order()
    for event, instant in [
        ("depart", at(9)),
        ("arrive", at(9, 50)),
        ("start_service", at(10)),
        ("complete", at(11)),
    ]:
        order.transition(event, actor=tech(LI), at=instant)
    return order


# -- the window ------------------------------------------------------------------------------


def test_nobody_sees_the_contact_before_the_acceptance() -> None:
    order = paid_order()

    order.transition("accept", actor=tech(LI), at=at(8, 5))

    assert not reveals_contact(order, LI, at(8), POLICY)  # placed
    assert not reveals_contact(order, LI, at(8, 2), POLICY)  # paid, pending acceptance
    assert not reveals_contact(order, LI, before(at(8, 5)), POLICY)
    assert reveals_contact(order, LI, at(8, 5), POLICY)


def test_an_order_never_accepted_reveals_nothing_even_later() -> None:
    order = paid_order()

    windows = reveal_windows(order, POLICY)

    assert windows == ()
    assert not reveals_contact(order, LI, at(23), POLICY)


@pytest.mark.parametrize(
    ("instant", "state"),
    [
        (at(8, 30), "accepted"),
        (at(9, 10), "departed"),
        (at(9, 55), "arrived"),
        (at(10, 30), "in_service"),
        (at(11, 30), "completed"),
    ],
)
def test_the_assigned_technician_sees_it_from_acceptance_through_completion(
    instant: DateTime, state: str
) -> None:
    order = completed_order()

    shown = reveals_contact(order, LI, instant, POLICY)

    assert shown, state


def test_it_ends_the_policy_minutes_after_the_completion() -> None:
    order = completed_order()

    windows = reveal_windows(order, POLICY)

    assert windows == (RevealWindow(LI, at(8, 5), at(12, 30)),)
    assert reveals_contact(order, LI, before(at(12, 30)), POLICY)
    assert not reveals_contact(order, LI, at(12, 30), POLICY)
    assert reveals_contact(order, LI, at(13), PrivacyPolicy())  # 24 hours by default
    assert not reveals_contact(order, LI, at(11), PrivacyPolicy(reveal_after_completion_minutes=0))


def test_a_refund_after_the_completion_neither_ends_nor_extends_it() -> None:
    order = completed_order()

    order.reserve_refund(Money(5000, "CNY"))
    order.transition("refund", actor=SYSTEM, at=at(11, 10))
    order.transition("settle_refund", actor=SYSTEM, at=at(11, 20))

    assert order.state == "partially_refunded"
    assert reveals_contact(order, LI, at(12), POLICY)
    assert not reveals_contact(order, LI, at(12, 30), POLICY)


@pytest.mark.parametrize("event", ["cancel", "no_show"])
def test_a_cancellation_ends_it_at_once(event: str) -> None:
    order = accepted_order()
    order.transition("depart", actor=tech(LI), at=at(9))
    order.transition("arrive", actor=tech(LI), at=at(9, 50))

    order.cancel(
        event=event, cause="customer", fee=Money.zero("CNY"), actor=tech(LI), at=at(10, 30)
    )

    assert reveals_contact(order, LI, before(at(10, 30)), POLICY)
    assert not reveals_contact(order, LI, at(10, 30), POLICY)
    assert not reveals_contact(order, LI, at(11), POLICY)


def test_a_reassignment_ends_it_for_the_old_technician_and_the_new_one_waits_to_accept() -> None:
    order = accepted_order()

    order.reassign(WANG, BookingId("bkg_2"), actor=CUSTOMER, at=at(9))
    order.transition("accept", actor=tech(WANG), at=at(9, 10))

    assert reveals_contact(order, LI, at(8, 30), POLICY)  # what Li saw then
    assert not reveals_contact(order, LI, at(9), POLICY)
    assert not reveals_contact(order, WANG, at(8, 30), POLICY)
    assert not reveals_contact(order, WANG, before(at(9, 10)), POLICY)
    assert reveals_contact(order, WANG, at(9, 10), POLICY)
    assert reveal_windows(order, POLICY) == (
        RevealWindow(LI, at(8, 5), at(9)),
        RevealWindow(WANG, at(9, 10), None),
    )


def test_a_reassignment_to_the_same_technician_needs_a_new_acceptance() -> None:
    order = accepted_order()

    order.reassign(LI, BookingId("bkg_2"), actor=OPERATOR, at=at(9))

    assert reveals_contact(order, LI, before(at(9)), POLICY)
    assert not reveals_contact(order, LI, at(9, 30), POLICY)


def test_a_rejection_ends_it() -> None:
    order = accepted_order()

    order.transition("reject", actor=tech(LI), at=at(9))

    assert reveals_contact(order, LI, before(at(9)), POLICY)
    assert not reveals_contact(order, LI, at(9), POLICY)


def test_a_change_of_time_keeps_it() -> None:
    order = accepted_order()

    order.modify(
        actor=CUSTOMER,
        at=at(8, 30),
        change="time",
        before="10:00",
        after="10:30",
        booking_id=BookingId("bkg_2"),
        slot=TimeRange(at(10, 30), at(11, 30)),
    )

    assert reveals_contact(order, LI, at(8, 30), POLICY)
    assert reveals_contact(order, LI, at(9), POLICY)


def test_another_technician_never_sees_it() -> None:
    order = completed_order()
    instants = [at(8), at(8, 5), at(9), at(10), at(11), at(12)]

    shown = [reveals_contact(order, ZHAO, instant, POLICY) for instant in instants]

    assert shown == [False] * len(instants)


def test_a_window_the_platform_accepted_reveals_to_the_technician_assigned_now() -> None:
    order = paid_order()

    order.transition("accept", actor=OPERATOR, at=at(8, 5))

    assert reveals_contact(order, LI, at(8, 30), POLICY)


def test_an_ended_window_nobody_can_attribute_reveals_to_no_one() -> None:
    order = paid_order()
    order.transition("accept", actor=OPERATOR, at=at(8, 5))

    order.reassign(WANG, BookingId("bkg_2"), actor=OPERATOR, at=at(9))

    # Li fired nothing himself, so the timeline cannot say the window was his: fail closed.
    assert reveal_windows(order, POLICY) == (RevealWindow(None, at(8, 5), at(9)),)
    assert not reveals_contact(order, LI, at(8, 30), POLICY)
    assert not reveals_contact(order, WANG, at(8, 30), POLICY)


def test_an_ended_window_is_his_if_he_fired_any_of_it() -> None:
    order = paid_order()
    order.transition("accept", actor=OPERATOR, at=at(8, 5))
    order.transition("reject", actor=tech(LI), at=at(9))

    order.reassign(WANG, BookingId("bkg_2"), actor=OPERATOR, at=at(9, 5))

    assert reveals_contact(order, LI, at(8, 30), POLICY)
    assert not reveals_contact(order, WANG, at(8, 30), POLICY)


def test_an_instant_without_a_zone_is_refused() -> None:
    order = accepted_order()

    with pytest.raises(InvalidInput) as refused:
        reveals_contact(order, LI, pendulum.naive(2026, 3, 3, 9), POLICY)

    assert refused.value.details == {"field": "at"}


@pytest.mark.parametrize("minutes", [-1, 1.5, True, "60", None])
def test_the_policy_takes_whole_minutes_only(minutes: object) -> None:
    with pytest.raises(InvalidOrderPolicy) as refused:
        PrivacyPolicy(reveal_after_completion_minutes=minutes)  # type: ignore[arg-type]

    assert refused.value.code == "invalid_order_policy"
    assert refused.value.details == {"field": "reveal_after_completion_minutes"}


def test_the_policy_defaults_to_a_day() -> None:
    assert PrivacyPolicy().reveal_after_completion_minutes == 24 * 60


# -- masking ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+8613812345678", "138****5678"),  # China, 11-digit mobile
        ("+447911123456", "79****3456"),  # UK, 10 digits: at least 4 hidden
        ("+14155550123", "41****0123"),  # NANP: one-digit country code
        ("+79161234567", "91****4567"),  # Russia: the other one-digit code
        ("+33612345678", "6****5678"),  # France, 9 digits
        ("+6581234567", "****4567"),  # Singapore, 8 digits
        ("+85291234567", "****4567"),  # Hong Kong: a three-digit code
        ("+6831234", "****"),  # Niue, 4 digits: all hidden
        ("+49171123456789", "171*****6789"),  # 12 digits: the first 3 and last 4 shown
    ],
)
def test_a_phone_shows_its_national_number_with_the_middle_starred(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    "phone",
    [
        "13812345679",  # no country code
        "+86 138 1234 5678",
        "+86-138-1234-5678",
        "+0613812345678",
        "+8613812345678901",  # 16 digits
        "+",
        "+86",  # a country code and nothing after it
        "+861234",  # 6 digits: too short to be a number
        "",
        "+86１３８１２３４５６７８",  # full-width digits
    ],
)
def test_a_phone_not_in_e164_is_refused_without_repeating_it(phone: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        mask_phone(phone)

    assert refused.value.code == "invalid_input"
    assert refused.value.details == {"field": "phone"}
    assert "E.164" in refused.value.message
    assert len(phone) < 4 or phone not in refused.value.message


def test_a_phone_that_is_not_text_is_refused() -> None:
    with pytest.raises(InvalidInput):
        mask_phone(8613812345678)  # type: ignore[arg-type]


def test_an_address_shows_the_district_only() -> None:
    shenzhen = Address("广东省", "深圳市", "南山区", "科技园 1 栋")

    assert mask_address(shenzhen) == "广东省 深圳市 南山区"
    assert mask_address(HOME_ADDRESS) == "上海市 黄浦区"  # a municipality: written once
    assert mask_address(Address("", "Springfield", " ", "742 Evergreen")) == "Springfield"


# -- the view an actor is shown --------------------------------------------------------------


def _shown(viewer: Actor, instant: DateTime, reason: str = "") -> tuple[bool, str, str]:
    view = contact_for(
        completed_order(), viewer, instant, POLICY, phone=PHONE, address=HOME_ADDRESS, reason=reason
    )
    return view.revealed, view.phone, view.address


FULL = (True, PHONE, "上海市 黄浦区 人民大道 200 号 3 楼 301")
MASKED = (False, "138****5678", "上海市 黄浦区")


def test_the_technician_sees_full_values_in_his_window_and_masked_ones_outside_it() -> None:
    assert _shown(tech(LI), at(10)) == FULL
    assert _shown(tech(LI), at(8)) == MASKED
    assert _shown(tech(LI), at(13)) == MASKED
    assert _shown(tech(ZHAO), at(10)) == MASKED


def test_a_reason_does_not_unmask_anything_for_a_technician() -> None:
    assert _shown(tech(ZHAO), at(10), reason="I need it") == MASKED


def test_the_customer_sees_his_own_contact_and_no_one_elses() -> None:
    assert _shown(CUSTOMER, at(8)) == FULL
    assert _shown(Actor("cus_2", Role.CUSTOMER), at(10)) == MASKED
    assert _shown(Actor("sto_1", Role.STORE), at(10)) == MASKED


@pytest.mark.parametrize("viewer", [OPERATOR, SYSTEM])
def test_the_platform_sees_masked_values_unless_it_gives_a_reason(viewer: Actor) -> None:
    order = completed_order()

    without = contact_for(order, viewer, at(10), POLICY, phone=PHONE, address=HOME_ADDRESS)
    blank = contact_for(
        order, viewer, at(10), POLICY, phone=PHONE, address=HOME_ADDRESS, reason="  "
    )
    given = contact_for(
        order, viewer, at(14), POLICY, phone=PHONE, address=HOME_ADDRESS, reason=" complaint 7 "
    )

    assert (without.revealed, without.phone, without.audit) == (False, "138****5678", None)
    assert (blank.revealed, blank.audit) == (False, None)
    assert (given.revealed, given.phone, given.location) == (True, PHONE, HOME)
    assert given.audit == AuditedReveal(viewer, OrderId("ord_1"), "complaint 7", at(14))


def test_a_masked_view_carries_no_location_and_a_full_one_the_destination() -> None:
    order = completed_order()

    masked = contact_for(order, tech(LI), at(8), POLICY, phone=PHONE, address=HOME_ADDRESS)
    full = contact_for(order, tech(LI), at(10), POLICY, phone=PHONE, address=HOME_ADDRESS)

    assert (masked.location, masked.audit) == (None, None)
    assert (full.location, full.audit) == (HOME, None)


@pytest.mark.parametrize("viewer", [CUSTOMER, tech(LI), tech(ZHAO), OPERATOR])
def test_a_bad_phone_is_refused_whoever_looks(viewer: Actor) -> None:
    with pytest.raises(InvalidInput):
        contact_for(
            completed_order(), viewer, at(10), POLICY, phone="138 1234 5678", address=HOME_ADDRESS
        )
