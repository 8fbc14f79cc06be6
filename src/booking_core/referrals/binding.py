"""Bindings: who referred whom, how and when, and the rules of when one may be made or
changed (FEATURES C18; INVARIANTS I21)."""

from __future__ import annotations

from enum import StrEnum

import attrs
from pendulum import DateTime, Duration

from booking_core.errors import InvalidReferral, ReferralNotAllowed
from booking_core.referrals.members import Member
from booking_core.timerange import ensure_aware

__all__ = ["Binding", "BindingChange", "BindingMode", "BindingMoment", "BindingRules"]


class BindingMode(StrEnum):
    """When a referee may be bound to a referrer."""

    #: Only while registering; never after, never changed.
    ON_REGISTRATION = "on_registration"
    #: Any time until his first order is paid; then fixed.
    ON_FIRST_ORDER = "on_first_order"
    #: Any time; changeable within :attr:`BindingRules.change_window` of the first binding.
    CHANGEABLE = "changeable"


class BindingMoment(StrEnum):
    """Where a bind request comes from (what :class:`BindingRules` judges)."""

    REGISTRATION = "registration"  # the code or link came with the sign-up
    ORDER = "order"  # the code or link came with an order (checkout)
    LATER = "later"  # entered afterwards (the "my referrer" page)


@attrs.frozen
class BindingChange:
    """One entry of a binding's history: from whom to whom, when, and how."""

    referrer: Member
    previous: Member | None
    at: DateTime
    moment: BindingMoment
    code: str | None = None


@attrs.frozen
class Binding:
    """A referee's current referrer, with every change (one binding per referee).

    Attributes:
        referee: The member referred.
        referrer: Who referred him (never himself).
        bound_at: When the current referrer was bound.
        first_bound_at: When the referee was first bound (the change window counts from it).
        history: Every binding and change, oldest first (the first has no ``previous``).
        version: Compare-and-set counter for changes (0 when first stored).
    """

    referee: Member
    referrer: Member
    bound_at: DateTime
    first_bound_at: DateTime
    history: tuple[BindingChange, ...]
    version: int = 0

    def __attrs_post_init__(self) -> None:
        if self.referee == self.referrer:
            raise InvalidReferral(
                f"{self.referee} cannot refer himself.", details={"member": str(self.referee)}
            )
        ensure_aware(self.bound_at, "binding time")
        ensure_aware(self.first_bound_at, "first binding time")
        if not self.history or self.history[-1].referrer != self.referrer:
            raise InvalidReferral("A binding's history ends with its current referrer.")

    @classmethod
    def first(
        cls,
        referee: Member,
        referrer: Member,
        at: DateTime,
        moment: BindingMoment,
        code: str | None = None,
    ) -> Binding:
        """The referee's first binding."""
        change = BindingChange(referrer, None, at, moment, code)
        return cls(referee, referrer, at, at, (change,))

    def changed_to(
        self, referrer: Member, at: DateTime, moment: BindingMoment, code: str | None = None
    ) -> Binding:
        """This binding moved to ``referrer`` (the history keeps the old one)."""
        change = BindingChange(referrer, self.referrer, at, moment, code)
        return attrs.evolve(self, referrer=referrer, bound_at=at, history=(*self.history, change))


@attrs.frozen
class BindingRules:
    """The configured binding mode (P9): when a referee may be bound, and changed.

    Attributes:
        mode: See :class:`BindingMode`.
        change_window: With :attr:`BindingMode.CHANGEABLE`, how long after the first
            binding the referrer may still change (``None``: never).
    """

    mode: BindingMode = BindingMode.ON_FIRST_ORDER
    change_window: Duration | None = None

    def check(
        self,
        existing: Binding | None,
        referrer: Member,
        *,
        moment: BindingMoment,
        at: DateTime,
        has_ordered: bool,
    ) -> None:
        """Refuse a bind the mode does not allow; return when it does.

        Args:
            existing: The referee's binding, if any.
            referrer: Whom he would bind to.
            moment: Where the request comes from.
            at: Now.
            has_ordered: Whether the referee has had an order paid.

        Raises:
            ReferralNotAllowed: ``details["reason"]`` is ``already_bound`` (bound, and the
                mode fixes it), ``not_at_registration``, ``after_first_order`` or
                ``change_window_closed``.
        """
        if existing is not None and existing.referrer == referrer:
            return  # binding to whom he is bound to already changes nothing
        if self.mode is BindingMode.CHANGEABLE and existing is not None:
            window = self.change_window
            if window is None or at >= existing.first_bound_at + window:
                raise _refused("change_window_closed", "The time to change referrer has passed.")
            return
        if existing is not None:
            raise _refused("already_bound", "The referee is bound already; the mode fixes it.")
        if self.mode is BindingMode.ON_REGISTRATION and moment is not BindingMoment.REGISTRATION:
            raise _refused("not_at_registration", "A referrer is bound only at registration.")
        if self.mode is BindingMode.ON_FIRST_ORDER and has_ordered:
            raise _refused("after_first_order", "A referrer is bound only until the first order.")


def _refused(reason: str, message: str) -> ReferralNotAllowed:
    return ReferralNotAllowed(message, details={"reason": reason})
