"""Bank test under concurrency: money is neither created, lost nor doubled, whatever the clients do.

Ledger-level moves (entries, pending, approve, void, reverse) and the domain's own operations
(compensation payments entered, approved, rejected and reversed; program funding; pool revenue and
benefit-sharing distributions) run at once from many clients, against one independent tally."""

from __future__ import annotations

import asyncio
import random

import httpx

from service import money
from tests.reliability.bank import Model, snapshot
from tests.reliability.bank_domain import Domain, DomainBank, open_domain
from tests.reliability.server import HEAVY, make_token

CLIENTS = 64 if HEAVY else 16
OPS_PER_CLIENT = 120 if HEAVY else 20
HOUSEHOLDS = 24 if HEAVY else 6  # x 12 months: the payee-periods payments can use at once
INITIAL = 1_000_000 if HEAVY else 100_000  # per fund: 10,000.00 heavy so that 7,680 operations do not drain it
PROGRAM_SEED = 20_000  # 200.00 moved into the program fund before the clients start


async def open_accounts(c: httpx.AsyncClient, admin: dict[str, str]) -> tuple[list[int], list[int], list[int]]:
    async def account(code: str, kind: str) -> int:
        r = await c.post("/api/v1/accounts", json={"code": code, "name": code, "kind": kind,
                                                   "county_code": "360827"}, headers=admin)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    sources = [await account(f"bank:source:{i}", "source") for i in range(2)]
    funds = [await account(f"bank:fund:{i}", "fund") for i in range(4)]
    payees = [await account(f"bank:payee:{i}", "beneficiary") for i in range(6)]
    for i, fund in enumerate(funds):
        r = await c.post("/api/v1/ledger/entries", headers=admin, json={"kind": "funding", "postings": [
            {"account_id": sources[i % 2], "amount": money.format(INITIAL)},
            {"account_id": fund, "amount": money.format(-INITIAL)}]})
        assert r.status_code == 201, r.text
    return sources, funds, payees


async def test_bank_under_concurrency(server):
    admin = await make_token(server.database_url, "admin")
    approver = await make_token(server.database_url, "approver", county_code="360827")
    auditor = await make_token(server.database_url, "auditor")
    official = await make_token(server.database_url, "official", county_code="360827")
    limits = httpx.Limits(max_connections=CLIENTS + 4)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60) as c:
        sources, funds, payees = await open_accounts(c, admin)
        accounts = sources + funds + payees
        model = Model(posted={a: 0 for a in accounts})
        for i, fund in enumerate(funds):
            model.posted[sources[i % 2]] += INITIAL
            model.posted[fund] += INITIAL
        total = sum(model.posted[s] for s in sources)
        domain = await open_domain(c, admin, official, HOUSEHOLDS, model, funds[0], PROGRAM_SEED)
        accounts += domain.accounts()
        holdings = [a for a in accounts if a not in sources and a != domain.revenue]
        seed = random.randrange(2**32)
        done = asyncio.Event()
        checks = 0
        revenue_seen = 0

        async def client(n: int) -> None:
            bank = DomainBank(c, admin, approver, funds, payees, sources, model, random.Random(seed + n), domain)
            for k in range(OPS_PER_CLIENT):
                await bank.step(f"client {n} op {k}")

        async def reader() -> None:
            nonlocal checks, revenue_seen
            while not done.is_set():
                head, balances = await snapshot(c, auditor, accounts)
                revenue = balances[domain.revenue]  # only pool revenue brings money in during the run
                assert sum(balances[s] for s in sources) == total, (head, balances)
                assert sum(balances[a] for a in holdings) == total + revenue, (head, balances)
                assert all(balances[a] >= 0 for a in holdings) and revenue >= revenue_seen, (head, balances)
                revenue_seen = revenue
                if checks % 5 == 0:
                    assert (await c.get("/api/v1/ledger/verify", headers=auditor)).json()["ok"]
                checks += 1
                await asyncio.sleep(0.01)

        reading = asyncio.create_task(reader())
        try:
            await asyncio.gather(*(client(n) for n in range(CLIENTS)))
        finally:
            done.set()
            await reading
        await check_final(c, auditor, accounts, model)
        await check_payments(c, auditor, domain)
    print(f"bank (seed {seed}): {CLIENTS} clients x {OPS_PER_CLIENT} ops, {checks} consistent-cut checks, "
          f"outcomes {dict(sorted(model.counts.items()))}")
    assert checks >= 1 and model.counts.get("posted", 0) > 0
    assert model.counts.get("payment approved", 0) > 0 and model.counts.get("distribution", 0) > 0


async def check_final(c: httpx.AsyncClient, auditor: dict[str, str], accounts: list[int], model: Model) -> None:
    """The ledger equals the tally of acknowledged requests: nothing lost, nothing doubled."""
    for a in accounts:
        b = (await c.get(f"/api/v1/accounts/{a}/balance", headers=auditor)).json()
        assert money.parse(b["posted"], allow_negative=True) == model.posted[a], (a, b, model.posted[a])
        assert money.parse(b["pending_out"]) == model.reserved.get(a, 0), (a, b)
    memos: list[str] = []
    offset = 0
    while True:
        page = (await c.get("/api/v1/ledger/entries", params={"limit": 500, "offset": offset},
                            headers=auditor)).json()["items"]
        memos += [e["memo"] for e in page if e["memo"].startswith("client ")]
        if len(page) < 500:
            break
        offset += 500
    assert len(memos) == len(set(memos)), "an operation was written twice"
    assert set(memos) == model.memos, "the ledger and the tally of acknowledged requests differ"
    verify = (await c.get("/api/v1/ledger/verify", headers=auditor)).json()
    assert verify["ok"], verify


async def check_payments(c: httpx.AsyncClient, auditor: dict[str, str], domain: Domain) -> None:
    """Every payment the server holds is one a client was told about, in the status it was told."""
    found: dict[int, str] = {}
    offset = 0
    while True:
        r = await c.get("/api/v1/payments", params={"program_id": domain.program_id, "limit": 500, "offset": offset},
                        headers=auditor)
        assert r.status_code == 200, r.text
        page = r.json()["items"]
        found |= {p["id"]: p["status"] for p in page}
        if len(page) < 500:
            break
        offset += 500
    assert found == domain.status, "the payments and the tally of acknowledged requests differ"
