"""One county's worth of every domain object, built through the real API, for the access matrix:
the access test builds one inside the scoped tokens' county and one outside it, and checks that a
scoped role reaches the first and gets 404 for the second."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.helpers import create_party, funded_account
from tests.trusts.support import make_trust

TODAY = date.today()


async def _ok(r, status: int = 201) -> dict[str, Any]:
    assert r.status_code == status, r.text
    return r.json()


async def county_objects(client, admin, county: str, official: dict, approver: dict) -> dict[str, Any]:
    """Program, payments (pending + approved), batch, reconciliation, patrol team/log/rule/run,
    certification, sale, trust and share agreement (with a distribution) in `county`."""
    post = client.post
    village = await create_party(client, admin, kind="community", org_type=None, name=f"Village {county}",
                                 division_code=f"{county}101201")
    homes = [await create_party(client, admin, kind="household", org_type=None, name=f"Home {county} {i}",
                                parent_id=village["id"], id_number=f"{county}19800101{i:03d}X",
                                bank_account_tail="1234") for i in range(3)]
    fund, _ = await funded_account(client, admin, "100000.00", county_code=county)
    o: dict[str, Any] = {"village": village["id"], "homes": [h["id"] for h in homes], "fund": fund}

    program = await _ok(await post("/api/v1/programs", headers=official, json={
        "name": f"Forest {county}", "legal_basis": "Doc 3", "county_code": county, "period_start": "2026-01-01",
        "period_end": "2026-12-31", "rule_kind": "per_area_year", "rate": "34.50"}))
    o["program_id"] = program["id"]
    funding = await _ok(await post(f"/api/v1/programs/{program['id']}/funding", headers=official,
                                   json={"source_account_id": fund, "amount": "50000.00"}))
    await _ok(await post(f"/api/v1/fundings/{funding['id']}/approve", headers=approver), 200)
    o["funding_id"] = funding["id"]
    o["pending_fundings"] = [(await _ok(await post(f"/api/v1/programs/{program['id']}/funding", headers=official, json={
        "source_account_id": fund, "amount": "1.00"})))["id"] for _ in range(2)]

    async def pay(payee: int, period: str) -> int:
        return (await _ok(await post("/api/v1/payments", headers=official, json={
            "program_id": program["id"], "payee_party_id": payee, "period": period, "area_mu": "10.00"})))["id"]

    o["payments"] = {h: await pay(h, "2026-01") for h in o["homes"][:2]}  # one per household, pending
    o["payment_id"] = o["payments"][o["homes"][0]]
    o["approvable_payments"] = [await pay(o["homes"][0], f"2026-{m:02d}") for m in (2, 3)]
    csv = f"村,户主,身份证后四位,面积(亩),金额(元),银行账号后四位\nVillage {county},Home {county} 2,002X,10.00,345.00,1234\n"
    batch = await _ok(await post("/api/v1/payments/batches", headers=official,
                                 data={"program_id": str(program["id"]), "period": "2026-06"},
                                 files={"file": ("batch.csv", csv.encode(), "text/csv")}))
    o["batch_id"] = batch["batch_id"]
    recon = await _ok(await post("/api/v1/reconciliations", headers=official, data={"program_id": str(program["id"])},
                                 files={"file": ("bank.csv", b"reference,date,amount\nREF-1,2026-03-01,1.00\n",
                                                 "text/csv")}))
    o["reconciliation_id"] = recon["id"]
    enrollment = await _ok(await post("/api/v1/enrollments", headers=official, json={
        "program_id": program["id"], "household_party_id": o["homes"][0], "start_date": "2026-01-01",
        "parcels": [{"parcel_code": f"P-{county}-1", "area_mu": "2.00"}]}))
    o["enrollment_id"] = enrollment["id"]
    o["pending_changes"] = [(await _ok(await post("/api/v1/change-requests", headers=official, json={
        "enrollment_id": enrollment["id"], "action": "add_parcel", "effective_date": "2026-08-01", "reason": "survey",
        "parcel_code": f"P-{county}-{n}", "area_mu": "1.00"})))["id"] for n in (2, 3, 4)]
    o["change_id"] = o["pending_changes"][2]
    cycle = await _ok(await post("/api/v1/cycles", headers=official, json={"program_id": program["id"], "period": "2026-07"}))
    o["cycle_id"] = cycle["cycle_id"]

    team = await _ok(await post("/api/v1/patrol-teams", headers=official,
                                json={"name": "Bird patrol", "village_party_id": village["id"]}))
    o["team_id"] = team["id"]
    for code, home in (("M1", o["homes"][0]), ("M3", o["homes"][2])):
        await _ok(await post(f"/api/v1/patrol-teams/{team['id']}/members", headers=official,
                             json={"party_id": home, "code": code}))

    async def log(day: str, member: int = o["homes"][0]) -> int:
        return (await _ok(await post("/api/v1/patrol-logs", headers=official, json={
            "team_id": team["id"], "member_party_ids": [member], "patrol_date": day,
            "start_time": "06:30", "end_time": "10:30"})))["id"]

    o["log_id"] = await log("2026-03-02")
    await _ok(await post(f"/api/v1/patrol-logs/{o['log_id']}/verify", headers=approver), 200)
    o["reviewable_logs"] = [await log(f"2026-04-0{d}") for d in (1, 2)]
    o["neighbour_log"] = await log("2026-05-01", o["homes"][2])  # another household's, not the first's
    rule = await _ok(await post("/api/v1/stipend-rules", headers=official, json={
        "name": "Stipend", "county_code": county, "basis": "patrol_day", "rate": "50.00", "monthly_cap": "1000.00",
        "funding_account_id": fund}))
    o["rule_id"] = rule["id"]
    run = await _ok(await post("/api/v1/stipend-runs", headers=official, json={"rule_id": rule["id"], "period": "2026-03"}))
    o["stipend_run_id"] = run["id"]

    bureau = await create_party(client, admin, name=f"Bureau {county}", division_code=county)
    coop = await create_party(client, admin, org_type="cooperative", name=f"Coop {county}", division_code=county)
    cert = await _ok(await post("/api/v1/certifications", headers=official, json={
        "scheme": "green_food", "certificate_number": f"LB-{county}", "issuing_body_party_id": bureau["id"],
        "holder_party_id": coop["id"], "product": "Honey plum", "area_mu": "35.5",
        "valid_from": str(TODAY - timedelta(days=365)), "valid_to": str(TODAY + timedelta(days=365)),
        "trace_prefix": f"ZN-{county}-"}))
    o["cert_id"], o["bureau"] = cert["id"], bureau["id"]
    o["home_certs"] = [(await _ok(await post("/api/v1/certifications", headers=official, json={
        "scheme": "green_food", "certificate_number": f"HH-{county}-{i}", "issuing_body_party_id": bureau["id"],
        "holder_party_id": home, "product": "Tea", "valid_from": str(TODAY - timedelta(days=30)),
        "valid_to": str(TODAY + timedelta(days=365)), "trace_prefix": f"HH-{county}-{i}-"})))["id"]
        for i, home in enumerate(o["homes"][:2])]
    sale = await _ok(await post("/api/v1/eco-product-sales", headers=official, json={
        "certification_id": cert["id"], "quantity": "1", "unit": "kg", "amount": "10.00", "sale_date": str(TODAY)}))
    o["sale_id"] = sale["id"]

    # the third household is one of the trust's beneficiaries (its trustee may read it)
    trust = await make_trust(client, admin, division_code=f"{county}101201",
                             beneficiaries=[village["id"], o["homes"][2]])
    o["trust_id"], o["trust_settlor"] = trust["id"], trust["_water"]
    o["trust_home"], o["trust_trustee"] = o["homes"][2], trust["trustee_party_id"]
    agreement = await _ok(await post("/api/v1/share-agreements", headers=official, json={
        "name": "Ecotourism", "pool_kind": "ecotourism", "county_code": county,
        "first_version": {"effective_from": "2026-01-01", "stakeholders": [
            {"party_id": village["id"], "share_bps": 6000, "role": "village"},
            {"party_id": coop["id"], "share_bps": 4000, "role": "coop"}]}}))
    o["agreement_id"] = agreement["id"]
    await _ok(await post(f"/api/v1/share-agreements/{agreement['id']}/revenue", headers=official,
                         json={"amount": "100.00", "received_on": "2026-02-01", "reference": "TICKETS"}))
    dist = await _ok(await post(f"/api/v1/share-agreements/{agreement['id']}/distributions", headers=official,
                                json={"effective_date": "2026-03-31", "amount": "10.00"}))
    o["distribution_id"] = dist["id"]
    return o
