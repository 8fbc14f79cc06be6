"""Earnings and withdrawals over HTTP (issue 13; docs/server/earnings.md): a technician's
and a store's statement, balance and withdrawals; finance's queue and decisions; every
error code the routes answer; nobody sees another payee's money."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp, build
from booking_core.ledger import Account, Posting, Transaction, TransactionId, TransactionKind
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.payouts import Payee, WithdrawalRules
from booking_core.staff import StaffRole
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds

from .conftest import DAY

Json = dict[str, Any]
Headers = dict[str, str]
#: At least 10.00, a 0.6 % fee, two a day, finance approves above 100.00.
RULES = WithdrawalRules(
    minimum=Money(1000, "CNY"),
    fee_rate=Decimal("0.006"),
    max_count_per_period=2,
    approval_above=Money(10000, "CNY"),
)
WEEK = {"since": "2026-03-02T00:00:00+08:00", "until": "2026-03-09T00:00:00+08:00"}
CARD = {
    "kind": "bank_card",
    "masked_number": "************1234",
    "holder": "李伟",
    "bank": "招商银行 China Merchants Bank",
}
WALLET = {"kind": "wallet", "provider": "alipay", "account_id": "li.wei@example.com"}


@pytest.fixture
def booking_app(clock: FrozenClock, gateway: ScriptedPaymentGateway) -> BookingApp:
    return build(
        uow=InMemoryStore().unit_of_work,
        payments=gateway,
        clock=clock,
        ids=SequentialIds(),
        withdrawal_rules=RULES,
    )


def credit(booking_app: BookingApp, payee: Payee, amount: int, tag: str = "1") -> None:
    """Credit ``payee``'s payable with ``amount`` fen (what completed orders do)."""
    entry = Transaction(
        TransactionId(f"test-earn:{payee.key}:{tag}"),
        TransactionKind.ORDER_COMPLETED,
        booking_app.clock.now(),
        (
            Posting.debit(Account.payments_clearing(), Money(amount, "CNY")),
            Posting.credit(payee.payable, Money(amount, "CNY")),
        ),
    )
    with booking_app.uow() as uow:
        uow.ledger.record(entry)
        uow.commit()


@pytest.fixture
def finance(as_: Callable[[Actor], Headers]) -> Headers:
    return as_(Actor.platform("fin-1", StaffRole.FINANCE))


@pytest.fixture
def earned(
    client: TestClient,
    place: Callable[..., Json],
    walk: Callable[..., Json],
    alice: Headers,
    technician: Headers,
) -> list[str]:
    """Two of Alice's tuinas with the first technician, paid and completed (70 % of
    199.00 each is his: 139.30)."""
    orders = []
    for hour in (10, 14):
        order_id = place(f"{DAY}T{hour}:00:00+08:00")["id"]
        assert client.post(f"/orders/{order_id}/payments", headers=alice).status_code == 200
        orders.append(order_id)
    for order_id in orders:
        walk(order_id, technician)
    return orders


def _withdraw(
    client: TestClient, technician_id: str, headers: Headers, amount: int, **extra: Any
) -> Any:
    body = {"amount": {"amount": amount, "currency": "CNY"}, "destination": WALLET, **extra}
    return client.post(f"/technicians/{technician_id}/withdrawals", json=body, headers=headers)


