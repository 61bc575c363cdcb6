"""Many clients at once: retries never write twice, reservations never overdraw, no deadlocks."""

from __future__ import annotations

import asyncio
import random

import httpx
import pytest
from sqlalchemy import func, select

from service.auth.tokens import create_user_token
from service.ledger.models import JournalEntry

CLIENTS = 50


@pytest.fixture
async def http(live_server):
    limits = httpx.Limits(max_connections=100)
    async with httpx.AsyncClient(base_url=live_server, timeout=60, limits=limits) as c:
        yield c


@pytest.fixture
async def admin_h(db):
    async with db.writing() as session:
        _, _, clear = await create_user_token(session, name="admin", role="admin")
    return {"Authorization": f"Bearer {clear}"}


async def _open(http, h, kind, code):
    r = await http.post("/api/v1/accounts", json={"code": code, "name": code, "kind": kind}, headers=h)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _fund(http, h, code, amount):
    source = await _open(http, h, "source", f"{code}:source")
    fund = await _open(http, h, "fund", code)
    r = await http.post("/api/v1/ledger/entries", headers=h, json={
        "kind": "funding", "postings": [{"account_id": source, "amount": amount}, {"account_id": fund, "amount": f"-{amount}"}]})
    assert r.status_code == 201, r.text
    return fund


async def _send_until_done(http, h, key, body):
    """A client that retries after 'still processing' (409 on an in-flight key), as a real one would."""
    deadline = asyncio.get_running_loop().time() + 120
    while asyncio.get_running_loop().time() < deadline:
        r = await http.post("/api/v1/ledger/entries", json=body, headers={**h, "Idempotency-Key": key})
        if r.status_code == 409 and "still being processed" in r.json()["detail"]:
            await asyncio.sleep(random.uniform(0.005, 0.03))
            continue
        return r
    raise AssertionError("key never completed")


async def test_fifty_clients_retrying_with_their_keys_write_each_entry_once(http, admin_h, db):
    fund = await _fund(http, admin_h, "fund:idem", "100000.00")
    payee = await _open(http, admin_h, "beneficiary", "payee:idem")

    async def client(i: int) -> set[int]:
        body = {"memo": f"payment {i}", "postings": [{"account_id": fund, "amount": f"{i + 1}.00"},
                                                      {"account_id": payee, "amount": f"-{i + 1}.00"}]}
        # Each client fires its request three times at once (a retry after a timeout that did arrive).
        responses = await asyncio.gather(*[_send_until_done(http, admin_h, f"client-{i}", body) for _ in range(3)])
        assert all(r.status_code == 201 for r in responses), [r.text for r in responses]
        return {r.json()["id"] for r in responses}

    ids = await asyncio.gather(*[client(i) for i in range(CLIENTS)])
    assert all(len(s) == 1 for s in ids)
    assert len(set().union(*ids)) == CLIENTS
    async with db.reading() as session:
        count = await session.scalar(select(func.count()).select_from(JournalEntry).where(JournalEntry.kind == "adjustment"))
    assert count == CLIENTS
    b = (await http.get(f"/api/v1/accounts/{payee}/balance", headers=admin_h)).json()
    assert b["posted"] == f"{sum(range(1, CLIENTS + 1))}.00"
    assert (await http.get("/api/v1/ledger/verify", headers=admin_h)).json()["ok"]


async def test_same_key_with_a_different_body_is_refused(http, admin_h):
    fund = await _fund(http, admin_h, "fund:idem2", "100.00")
    payee = await _open(http, admin_h, "beneficiary", "payee:idem2")
    body = {"postings": [{"account_id": fund, "amount": "1.00"}, {"account_id": payee, "amount": "-1.00"}]}
    first = await http.post("/api/v1/ledger/entries", json=body, headers={**admin_h, "Idempotency-Key": "k"})
    replay = await http.post("/api/v1/ledger/entries", json=body, headers={**admin_h, "Idempotency-Key": "k"})
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json() and replay.headers["idempotent-replayed"] == "true"
    body["postings"][0]["amount"], body["postings"][1]["amount"] = "2.00", "-2.00"
    other = await http.post("/api/v1/ledger/entries", json=body, headers={**admin_h, "Idempotency-Key": "k"})
    assert other.status_code == 409 and other.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_concurrent_reservations_never_take_a_fund_below_zero(http, admin_h):
    fund = await _fund(http, admin_h, "fund:reserve", "100.00")
    payee = await _open(http, admin_h, "beneficiary", "payee:reserve")
    body = {"pending": True, "postings": [{"account_id": fund, "amount": "7.00"}, {"account_id": payee, "amount": "-7.00"}]}
    responses = await asyncio.gather(*[http.post("/api/v1/ledger/entries", json=body, headers=admin_h) for _ in range(40)])
    codes = sorted(r.status_code for r in responses)
    assert set(codes) <= {201, 422}, codes
    assert codes.count(201) == 14  # 14 x 7.00 = 98.00 fits in 100.00; the 15th would not
    b = (await http.get(f"/api/v1/accounts/{fund}/balance", headers=admin_h)).json()
    assert (b["posted"], b["pending_out"], b["available"]) == ("100.00", "98.00", "2.00")


async def test_opposite_transfers_do_not_deadlock_and_conserve_money(http, admin_h):
    a = await _fund(http, admin_h, "fund:a", "500.00")
    b = await _fund(http, admin_h, "fund:b", "500.00")

    async def move(src: int, dst: int) -> int:
        body = {"postings": [{"account_id": src, "amount": "3.00"}, {"account_id": dst, "amount": "-3.00"}]}
        return (await http.post("/api/v1/ledger/entries", json=body, headers=admin_h)).status_code

    codes = await asyncio.gather(*[move(a, b) if i % 2 else move(b, a) for i in range(60)])
    assert set(codes) == {201}
    ba = (await http.get(f"/api/v1/accounts/{a}/balance", headers=admin_h)).json()["posted"]
    bb = (await http.get(f"/api/v1/accounts/{b}/balance", headers=admin_h)).json()["posted"]
    assert (ba, bb) == ("500.00", "500.00")
    assert (await http.get("/api/v1/ledger/verify", headers=admin_h)).json()["ok"]


async def test_idempotency_keys_are_kept_at_least_a_day(db, admin_h, http):
    from datetime import timedelta

    from sqlalchemy import update

    from service.db import utcnow
    from service.idempotency import IdempotencyRecord
    from service.idempotency import prune_keys

    fund = await _fund(http, admin_h, "fund:prune", "10.00")
    payee = await _open(http, admin_h, "beneficiary", "payee:prune")
    body = {"postings": [{"account_id": fund, "amount": "1.00"}, {"account_id": payee, "amount": "-1.00"}]}
    for key, age in (("fresh", 23), ("old", 49)):
        assert (await http.post("/api/v1/ledger/entries", json=body, headers={**admin_h, "Idempotency-Key": key})).status_code == 201
        async with db.writing() as s:
            await s.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == key)
                            .values(created_at=utcnow() - timedelta(hours=age)))
    assert await prune_keys(db, retention_hours=1) == 1  # asked for 1 hour, kept for 24 anyway
    replay = await http.post("/api/v1/ledger/entries", json=body, headers={**admin_h, "Idempotency-Key": "fresh"})
    assert replay.headers.get("idempotent-replayed") == "true"
