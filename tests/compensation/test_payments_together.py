"""Payments entered together: a group commit of payment requests is written as one command
(`compensation.service.enter_payments`), with the same rows and answers as one request at a time; a
group in which any request would be refused runs request by request, so each refusal is its own."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from service.compensation.models import Payment, PaymentEvent
from service.compensation.schemas import PaymentIn
from service.compensation.service import _read_ahead
from service.idempotency import IdempotencyRecord
from service.ledger.models import JournalEntry
from tests.compensation.conftest import COUNTY, id_number, make_program, pay
from tests.conftest import actor
from tests.helpers import balance, create_party

IGNORED = {"id", "program_id", "entry_id", "live_key", "entered_at", "updated_at", "at", "payment_id", "events",
           "request_id", "recorded_at"}


def _writer(app) -> Any:
    return app.state.db._group_writer


# The app is served over TCP (`live_server`) and every request of these tests goes there, in the test's
# own event loop: the test client would answer concurrent requests one by one, and the app's group
# writer must live in one loop. `world` is set up (through the test client) before the server starts.


async def _at_once(http, world, program, payees: list[int], headers=None, **fields: Any) -> list[Any]:
    """Requests sent at once: the app's group writer gathers them into groups."""
    return await asyncio.gather(*(pay(http, world, program, p, headers=(headers or {}).get(p), **fields)
                                  for p in payees))


def _http(live_server: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=live_server, timeout=60)


def _same(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in IGNORED}


async def _written(db, program_id: int) -> dict[int, dict[str, Any]]:
    """Per payee: the payment row, its pending entry (with postings) and its events, as stored."""
    out: dict[int, dict[str, Any]] = {}
    async with db.reading() as s:
        for p in (await s.scalars(select(Payment).where(Payment.program_id == program_id))).all():
            entry = await s.get_one(JournalEntry, p.entry_id, options=[selectinload(JournalEntry.postings)])
            events = (await s.scalars(select(PaymentEvent).where(PaymentEvent.payment_id == p.id))).all()
            meta = {k: v for k, v in entry.meta.items() if k not in ("program_id", "payment_id")}
            out[p.payee_party_id] = {
                "payment": _same({c: getattr(p, c) for c in Payment.__table__.columns.keys()}),
                "entry": (entry.kind, entry.status, entry.entered_by, entry.request_id is not None, meta,
                          entry.effective_date, sorted((x.amount, x.currency) for x in entry.postings)),
                "events": [_same({c: getattr(e, c) for c in PaymentEvent.__table__.columns.keys()}) for e in events],
            }
    return out


async def test_a_group_of_payments_writes_what_one_at_a_time_writes(app, world, live_server, db, auditor):
    async with _http(live_server) as http:
        await _a_group_writes_what_one_at_a_time_writes(app, http, world, db, auditor)


async def _a_group_writes_what_one_at_a_time_writes(app, client, world, db, auditor):
    together, alone = await make_program(client, world), await make_program(client, world)
    payees = [h["id"] for h in world.households]
    answers = await _at_once(client, world, together, payees, area_mu="2.50", period="2026-03")
    w = _writer(app)
    assert w.batched >= 1, (w.groups, w.requests)
    assert all(r.status_code == 201 for r in answers), [r.text for r in answers]
    # the same payments, one request at a time, under another program and the same period
    period = answers[0].json()["period"]
    single = [await pay(client, world, alone, p, area_mu="2.50", period=period) for p in payees]
    assert [_same(a.json()) for a in answers] == [_same(s.json()) for s in single]
    for a in answers:  # each answer is what is stored (events included)
        got = (await client.get(f"/api/v1/payments/{a.json()['id']}", headers=world.official)).json()
        assert got == a.json()
    assert await _written(db, together["id"]) == await _written(db, alone["id"])
    reserved = sum(int(a.json()["amount"].replace(".", "")) for a in answers)
    b = await balance(client, auditor, together["fund_account_id"])
    assert b["available"] == f"{(500000 - reserved) // 100}.{(500000 - reserved) % 100:02d}"
    assert (await client.get("/api/v1/ledger/verify", headers=auditor)).json()["ok"]


