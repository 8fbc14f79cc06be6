"""Outside calendars over HTTP: feeds in, busy blocks, the feed out and the bulk import
(docs/server/calendars.md). Who may call each route is also in the RBAC matrix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum
import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp, build
from booking_core.errors import CalendarUnavailable
from booking_core.orders import Actor, Role
from booking_core.ports.jobs import JobStatus
from booking_core.scheduling.busy_block import ExternalBusy
from booking_core.staff import StaffRole
from booking_core.testing import (
    FrozenClock,
    InMemoryStore,
    ScriptedCalendarSource,
    ScriptedPaymentGateway,
    SequentialIds,
)
from booking_core.timerange import TimeRange
from booking_server.problems import status_for

from .conftest import DAY, ZONE

Headers = dict[str, str]
Json = dict[str, Any]
URL = "https://calendar.example.com/li/private-5f0c8e6b.ics"
PROBLEM = "application/problem+json"


def _at(hour: int, minute: int = 0, day: str = DAY) -> str:
    return f"{day}T{hour:02d}:{minute:02d}:00+08:00"


def _instant(hour: int, minute: int = 0) -> pendulum.DateTime:
    return pendulum.parse(_at(hour, minute))  # type: ignore[return-value]


@pytest.fixture
def source() -> ScriptedCalendarSource:
    return ScriptedCalendarSource()


@pytest.fixture
def booking_app(
    clock: FrozenClock, gateway: ScriptedPaymentGateway, source: ScriptedCalendarSource
) -> BookingApp:
    # conftest's, with the scripted calendar source reading the feeds
    return build(
        uow=InMemoryStore().unit_of_work,
        payments=gateway,
        clock=clock,
        ids=SequentialIds(),
        calendar_source=source,
    )


@pytest.fixture
def paths(shop: dict[str, str]) -> dict[str, str]:
    technician = f"/technicians/{shop['technician_id']}"
    return {
        "feeds": f"{technician}/calendar-feeds",
        "blocks": f"{technician}/busy-blocks",
        "ics": f"{technician}/calendar.ics",
        "other_feeds": f"/technicians/{shop['other_technician_id']}/calendar-feeds",
    }


@pytest.fixture
def store_manager(
    client: TestClient, shop: dict[str, str], platform: Headers, as_: Callable[[Actor], Headers]
) -> Headers:
    """Headers of the store the shop's first technician belongs to."""
    body = {
        "name": "静安店",
        "address": {
            "city": "上海市",
            "district": "静安区",
            "detail": "1 号",
            "lat": 31.2,
            "lon": 121.4,
        },
        "time_zone": ZONE,
        "hours": {"mon": ["10:00-22:00"]},
    }
    store = client.post("/stores", json=body, headers=platform).json()["id"]
    member = {"technician_id": shop["technician_id"]}
    assert client.post(f"/stores/{store}/members", json=member, headers=platform).is_success
    return as_(Actor(store, Role.STORE))


def _starts(client: TestClient, shop: dict[str, str]) -> list[str]:
    slots = client.get(
        f"/technicians/{shop['technician_id']}/slots",
        params={"service_id": shop["service_id"], "date": DAY},
    ).json()
    return [s["start"][11:16] for s in slots["items"]]


def _register(client: TestClient, paths: dict[str, str], headers: Headers, **body: Any) -> Json:
    response = client.post(paths["feeds"], json={"url": URL, **body}, headers=headers)
    assert response.status_code == 201, response.text
    feed: Json = response.json()
    return feed


def _blocks(client: TestClient, paths: dict[str, str], headers: Headers) -> list[Json]:
    response = client.get(paths["blocks"], headers=headers)
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


# --- feeds in --------------------------------------------------------------------------------


