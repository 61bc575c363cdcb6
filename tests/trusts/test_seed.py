"""The demo data loads, tells the story the README follows, and its statement ties to the ledger."""

from __future__ import annotations

from service.seed import SeedContext, load_core
from service.shares import seed as shares_seed
from service.trusts import seed as trusts_seed


async def test_demo_trust_and_sharing_agreement(client, db, settings, auditor):
    async with db.writing() as session:
        ctx = SeedContext(session=session, settings=settings, seed_dir=settings.seed_dir)
        await load_core(ctx)
        await trusts_seed.load(ctx)
        await shares_seed.load(ctx)
        trust_id, agreement_id = ctx.refs["trust:shanshui-fund-1"], ctx.refs["agreement:qingshan-ecotourism"]
    trust = (await client.get(f"/api/v1/trusts/{trust_id}", headers=auditor)).json()
    assert trust["name"].startswith("善水基金1号") and trust["county_code"] == "330110"
    assert {s["category"] for s in trust["settlors"]} == {
        "water_company", "foundation", "government", "ngo", "farmers_cooperative"}
    s = (await client.get(f"/api/v1/trusts/{trust_id}/statement", headers=auditor)).json()
    assert s["ties_to_ledger"]
    assert s["totals"]["contributions"] == "1492345.67"
    assert s["totals"]["fees"] == "7500.00"  # 0.5% of 1,480,000.00 = 7,400.00, plus the 100.00 minimum on the 12,345.67 gift
    assert all(x["contributed"] == x["source_account_paid_in"] for x in s["settlors"])
    assert {p["key"] for p in s["purposes"] if p["disbursed"] != "0.00"} == {
        "source-water-protection", "farmer-compensation", "monitoring", "village-fund"}
    runs = (await client.get(f"/api/v1/share-agreements/{agreement_id}/distributions", headers=auditor)).json()["items"]
    assert [r["version"] for r in runs] == [1, 1, 2]
    for r in runs:
        assert sum(int(x["amount"].replace(".", "")) for x in r["lines"]) == int(r["amount"].replace(".", ""))
    agreement = (await client.get(f"/api/v1/share-agreements/{agreement_id}", headers=auditor)).json()
    assert agreement["pool_available"] == "97250.10"  # Q4 revenue, left for the README's run
    verify = (await client.get("/api/v1/ledger/verify", headers=auditor)).json()
    assert verify["ok"]
