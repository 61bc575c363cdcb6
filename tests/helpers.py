"""Small steps the tests share: parties, funded accounts, entries, all through the real API."""

from __future__ import annotations

import contextlib
import itertools
from typing import Any

from litestar.testing import AsyncTestClient

_codes = itertools.count(1)


async def create_party(client: AsyncTestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"kind": "organisation", "org_type": "government", "name": "Test bureau", **fields}
    r = await client.post("/api/v1/parties", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def open_account(client: AsyncTestClient, admin: dict[str, str], kind: str = "fund", **fields: Any) -> dict:
    body = {"code": f"test:{kind}:{next(_codes)}", "name": f"Test {kind}", "kind": kind, **fields}
    r = await client.post("/api/v1/accounts", json=body, headers=admin)
    assert r.status_code == 201, r.text
    return r.json()


async def post_entry(client: AsyncTestClient, headers: dict[str, str], legs: list[tuple[int, str]],
                     pending: bool = False, key: str | None = None, **extra: Any):
    body = {"postings": [{"account_id": a, "amount": m} for a, m in legs], "pending": pending, **extra}
    h = dict(headers)
    if key:
        h["Idempotency-Key"] = key
    return await client.post("/api/v1/ledger/entries", json=body, headers=h)


async def funded_account(client: AsyncTestClient, admin: dict[str, str], amount: str, **fields: Any) -> tuple[int, int]:
    """A fund holding `amount`, paid in from a source account. Returns (fund_id, source_id)."""
    source = await open_account(client, admin, kind="source")
    fund = await open_account(client, admin, kind="fund", **fields)
    r = await post_entry(client, admin, [(source["id"], amount), (fund["id"], f"-{amount}")], kind="funding")
    assert r.status_code == 201, r.text
    return fund["id"], source["id"]


async def balance(client: AsyncTestClient, headers: dict[str, str], account_id: int, **params: Any) -> dict:
    r = await client.get(f"/api/v1/accounts/{account_id}/balance", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return r.json()


@contextlib.asynccontextmanager
async def append_only_off(session_or_conn, is_sqlite: bool):
    """Switch the append-only triggers of the journal and of the published roots off for one transaction,
    as someone with database-owner rights could, to plant what the audit must find."""
    from sqlalchemy import text

    from service.ledger.append_only import drop_every_trigger, every_trigger
    from service.roots import append_only as roots_append_only

    run = session_or_conn.execute
    guarded = ("postings", "journal_entries", *roots_append_only.TABLES)
    if is_sqlite:
        for stmt in drop_every_trigger("sqlite") + roots_append_only.drop_statements("sqlite"):
            await run(text(stmt))
    else:
        for table in guarded:
            await run(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
    yield
    if is_sqlite:
        for stmt in every_trigger("sqlite") + roots_append_only.statements("sqlite"):
            await run(text(stmt))
    else:
        for table in guarded:
            await run(text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only"))


async def tamper(db, sql: str, **params: Any) -> None:
    """Edit the journal behind the service's back (see `append_only_off`)."""
    from sqlalchemy import text

    async with db.engine.begin() as conn, append_only_off(conn, db.is_sqlite):
        await conn.execute(text(sql), params)


async def maker_and_checker(session) -> tuple[Any, Any]:
    """Two admins as actors: one enters, the other approves (the four-eyes rule)."""
    from service.auth.actor import Actor
    from service.auth.models import User

    users = [User(name="maker", role="admin"), User(name="checker", role="admin")]
    session.add_all(users)
    await session.flush()
    maker, checker = (Actor(user_id=u.id, name=u.name, role="admin") for u in users)
    return maker, checker


async def post_or_void(session, op: tuple, pending: list[int], posted: list[int], approver: Any) -> None:
    """A property test's ("post", i) or ("void", i) step on the i-th pending entry (none pending: nothing)."""
    from service.ledger import service as ledger

    if not pending:
        return
    entry_id = pending.pop(op[1] % len(pending))
    if op[0] == "post":
        await ledger.post_pending(session, entry_id, approver)
        posted.append(entry_id)
    else:
        await ledger.void_pending(session, entry_id, approver, "no")
