"""Review use cases (FEATURES C11, T11, S6): submit, reply, follow up, moderate, list.

Every rule is the :class:`~booking_core.reviews.ReviewPolicy`'s or told in docs/reviews.md.
Each command takes the locks that serialize what can race — the order's for the review's
own parts (one reply, one follow-up, one appeal), and the technician's wherever his star
level is recomputed — and saves the review by compare-and-set as a last guard.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidInput, NotFound, ReviewNotAllowed
from booking_core.events import DomainEvent
from booking_core.ids import CustomerId, OrderId, ReviewId, TechnicianId
from booking_core.orders import Actor, OrderState, Role
from booking_core.orders.events import OrderReviewed
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import LockKey, UnitOfWork, UnitOfWorkFactory
from booking_core.reviews import (
    FollowUp,
    Moderation,
    ModerationState,
    Reply,
    Review,
    ReviewAppealDecided,
    ReviewAppealed,
    ReviewFollowedUp,
    ReviewHidden,
    ReviewListing,
    ReviewPolicy,
    ReviewReplied,
    ReviewView,
    star_level,
    view_of,
)
from booking_core.reviews.review import MAX_REVIEW_TEXT
from booking_core.scheduling.profile import average_rating
from booking_core.services._access import require_customer, require_permission, require_role
from booking_core.services.steps.audit import AuditTrail
from booking_core.staff import Permission

__all__ = [
    "AppealReview",
    "DecideAppeal",
    "FollowUpReview",
    "HideReview",
    "ReplyToReview",
    "ReviewService",
    "SubmitReview",
]

#: Moderating reviews is part of looking after technicians (its description says so).
MODERATE = Permission.TECHNICIANS


@attrs.frozen
class SubmitReview:
    """A customer reviews one of his completed orders.

    Attributes:
        stars: The overall stars, 1–5.
        text: At most 2,000 characters.
        ratings: Every dimension of the policy rated 1–5, or none.
        tags: From the policy's tags, each once, at most ``max_tags``.
        photos: File references (ids or URLs), at most ``max_photos``.
        anonymous: Hide him from the technician and the public listing.
    """

    order_id: OrderId
    customer_id: CustomerId
    stars: int
    text: str = ""
    ratings: Mapping[str, int] = attrs.field(factory=dict, kw_only=True, hash=False)
    tags: Sequence[str] = attrs.field(default=(), kw_only=True)
    photos: Sequence[str] = attrs.field(default=(), kw_only=True)
    anonymous: bool = attrs.field(default=False, kw_only=True)


@attrs.frozen
class ReplyToReview:
    """The reviewed technician answers a review, once."""

    review_id: ReviewId
    text: str


@attrs.frozen
class FollowUpReview:
    """The customer adds his follow-up (追评) to his review, once, within the policy's days."""

    review_id: ReviewId
    customer_id: CustomerId
    text: str
    photos: Sequence[str] = ()


@attrs.frozen
class HideReview:
    """Platform staff hide a review, saying why."""

    review_id: ReviewId
    reason: str


@attrs.frozen
class AppealReview:
    """The reviewed technician appeals the hiding of a review, once."""

    review_id: ReviewId
    text: str


@attrs.frozen
class DecideAppeal:
    """Platform staff decide an appeal: restore the review, or keep it hidden (final)."""

    review_id: ReviewId
    restore: bool
    note: str = ""


def _check_text(text: str, field: str, *, blank: bool) -> None:
    # The review's own texts are checked by their classes; an appeal and a note are here.
    if not isinstance(text, str) or len(text) > MAX_REVIEW_TEXT or not (blank or text.strip()):
        what = "" if blank else "not blank, and "
        raise InvalidInput(
            f"The {field} is {what}at most {MAX_REVIEW_TEXT} characters.",
            details={"field": field},
        )


def _refused(review: Review, rule: str, message: str) -> ReviewNotAllowed:
    return ReviewNotAllowed(message, details={"review_id": review.id, "rule": rule})