def test_a_technician_reads_his_statement_and_balance(
    client: TestClient, shop: dict[str, str], technician: Headers, earned: list[str]
) -> None:
    # given two completed orders of his

    # when he reads his week's statement and his balance
    base = f"/technicians/{shop['technician_id']}"
    statement = client.get(f"{base}/earnings", params=WEEK, headers=technician)
    balance = client.get(f"{base}/balance", headers=technician)

    # then each order is a line of 139.30, and all of it is available
    assert statement.status_code == 200, statement.json()
    body = statement.json()
    assert [(i["order_id"], i["source"], i["amount"]["amount"]) for i in body["items"]] == [
        (earned[0], "order", 13930),
        (earned[1], "order", 13930),
    ]
    assert (body["total"]["amount"], body["orders"]) == (27860, 2)
    assert body["by_service"] == [
        {"service_id": shop["service_id"], "total": {"amount": 27860, "currency": "CNY"}}
    ]
    assert balance.json() == {
        "payee": f"technician:{shop['technician_id']}",
        "available": {"amount": 27860, "currency": "CNY"},
        "in_flight": {"amount": 0, "currency": "CNY"},
        "paid_out": {"amount": 0, "currency": "CNY"},
    }


def test_a_technician_never_sees_anothers_earnings(
    client: TestClient,
    shop: dict[str, str],
    technician: Headers,
    other_technician: Headers,
    alice: Headers,
    earned: list[str],
) -> None:
    # given the first technician's earnings and a withdrawal
    base = f"/technicians/{shop['technician_id']}"
    made = _withdraw(client, shop["technician_id"], technician, 5000).json()

    # when his colleague and a customer ask for them
    asked = [
        client.get(f"{base}/earnings", params=WEEK, headers=other_technician),
        client.get(f"{base}/balance", headers=other_technician),
        client.get(f"{base}/withdrawals", headers=other_technician),
        client.get(f"{base}/balance", headers=alice),
    ]
    probed = client.get(f"/withdrawals/{made['id']}", headers=other_technician)
    taken = _withdraw(client, shop["technician_id"], other_technician, 5000)

    # then each is refused, and the withdrawal does not exist for the colleague
    assert [(r.status_code, r.json()["code"]) for r in asked] == [(403, "permission_denied")] * 4
    assert (probed.status_code, probed.json()["code"]) == (404, "withdrawal_not_found")
    assert (taken.status_code, taken.json()["code"]) == (403, "permission_denied")


def test_a_small_withdrawal_is_approved_at_once_and_debited_once(
    client: TestClient, shop: dict[str, str], technician: Headers, earned: list[str]
) -> None:
    # given 278.60 available

    # when he withdraws 50.00 to a card, and sends it again with the same key
    key = {"Idempotency-Key": "wd-1"}
    body = {"amount": {"amount": 5000, "currency": "CNY"}, "destination": CARD}
    url = f"/technicians/{shop['technician_id']}/withdrawals"
    first = client.post(url, json=body, headers={**technician, **key})
    again = client.post(url, json=body, headers={**technician, **key})
    other = client.post(url, json={**body, "destination": WALLET}, headers={**technician, **key})
    balance = client.get(f"/technicians/{shop['technician_id']}/balance", headers=technician)

    # then it is approved with a fee of 0.30, the retry answers it, and 50.00 left his balance
    assert first.status_code == 201, first.json()
    made = first.json()
    assert (made["status"], made["fee"]["amount"], made["net"]["amount"]) == ("approved", 30, 4970)
    assert made["destination"] == CARD
    assert again.json()["id"] == made["id"]
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert balance.json()["available"]["amount"] == 27860 - 5000
    assert balance.json()["in_flight"]["amount"] == 4970