def test_a_registered_feed_is_read_now_and_its_events_are_busy_time(
    client: TestClient,
    shop: dict[str, str],
    technician: Headers,
    paths: dict[str, str],
    source: ScriptedCalendarSource,
) -> None:
    # given his calendar holds a dentist's appointment on Tuesday 12:00-13:00
    source.busy[URL] = [
        ExternalBusy("dentist@phone", TimeRange(_instant(12), _instant(13)), "Dentist")
    ]

    # when he registers it with 30 minutes after each event, and reads it now
    feed = _register(
        client, paths, technician, refresh_minutes=30, buffer_after_minutes=30, time_zone=ZONE
    )
    read = client.post(f"{paths['feeds']}/{feed['id']}/refresh", headers=technician)

    # then the event is a block of the feed's source, blocking 12:00-13:30
    assert (feed["refresh_minutes"], feed["buffer_after_minutes"]) == (30, 30)
    assert (feed["time_zone"], feed["failures"], feed["last_refreshed_at"]) == (ZONE, 0, None)
    assert read.status_code == 200, read.text
    assert read.json() == {
        "feed_id": feed["id"],
        "ok": True,
        "blocks": 1,
        "removed": 0,
        "conflicts": 0,
        "next_at": None,  # read by hand: the worker's reads go on as scheduled
        "error": None,
    }
    (block,) = _blocks(client, paths, technician)
    assert (block["source"], block["uid"], block["summary"]) == (
        f"ical:{feed['id']}",
        "dentist@phone",
        "Dentist",
    )
    assert block["blocked"] == {"start": _at(12), "end": _at(13, 30)}
    assert "12:00" not in _starts(client, shop)
    assert "13:30" in _starts(client, shop)
    listed = client.get(paths["feeds"], headers=technician).json()["items"]
    assert [(f["id"], f["last_refreshed_at"]) for f in listed] == [
        (feed["id"], "2026-03-02T08:00:00+08:00")
    ]


def test_the_worker_reads_a_feed_registered_over_http(
    client: TestClient,
    booking_app: BookingApp,
    technician: Headers,
    paths: dict[str, str],
    source: ScriptedCalendarSource,
) -> None:
    # given a feed registered over HTTP, never read by hand
    source.busy[URL] = [ExternalBusy("gym", TimeRange(_instant(15), _instant(16)))]
    _register(client, paths, technician)

    # when a worker runs the due jobs
    booking_app.worker("w").run_due()

    # then its event is a busy block
    assert [b["uid"] for b in _blocks(client, paths, technician)] == ["gym"]


def test_a_failed_read_is_an_answer_and_keeps_the_last_blocks(
    client: TestClient,
    technician: Headers,
    paths: dict[str, str],
    source: ScriptedCalendarSource,
) -> None:
    # given a feed read once
    source.busy[URL] = [ExternalBusy("gym", TimeRange(_instant(15), _instant(16)))]
    feed = _register(client, paths, technician)
    refresh = f"{paths['feeds']}/{feed['id']}/refresh"
    assert client.post(refresh, headers=technician).json()["ok"] is True

    # when his calendar host stops answering and he reads it again
    source.down.add(URL)
    failed = client.post(refresh, headers=technician)

    # then the answer says so, the block stays and the feed counts the failure
    assert failed.status_code == 200
    body = failed.json()
    assert (body["ok"], body["blocks"]) == (False, 1)
    assert body["error"].startswith("calendar_unavailable: ")
    assert [b["uid"] for b in _blocks(client, paths, technician)] == ["gym"]
    (listed,) = client.get(paths["feeds"], headers=technician).json()["items"]
    assert (listed["failures"], listed["last_error"]) == (1, body["error"])


def test_removing_a_feed_frees_its_time(
    client: TestClient,
    shop: dict[str, str],
    technician: Headers,
    paths: dict[str, str],
    source: ScriptedCalendarSource,
) -> None:
    # given a read feed and a pushed block
    source.busy[URL] = [ExternalBusy("gym", TimeRange(_instant(15), _instant(16)))]
    feed = _register(client, paths, technician)
    client.post(f"{paths['feeds']}/{feed['id']}/refresh", headers=technician)
    pushed = {"start": _at(10), "end": _at(11)}
    assert client.put(f"{paths['blocks']}/mine", json=pushed, headers=technician).is_success

    # when the feed is removed, and removed again
    removed = client.delete(f"{paths['feeds']}/{feed['id']}", headers=technician)
    again = client.delete(f"{paths['feeds']}/{feed['id']}", headers=technician)

    # then its block is gone (the pushed one stays), and the second time it is not found
    assert removed.status_code == 204
    assert [b["uid"] for b in _blocks(client, paths, technician)] == ["mine"]
    assert "15:00" in _starts(client, shop)
    assert (again.status_code, again.json()["code"]) == (404, "calendar_feed_not_found")
    assert client.get(paths["feeds"], headers=technician).json()["items"] == []