class ReviewService:
    """Takes, answers, moderates and lists reviews; keeps each technician's star level."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdSource,
        policy: ReviewPolicy | None = None,
        *,
        audit: AuditTrail | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._policy = policy or ReviewPolicy()
        self._audit = audit

    @property
    def policy(self) -> ReviewPolicy:
        """The platform's review settings."""
        return self._policy

    # -- the customer ---------------------------------------------------------------------

    def submit(self, command: SubmitReview, actor: Actor) -> Review:
        """Store the review and, in the same transaction, the technician's new star level.

        The level (``TechnicianProfile.rating``) follows the policy's
        :class:`~booking_core.reviews.StarLevelFormula` (by default the mean of what each
        customer rated, one decimal, half up); the "minimum rating" search filter sees it
        at once.

        Raises:
            NotFound: the order does not exist or is not the customer's.
            ReviewNotAllowed: the order is not completed, or its review window closed.
            DuplicateEntity: the order was reviewed already (``review_exists``).
            InvalidInput: stars or a rating outside 1–5, text too long, dimensions other
                than all or none of the policy's, a tag not in its list or given twice,
                too many tags or photos, a blank or too long photo reference.
            PermissionDenied: ``actor`` is not the customer ``command.customer_id``.
        """
        require_customer(actor, command.customer_id, "reviews orders")
        self._check_ratings(command.ratings)
        self._check_tags(command.tags)
        photos = self._checked_photos(command.photos)
        now = self._clock.now()
        with self._uow() as uow:
            order = uow.orders.get(command.order_id)
            if order.customer_id != command.customer_id:
                raise NotFound("order", command.order_id)
            if order.state != OrderState.COMPLETED or order.technician_id is None:
                raise ReviewNotAllowed(
                    f"Order {order.id} is {order.state.replace('_', ' ')}; only completed "
                    "orders can be reviewed.",
                    details={"state": order.state},
                )
            if order.review_closed:
                raise ReviewNotAllowed(
                    f"The review window of order {order.id} has closed.",
                    details={"state": order.state, "review_closed": True},
                )
            review = Review(
                id=ReviewId(self._ids.new_id("rev")),
                order_id=order.id,
                customer_id=order.customer_id,
                technician_id=order.technician_id,
                stars=command.stars,
                text=command.text,
                created_at=now,
                ratings=command.ratings,
                tags=tuple(command.tags),
                photos=photos,
                anonymous=command.anonymous,
            )
            uow.reviews.add(review)
            # Under the technician's lock a concurrent review waits, then counts this one:
            # no review is ever left out of the level (and profile edits cannot undo it).
            uow.locks.take(LockKey.technician(order.technician_id))
            self._recompute_level(uow, order.technician_id, now)
            order.raise_event(
                OrderReviewed(
                    occurred_at=now,
                    order_id=order.id,
                    technician_id=order.technician_id,
                    stars=review.stars,
                )
            )
            uow.commit()
        return review

    def follow_up(self, command: FollowUpReview, actor: Actor) -> Review:
        """Add the customer's follow-up (追评) to his review: text (not blank) and photos,
        once, until ``follow_up_days`` × 24 hours after the review (the end excluded).
        It changes no stars, so the level stays.

        Raises:
            NotFound: no such review, or not the customer's.
            ReviewNotAllowed: followed up already (``rule`` ``follow_up_once``), or too late
                (``follow_up_window``).
            InvalidInput: blank or too long text, too many photos or a bad reference.
            ConcurrentUpdate: the review changed while this ran; try again.
            PermissionDenied: ``actor`` is not the customer ``command.customer_id``.
        """
        require_customer(actor, command.customer_id, "follows up his reviews")
        photos = self._checked_photos(command.photos)
        now = self._clock.now()
        with self._uow() as uow:
            review = self._locked(uow, command.review_id)
            if review.customer_id != command.customer_id:
                raise NotFound("review", command.review_id)
            if review.follow_up is not None:
                raise _refused(review, "follow_up_once", f"Review {review.id} has its follow-up.")
            until = review.created_at + timedelta(days=self._policy.follow_up_days)
            if now >= until:
                raise _refused(
                    review,
                    "follow_up_window",
                    f"A follow-up is taken until {until.isoformat()} "
                    f"({self._policy.follow_up_days} days after the review).",
                )
            saved = uow.reviews.save(
                attrs.evolve(review, follow_up=FollowUp(command.text, photos, now))
            )
            self._raise(
                uow, saved, ReviewFollowedUp(now, saved.id, saved.order_id, saved.technician_id)
            )
            uow.commit()
        return saved

    # -- the technician -------------------------------------------------------------------

    def reply(self, command: ReplyToReview, actor: Actor) -> Review:
        """The reviewed technician's reply: once, and final (see docs/reviews.md). A hidden
        review takes a reply too (it shows if the review is restored).

        Raises:
            NotFound: no such review, or not about this technician.
            ReviewNotAllowed: replied already (``rule`` ``reply_once``).
            InvalidInput: blank or too long text.
            ConcurrentUpdate: the review changed while this ran; try again.
            PermissionDenied: ``actor`` is not a technician.
        """
        require_role(actor, Role.TECHNICIAN, "replies to reviews")
        now = self._clock.now()
        reply = Reply(command.text, now)
        with self._uow() as uow:
            review = self._locked(uow, command.review_id)
            if review.technician_id != actor.id:
                raise NotFound("review", command.review_id)
            if review.reply is not None:
                raise _refused(review, "reply_once", f"Review {review.id} has its reply.")
            saved = uow.reviews.save(attrs.evolve(review, reply=reply))
            self._raise(
                uow,
                saved,
                ReviewReplied(
                    now, saved.id, saved.order_id, saved.technician_id, saved.customer_id
                ),
            )
            uow.commit()
        return saved

    def appeal(self, command: AppealReview, actor: Actor) -> Review:
        """The reviewed technician appeals the hiding of a review, once: the review waits
        (still hidden) for staff to decide.

        Raises:
            NotFound: no such review, or not about this technician.
            ReviewNotAllowed: the review is not hidden, or was appealed already
                (``rule`` ``appeal_once``).
            InvalidInput: blank or too long text.
            ConcurrentUpdate: the review changed while this ran; try again.
            PermissionDenied: ``actor`` is not a technician.
        """
        require_role(actor, Role.TECHNICIAN, "appeals hidden reviews")
        _check_text(command.text, "text", blank=False)
        now = self._clock.now()
        with self._uow() as uow:
            review = self._locked(uow, command.review_id)
            if review.technician_id != actor.id:
                raise NotFound("review", command.review_id)
            moderation = review.moderation
            if moderation is None or moderation.state is ModerationState.RESTORED:
                raise _refused(review, "appeal_hidden", f"Review {review.id} is not hidden.")
            if moderation.appeal is not None:
                raise _refused(review, "appeal_once", f"Review {review.id} was appealed once.")
            moderation = attrs.evolve(
                moderation, state=ModerationState.APPEALED, appeal=command.text, appealed_at=now
            )
            saved = uow.reviews.save(attrs.evolve(review, moderation=moderation))
            self._raise(
                uow, saved, ReviewAppealed(now, saved.id, saved.order_id, saved.technician_id)
            )
            uow.commit()
        return saved

    # -- the platform ---------------------------------------------------------------------

    def hide(self, command: HideReview, actor: Actor) -> Review:
        """Hide a shown review with a reason (staff with the ``technicians`` permission):
        it leaves the public listing and the technician's star level at once; recorded in
        the audit log (``review.hide``).

        Raises:
            NotFound: no such review.
            ReviewNotAllowed: hidden already, or restored on appeal (a decision on appeal is
                final: ``rule`` ``decided``).
            InvalidInput: a blank or too long reason.
            PermissionDenied: ``actor`` is not staff with the ``technicians`` permission.
        """
        require_permission(actor, MODERATE, "moderate reviews")
        now = self._clock.now()
        with self._uow() as uow:
            review = self._locked(uow, command.review_id, level=True)
            if review.moderation is not None:
                rule = "decided" if review.moderation.decided_at is not None else "hidden"
                raise _refused(
                    review, rule, f"Review {review.id} is {review.moderation.state.value}."
                )
            moderation = Moderation(ModerationState.HIDDEN, command.reason, actor.id, now)
            saved = uow.reviews.save(attrs.evolve(review, moderation=moderation))
            self._recompute_level(uow, saved.technician_id, now)
            self._record(uow, actor, "review.hide", review, saved, command.reason)
            self._raise(
                uow,
                saved,
                ReviewHidden(now, saved.id, saved.order_id, saved.technician_id, command.reason),
            )
            uow.commit()
        return saved

    def decide_appeal(self, command: DecideAppeal, actor: Actor) -> Review:
        """Decide an appealed review (staff with the ``technicians`` permission): restored,
        it is shown and counted again; kept hidden, it stays so for good. Either way final;
        recorded in the audit log (``review.restore`` or ``review.keep_hidden``).

        Raises:
            NotFound: no such review.
            ReviewNotAllowed: the review has no appeal waiting (``rule`` ``no_appeal``).
            InvalidInput: a note longer than 2,000 characters.
            PermissionDenied: ``actor`` is not staff with the ``technicians`` permission.
        """
        require_permission(actor, MODERATE, "decide review appeals")
        _check_text(command.note, "note", blank=True)
        now = self._clock.now()
        with self._uow() as uow:
            review = self._locked(uow, command.review_id, level=True)
            moderation = review.moderation
            if moderation is None or moderation.state is not ModerationState.APPEALED:
                raise _refused(review, "no_appeal", f"Review {review.id} has no appeal waiting.")
            state = ModerationState.RESTORED if command.restore else ModerationState.KEPT_HIDDEN
            moderation = attrs.evolve(
                moderation,
                state=state,
                decided_by=actor.id,
                decided_at=now,
                decision_note=command.note or None,
            )
            saved = uow.reviews.save(attrs.evolve(review, moderation=moderation))
            if command.restore:
                self._recompute_level(uow, saved.technician_id, now)
            action = "review.restore" if command.restore else "review.keep_hidden"
            self._record(uow, actor, action, review, saved, command.note)
            self._raise(
                uow,
                saved,
                ReviewAppealDecided(
                    now, saved.id, saved.order_id, saved.technician_id, command.restore
                ),
            )
            uow.commit()
        return saved

    def moderated(self, state: ModerationState, actor: Actor) -> list[ReviewView]:
        """Reviews in moderation ``state`` (``appealed``: the appeals to decide), oldest
        first, as staff see them (any staff member reads).

        Raises:
            PermissionDenied: ``actor`` is not platform staff.
        """
        require_role(actor, Role.PLATFORM, "reads the moderation queue")
        with self._uow() as uow:
            return [view_of(r, actor) for r in uow.reviews.list_moderated(state)]

    def refresh_star_level(self, technician_id: TechnicianId) -> Decimal | None:
        """Recompute and store the technician's star level now (reviews added, hidden and
        restored recompute it themselves; a formula with a window of days also wants this
        from time to time, as reviews age out of it). Returns the level.

        Raises:
            NotFound: no such technician.
        """
        now = self._clock.now()
        with self._uow() as uow:
            uow.locks.take(LockKey.technician(technician_id))
            level = self._recompute_level(uow, technician_id, now)
            uow.commit()
        return level

    # -- reading --------------------------------------------------------------------------

    def for_technician(self, technician_id: TechnicianId) -> list[Review]:
        """The technician's reviews, newest first, hidden ones included (the platform's own
        reading; pages show :meth:`listing`)."""
        with self._uow() as uow:
            return uow.reviews.list_for_technician(technician_id)

    def listing(self, technician_id: TechnicianId, viewer: Actor | None = None) -> ReviewListing:
        """The technician's page: his reviews that are not hidden, newest first, as
        ``viewer`` (None: the public) sees them — an anonymous customer masked for all but
        the platform and himself — with their mean stars and his star level.

        Raises:
            NotFound: no such technician.
        """
        with self._uow() as uow:
            technician = uow.technicians.get(technician_id)
            shown = [r for r in uow.reviews.list_for_technician(technician_id) if not r.hidden]
        return ReviewListing(
            technician_id=technician_id,
            reviews=[view_of(r, viewer) for r in shown],
            average_stars=average_rating([r.stars for r in shown]),
            star_level=technician.profile.rating,
        )

    def get(self, review_id: ReviewId, viewer: Actor | None = None) -> ReviewView:
        """One review as ``viewer`` sees it; a hidden one only to the platform, the
        technician and its author.

        Raises:
            NotFound: no such review, or hidden from ``viewer``.
        """
        with self._uow() as uow:
            review = uow.reviews.get(review_id)
        view = view_of(review, viewer)
        if review.hidden and view.moderation is None:
            raise NotFound("review", review_id)
        return view

    # -- steps ----------------------------------------------------------------------------

    def _locked(self, uow: UnitOfWork, review_id: ReviewId, *, level: bool = False) -> Review:
        # Its order and technician never change: read them, lock, then read what the locks
        # guard (a second command on the same review waits here and then sees the first).
        first = uow.reviews.get(review_id)
        keys = [LockKey.order(first.order_id)]
        if level:
            keys.append(LockKey.technician(first.technician_id))
        uow.locks.take(*keys)
        return uow.reviews.get(review_id)

    def _recompute_level(
        self, uow: UnitOfWork, technician_id: TechnicianId, now: DateTime
    ) -> Decimal | None:
        technician = uow.technicians.get(technician_id)
        reviews = uow.reviews.list_for_technician(technician_id)
        level = star_level(reviews, self._policy.star_level, now)
        profile = attrs.evolve(technician.profile, rating=level)
        uow.technicians.save(attrs.evolve(technician, profile=profile))
        return level

    def _raise(self, uow: UnitOfWork, review: Review, event: DomainEvent) -> None:
        # Raised on the order: its unit of work writes the event to the outbox on commit.
        uow.orders.get(review.order_id).raise_event(event)

    def _record(
        self, uow: UnitOfWork, actor: Actor, action: str, before: Review, after: Review,
        reason: str,
    ) -> None:  # fmt: skip
        if self._audit is not None:
            self._audit.record(uow, actor, action, ("review", after.id), before=before,
                               after=after, reason=reason or None)  # fmt: skip

    def _check_ratings(self, ratings: Mapping[str, int]) -> None:
        given, wanted = set(ratings), set(self._policy.dimensions)
        if given and given != wanted:
            raise InvalidInput(
                f"Rate every dimension ({sorted(wanted)}) or none; got {sorted(given)}.",
                details={"field": "ratings", "dimensions": sorted(wanted)},
            )

    def _check_tags(self, tags: Sequence[str]) -> None:
        policy = self._policy
        unknown = sorted(set(tags) - set(policy.tags))
        if unknown:
            raise InvalidInput(
                f"Unknown tags {unknown}; the tags are {list(policy.tags)}.",
                details={"field": "tags", "unknown": unknown},
            )
        if len(set(tags)) != len(tags) or len(tags) > policy.max_tags:
            raise InvalidInput(
                f"At most {policy.max_tags} tags, each once; got {list(tags)}.",
                details={"field": "tags", "max_tags": policy.max_tags},
            )

    def _checked_photos(self, photos: Sequence[str]) -> tuple[str, ...]:
        policy = self._policy
        if isinstance(photos, str) or len(photos) > policy.max_photos:
            raise InvalidInput(
                f"At most {policy.max_photos} photos (a list of file references).",
                details={"field": "photos", "max_photos": policy.max_photos},
            )
        for photo in photos:
            if (
                not isinstance(photo, str)
                or not photo.strip()
                or len(photo) > policy.max_photo_length
                or photo != photo.strip()
            ):
                raise InvalidInput(
                    "A photo is a file reference (an id or URL) of 1 to "
                    f"{policy.max_photo_length} characters, no spaces around; got {photo!r}.",
                    details={"field": "photos", "max_photo_length": policy.max_photo_length},
                )
        return tuple(photos)
