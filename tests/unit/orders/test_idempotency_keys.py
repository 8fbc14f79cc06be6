"""Idempotency keys: which keys are accepted, and what makes two requests the same."""

from __future__ import annotations

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking_core.errors import InvalidIdempotencyKey
from booking_core.ids import OrderId
from booking_core.orders.idempotency import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IdempotencyRecord,
    fingerprint,
    valid_key,
)

LONGEST = IDEMPOTENCY_KEY_MAX_LENGTH
VISIBLE_ASCII = st.characters(min_codepoint=0x21, max_codepoint=0x7E)


@given(st.text(VISIBLE_ASCII, min_size=1, max_size=LONGEST))
def test_every_key_of_visible_ascii_up_to_the_length_is_accepted_as_is(key: str) -> None:
    assert valid_key(key) == key


_NOT_VISIBLE_ASCII = st.characters(exclude_characters=[chr(c) for c in range(0x21, 0x7F)])


@given(
    st.one_of(
        st.text(VISIBLE_ASCII, min_size=LONGEST + 1, max_size=LONGEST + 20),
        st.builds(
            lambda head, bad, tail: head + bad + tail,
            st.text(VISIBLE_ASCII, max_size=10),
            _NOT_VISIBLE_ASCII,
            st.text(VISIBLE_ASCII, max_size=10),
        ),
        st.just(""),
    )
)
def test_any_other_key_is_refused(key: str) -> None:
    with pytest.raises(InvalidIdempotencyKey) as refused:
        valid_key(key)

    assert refused.value.code == "invalid_idempotency_key"


DOCUMENTS = st.dictionaries(
    st.text(max_size=8),
    st.one_of(st.none(), st.integers(), st.text(max_size=8), st.booleans()),
    max_size=6,
)


@given(DOCUMENTS)
def test_the_fingerprint_does_not_depend_on_the_order_of_fields(
    document: dict[str, object],
) -> None:
    reordered = dict(reversed(list(document.items())))

    assert fingerprint(reordered) == fingerprint(document)
    assert len(fingerprint(document)) == 64


@given(DOCUMENTS, DOCUMENTS)
def test_different_documents_have_different_fingerprints(
    first: dict[str, object], second: dict[str, object]
) -> None:
    assert (fingerprint(first) == fingerprint(second)) == (first == second)


def test_a_record_binds_until_it_expires() -> None:
    created = pendulum.datetime(2026, 3, 2, 8, tz="UTC")
    record = IdempotencyRecord(
        actor_id="cus_1",
        key="k",
        fingerprint="f" * 64,
        order_id=OrderId("ord_1"),
        created_at=created,
        expires_at=created.add(hours=24),
    )

    assert record.is_live(created.add(hours=23, minutes=59))
    assert not record.is_live(created.add(hours=24))
