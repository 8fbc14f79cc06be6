"""Reviews through ReviewService: what a review holds, the reply, the follow-up, moderation
with one appeal, the star level kept up to date, and who sees an anonymous customer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from booking_core.audit import AuditQuery
from booking_core.errors import InvalidInput, NotFound, PermissionDenied, ReviewNotAllowed
from booking_core.ids import CustomerId, OrderId, ReviewId
from booking_core.orders import Actor, Role
from booking_core.reviews import ModerationState, Review, ReviewPolicy, StarLevelFormula
from booking_core.services.reviews import (
    AppealReview,
    DecideAppeal,
    FollowUpReview,
    HideReview,
    ReplyToReview,
    SubmitReview,
)
from booking_core.staff import StaffRole
from booking_core.testing.orders import OrderWorld, at, order_world

OPERATIONS = Actor.platform("ops_7", StaffRole.OPERATIONS)
FINANCE = Actor.platform("fin_1", StaffRole.FINANCE)
ALL_FIVE = {"skill": 5, "punctuality": 5, "attitude": 5}


@pytest.fixture
def world() -> OrderWorld:
    return order_world()


def _completed(world: OrderWorld, customer: str = "cus_1", day: int = 3) -> OrderId:
    order_id = world.paid_order(at(day, 10), customer=customer)
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")
    return order_id


def _review(world: OrderWorld, customer: str = "cus_1", day: int = 3, stars: int = 5,
            **fields: object) -> Review:  # fmt: skip
    order_id = _completed(world, customer, day)
    command = SubmitReview(order_id, CustomerId(customer), stars, "力度刚好", **fields)  # type: ignore[arg-type]
    return world.app.reviews.submit(command, Actor.customer(customer))


def _level(world: OrderWorld) -> Decimal | None:
    return world.app.technicians.get(world.li).profile.rating


# --- what a review holds ------------------------------------------------------------------


def test_a_review_keeps_its_ratings_tags_photos_and_anonymity(world: OrderWorld) -> None:
    review = _review(
        world,
        stars=4,
        ratings={"skill": 5, "punctuality": 3, "attitude": 4},
        tags=["on_time", "friendly"],
        photos=["file_81f2", "https://img.example.com/r/2.jpg"],
        anonymous=True,
    )

    stored = world.app.reviews.for_technician(world.li)
    assert stored == [review]
    assert review.ratings == {"attitude": 4, "punctuality": 3, "skill": 5}
    assert review.tags == ("on_time", "friendly")
    assert review.photos == ("file_81f2", "https://img.example.com/r/2.jpg")
    assert review.anonymous
    # (4 + 5 + 3 + 4) / 4 = 4.0: every term weighs 1 by default
    assert _level(world) == Decimal("4.0")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ratings": {"skill": 5}}, "ratings"),  # some dimensions, not all
        ({"ratings": {**ALL_FIVE, "hygiene": 5}}, "ratings"),  # one the policy lacks
        ({"ratings": {**ALL_FIVE, "skill": 6}}, "ratings"),
        ({"tags": ["rude"]}, "tags"),
        ({"tags": ["on_time", "on_time"]}, "tags"),
        ({"photos": ["p"] * 10}, "photos"),
        ({"photos": ["x" * 501]}, "photos"),
        ({"photos": [" "]}, "photos"),
    ],
)
def test_a_review_outside_the_policy_is_refused_and_nothing_stored(
    world: OrderWorld, fields: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _review(world, **fields)

    assert refused.value.details["field"] == field
    assert world.app.reviews.for_technician(world.li) == []


def test_the_policy_sets_the_dimensions_tags_and_limits() -> None:
    policy = ReviewPolicy(dimensions=("technique", "hygiene"), tags=("quiet",), max_tags=1,
                          max_photos=1)  # fmt: skip
    world = order_world(review_policy=policy)

    review = _review(world, ratings={"technique": 4, "hygiene": 5}, tags=["quiet"], photos=["a"])

    assert review.ratings == {"hygiene": 5, "technique": 4}
    with pytest.raises(InvalidInput):
        _review(world, "cus_2", 4, ratings=ALL_FIVE)
    with pytest.raises(InvalidInput):
        _review(world, "cus_3", 5, photos=["a", "b"])


# --- the reply --------------------------------------------------------------------------


def test_the_technician_replies_once(world: OrderWorld) -> None:
    review = _review(world)

    replied = world.app.reviews.reply(ReplyToReview(review.id, "谢谢您的认可"), world.tech)

    assert replied.reply is not None
    assert replied.reply.text == "谢谢您的认可"
    assert replied.reply.at == world.clock.now()
    assert "ReviewReplied" in world.outbox()
    with pytest.raises(ReviewNotAllowed) as refused:
        world.app.reviews.reply(ReplyToReview(review.id, "再次感谢"), world.tech)
    assert refused.value.details["rule"] == "reply_once"
    assert world.app.reviews.get(review.id).reply == replied.reply


def test_only_the_reviewed_technician_replies(world: OrderWorld) -> None:
    review = _review(world)

    with pytest.raises(NotFound):
        world.app.reviews.reply(ReplyToReview(review.id, "hi"), Actor(world.wang, Role.TECHNICIAN))
    with pytest.raises(PermissionDenied):
        world.app.reviews.reply(ReplyToReview(review.id, "hi"), Actor.customer("cus_1"))
    with pytest.raises(InvalidInput):
        world.app.reviews.reply(ReplyToReview(review.id, "   "), world.tech)
    assert world.app.reviews.get(review.id).reply is None


# --- the follow-up ----------------------------------------------------------------------


def test_the_customer_follows_up_once_within_the_window() -> None:
    world = order_world(review_policy=ReviewPolicy(follow_up_days=7))
    review = _review(world)
    follow = FollowUpReview(review.id, CustomerId("cus_1"), "一周后肩膀还很轻松", ["file_9"])

    # one second before the 7 × 24 hours are up
    world.clock.set(review.created_at.add(days=7).subtract(seconds=1))
    followed = world.app.reviews.follow_up(follow, Actor.customer("cus_1"))

    assert followed.follow_up is not None
    assert followed.follow_up.photos == ("file_9",)
    assert followed.stars == review.stars
    assert "ReviewFollowedUp" in world.outbox()
    with pytest.raises(ReviewNotAllowed) as twice:
        world.app.reviews.follow_up(follow, Actor.customer("cus_1"))
    assert twice.value.details["rule"] == "follow_up_once"


def test_a_follow_up_after_the_window_is_refused() -> None:
    world = order_world(review_policy=ReviewPolicy(follow_up_days=7))
    review = _review(world)
    world.clock.set(review.created_at.add(days=7))

    with pytest.raises(ReviewNotAllowed) as late:
        world.app.reviews.follow_up(
            FollowUpReview(review.id, CustomerId("cus_1"), "late"), Actor.customer("cus_1")
        )

    assert late.value.details["rule"] == "follow_up_window"


def test_only_the_author_follows_up(world: OrderWorld) -> None:
    review = _review(world)

    with pytest.raises(NotFound):
        world.app.reviews.follow_up(
            FollowUpReview(review.id, CustomerId("cus_2"), "not mine"), Actor.customer("cus_2")
        )
    with pytest.raises(PermissionDenied):
        world.app.reviews.follow_up(
            FollowUpReview(review.id, CustomerId("cus_1"), "as him"), Actor.customer("cus_2")
        )


# --- moderation ---------------------------------------------------------------------------


def test_hiding_takes_a_review_out_of_the_listing_and_the_level(world: OrderWorld) -> None:
    five = _review(world, "cus_1", 3, stars=5)
    _review(world, "cus_2", 4, stars=2)
    assert _level(world) == Decimal("3.5")

    world.app.reviews.hide(HideReview(five.id, "疑似刷单 suspected paid review"), OPERATIONS)

    assert _level(world) == Decimal("2.0")
    listing = world.app.reviews.listing(world.li)
    assert [v.stars for v in listing.reviews] == [2]
    assert listing.average_stars == Decimal("2.0")
    assert listing.star_level == Decimal("2.0")
    assert "ReviewHidden" in world.outbox()
    with pytest.raises(NotFound):
        world.app.reviews.get(five.id)  # the public does not see it
    assert world.app.reviews.get(five.id, world.tech).moderation is not None


def test_hiding_is_audited(world: OrderWorld) -> None:
    review = _review(world)

    world.app.reviews.hide(HideReview(review.id, "广告 advertising"), OPERATIONS)

    (entry,) = world.app.audit.entries(Actor.platform("root"), AuditQuery(action="review"))
    assert (entry.action, entry.subject_id, entry.actor_id) == ("review.hide", review.id, "ops_7")
    assert entry.reason == "广告 advertising"
    assert entry.before is not None
    assert entry.before["moderation"] is None
    assert entry.after is not None
    assert entry.after["moderation"]["state"] == "hidden"


def test_only_staff_with_the_technicians_permission_hide(world: OrderWorld) -> None:
    review = _review(world)

    for actor in (FINANCE, world.tech, Actor.customer("cus_1")):
        with pytest.raises(PermissionDenied):
            world.app.reviews.hide(HideReview(review.id, "no"), actor)
    assert world.app.reviews.for_technician(world.li)[0].moderation is None


def test_the_technician_appeals_once_and_staff_restore(world: OrderWorld) -> None:
    review = _review(world, stars=5)
    _review(world, "cus_2", 4, stars=3)
    world.app.reviews.hide(HideReview(review.id, "suspected paid review"), OPERATIONS)
    assert _level(world) == Decimal("3.0")

    appealed = world.app.reviews.appeal(AppealReview(review.id, "真实顾客, 有订单"), world.tech)

    assert appealed.moderation is not None
    assert appealed.moderation.state is ModerationState.APPEALED
    assert appealed.hidden  # still hidden while staff decide
    assert _level(world) == Decimal("3.0")
    queue = world.app.reviews.moderated(ModerationState.APPEALED, OPERATIONS)
    assert [v.id for v in queue] == [review.id]
    with pytest.raises(ReviewNotAllowed) as twice:
        world.app.reviews.appeal(AppealReview(review.id, "again"), world.tech)
    assert twice.value.details["rule"] == "appeal_once"

    restored = world.app.reviews.decide_appeal(
        DecideAppeal(review.id, True, "订单真实"), OPERATIONS
    )

    assert restored.moderation is not None
    assert restored.moderation.state is ModerationState.RESTORED
    assert not restored.hidden
    assert _level(world) == Decimal("4.0")
    assert [v.id for v in world.app.reviews.listing(world.li).reviews][-1] == review.id
    assert "ReviewAppealed" in world.outbox()
    assert "ReviewAppealDecided" in world.outbox()
    # a decision on appeal is final: the review cannot be hidden again
    with pytest.raises(ReviewNotAllowed) as final:
        world.app.reviews.hide(HideReview(review.id, "again"), OPERATIONS)
    assert final.value.details["rule"] == "decided"


def test_staff_keep_an_appealed_review_hidden_for_good(world: OrderWorld) -> None:
    review = _review(world)
    world.app.reviews.hide(HideReview(review.id, "abusive"), OPERATIONS)
    world.app.reviews.appeal(AppealReview(review.id, "please"), world.tech)

    kept = world.app.reviews.decide_appeal(DecideAppeal(review.id, False), OPERATIONS)

    assert kept.moderation is not None
    assert kept.moderation.state is ModerationState.KEPT_HIDDEN
    assert kept.hidden
    assert _level(world) is None
    for refused in (
        lambda: world.app.reviews.appeal(AppealReview(review.id, "again"), world.tech),
        lambda: world.app.reviews.decide_appeal(DecideAppeal(review.id, True), OPERATIONS),
    ):
        with pytest.raises(ReviewNotAllowed):
            refused()
    actions = [e.action for e in world.app.audit.entries(Actor.platform("root"), AuditQuery())]
    assert actions[:2] == ["review.keep_hidden", "review.hide"]


def test_a_shown_review_cannot_be_appealed_nor_decided(world: OrderWorld) -> None:
    review = _review(world)

    with pytest.raises(ReviewNotAllowed) as shown:
        world.app.reviews.appeal(AppealReview(review.id, "why"), world.tech)
    with pytest.raises(ReviewNotAllowed) as undecidable:
        world.app.reviews.decide_appeal(DecideAppeal(review.id, True), OPERATIONS)

    assert shown.value.details["rule"] == "appeal_hidden"
    assert undecidable.value.details["rule"] == "no_appeal"


# --- the star level -----------------------------------------------------------------------


def test_the_level_follows_the_policys_formula() -> None:
    formula = StarLevelFormula(weights={"stars": 1, "skill": 0, "punctuality": 0, "attitude": 0},
                               prior_weight=3, prior_mean=Decimal("4.5"))  # fmt: skip
    world = order_world(review_policy=ReviewPolicy(star_level=formula))

    _review(world, stars=1, ratings=ALL_FIVE)

    # (3 × 4.5 + 1) / 4 = 3.625 → 3.6
    assert _level(world) == Decimal("3.6")


def test_a_window_of_days_is_refreshed_on_demand() -> None:
    world = order_world(review_policy=ReviewPolicy(star_level=StarLevelFormula(window_days=30)))
    _review(world, stars=4)
    assert _level(world) == Decimal("4.0")

    world.clock.set(world.clock.now().add(days=31))
    assert world.app.reviews.refresh_star_level(world.li) is None

    assert _level(world) is None


# --- anonymity ----------------------------------------------------------------------------


def test_an_anonymous_customer_is_masked_for_all_but_the_platform_and_himself(
    world: OrderWorld,
) -> None:
    review = _review(world, anonymous=True)
    _review(world, "cus_2", 4)

    def authors(viewer: Actor | None) -> list[str | None]:
        return [v.customer_id for v in world.app.reviews.listing(world.li, viewer).reviews]

    assert authors(None) == ["cus_2", None]
    assert authors(world.tech) == ["cus_2", None]
    assert authors(Actor.customer("cus_2")) == ["cus_2", None]
    assert authors(Actor.customer("cus_1")) == ["cus_2", "cus_1"]
    assert authors(FINANCE) == ["cus_2", "cus_1"]
    assert world.app.reviews.get(review.id, world.tech).customer_id is None
    # the stored review keeps him: the platform always knows
    assert world.app.reviews.for_technician(world.li)[1].customer_id == "cus_1"


def test_an_unknown_review_is_not_found(world: OrderWorld) -> None:
    with pytest.raises(NotFound):
        world.app.reviews.reply(ReplyToReview(ReviewId("rev_x"), "hi"), world.tech)


def test_an_appeal_says_why_and_a_note_is_not_too_long(world: OrderWorld) -> None:
    review = _review(world)
    world.app.reviews.hide(HideReview(review.id, "spam"), OPERATIONS)

    with pytest.raises(InvalidInput) as blank:
        world.app.reviews.appeal(AppealReview(review.id, "  "), world.tech)
    world.app.reviews.appeal(AppealReview(review.id, "real"), world.tech)
    with pytest.raises(InvalidInput) as long_note:
        world.app.reviews.decide_appeal(DecideAppeal(review.id, True, "x" * 2001), OPERATIONS)

    assert blank.value.details == {"field": "text"}
    assert long_note.value.details == {"field": "note"}
    stored = world.app.reviews.for_technician(world.li)[0].moderation
    assert stored is not None
    assert stored.state is ModerationState.APPEALED


# --- who is told --------------------------------------------------------------------------


def test_each_step_of_a_reviews_life_tells_the_one_it_concerns(world: OrderWorld) -> None:
    review = _review(world, stars=4, anonymous=True)
    world.app.reviews.reply(ReplyToReview(review.id, "谢谢惠顾"), world.tech)
    world.app.reviews.follow_up(
        FollowUpReview(review.id, CustomerId("cus_1"), "第二次也很好"), Actor.customer("cus_1")
    )
    world.app.reviews.hide(HideReview(review.id, "contains a phone number"), OPERATIONS)
    world.app.reviews.appeal(AppealReview(review.id, "号码是店里的"), world.tech)
    world.app.reviews.decide_appeal(DecideAppeal(review.id, False, "规则如此"), OPERATIONS)

    world.app.relay.run()

    def told(actor: Actor) -> list[tuple[str, dict[str, str]]]:
        inbox = world.app.notifications.inbox(actor, limit=100)
        return [
            (n.template, {k: v for k, v in n.params.items() if k in ("stars", "review_id",
                                                                     "reason", "outcome")})
            for n in sorted(inbox, key=lambda n: n.id)
            if n.template.startswith("review_")
        ]  # fmt: skip

    assert told(world.tech) == [
        ("review_received", {"stars": "4"}),
        ("review_followed_up", {"review_id": review.id}),
        ("review_hidden", {"review_id": review.id, "reason": "contains a phone number"}),
        ("review_appeal_decided", {"review_id": review.id, "outcome": "kept_hidden"}),
    ]
    assert told(Actor.customer("cus_1")) == [("review_replied", {"review_id": review.id})]
    assert told(Actor.platform("cs_1", StaffRole.CUSTOMER_SERVICE)) == [
        ("review_appealed", {"review_id": review.id})
    ]
    # an anonymous review names nobody to the technician
    received = world.app.notifications.inbox(world.tech, limit=100)
    assert not any("cus_1" in str(n.params) for n in received if n.template == "review_received")