def test_a_feed_is_found_only_under_its_own_technician(
    client: TestClient,
    technician: Headers,
    platform: Headers,
    paths: dict[str, str],
) -> None:
    # given his feed
    feed = _register(client, paths, technician)

    # when the platform names it under his colleague's path
    refresh = client.post(f"{paths['other_feeds']}/{feed['id']}/refresh", headers=platform)
    remove = client.delete(f"{paths['other_feeds']}/{feed['id']}", headers=platform)

    # then it is not found there, and still his
    for response in (refresh, remove):
        assert (response.status_code, response.json()["code"]) == (404, "calendar_feed_not_found")
    assert [f["id"] for f in client.get(paths["feeds"], headers=technician).json()["items"]] == [
        feed["id"]
    ]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"url": "ftp://calendar.example.com/x.ics"}, 422, "invalid_input", "url"),
        ({"url": "https://"}, 422, "invalid_calendar", "url"),
        ({"url": "https://calendar.example.com/a b.ics"}, 422, "invalid_calendar", "url"),
        ({"url": "https://calendar.example.com]/x.ics"}, 422, "invalid_calendar", "url"),
        ({"url": "https:///x.ics"}, 422, "invalid_calendar", "url"),
        ({"url": URL, "refresh_minutes": 4}, 422, "invalid_input", "refresh_minutes"),
        ({"url": URL, "refresh_minutes": 10081}, 422, "invalid_input", "refresh_minutes"),
        ({"url": URL, "buffer_before_minutes": -1}, 422, "invalid_input", "buffer_before_minutes"),
        ({"url": URL, "buffer_after_minutes": 1441}, 422, "invalid_input", "buffer_after_minutes"),
        ({"url": URL, "time_zone": "Mars/Base"}, 422, "invalid_time_zone", None),
        ({"url": URL, "colour": "red"}, 422, "invalid_input", "colour"),
    ],
)
def test_a_bad_feed_is_refused_and_nothing_is_stored(
    client: TestClient,
    booking_app: BookingApp,
    technician: Headers,
    paths: dict[str, str],
    body: Json,
    status: int,
    code: str,
    field: str | None,
) -> None:
    # given no feed

    # when a bad one is registered
    response = client.post(paths["feeds"], json=body, headers=technician)

    # then it is refused, naming the field, and no feed (nor its first read) is stored
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.headers["content-type"] == PROBLEM
    details = response.json()["details"]
    if code == "invalid_input":
        assert [e["location"][-1] for e in details["errors"]] == [field]
    elif field is not None:
        assert details["field"] == field
    assert client.get(paths["feeds"], headers=technician).json()["items"] == []
    with booking_app.uow() as uow:
        assert uow.jobs.list_due(pendulum.datetime(2100, 1, 1), limit=10) == []


def test_reading_a_feed_by_hand_leaves_one_read_scheduled(
    client: TestClient, booking_app: BookingApp, technician: Headers, paths: dict[str, str]
) -> None:
    # given a feed, read twice by hand
    feed = _register(client, paths, technician)
    for _ in range(2):
        client.post(f"{paths['feeds']}/{feed['id']}/refresh", headers=technician)

    # when its pending jobs are listed
    with booking_app.uow() as uow:
        pending = [
            j for j in uow.jobs.list_for_subject(feed["id"]) if j.status is JobStatus.PENDING
        ]

    # then one read is scheduled, not one per read by hand
    assert len(pending) == 1


# --- busy blocks -----------------------------------------------------------------------------