async def test_keys_of_a_group_replay_their_first_answers(app, world, live_server, db):
    payees = [h["id"] for h in world.households]
    keyed = {p: {**world.official, "Idempotency-Key": f"together-{p}"} for p in payees}
    async with _http(live_server) as http:
        program = await make_program(http, world)
        first = await _at_once(http, world, program, payees, headers=keyed, area_mu="1")
        assert _writer(app).batched >= 1
        again = await _at_once(http, world, program, payees, headers=keyed, area_mu="1")
    assert [r.status_code for r in first] == [201] * 6
    assert [r.json() for r in again] == [r.json() for r in first]
    assert all(r.headers.get("idempotent-replayed") == "true" for r in again)
    async with db.reading() as s:
        stored = (await s.scalars(select(IdempotencyRecord.key).where(IdempotencyRecord.key.like("together-%")))).all()
        paid = (await s.scalars(select(Payment.id).where(Payment.program_id == program["id"]))).all()
    assert sorted(stored) == sorted(f"together-{p}" for p in payees) and len(paid) == 6


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.integers(0, 5), min_size=2, max_size=12), room=st.integers(0, 7))
async def test_refusals_in_a_group_reach_only_their_own_clients(world, live_server, auditor, picks, room):
    """Any mix of repeated payees and a fund too small for all: exactly the payments that fit, one per
    payee, are written, and every other request gets its own refusal (409 or insufficient funds)."""
    async with _http(live_server) as http:
        await _refusals_reach_their_own_clients(http, world, auditor, picks, room)


async def _refusals_reach_their_own_clients(client, world, auditor, picks, room):
    program = await make_program(client, world, fund=f"{room * 25}.00" if room else None,
                                 rule_kind="per_household", rate="25.00")  # room for `room` payments
    answers = await _at_once(client, world, program, [world.households[i]["id"] for i in picks])
    ok = [r for r in answers if r.status_code == 201]
    refused = [r for r in answers if r.status_code != 201]
    assert len(ok) == min(room, len(set(picks)))
    assert len({r.json()["payee_party_id"] for r in ok}) == len(ok)  # one live payment per payee
    for r in refused:
        assert r.status_code in (409, 422) and r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"].endswith(("/insufficient-funds", "/conflict")), r.text
    b = await balance(client, auditor, program["fund_account_id"])
    left = room * 2500 - 2500 * len(ok)
    assert b["available"] == f"{left // 100}.{left % 100:02d}"
    listed = (await client.get(f"/api/v1/payments?program_id={program['id']}", headers=world.official)).json()
    assert sorted(p["id"] for p in listed["items"]) == sorted(r.json()["id"] for r in ok)


async def test_a_group_of_two_counties_reads_only_what_each_requester_may(app, world, live_server):
    """A group reads its programs and payees once for all its requesters: a payee or a program of
    another county is still refused to each requester exactly as it is one request at a time."""
    async with _http(live_server) as http:
        village = await create_party(http, world.other_official, kind="community", name="上坪村 Shangping Village",
                                     division_code="360425101201", org_type=None)
        elsewhere = (await create_party(http, world.other_official, kind="household", name="户主外县",
                                        parent_id=village["id"], org_type=None, id_number=id_number(9)))["id"]
        program = await make_program(http, world)
        mine = [h["id"] for h in world.households[:4]]
        theirs = [h["id"] for h in world.households[4:]]
        answers = await asyncio.gather(
            *(pay(http, world, program, p, area_mu="1") for p in mine),
            pay(http, world, program, elsewhere, area_mu="1"),  # a payee the official may not read
            *(pay(http, world, program, p, headers=world.other_official, area_mu="1") for p in theirs))
        assert _writer(app).groups >= 1
        alone = [await pay(http, world, program, elsewhere, area_mu="1"),
                 *[await pay(http, world, program, p, headers=world.other_official, area_mu="1") for p in theirs]]
    assert [r.status_code for r in answers] == [201] * 4 + [422] + [404] * len(theirs), [r.text for r in answers]
    assert [r.json() for r in answers[4:]] == [r.json() for r in alone]
    assert answers[4].json()["errors"][0]["field"] == "payee_party_id"


