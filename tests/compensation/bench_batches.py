"""Measure a 20,000-row batch through the real app: dry run, commit, batch approval.

    PYTHONPATH=. python tests/compensation/bench_batches.py [DATABASE_URL] [ROWS]

Not a test (no timing assertions in the suite); the figures go into docs/compensation.md.
The database is emptied first: use a scratch database.
"""

from __future__ import annotations

import asyncio
import sys
import time

from litestar.testing import AsyncTestClient
from sqlalchemy import insert

from service.app import create_app
from service.auth.tokens import create_user_token
from service.db import Database
from service.ledger.models import Account
from service.models import Base
from service.parties.models import Party
from service.settings import Settings


async def prepare(db: Database, rows: int) -> dict[str, str]:
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    async with db.writing() as s:
        village = Party(kind="community", name="营盘圩村 Yingpanxu Village", division_code="360827205201", county_code="360827")
        s.add(village)
        await s.flush()
        ids = list(await s.scalars(insert(Party).returning(Party.id, sort_by_parameter_order=True), [
            dict(kind="household", name=f"户主{i:05d}", county_code="360827", parent_id=village.id,
                 id_number_tail=f"{i % 10000:04d}", bank_account_tail="1234") for i in range(rows)]))
        await s.execute(insert(Account), [
            dict(code=f"party:{pid}:benefits:CNY", name="benefits", kind="beneficiary", currency="CNY",
                 normal_side="credit", may_go_negative=False, party_id=pid, county_code="360827", debits_posted=0,
                 credits_posted=0, debits_pending=0, credits_pending=0) for pid in ids])
        tokens = {}
        for role in ("admin", "official", "approver"):
            scope = {} if role == "admin" else {"county_code": "360827"}
            _, _, tokens[role] = await create_user_token(s, name=role, role=role, **scope)
    return {k: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()}


async def main(url: str, rows: int) -> None:
    db = Database(url)
    h = await prepare(db, rows)
    await db.dispose()
    lines = ["村,户主,身份证后四位,面积(亩),金额(元)"] + [
        f"营盘圩村,户主{i:05d},{i % 10000:04d},{1 + i % 50}.25," for i in range(rows)]
    content = ("\n".join(lines) + "\n").encode()
    async with AsyncTestClient(app=create_app(Settings(database_url=url))) as c:
        r = await c.post("/api/v1/accounts", headers=h["admin"], json={"code": "src", "name": "src", "kind": "source"})
        src = r.json()["id"]
        r = await c.post("/api/v1/accounts", headers=h["admin"],
                         json={"code": "fund:360827:x", "name": "county", "kind": "fund", "county_code": "360827"})
        fund = r.json()["id"]
        await c.post("/api/v1/ledger/entries", headers=h["admin"], json={
            "kind": "funding", "postings": [{"account_id": src, "amount": "99999999.00"},
                                            {"account_id": fund, "amount": "-99999999.00"}]})
        r = await c.post("/api/v1/programs", headers=h["official"], json={
            "name": "bench", "legal_basis": "bench", "county_code": "360827", "period_start": "2026-01-01",
            "period_end": "2026-12-31", "rule_kind": "per_area_year", "rate": "21.50"})
        program = r.json()["id"]
        r = await c.post(f"/api/v1/programs/{program}/funding", headers=h["official"],
                         json={"source_account_id": fund, "amount": "99999999.00"})
        await c.post(f"/api/v1/fundings/{r.json()['id']}/approve", headers=h["approver"])
        form = {"program_id": str(program), "period": "2026"}
        files = {"file": ("bench.csv", content, "text/csv")}
        for label, params in (("dry run", {"dry_run": "true"}), ("commit", {})):
            t = time.perf_counter()
            r = await c.post("/api/v1/payments/batches", headers=h["official"], params=params, files=files, data=form,
                             timeout=600)
            elapsed = time.perf_counter() - t
            assert r.status_code in (200, 201) and r.json()["ok"], r.text[:500]
            print(f"{label:>14}: {rows} rows in {elapsed:.2f} s ({rows / elapsed:,.0f} rows/s)")
        batch = r.json()["batch_id"]
        t = time.perf_counter()
        r = await c.post(f"/api/v1/payments/batches/{batch}/approve", headers=h["approver"], timeout=600)
        elapsed = time.perf_counter() - t
        assert r.status_code == 200, r.text[:500]
        print(f"{'batch approve':>14}: {rows} rows in {elapsed:.2f} s ({rows / elapsed:,.0f} rows/s)")
        t = time.perf_counter()
        r = await c.get("/api/v1/ledger/verify", headers=h["admin"], timeout=600)
        print(f"{'verify':>14}: ok={r.json()['ok']} checked={r.json()['checked']} in {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "sqlite+aiosqlite:////tmp/shanshui-bench.db",
                     int(sys.argv[2]) if len(sys.argv) > 2 else 20_000))