def test_a_pushed_block_is_busy_time_and_pushing_its_uid_again_replaces_it(
    client: TestClient, shop: dict[str, str], technician: Headers, paths: dict[str, str]
) -> None:
    # given a block pushed with a buffer before it
    first = {"start": _at(15), "end": _at(16), "summary": "Gym", "buffer_before_minutes": 15}
    pushed = client.put(f"{paths['blocks']}/gym", json=first, headers=technician)
    starts_then = _starts(client, shop)

    # when the same uid is pushed again, at another time
    second = {"start": _at(17), "end": _at(18)}
    replaced = client.put(f"{paths['blocks']}/gym", json=second, headers=technician)

    # then the first blocked 14:45-16:00, and the second replaced it
    assert pushed.status_code == 200, pushed.text
    assert pushed.json() == {
        "technician_id": shop["technician_id"],
        "source": "api",
        "uid": "gym",
        "span": {"start": _at(15), "end": _at(16)},
        "blocked": {"start": _at(14, 45), "end": _at(16)},
        "buffer_before_minutes": 15,
        "buffer_after_minutes": 0,
        "summary": "Gym",
    }
    assert "14:00" not in starts_then
    assert "15:00" not in starts_then
    assert "16:00" in starts_then
    assert replaced.status_code == 200
    assert [(b["uid"], b["span"]["start"]) for b in _blocks(client, paths, technician)] == [
        ("gym", _at(17))
    ]
    starts_now = _starts(client, shop)
    assert "15:00" in starts_now
    assert "17:00" not in starts_now


def test_a_customer_cannot_book_over_a_block_nor_learn_its_summary(
    client: TestClient,
    alice: Headers,
    technician: Headers,
    paths: dict[str, str],
    order_body: Callable[..., Json],
) -> None:
    # given a private block
    block = {"start": _at(15), "end": _at(16), "summary": "Hospital visit"}
    assert client.put(f"{paths['blocks']}/private", json=block, headers=technician).is_success

    # when a customer books over it, and asks for his blocks
    refused = client.post("/orders", json=order_body(_at(15, 30)), headers=alice)
    listed = client.get(paths["blocks"], headers=alice)

    # then the booking is slot_taken by "calendar", and neither answer has the summary
    assert (refused.status_code, refused.json()["code"]) == (409, "slot_taken")
    assert refused.json()["details"]["busy"] == "calendar"
    assert listed.status_code == 403
    for response in (refused, listed):
        assert "Hospital" not in response.text


def test_a_block_over_a_booking_is_refused_and_nothing_is_stored(
    client: TestClient,
    technician: Headers,
    paths: dict[str, str],
    place: Callable[..., Json],
) -> None:
    # given a booking 10:00-11:00
    place(_at(10))

    # when a block is pushed whose buffer reaches into it
    block = {"start": _at(11), "end": _at(12), "buffer_before_minutes": 1}
    refused = client.put(f"{paths['blocks']}/late", json=block, headers=technician)
    touching = client.put(
        f"{paths['blocks']}/touching", json={"start": _at(11), "end": _at(12)}, headers=technician
    )

    # then it is busy_time_conflict and not stored; a block that only touches it is taken
    assert (refused.status_code, refused.json()["code"]) == (409, "busy_time_conflict")
    assert touching.status_code == 200
    assert [b["uid"] for b in _blocks(client, paths, technician)] == ["touching"]


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"start": _at(12), "end": _at(11)}, "invalid_time_range", None),
        ({"start": _at(12), "end": _at(12)}, "invalid_time_range", None),
        ({"start": "2026-03-03T12:00:00", "end": _at(13)}, "invalid_input", "start"),
        ({"start": _at(12), "end": _at(13), "buffer_after_minutes": 1441}, "invalid_input",
         "buffer_after_minutes"),
        ({"start": _at(12), "end": _at(13), "buffer_before_minutes": 1.5}, "invalid_input",
         "buffer_before_minutes"),
        ({"start": _at(12), "end": _at(13), "summary": "x" * 501}, "invalid_input", "summary"),
        ({"start": _at(12)}, "invalid_input", "end"),
    ],
)  # fmt: skip
def test_a_bad_block_is_refused_and_nothing_is_stored(
    client: TestClient,
    shop: dict[str, str],
    technician: Headers,
    paths: dict[str, str],
    body: Json,
    code: str,
    field: str | None,
) -> None:
    # given his slots
    before = _starts(client, shop)

    # when a bad block is pushed
    response = client.put(f"{paths['blocks']}/bad", json=body, headers=technician)

    # then it is 422 naming the field, and nothing changed
    assert (response.status_code, response.json()["code"]) == (422, code)
    if field is not None:
        errors = response.json()["details"]["errors"]
        assert [e["location"][-1] for e in errors] == [field]
    assert _blocks(client, paths, technician) == []
    assert _starts(client, shop) == before


