"""Bank test under concurrency: money is neither created, lost nor doubled, whatever the clients do."""

from __future__ import annotations

import asyncio
import random

import httpx

from service import money
from tests.reliability.bank import Bank, Model, snapshot
from tests.reliability.server import HEAVY, make_token

CLIENTS = 64 if HEAVY else 16
OPS_PER_CLIENT = 120 if HEAVY else 20
INITIAL = 100_000  # 1000.00 per fund


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
    limits = httpx.Limits(max_connections=CLIENTS + 4)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60) as c:
        sources, funds, payees = await open_accounts(c, admin)
        accounts = sources + funds + payees
        model = Model(posted={a: 0 for a in accounts})
        for i, fund in enumerate(funds):
            model.posted[sources[i % 2]] += INITIAL
            model.posted[fund] += INITIAL
        total = sum(model.posted[s] for s in sources)
        seed = random.randrange(2**32)
        done = asyncio.Event()
        checks = 0

        async def client(n: int) -> None:
            bank = Bank(c, admin, approver, funds, payees, sources, model, random.Random(seed + n))
            for k in range(OPS_PER_CLIENT):
                await bank.step(f"client {n} op {k}")

        async def reader() -> None:
            nonlocal checks
            while not done.is_set():
                head, balances = await snapshot(c, auditor, accounts)
                assert sum(balances[s] for s in sources) == total, (head, balances)
                assert sum(balances[a] for a in funds + payees) == total, (head, balances)
                assert all(balances[a] >= 0 for a in funds + payees), (head, balances)
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
    print(f"bank (seed {seed}): {CLIENTS} clients x {OPS_PER_CLIENT} ops, {checks} consistent-cut checks, "
          f"outcomes {dict(sorted(model.counts.items()))}")
    assert checks >= 1 and model.counts.get("posted", 0) > 0


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