async def test_a_groups_read_ahead_gives_each_requester_only_their_countys_rows(client, world, db):
    """The read-ahead itself: what it takes for a requester is what that requester may act on; the
    rest is left for `quote_payment` to read through the SQL access rules (and refuse)."""
    village = await create_party(client, world.other_official, kind="community", name="上坪村 Shangping Village",
                                 division_code="360425101201", org_type=None)
    elsewhere = (await create_party(client, world.other_official, kind="household", name="户主外县",
                                    parent_id=village["id"], org_type=None, id_number=id_number(9)))["id"]
    program = (await make_program(client, world))["id"]
    here, there = actor(2, "official", county_code=COUNTY), actor(3, "official", county_code="360425")
    mine = world.households[0]["id"]
    items = [(here, PaymentIn(program_id=program, payee_party_id=mine, period="2026")),
             (here, PaymentIn(program_id=program, payee_party_id=elsewhere, period="2026")),
             (there, PaymentIn(program_id=program, payee_party_id=elsewhere, period="2026")),
             (there, PaymentIn(program_id=program, payee_party_id=mine, period="2026"))]
    async with db.writing() as session:
        seen = await _read_ahead(session, items)
    taken = {(who, kind, row_id) for (scope, kind, row_id) in seen if kind != "village"
             for who, a in (("here", here), ("there", there)) if scope == a.scope}
    assert taken == {("here", "program", program), ("here", "payee", mine), ("there", "payee", elsewhere)}


async def test_approvals_of_a_group_post_what_one_at_a_time_posts(app, world, live_server, db, auditor):
    """Approvals sent at once post the same entries, events and answers as approvals one at a time; a
    payment approved twice at once is approved once, and the other request is answered 409."""
    payees = [h["id"] for h in world.households]
    async with _http(live_server) as http:
        together, alone = await make_program(http, world), await make_program(http, world)
        mine = [r.json()["id"] for r in await _at_once(http, world, together, payees, area_mu="1")]
        theirs = [r.json()["id"] for r in await _at_once(http, world, alone, payees, area_mu="1")]
        before = _writer(app).batched
        approved = await asyncio.gather(*(http.post(f"/api/v1/payments/{i}/approve", headers=world.approver)
                                          for i in mine))
        assert _writer(app).batched > before
        single = [await http.post(f"/api/v1/payments/{i}/approve", headers=world.approver) for i in theirs[1:]]
        twice = await asyncio.gather(*(http.post(f"/api/v1/payments/{theirs[0]}/approve", headers=world.approver)
                                       for _ in range(2)))  # in one group or not: one is refused
        assert sorted(r.status_code for r in twice) == [200, 409]
        single.insert(0, next(r for r in twice if r.status_code == 200))
        assert [r.status_code for r in approved] == [200] * 6, [r.text for r in approved]
        ok = sorted((r.json() for r in approved if r.status_code == 200), key=lambda p: p["id"])
        assert [_same(p) | {"events": [_same(e) for e in p["events"]]} for p in ok] == \
               [_same(r.json()) | {"events": [_same(e) for e in r.json()["events"]]} for r in single]
        for p in ok:
            got = (await http.get(f"/api/v1/payments/{p['id']}", headers=world.official)).json()
            assert got == p and [e["action"] for e in got["events"]] == ["enter", "approve"]
            entry = (await http.get(f"/api/v1/ledger/entries/{p['entry_id']}", headers=auditor)).json()
            assert entry["status"] == "posted" and entry["approved_by"] == p["events"][1]["actor_id"]
        assert (await http.get("/api/v1/ledger/verify", headers=auditor)).json()["ok"]
    assert await _written(db, together["id"]) == await _written(db, alone["id"])