def test_a_uid_the_path_cannot_hold_is_refused(
    client: TestClient, technician: Headers, paths: dict[str, str]
) -> None:
    block = {"start": _at(12), "end": _at(13)}

    too_long = client.put(f"{paths['blocks']}/{'u' * 256}", json=block, headers=technician)
    longest = client.put(f"{paths['blocks']}/{'u' * 255}", json=block, headers=technician)

    assert (too_long.status_code, too_long.json()["code"]) == (422, "invalid_input")
    assert longest.status_code == 200


def test_deleting_a_pushed_block_frees_its_time_and_only_pushed_ones_are_deleted(
    client: TestClient,
    shop: dict[str, str],
    technician: Headers,
    platform: Headers,
    paths: dict[str, str],
) -> None:
    # given a pushed block and an imported one with the same uid
    block = {"start": _at(15), "end": _at(16)}
    client.put(f"{paths['blocks']}/gym", json=block, headers=technician)
    imported = {"external_id": "gym", "technician_id": shop["technician_id"], **block}
    client.post("/imports", json={"busy_blocks": [imported]}, headers=platform)

    # when the uid is deleted twice
    deleted = client.delete(f"{paths['blocks']}/gym", headers=technician)
    again = client.delete(f"{paths['blocks']}/gym", headers=technician)

    # then the pushed one went; the imported one stays; the second time is not found
    assert deleted.status_code == 204
    assert [(b["source"], b["uid"]) for b in _blocks(client, paths, technician)] == [
        ("import", "gym")
    ]
    assert (again.status_code, again.json()["code"]) == (404, "busy_block_not_found")


def test_blocks_are_listed_by_window_and_source(
    client: TestClient, shop: dict[str, str], technician: Headers, platform: Headers,
    paths: dict[str, str],
) -> None:  # fmt: skip
    # given pushed blocks on Tuesday and Wednesday and an imported one on Tuesday
    for uid, start, end in (
        ("tue", _at(9), _at(10)),
        ("wed", _at(9, day="2026-03-04"), _at(10, day="2026-03-04")),
    ):
        client.put(
            f"{paths['blocks']}/{uid}", json={"start": start, "end": end}, headers=technician
        )
    row = {"external_id": "old", "technician_id": shop["technician_id"], "start": _at(13),
           "end": _at(14)}  # fmt: skip
    client.post("/imports", json={"busy_blocks": [row]}, headers=platform)

    # when they are listed for Tuesday, by source, and in windows open on one side
    tuesday = {"since": _at(0), "until": _at(0, day="2026-03-04")}
    on_tuesday = client.get(paths["blocks"], params=tuesday, headers=technician)
    pushed = client.get(paths["blocks"], params={"source": "api"}, headers=technician)
    from_wednesday = client.get(
        paths["blocks"], params={"since": _at(0, day="2026-03-04")}, headers=technician
    )
    to_noon = client.get(paths["blocks"], params={"until": _at(12)}, headers=technician)
    backwards = client.get(
        paths["blocks"], params={"since": tuesday["until"], "until": tuesday["since"]},
        headers=technician,
    )  # fmt: skip
    bad_source = client.get(paths["blocks"], params={"source": "ical"}, headers=technician)

    # then each answers what it asks
    assert [b["uid"] for b in on_tuesday.json()["items"]] == ["tue", "old"]
    assert on_tuesday.json()["time_zone"] == ZONE
    assert [b["uid"] for b in pushed.json()["items"]] == ["tue", "wed"]
    assert [b["uid"] for b in from_wednesday.json()["items"]] == ["wed"]
    assert [b["uid"] for b in to_noon.json()["items"]] == ["tue"]
    assert (backwards.status_code, backwards.json()["code"]) == (422, "invalid_time_range")
    assert (bad_source.status_code, bad_source.json()["code"]) == (422, "invalid_input")