def test_finance_approves_and_rejects_what_waits_for_it(
    client: TestClient,
    shop: dict[str, str],
    technician: Headers,
    finance: Headers,
    earned: list[str],
) -> None:
    # given two withdrawals above the approval limit
    first = _withdraw(client, shop["technician_id"], technician, 12000).json()
    second = _withdraw(client, shop["technician_id"], technician, 11000).json()

    # when finance reads its queue, approves one and rejects the other
    queue = client.get("/withdrawals/pending", headers=finance)
    approved = client.post(
        f"/withdrawals/{first['id']}/approve", json={"note": "ok"}, headers=finance
    )
    rejected = client.post(
        f"/withdrawals/{second['id']}/reject", json={"reason": "Wrong card"}, headers=finance
    )
    twice = client.post(f"/withdrawals/{second['id']}/approve", headers=finance)
    balance = client.get(f"/technicians/{shop['technician_id']}/balance", headers=finance)
    mine = client.get(f"/technicians/{shop['technician_id']}/withdrawals", headers=technician)

    # then both waited, oldest first; the rejected one's money came back, whole
    assert [w["id"] for w in queue.json()["items"]] == [first["id"], second["id"]]
    assert {first["status"], second["status"]} == {"pending_approval"}
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", "fin-1")
    assert (rejected.json()["status"], rejected.json()["note"]) == ("rejected", "Wrong card")
    assert (twice.status_code, twice.json()["code"]) == (409, "transition_not_allowed")
    assert balance.json()["available"]["amount"] == 27860 - 12000
    assert [w["id"] for w in mine.json()["items"]] == [second["id"], first["id"]]
    assert client.get("/withdrawals/pending", headers=finance).json()["items"] == []


def test_only_finance_decides(
    client: TestClient,
    shop: dict[str, str],
    technician: Headers,
    as_: Callable[[Actor], Headers],
    earned: list[str],
) -> None:
    # given a withdrawal waiting for approval
    made = _withdraw(client, shop["technician_id"], technician, 12000).json()
    operations = as_(Actor.platform("ops-1", StaffRole.OPERATIONS))

    # when he himself, and operations staff, try to approve it
    refused = [
        client.post(f"/withdrawals/{made['id']}/approve", headers=h)
        for h in (technician, operations)
    ]
    queue = client.get("/withdrawals/pending", headers=operations)

    # then both are refused
    assert [r.status_code for r in refused] == [403, 403]
    assert (queue.status_code, queue.json()["code"]) == (403, "permission_denied")


@pytest.mark.parametrize(
    ("amount", "currency", "reason"),
    [(999, "CNY", "below_minimum"), (5000, "USD", "currency")],
)
def test_the_rules_refuse_with_withdrawal_not_allowed(
    client: TestClient,
    shop: dict[str, str],
    technician: Headers,
    earned: list[str],
    amount: int,
    currency: str,
    reason: str,
) -> None:
    body = {"amount": {"amount": amount, "currency": currency}, "destination": WALLET}

    refused = client.post(
        f"/technicians/{shop['technician_id']}/withdrawals", json=body, headers=technician
    )

    assert (refused.status_code, refused.json()["code"]) == (409, "withdrawal_not_allowed")
    assert refused.json()["details"]["reason"] == reason


def test_a_third_withdrawal_in_a_day_is_refused(
    client: TestClient, shop: dict[str, str], technician: Headers, earned: list[str]
) -> None:
    for _ in range(2):
        assert _withdraw(client, shop["technician_id"], technician, 1000).status_code == 201

    third = _withdraw(client, shop["technician_id"], technician, 1000)

    assert (third.status_code, third.json()["code"]) == (409, "withdrawal_not_allowed")
    assert third.json()["details"]["reason"] == "too_many_in_period"


def test_more_than_available_is_insufficient_balance(
    client: TestClient, shop: dict[str, str], technician: Headers, earned: list[str]
) -> None:
    refused = _withdraw(client, shop["technician_id"], technician, 27861)

    assert (refused.status_code, refused.json()["code"]) == (409, "insufficient_balance")
    assert refused.json()["details"] == {"available": 27860, "requested": 27861}


