"""On the whole demo data set (every domain's seed), the public report, the audit and the statements
agree with each other and with the ledger's own balances."""

from __future__ import annotations

from decimal import Decimal

from service import seed as seeding


async def test_full_demo_reports_agree_with_the_ledger(client, db, settings, auditor):
    ctx = await seeding.load(db, settings, progress=lambda _: None)
    pub = (await client.get("/api/v1/reports/transparency")).json()
    audit = (await client.get("/api/v1/reports/audit", headers=auditor)).json()
    verify = (await client.get("/api/v1/ledger/verify", headers=auditor)).json()
    assert verify["ok"] and pub["as_of"] == audit["as_of"] == {"sequence": verify["head_sequence"], "hash": verify["head_hash"]}
    tb = audit["trial_balance"]
    assert tb["balanced"]
    # Money in, per the public report, is what the source accounts paid in, per the audit.
    sources = sum(Decimal(a["balance"]) for a in tb["accounts"] if a["account_kind"] == "source")
    assert Decimal(pub["total"]["money_in"]) == sources
    assert sum(Decimal(c["money_in"]) for c in pub["county_totals"]) == sources
    # Every account in the trial balance has the balance the ledger API reports for it.
    for a in tb["accounts"][:60]:
        b = (await client.get(f"/api/v1/accounts/{a['account_id']}/balance", headers=auditor)).json()
        assert b["posted"] == a["balance"], a
    # Households' statements total their benefits accounts, and their verification codes check out.
    for key in ("hh-yingpanxu-1", "hh-yingpanxu-2", "hh-zuoan-2", "hh-wucheng-3"):
        party = ctx.refs[key]
        st = (await client.get(f"/api/v1/statements/{party}", headers=auditor)).json()
        account = (await client.get(f"/api/v1/parties/{party}", headers=auditor)).json()["benefit_account_id"]
        bal = (await client.get(f"/api/v1/accounts/{account}/balance", headers=auditor)).json()
        assert st["total"] == bal["posted"]
        assert not st["lines"] or st["lines"][-1]["running_total"] == st["total"]
        check = (await client.get(f"/api/v1/statements/verify/{st['verification_code']}")).json()
        assert check["valid"] and check["total"] == st["total"]