def test_his_store_and_the_platform_keep_his_calendar_others_do_not(
    client: TestClient,
    technician: Headers,
    other_technician: Headers,
    store_manager: Headers,
    alice: Headers,
    as_: Callable[[Actor], Headers],
    paths: dict[str, str],
) -> None:
    operations = Actor.platform("ops-1", StaffRole.OPERATIONS)
    finance = as_(Actor.platform("fin-1", StaffRole.FINANCE))
    block = {"start": _at(15), "end": _at(16)}

    # when each role pushes a block of his and reads his feeds, blocks and feed out
    answers = {}
    for name, headers in (
        ("store", store_manager),
        ("operations", as_(operations)),
        ("colleague", other_technician),
        ("customer", alice),
        ("finance", finance),
    ):
        answers[name] = [
            client.put(f"{paths['blocks']}/{name}", json=block, headers=headers).status_code,
            client.post(paths["feeds"], json={"url": URL}, headers=headers).status_code,
            client.get(paths["feeds"], headers=headers).status_code,
            client.get(paths["blocks"], headers=headers).status_code,
            client.get(paths["ics"], headers=headers).status_code,
        ]
    anonymous = [client.get(paths["blocks"]).status_code, client.get(paths["ics"]).status_code]

    # then his store and operations may; his colleague, a customer and finance may not
    assert answers["store"] == [200, 201, 200, 200, 200]
    assert answers["operations"] == [200, 201, 200, 200, 200]
    for name in ("colleague", "customer", "finance"):
        assert answers[name] == [403] * 5, name
    assert anonymous == [401, 401]
    assert {b["uid"] for b in _blocks(client, paths, technician)} == {"store", "operations"}


# --- the feed out ----------------------------------------------------------------------------


def test_the_feed_out_has_his_bookings_and_no_customer_data(
    client: TestClient,
    shop: dict[str, str],
    technician: Headers,
    alice: Headers,
    paths: dict[str, str],
    order_body: Callable[..., Json],
) -> None:
    # given an order placed at Alice's address from her book, and a hold
    profile = {"nickname": "Alice Wang", "phone": "+8613812345678"}
    assert client.post("/customers/me", json=profile, headers=alice).status_code == 201
    home = {"label": "Home", "city": "上海市", "district": "黄浦区", "detail": "南京东路 1 号 3 楼",
            "lat": 31.2304, "lon": 121.4737}  # fmt: skip
    book = client.post("/customers/me/addresses", json=home, headers=alice).json()
    address = {"address_id": book["addresses"][0]["id"]}
    order = client.post("/orders", json={**order_body(_at(10)), **address}, headers=alice)
    assert order.status_code == 201, order.text
    hold = client.post("/holds", json=order_body(_at(14)), headers=alice)
    assert hold.status_code == 201, hold.text

    # when he reads his feed out
    response = client.get(paths["ics"], headers=technician)

    # then it is iCalendar with the booking, not the hold, and nothing of Alice
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "private"
    text = response.text
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 1
    assert f"UID:{order.json()['booking_id']}@booking-core\r\n" in text
    assert "DTSTART:20260303T020000Z\r\n" in text
    assert "SUMMARY:中式推拿 Chinese tuina\r\n" in text
    for private in ("南京东路", "黄浦区", "Alice", "13812345678", "cus-alice", order.json()["id"]):
        assert private not in text


def test_the_feed_out_reaches_as_far_as_asked(
    client: TestClient,
    technician: Headers,
    clock: FrozenClock,
    paths: dict[str, str],
    place: Callable[..., Json],
) -> None:
    # given a booking on Tuesday, read a week later
    place(_at(10))
    clock.set(pendulum.datetime(2026, 3, 10, 8, 0, tz=ZONE))

    # when the feed is read reaching 7 and 6 days back, and too far
    seven = client.get(paths["ics"], params={"days_back": 7}, headers=technician)
    six = client.get(paths["ics"], params={"days_back": 6}, headers=technician)
    too_far = client.get(paths["ics"], params={"days_ahead": 367}, headers=technician)

    # then only the first has it, and the last is refused
    assert seven.text.count("BEGIN:VEVENT") == 1
    assert six.text.count("BEGIN:VEVENT") == 0
    assert (too_far.status_code, too_far.json()["code"]) == (422, "invalid_input")


# --- bulk import -----------------------------------------------------------------------------


