"""Invite codes and members: short unambiguous codes from an id, links, and member keys."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.errors import InvalidReferral
from booking_core.referrals import Member, MemberKind, ReferralCode, invite_code
from booking_core.referrals.codes import CODE_ALPHABET

AT = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")


def test_an_invite_code_is_a_deterministic_short_code_of_the_seed() -> None:
    code = invite_code("ref_1")

    assert code == invite_code("ref_1")
    assert code != invite_code("ref_2")
    assert len(code) == 8
    assert set(code) <= set(CODE_ALPHABET)
    assert len(invite_code("ref_1", 12)) == 12


def test_codes_leave_out_the_letters_people_misread() -> None:
    assert not set("ILOU") & set(CODE_ALPHABET)
    assert ReferralCode.normalize(" abcd-o1il ") == "ABCD0111"
    with pytest.raises(InvalidReferral):
        ReferralCode("ABCDOOOO", Member.customer("c"), AT)  # O is not in the alphabet
    with pytest.raises(InvalidReferral):
        invite_code("x", 3)


def test_the_link_puts_the_code_into_the_template() -> None:
    code = ReferralCode("ABCD2345", Member.customer("c"), AT)

    assert code.link("https://shop.example/i?c={code}") == "https://shop.example/i?c=ABCD2345"
    with pytest.raises(InvalidReferral):
        code.link("https://shop.example/")


def test_a_member_is_keyed_by_kind_and_id() -> None:
    customer, technician = Member.customer("42"), Member.technician("42")

    assert customer != technician
    assert (str(customer), str(technician)) == ("customer:42", "technician:42")
    assert Member.parse("technician:42") == technician
    assert Member.parse("customer:a:b") == Member(MemberKind.CUSTOMER, "a:b")
    with pytest.raises(InvalidReferral):
        Member.parse("store:1")
    with pytest.raises(InvalidReferral):
        Member.customer(" ")
