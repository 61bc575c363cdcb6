"""A trustee's working year through the API: contributions with the fee, disbursements within the
agreement's shares, refusals that carry the figures, scope, and idempotent retries."""

from __future__ import annotations

from tests.helpers import balance
from tests.trusts.support import contribute, disburse, make_trust


async def test_create_trust_opens_its_accounts(client, admin):
    trust = await make_trust(client, admin, fee_minimum="50.00")
    assert trust["county_code"] == "330110" and trust["fee_bps"] == 100 and trust["fee_minimum"] == "50.00"
    assert [a["key"] for a in trust["allocations"]] == ["protection", "compensation", "monitoring"]
    assert {s["category"] for s in trust["settlors"]} == {"water_company", "donor"}
    account = (await client.get(f"/api/v1/accounts/{trust['account_id']}", headers=admin)).json()
    assert account["kind"] == "trust" and account["trust_id"] == trust["id"]
    fee = (await client.get(f"/api/v1/accounts/{trust['fee_account_id']}", headers=admin)).json()
    assert fee["kind"] == "fee" and fee["party_id"] == trust["trustee_party_id"]
    source = (await client.get(f"/api/v1/accounts/{trust['settlors'][0]['source_account_id']}", headers=admin)).json()
    assert source["kind"] == "source" and source["trust_id"] == trust["id"]


async def test_allocations_must_add_up_to_the_whole(client, admin):
    bad = [{"key": "a", "name": "A", "share_bps": 6000}, {"key": "b", "name": "B", "share_bps": 3000}]
    r = await client.post("/api/v1/trusts", json={
        "name": "x", "purpose": "x", "trustee_party_id": 1, "agreement_reference": "x", "starts_on": "2026-01-01",
        "allocations": bad}, headers=admin)
    assert r.status_code == 422 and "10000" in r.text


async def test_contribution_charges_the_fee_on_arrival(client, admin):
    trust = await make_trust(client, admin, fee_bps=150, fee_minimum="20.00")
    r = await contribute(client, admin, trust, "100000.00")
    assert r.status_code == 201, r.text
    c = r.json()
    assert (c["amount"], c["fee"], c["net"]) == ("100000.00", "1500.00", "98500.00")
    assert "150 bp" in c["fee_rule"]
    small = (await contribute(client, admin, trust, "100.00")).json()
    assert (small["fee"], small["net"]) == ("20.00", "80.00")  # the minimum applies
    tiny = (await contribute(client, admin, trust, "10.00")).json()
    assert (tiny["fee"], tiny["net"]) == ("10.00", "0.00")  # never more than the contribution
    assert (await balance(client, admin, trust["account_id"]))["posted"] == "98580.00"
    assert (await balance(client, admin, trust["fee_account_id"]))["posted"] == "1530.00"
    entry = (await client.get(f"/api/v1/ledger/entries/{c['entry_id']}", headers=admin)).json()
    assert entry["kind"] == "contribution"
    assert entry["metadata"]["settlor_party_id"] == trust["_water"] and entry["metadata"]["trust_id"] == trust["id"]
    assert entry["metadata"]["county_code"] == "330110" and entry["metadata"]["period"] == "2026-02"
    fee = (await client.get(f"/api/v1/ledger/entries/{c['fee_entry_id']}", headers=admin)).json()
    assert fee["kind"] == "fee" and "1500.00" in fee["metadata"]["rule"]


async def test_contribution_refusals(client, admin):
    trust = await make_trust(client, admin)
    assert (await contribute(client, admin, trust, "10.00", settlor=trust["_village"])).status_code == 422
    assert (await contribute(client, admin, trust, "10.00", currency="USD")).status_code == 422
    assert (await contribute(client, admin, trust, "10.00", received_on="2025-12-31")).status_code == 422
    assert (await contribute(client, admin, trust, "0.00")).status_code == 422
    assert (await contribute(client, admin, trust, "1.005")).status_code == 422


async def test_disbursement_within_and_beyond_a_purpose_share(client, admin):
    trust = await make_trust(client, admin)
    await contribute(client, admin, trust, "10000.00")  # 1% fee -> 9900.00 net
    ok = await disburse(client, admin, trust, "monitoring", "600.00", memo="quarterly sampling")
    assert ok.status_code == 201, ok.text
    d = ok.json()
    assert d["purpose"] == "monitoring" and d["amount"] == "600.00"
    entry = (await client.get(f"/api/v1/ledger/entries/{d['entry_id']}", headers=admin)).json()
    assert entry["kind"] == "disbursement" and entry["metadata"]["purpose"] == "monitoring"
    r = await disburse(client, admin, trust, "monitoring", "390.01")
    assert r.status_code == 422
    body = r.json()
    assert body["purpose"] == "monitoring" and body["share_bps"] == 1000
    assert (body["net_contributions"], body["entitlement"], body["disbursed"]) == ("9900.00", "990.00", "600.00")
    assert (body["available"], body["requested"]) == ("390.00", "390.01")
    assert body["errors"][0]["field"] == "amount"
    assert (await disburse(client, admin, trust, "monitoring", "390.00")).status_code == 201
    assert (await balance(client, admin, trust["account_id"]))["posted"] == "8910.00"