def test_an_import_reports_every_row_and_the_same_rows_again_are_unchanged(
    client: TestClient,
    shop: dict[str, str],
    platform: Headers,
    technician: Headers,
    paths: dict[str, str],
) -> None:
    # given bookings and blocks from the old platform, one overlapping another, one of
    # nobody, and one block over an imported booking
    tec, svc = shop["technician_id"], shop["service_id"]
    rows = {
        "bookings": [
            {"external_id": "b1", "technician_id": tec, "service_id": svc, "start": _at(10)},
            {"external_id": "b2", "technician_id": tec, "service_id": svc, "start": _at(10, 30)},
            {"external_id": "b3", "technician_id": "tec_gone", "service_id": svc,
             "start": _at(15)},
            {"external_id": "b4", "technician_id": tec, "service_id": svc, "start": _at(22),
             "end": _at(23, 30)},
        ],
        "busy_blocks": [
            {"external_id": "x1", "technician_id": tec, "start": _at(16), "end": _at(17),
             "summary": "Off", "buffer_after_minutes": 10},
            {"external_id": "x2", "technician_id": tec, "start": _at(10, 15), "end": _at(10, 45)},
        ],
    }  # fmt: skip

    # when the platform imports them, twice
    first = client.post("/imports", json=rows, headers=platform)
    second = client.post("/imports", json=rows, headers=platform)

    # then every row is reported; the second time the stored ones are unchanged
    assert first.status_code == 200, first.text
    report = first.json()
    assert {k: report[k] for k in ("imported", "unchanged", "conflict", "invalid")} == {
        "imported": 3,
        "unchanged": 0,
        "conflict": 2,
        "invalid": 1,
    }
    assert [(r["kind"], r["index"], r["external_id"], r["status"]) for r in report["rows"]] == [
        ("booking", 0, "b1", "imported"),
        ("booking", 1, "b2", "conflict"),
        ("booking", 2, "b3", "invalid"),
        ("booking", 3, "b4", "imported"),  # outside his hours: a fact, not a request
        ("busy_block", 0, "x1", "imported"),
        ("busy_block", 1, "x2", "conflict"),
    ]
    b1 = report["rows"][0]["booking_id"]
    assert b1.startswith("bkg_imp_")
    assert report["rows"][1]["reason"] == f"booking {b1}"
    assert report["rows"][2]["reason"] == "no technician 'tec_gone'"
    assert [r["status"] for r in second.json()["rows"]] == [
        "unchanged", "conflict", "invalid", "unchanged", "unchanged", "conflict",
    ]  # fmt: skip
    assert second.json()["rows"][0]["booking_id"] == b1
    (block,) = _blocks(client, paths, technician)
    assert (block["source"], block["uid"], block["summary"]) == ("import", "x1", "Off")
    assert block["blocked"]["end"] == _at(17, 10)


@pytest.mark.parametrize(
    "row",
    [
        {"external_id": "b1", "technician_id": "{tec}", "service_id": "{svc}",
         "start": "2026-03-03T10:00:00"},
        {"external_id": "", "technician_id": "{tec}", "service_id": "{svc}", "start": _at(10)},
        {"external_id": "b1", "technician_id": "{tec}", "start": _at(10)},
        {"external_id": "b1", "technician_id": "{tec}", "service_id": "{svc}", "start": _at(10),
         "notes": "x"},
    ],
    ids=["naive time", "empty external id", "no service", "unknown field"],
)  # fmt: skip
def test_an_import_with_a_malformed_row_stores_nothing(
    client: TestClient,
    shop: dict[str, str],
    platform: Headers,
    technician: Headers,
    paths: dict[str, str],
    row: Json,
) -> None:
    # given a well-formed block and a malformed booking in one import
    tec, svc = shop["technician_id"], shop["service_id"]
    bad = {k: v.format(tec=tec, svc=svc) if isinstance(v, str) else v for k, v in row.items()}
    block = {"external_id": "x1", "technician_id": tec, "start": _at(16), "end": _at(17)}

    # when it is sent
    response = client.post(
        "/imports", json={"bookings": [bad], "busy_blocks": [block]}, headers=platform
    )

    # then it is 422 naming the row's field, and nothing is stored
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")
    locations = [e["location"] for e in response.json()["details"]["errors"]]
    assert all(loc[:3] == ["body", "bookings", 0] for loc in locations), locations
    assert _blocks(client, paths, technician) == []
    assert "10:00" in _starts(client, shop)


