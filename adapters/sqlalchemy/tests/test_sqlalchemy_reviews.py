"""Reviews round-trip with every part (revision 0024) on SQLite and PostgreSQL, and a review
stored before 0024 reads as a stars-and-text review."""

from __future__ import annotations

import attrs
import pendulum
from sqlalchemy import Engine, insert

from booking_core.ids import CustomerId, OrderId, ReviewId, TechnicianId
from booking_core.reviews import FollowUp, Moderation, ModerationState, Reply, Review
from booking_core_sqlalchemy import SqlAlchemyStorage, migrate
from booking_core_sqlalchemy.tables import reviews

T0 = pendulum.datetime(2026, 3, 3, 16, 0, tz="Asia/Shanghai")


def test_a_review_with_every_part_round_trips(storage: SqlAlchemyStorage) -> None:
    review = Review(
        ReviewId("rev_1"), OrderId("ord_1"), CustomerId("cus_1"), TechnicianId("tec_1"), 4,
        "力度刚好", T0,
        ratings={"skill": 5, "punctuality": 3, "attitude": 4},
        tags=("on_time", "friendly"),
        photos=("file_1", "https://img.example.com/r/2.jpg"),
        anonymous=True,
    )  # fmt: skip
    with storage.unit_of_work() as uow:
        uow.reviews.add(review)
        uow.commit()
    changed = attrs.evolve(
        review,
        reply=Reply("谢谢", T0.add(hours=1)),
        follow_up=FollowUp("一周后还很好", ("file_3",), T0.add(days=7)),
        moderation=Moderation(
            ModerationState.KEPT_HIDDEN, "suspected paid", "ops_1", T0.add(days=1),
            appeal="真实顾客", appealed_at=T0.add(days=2), decided_by="ops_2",
            decided_at=T0.add(days=3), decision_note="same phone as the technician",
        ),
    )  # fmt: skip

    with storage.unit_of_work() as uow:
        saved = uow.reviews.save(changed)
        uow.commit()

    with storage.unit_of_work() as uow:
        assert uow.reviews.get(review.id) == saved
        assert uow.reviews.for_order(review.order_id) == saved
        assert uow.reviews.list_for_technician(review.technician_id) == [saved]
        assert uow.reviews.list_moderated(ModerationState.KEPT_HIDDEN) == [saved]
    assert saved.version == 1


def test_a_review_stored_before_0024_reads_as_stars_and_text(empty_engine: Engine) -> None:
    # given a review stored at revision 0023
    migrate(empty_engine, revision="0023")
    with empty_engine.begin() as connection:
        # Only the columns 0023 has (the others have no Python-side default).
        connection.execute(
            insert(reviews).values(id="rev_1", order_id="ord_1", customer_id="cus_1",
                                   technician_id="tec_1", stars=5, text="ok", created_at=T0)
        )  # fmt: skip

    # when the database is brought to 0024
    migrate(empty_engine, revision="0024")
    storage = SqlAlchemyStorage(empty_engine)
    with storage.unit_of_work() as uow:
        review = uow.reviews.get(ReviewId("rev_1"))

    # then it is the review it was, with nothing else
    assert review == Review(
        ReviewId("rev_1"), OrderId("ord_1"), CustomerId("cus_1"), TechnicianId("tec_1"), 5, "ok",
        T0,
    )  # fmt: skip
