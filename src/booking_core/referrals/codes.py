"""Invite codes and links: what a distributor shares so that people bind to him."""

from __future__ import annotations

import hashlib
import re
from typing import Final

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidReferral
from booking_core.referrals.members import Member
from booking_core.timerange import ensure_aware

__all__ = ["CODE_ALPHABET", "ReferralCode", "invite_code"]

#: Crockford's base 32 without I, L, O and U: nothing a person misreads (0/O, 1/I/L).
CODE_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE = re.compile(f"^[{CODE_ALPHABET}]{{4,16}}$")


def invite_code(seed: str, length: int = 8) -> str:
    """A short code made from ``seed`` (an id the id source minted): the first ``length``
    base-32 digits of its SHA-256. Deterministic, so a test's id source gives known codes;
    two seeds may collide, which storage refuses (``referral_code_exists``) and the service
    answers by minting another seed."""
    if not 4 <= length <= 16:
        raise InvalidReferral(f"An invite code has 4 to 16 characters; asked for {length}.")
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    digits = []
    for _ in range(length):
        number, digit = divmod(number, 32)
        digits.append(CODE_ALPHABET[digit])
    return "".join(digits)


@attrs.frozen
class ReferralCode:
    """A member's invite code (one per member, unique over all members).

    Attributes:
        code: What people type or scan, in :data:`CODE_ALPHABET`.
        owner: Whose code it is: the one a person using it binds to.
        created_at: When it was made.
    """

    code: str
    owner: Member
    created_at: DateTime

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.code, str) or not _CODE.match(self.code):
            raise InvalidReferral(
                f"An invite code is 4 to 16 characters of {CODE_ALPHABET}; got {self.code!r}."
            )
        ensure_aware(self.created_at, "code creation time")

    @staticmethod
    def normalize(typed: str) -> str:
        """What a person typed, as stored: upper case, without spaces or dashes, with the
        letters people confuse read as the digits they stand for (O→0, I/L→1)."""
        cleaned = typed.strip().upper().replace("-", "").replace(" ", "")
        return cleaned.translate(str.maketrans("OIL", "011"))

    def link(self, template: str) -> str:
        """The invite link: ``template`` with ``{code}`` replaced
        (``"https://example.com/invite?code={code}"``)."""
        if "{code}" not in template:
            raise InvalidReferral(f"A link template holds '{{code}}'; got {template!r}.")
        return template.replace("{code}", self.code)
