"""Every figure on the trust statement ties to the ledger's own balances."""

from __future__ import annotations

from decimal import Decimal

from tests.helpers import balance
from tests.trusts.support import contribute, disburse, make_trust


def d(text: str) -> Decimal:
    return Decimal(text)


async def test_statement_ties_to_the_ledger(client, admin, auditor):
    trust = await make_trust(client, admin, fee_bps=200, fee_minimum="5.00")
    water, donor, village = trust["_water"], trust["_donor"], trust["_village"]
    await contribute(client, admin, trust, "50000.00", settlor=water, received_on="2026-01-10")
    await contribute(client, admin, trust, "120.00", settlor=donor, received_on="2026-02-10")
    wrong = (await contribute(client, admin, trust, "999.00", settlor=donor, received_on="2026-02-11")).json()
    # A mistaken contribution is corrected by reversing both its entries, never by editing.
    for entry_id in (wrong["entry_id"], wrong["fee_entry_id"]):
        r = await client.post(f"/api/v1/ledger/entries/{entry_id}/reverse", json={"memo": "recorded twice"}, headers=admin)
        assert r.status_code == 201, r.text
    await disburse(client, admin, trust, "protection", "12000.00", paid_on="2026-03-01")
    await disburse(client, admin, trust, "compensation", "3000.00", paid_on="2026-04-01", beneficiary_party_id=village)
    await disburse(client, admin, trust, "monitoring", "800.00", paid_on="2026-05-01")

    s = (await client.get(f"/api/v1/trusts/{trust['id']}/statement", headers=auditor)).json()
    t = s["totals"]
    assert s["ties_to_ledger"] and t["balance"] == s["ledger_balance"]
    assert t["balance"] == (await balance(client, admin, trust["account_id"]))["posted"]
    assert (t["contributions"], t["fees"]) == ("50120.00", "1005.00")  # 2% of 50000 + 5.00 minimum on 120
    assert t["fees"] == s["fee_account_balance"] == (await balance(client, admin, trust["fee_account_id"]))["posted"]
    assert d(t["contributions"]) - d(t["fees"]) - d(t["disbursements"]) + d(t["other_adjustments"]) == d(t["balance"])
    # Per settlor: the statement's figure is the settlor's source account in the ledger.
    for line in s["settlors"]:
        assert line["contributed"] == line["source_account_paid_in"]
        assert line["contributed"] == (await balance(client, admin, line["source_account_id"]))["posted"]
    assert sum(d(x["contributed"]) for x in s["settlors"]) == d(t["contributions"])
    assert sum(d(x["fees"]) for x in s["settlors"]) == d(t["fees"])
    # Per purpose: disbursed ties to where the money went; entitlements add up to the net contributions.
    purposes = {p["key"]: p for p in s["purposes"]}
    by_key = {a["key"]: a for a in trust["allocations"]}
    assert purposes["protection"]["disbursed"] == (await balance(client, admin, by_key["protection"]["account_id"]))["posted"]
    assert purposes["monitoring"]["disbursed"] == (await balance(client, admin, by_key["monitoring"]["account_id"]))["posted"]
    village_account = (await client.get(f"/api/v1/parties/{village}", headers=admin)).json()["benefit_account_id"]
    assert purposes["compensation"]["disbursed"] == (await balance(client, admin, village_account))["posted"]
    assert sum(d(p["disbursed"]) for p in s["purposes"]) == d(t["disbursements"])
    assert sum(d(p["entitlement"]) for p in s["purposes"]) == d(t["net_contributions"])
    # Lines: every entry once, and the running balance ends at the ledger balance.
    assert s["lines"][-1]["balance_after"] == t["balance"]
    assert [x["reversal"] for x in s["lines"]].count(True) == 2
    assert s["ledger_sequence"] == (await client.get("/api/v1/ledger/head", headers=admin)).json()["sequence"]


async def test_statement_as_of_a_date(client, admin):
    trust = await make_trust(client, admin, fee_bps=0)
    await contribute(client, admin, trust, "1000.00", received_on="2026-01-10")
    await disburse(client, admin, trust, "protection", "100.00", paid_on="2026-02-01")
    await contribute(client, admin, trust, "500.00", received_on="2026-03-10")
    s = (await client.get(f"/api/v1/trusts/{trust['id']}/statement", params={"as_of_date": "2026-02-28"},
                          headers=admin)).json()
    assert (s["totals"]["contributions"], s["totals"]["balance"], s["ledger_balance"]) == ("1000.00", "900.00", "900.00")
    assert s["ties_to_ledger"]