def test_concurrent_withdrawals_never_take_more_than_available(
    client: TestClient, booking_app: BookingApp, shop: dict[str, str], technician: Headers
) -> None:
    # given 100.00 available
    credit(booking_app, Payee.technician(shop["technician_id"]), 10000)

    # when two withdrawals of 60.00 are sent at once
    answers: list[int] = []
    barrier = threading.Barrier(2)

    def withdraw() -> None:
        barrier.wait()
        answers.append(_withdraw(client, shop["technician_id"], technician, 6000).status_code)

    threads = [threading.Thread(target=withdraw) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then one wins and the other finds too little
    assert sorted(answers) == [201, 409]
    balance = client.get(f"/technicians/{shop['technician_id']}/balance", headers=technician)
    assert balance.json()["available"]["amount"] == 4000


def test_an_unmasked_card_number_is_invalid_payout_destination(
    client: TestClient, shop: dict[str, str], technician: Headers, earned: list[str]
) -> None:
    body = {
        "amount": {"amount": 5000, "currency": "CNY"},
        "destination": {**CARD, "masked_number": "6225880112341234"},
    }

    refused = client.post(
        f"/technicians/{shop['technician_id']}/withdrawals", json=body, headers=technician
    )

    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_payout_destination")


def test_a_key_too_long_is_invalid_idempotency_key(
    client: TestClient, shop: dict[str, str], technician: Headers, earned: list[str]
) -> None:
    refused = client.post(
        f"/technicians/{shop['technician_id']}/withdrawals",
        json={"amount": {"amount": 5000, "currency": "CNY"}, "destination": WALLET},
        headers={**technician, "Idempotency-Key": "k" * 201},
    )

    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_idempotency_key")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"since": WEEK["until"], "until": WEEK["since"]}, "invalid_time_range"),
        ({"since": "2026-01-01T00:00:00+08:00", "until": "2027-01-03T00:00:00+08:00"},
         "invalid_time_range"),
    ],
)  # fmt: skip
def test_a_bad_period_is_refused(
    client: TestClient, shop: dict[str, str], technician: Headers, params: Json, code: str
) -> None:
    refused = client.get(
        f"/technicians/{shop['technician_id']}/earnings", params=params, headers=technician
    )

    assert (refused.status_code, refused.json()["code"]) == (422, code)


def test_an_unknown_withdrawal_is_not_found(client: TestClient, finance: Headers) -> None:
    for path in ("/withdrawals/wdr_none", "/withdrawals/wdr_none/approve"):
        method = client.get if path.endswith("none") else client.post
        refused = method(path, headers=finance)
        assert (refused.status_code, refused.json()["code"]) == (404, "withdrawal_not_found")


def test_a_store_withdraws_its_own_earnings(
    client: TestClient,
    booking_app: BookingApp,
    platform: Headers,
    as_: Callable[[Actor], Headers],
) -> None:
    # given a store that earned 80.00
    store = {
        "name": "静安店",
        "address": {"city": "上海市", "district": "静安区", "detail": "1 号", "lat": 31.2,
                    "lon": 121.4},
        "time_zone": "Asia/Shanghai",
        "hours": {"mon": ["10:00-22:00"]},
    }  # fmt: skip
    store_id = client.post("/stores", json=store, headers=platform).json()["id"]
    credit(booking_app, Payee.store(store_id), 8000)
    own = as_(Actor(store_id, Role.STORE))
    other = as_(Actor("sto_other", Role.STORE))

    # when it withdraws 30.00, and another store reads its balance
    body = {"amount": {"amount": 3000, "currency": "CNY"}, "destination": WALLET}
    made = client.post(f"/stores/{store_id}/withdrawals", json=body, headers=own)
    balance = client.get(f"/stores/{store_id}/balance", headers=own)
    listed = client.get(f"/stores/{store_id}/withdrawals", headers=own)
    statement = client.get(f"/stores/{store_id}/earnings", params=WEEK, headers=own)
    refused = client.get(f"/stores/{store_id}/balance", headers=other)

    # then it is the store's, and nobody else's to read
    assert made.status_code == 201, made.json()
    assert made.json()["payee"] == f"store:{store_id}"
    assert balance.json()["available"]["amount"] == 5000
    assert [w["id"] for w in listed.json()["items"]] == [made.json()["id"]]
    assert statement.status_code == 200
    assert refused.status_code == 403
