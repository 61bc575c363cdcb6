"""Concurrent disbursements never take a trust below zero nor a purpose beyond its share.

Each disbursement runs in its own transaction on its own connection (truly in parallel on
PostgreSQL; serialised by the single writer on SQLite) and the outcome must be the same on both.
"""

from __future__ import annotations

import asyncio

from service.auth.actor import Actor
from service.auth.tokens import create_user_token
from service.errors import InsufficientFunds
from service.ledger.verify import verify_ledger
from service.trusts import service as trusts
from service.trusts.schemas import DisbursementIn
from tests.helpers import balance, post_entry
from tests.trusts.support import contribute, disburse, make_trust

ONE_PURPOSE = [{"key": "protection", "name": "Source-water protection", "share_bps": 10000}]


async def trustee_actor(db, trust_id: int) -> Actor:
    async with db.writing() as session:
        user, _, _ = await create_user_token(session, name="trustee", role="trustee", trust_id=trust_id)
    return Actor(user_id=user.id, name=user.name, role="trustee", trust_id=trust_id, request_id="test")


async def race(db, actor: Actor, trust_id: int, purpose: str, amount: str, n: int) -> list[str]:
    async def one(i: int) -> str:
        try:
            async with db.writing() as session:
                await trusts.disburse(session, actor, trust_id, DisbursementIn(
                    purpose=purpose, amount=amount, paid_on="2026-03-01", memo=f"race {i}"))
            return "paid"
        except InsufficientFunds:
            return "refused"

    return await asyncio.gather(*(one(i) for i in range(n)))


async def test_concurrent_disbursements_stop_at_zero(client, admin, auditor, db):
    trust = await make_trust(client, admin, fee_bps=0, allocations=ONE_PURPOSE)
    assert (await contribute(client, admin, trust, "100.00")).status_code == 201
    actor = await trustee_actor(db, trust["id"])
    outcomes = await race(db, actor, trust["id"], "protection", "15.00", 12)
    assert outcomes.count("paid") == 6 and outcomes.count("refused") == 6
    b = await balance(client, admin, trust["account_id"])
    assert (b["posted"], b["available"]) == ("10.00", "10.00")
    async with db.reading() as session:
        assert (await verify_ledger(session)).ok
    statement = (await client.get(f"/api/v1/trusts/{trust['id']}/statement", headers=auditor)).json()
    assert statement["ties_to_ledger"] and statement["totals"]["disbursements"] == "90.00"


async def test_concurrent_disbursements_respect_each_purpose_share(client, admin, db):
    trust = await make_trust(client, admin, fee_bps=0)  # 60 / 30 / 10 %
    await contribute(client, admin, trust, "1000.00")
    actor = await trustee_actor(db, trust["id"])
    monitoring, protection = await asyncio.gather(
        race(db, actor, trust["id"], "monitoring", "30.00", 6),  # 100.00 share -> 3 paid
        race(db, actor, trust["id"], "protection", "250.00", 4),  # 600.00 share -> 2 paid
    )
    assert monitoring.count("paid") == 3 and protection.count("paid") == 2
    assert (await balance(client, admin, trust["account_id"]))["posted"] == "410.00"


async def test_the_ledger_refuses_an_overdraft_even_within_a_share(client, admin):
    """If money left the trust account some other way (an admin adjustment), the purpose's share is
    not enough: the ledger itself refuses to take the trust account below zero."""
    trust = await make_trust(client, admin, fee_bps=0, allocations=ONE_PURPOSE)
    await contribute(client, admin, trust, "100.00")
    elsewhere = (await client.get(f"/api/v1/accounts/{trust['fee_account_id']}", headers=admin)).json()
    r = await post_entry(client, admin, [(trust["account_id"], "80.00"), (elsewhere["id"], "-80.00")])
    assert r.status_code == 201, r.text
    refused = await disburse(client, admin, trust, "protection", "50.00")
    assert refused.status_code == 422
    assert refused.json()["available"] == "20.00" and refused.json()["account_id"] == trust["account_id"]
    assert (await balance(client, admin, trust["account_id"]))["posted"] == "20.00"


async def test_concurrent_api_retries_write_once(client, admin):
    trust = await make_trust(client, admin, fee_bps=0, allocations=ONE_PURPOSE)
    await contribute(client, admin, trust, "100.00")
    results = await asyncio.gather(*(disburse(client, admin, trust, "protection", "40.00", key="same-key")
                                     for _ in range(5)))
    assert {r.status_code for r in results} <= {201, 409}
    assert any(r.status_code == 201 for r in results)
    assert (await balance(client, admin, trust["account_id"]))["posted"] == "60.00"