async def test_disbursement_to_a_beneficiary(client, admin):
    trust = await make_trust(client, admin)
    await contribute(client, admin, trust, "1010.00")
    r = await disburse(client, admin, trust, "compensation", "120.00", beneficiary_party_id=trust["_village"])
    assert r.status_code == 201, r.text
    village = (await client.get(f"/api/v1/parties/{trust['_village']}", headers=admin)).json()
    assert r.json()["account_id"] == village["benefit_account_id"]
    assert (await balance(client, admin, village["benefit_account_id"]))["posted"] == "120.00"
    stranger = await disburse(client, admin, trust, "compensation", "1.00", beneficiary_party_id=trust["_water"])
    assert stranger.status_code == 422 and stranger.json()["errors"][0]["field"] == "beneficiary_party_id"
    assert (await disburse(client, admin, trust, "unknown", "1.00")).status_code == 422


async def test_trustee_scope(client, admin, auditor, token_for):
    mine = await make_trust(client, admin)
    other = await make_trust(client, admin)
    trustee = await token_for("trustee", trust_id=mine["id"])
    assert (await contribute(client, trustee, mine, "500.00")).status_code == 201
    assert (await contribute(client, trustee, other, "500.00")).status_code == 404
    assert (await disburse(client, trustee, other, "monitoring", "1.00")).status_code == 404
    for path in ("", "/statement", "/contributions", "/disbursements"):
        assert (await client.get(f"/api/v1/trusts/{other['id']}{path}", headers=trustee)).status_code == 404
        assert (await client.get(f"/api/v1/trusts/{mine['id']}{path}", headers=trustee)).status_code == 200
        assert (await client.get(f"/api/v1/trusts/{other['id']}{path}", headers=auditor)).status_code == 200
    listed = (await client.get("/api/v1/trusts", headers=trustee)).json()["items"]
    assert [t["id"] for t in listed] == [mine["id"]]
    assert len((await client.get("/api/v1/trusts", headers=auditor)).json()["items"]) == 2
    # Auditors read, never write; trustees cannot create trusts; officials see their county's trusts only.
    assert (await contribute(client, auditor, mine, "1.00")).status_code == 403
    assert (await client.post("/api/v1/trusts", json={}, headers=trustee)).status_code == 403
    official = await token_for("official", county_code="330110")
    assert (await client.get(f"/api/v1/trusts/{mine['id']}", headers=official)).status_code == 200
    assert (await contribute(client, official, mine, "1.00")).status_code == 403
    elsewhere = await token_for("official", county_code="360827")
    assert (await client.get(f"/api/v1/trusts/{mine['id']}", headers=elsewhere)).status_code == 404
    community = await token_for("community", party_id=mine["_village"])
    assert (await client.get(f"/api/v1/trusts/{mine['id']}", headers=community)).status_code == 403


async def test_idempotent_retries(client, admin):
    trust = await make_trust(client, admin)
    first = await contribute(client, admin, trust, "1000.00", key="contrib-1")
    again = await contribute(client, admin, trust, "1000.00", key="contrib-1")
    assert first.status_code == again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true" and again.json() == first.json()
    assert (await contribute(client, admin, trust, "2000.00", key="contrib-1")).status_code == 409
    d1 = await disburse(client, admin, trust, "protection", "100.00", key="pay-1")
    d2 = await disburse(client, admin, trust, "protection", "100.00", key="pay-1")
    assert d1.json() == d2.json()
    listed = (await client.get(f"/api/v1/trusts/{trust['id']}/contributions", headers=admin)).json()["items"]
    assert len(listed) == 1
    assert len((await client.get(f"/api/v1/trusts/{trust['id']}/disbursements", headers=admin)).json()["items"]) == 1
    assert (await balance(client, admin, trust["account_id"]))["posted"] == "890.00"


async def test_new_settlor_joins(client, admin, token_for):
    trust = await make_trust(client, admin)
    coop = (await client.post("/api/v1/parties", json={"kind": "organisation", "org_type": "cooperative",
                                                         "name": "Farmers' cooperative"}, headers=admin)).json()
    trustee = await token_for("trustee", trust_id=trust["id"])
    r = await client.post(f"/api/v1/trusts/{trust['id']}/settlors",
                          json={"party_id": coop["id"], "category": "farmers_cooperative"}, headers=trustee)
    assert r.status_code == 201, r.text
    assert (await contribute(client, trustee, trust, "50.00", settlor=coop["id"])).status_code == 201
    dup = await client.post(f"/api/v1/trusts/{trust['id']}/settlors",
                            json={"party_id": coop["id"], "category": "farmers_cooperative"}, headers=trustee)
    assert dup.status_code == 409