def test_an_import_over_the_row_limit_stores_nothing(
    client: TestClient, shop: dict[str, str], platform: Headers, technician: Headers,
    paths: dict[str, str],
) -> None:  # fmt: skip
    # given 5,001 rows: in one list, and split 2,500 bookings + 2,501 blocks
    tec, svc = shop["technician_id"], shop["service_id"]
    first = pendulum.datetime(2026, 4, 1, tz=ZONE)
    blocks = [
        {"external_id": f"x{n}", "technician_id": tec,
         "start": first.add(hours=n).isoformat(), "end": first.add(hours=n, minutes=30).isoformat()}
        for n in range(5001)
    ]  # fmt: skip
    bookings = [
        {"external_id": f"b{n}", "technician_id": tec, "service_id": svc, "start": row["start"]}
        for n, row in enumerate(blocks[2501:])
    ]

    # when each is imported
    one_list = client.post("/imports", json={"busy_blocks": blocks}, headers=platform)
    split = client.post(
        "/imports", json={"bookings": bookings, "busy_blocks": blocks[:2501]}, headers=platform
    )

    # then both are 422 and nothing is stored
    assert (one_list.status_code, one_list.json()["code"]) == (422, "invalid_input")
    assert one_list.json()["details"]["errors"][0]["location"] == ["body", "busy_blocks"]
    assert (split.status_code, split.json()["code"]) == (422, "invalid_input")
    assert split.json()["details"] == {"max_rows": 5000}
    assert _blocks(client, paths, technician) == []
    assert (
        client.get(paths["ics"], params={"days_ahead": 366}, headers=technician).text.count(
            "BEGIN:VEVENT"
        )
        == 0
    )


def test_only_the_platform_with_the_technicians_permission_imports(
    client: TestClient,
    shop: dict[str, str],
    technician: Headers,
    alice: Headers,
    as_: Callable[[Actor], Headers],
    paths: dict[str, str],
) -> None:
    block = {"external_id": "x1", "technician_id": shop["technician_id"], "start": _at(16),
             "end": _at(17)}  # fmt: skip
    body = {"busy_blocks": [block]}
    finance = as_(Actor.platform("fin-1", StaffRole.FINANCE))

    answers = [
        client.post("/imports", json=body, headers=headers).status_code
        for headers in (technician, alice, finance)
    ]

    assert answers == [403, 403, 403]
    assert client.post("/imports", json=body).status_code == 401
    assert _blocks(client, paths, technician) == []


# --- errors ----------------------------------------------------------------------------------


def test_an_outside_calendar_that_fails_is_a_bad_gateway() -> None:
    # The family map: a calendar we read for the client failed (no route raises it today:
    # a feed's read reports its failure in a 200 answer).
    assert status_for(CalendarUnavailable("the host answered 503")) == 502


def test_a_calendar_app_subscribes_to_his_link_without_signing_in(
    client: TestClient,
    technician: Headers,
    alice: Headers,
    paths: dict[str, str],
    place: Callable[..., Json],
) -> None:
    # given a booking and a link he made
    place(_at(10))
    link = f"{paths['ics'].rsplit('/', 1)[0]}/calendar-link"
    made = client.post(link, headers=technician)
    assert made.status_code == 201, made.text
    url, key = made.json()["url"], made.json()["key"]

    # when a calendar app reads it with no credentials; then a new link; then none
    subscribed = client.get(url)
    anonymous = client.get(paths["ics"])
    newer = client.post(link, headers=technician).json()
    retired = client.get(paths["ics"], params={"key": key})
    current = client.get(newer["url"])
    assert client.delete(link, headers=technician).status_code == 204
    after_delete = client.get(newer["url"])

    # then the link reads the feed; without it a sign-in is needed; an old key is 404
    assert url.endswith(f"/calendar.ics?key={key}")
    assert len(key) >= 43
    assert subscribed.status_code == 200
    assert subscribed.text.count("BEGIN:VEVENT") == 1
    assert subscribed.text == client.get(paths["ics"], headers=technician).text
    assert anonymous.status_code == 401
    assert (retired.status_code, retired.json()["code"]) == (404, "technician_not_found")
    assert current.status_code == 200
    assert after_delete.status_code == 404
    assert client.post(link, headers=alice).status_code == 403


def test_the_server_reads_feeds_with_the_ical_adapter_only_when_told_to() -> None:
    from booking_core_ical import IcalCalendarSource

    from booking_server.main import calendar_source
    from booking_server.settings import Settings

    assert isinstance(calendar_source(), IcalCalendarSource)
    assert Settings.from_env({}).calendar_feeds is False
    assert Settings.from_env({"BOOKING_CORE_CALENDAR_FEEDS": "on"}).calendar_feeds is True
