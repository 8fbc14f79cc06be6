"""Binding rules (I21): the configured mode decides when a referee binds or changes; the
graph never gets a self-link or a cycle."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.errors import InvalidReferral, ReferralNotAllowed
from booking_core.referrals import (
    Binding,
    BindingMode,
    BindingMoment,
    BindingRules,
    Member,
    check_no_cycle,
)

AT = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
A, B, C = Member.customer("a"), Member.customer("b"), Member.customer("c")


def _reason(rules: BindingRules, existing: Binding | None, **kw: object) -> str | None:
    args = {"moment": BindingMoment.LATER, "at": AT, "has_ordered": False, **kw}
    try:
        rules.check(existing, A, **args)  # type: ignore[arg-type]
    except ReferralNotAllowed as exc:
        return str(exc.details["reason"])
    return None


def test_on_registration_binds_only_while_registering() -> None:
    rules = BindingRules(BindingMode.ON_REGISTRATION)

    assert _reason(rules, None, moment=BindingMoment.REGISTRATION) is None
    assert _reason(rules, None, moment=BindingMoment.ORDER) == "not_at_registration"
    assert _reason(rules, None, moment=BindingMoment.LATER) == "not_at_registration"
    bound = Binding.first(C, B, AT, BindingMoment.REGISTRATION)
    assert _reason(rules, bound, moment=BindingMoment.REGISTRATION) == "already_bound"


def test_on_first_order_binds_until_an_order_is_paid_then_fixes_it() -> None:
    rules = BindingRules(BindingMode.ON_FIRST_ORDER)

    assert _reason(rules, None, moment=BindingMoment.ORDER) is None
    assert _reason(rules, None, has_ordered=True) == "after_first_order"
    assert _reason(rules, Binding.first(C, B, AT, BindingMoment.ORDER)) == "already_bound"


def test_changeable_allows_a_change_only_within_the_window_of_the_first_binding() -> None:
    rules = BindingRules(BindingMode.CHANGEABLE, pendulum.duration(days=7))
    bound = Binding.first(C, B, AT, BindingMoment.ORDER)
    later = bound.changed_to(Member.customer("d"), AT.add(days=3), BindingMoment.LATER)

    assert _reason(rules, None, has_ordered=True) is None
    assert _reason(rules, bound, at=AT.add(days=7).subtract(microseconds=1)) is None
    assert _reason(rules, later, at=AT.add(days=7)) == "change_window_closed"  # from the first
    assert _reason(BindingRules(BindingMode.CHANGEABLE), bound) == "change_window_closed"


def test_binding_to_the_same_referrer_again_is_always_allowed() -> None:
    bound = Binding.first(C, A, AT, BindingMoment.ORDER)

    assert _reason(BindingRules(BindingMode.ON_REGISTRATION), bound) is None


def test_a_binding_keeps_its_history() -> None:
    bound = Binding.first(C, A, AT, BindingMoment.REGISTRATION, "ABCD2345")
    moved = bound.changed_to(B, AT.add(days=1), BindingMoment.LATER)

    assert moved.referrer == B
    assert moved.first_bound_at == AT
    assert moved.bound_at == AT.add(days=1)
    assert [(h.previous, h.referrer) for h in moved.history] == [(None, A), (A, B)]
    assert moved.history[0].code == "ABCD2345"


def test_nobody_refers_himself() -> None:
    with pytest.raises(InvalidReferral):
        Binding.first(A, A, AT, BindingMoment.ORDER)
    with pytest.raises(InvalidReferral):
        check_no_cycle(A, A, [])


def test_a_binding_that_would_close_a_loop_is_refused() -> None:
    # C's upline is B then A: A binding to C closes A → C → B → A.
    with pytest.raises(ReferralNotAllowed) as refused:
        check_no_cycle(A, C, [B, A])

    assert refused.value.details["reason"] == "cycle"
    check_no_cycle(Member.customer("d"), C, [B, A])  # a newcomer joins freely
