"""Money into funds with four eyes (issue 17 item 15): an official enters a program's funding or the
county's budget receipt, a second official with the approver role approves it; a new county is funded
by its own officials once an admin has registered the province's budget source."""

from __future__ import annotations

from tests.compensation.conftest import COUNTY, make_program
from tests.helpers import balance


async def enter_funding(client, world, program, amount: str, headers=None):
    return await client.post(f"/api/v1/programs/{program['id']}/funding", headers=headers or world.official,
                             json={"source_account_id": world.county_fund, "amount": amount})


async def test_program_funding_needs_a_second_official(client, world, auditor, token_for):
    program = await make_program(client, world, fund=None)
    before = await balance(client, auditor, world.county_fund)
    r = await enter_funding(client, world, program, "1000.00")
    assert r.status_code == 201, r.text
    entered = r.json()
    assert (entered["status"], entered["kind"], entered["sequence"], entered["balance"]) == ("pending", "program", None, "0.00")
    # Entered: the county fund's money is reserved, the program has nothing to pay from yet.
    fund = await balance(client, auditor, world.county_fund)
    assert before["available"] == "100000.00"
    assert (fund["posted"], fund["pending_out"], fund["available"]) == ("100000.00", "1000.00", "99000.00")
    got = (await client.get(f"/api/v1/programs/{program['id']}", headers=world.official)).json()
    assert (got["balance"], got["available"]) == ("0.00", "0.00")
    url = f"/api/v1/fundings/{entered['id']}"
    # The official who entered it cannot approve it: approval needs a second official with the approver role.
    r = await client.post(f"{url}/approve", headers=world.official)
    assert r.status_code == 403 and "second official with the approver role" in r.json()["detail"]
    # Nor can anyone approve what they entered themselves (an admin may enter and approve, never both).
    admin2 = await token_for("admin")
    own = (await enter_funding(client, world, program, "5.00", headers=admin2)).json()
    r = await client.post(f"/api/v1/fundings/{own['id']}/approve", headers=admin2)
    assert r.status_code == 403 and "four-eyes" in r.json()["detail"], r.text
    pending = (await client.get("/api/v1/fundings", params={"status": "pending"}, headers=world.approver)).json()
    assert [f["id"] for f in pending["items"]] == [entered["id"], own["id"]]
    r = await client.post(f"{url}/approve", headers=world.approver)
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["status"], done["balance"], done["available"]) == ("approved", "1000.00", "1000.00")
    assert done["decided_by"] and done["sequence"]
    assert (await client.post(f"{url}/approve", headers=world.approver)).status_code == 409
    entry = (await client.get(f"/api/v1/ledger/entries/{done['entry_id']}", headers=auditor)).json()
    assert (entry["status"], entry["kind"]) == ("posted", "funding") and entry["metadata"]["program_id"] == program["id"]
    assert entry["approved_by"] != entry["entered_by"]
    # Rejected with a reason: the reservation is released, the program gets nothing.
    r = await client.post(f"/api/v1/fundings/{own['id']}/reject", json={"reason": "wrong program"}, headers=world.approver)
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["reason"] == "wrong program"
    assert (await balance(client, auditor, world.county_fund))["pending_out"] == "0.00"
    assert (await balance(client, auditor, program["fund_account_id"]))["posted"] == "1000.00"
    assert (await client.get("/api/v1/ledger/verify", headers=auditor)).json()["ok"]


async def test_an_official_of_another_county_cannot_fund_or_approve(client, world):
    program = await make_program(client, world, fund=None)
    entered = (await enter_funding(client, world, program, "10.00")).json()
    assert (await enter_funding(client, world, program, "10.00", headers=world.other_official)).status_code == 404
    url = f"/api/v1/fundings/{entered['id']}"
    assert (await client.post(f"{url}/approve", headers=world.other_approver)).status_code == 404
    assert (await client.post(f"{url}/reject", json={"reason": "x"}, headers=world.other_approver)).status_code == 404
    assert (await client.get(url, headers=world.other_official)).status_code == 404
    assert (await client.get("/api/v1/fundings", headers=world.other_approver)).json()["items"] == []
    r = await client.post("/api/v1/budget-receipts", json={"county_code": COUNTY, "amount": "1.00"},
                          headers=world.other_official)
    assert r.status_code == 403 and r.json()["errors"][0]["field"] == "county_code"
    assert (await client.get(url, headers=world.official)).json()["status"] == "pending"


async def test_a_new_county_records_its_budget_receipt_and_funds_a_program(client, admin, auditor, token_for, world):
    new = "360830"  # a county with nothing in the ledger yet
    official = await token_for("official", county_code=new)
    approver = await token_for("approver", county_code=new)
    receipt = {"county_code": new, "amount": "50000.00", "memo": "Gan Cai [2026] No. 7"}
    r = await client.post("/api/v1/budget-receipts", json=receipt, headers=official)
    assert r.status_code == 409 and "POST /api/v1/budget-sources" in r.json()["detail"]
    # The admin registers the province's budget source once; officials cannot.
    body = {"province_code": "36", "name": "Jiangxi provincial budget transfers"}
    assert (await client.post("/api/v1/budget-sources", json=body, headers=official)).status_code == 403
    r = await client.post("/api/v1/budget-sources", json=body, headers=admin)
    assert r.status_code == 201, r.text
    source = r.json()
    assert (await client.post("/api/v1/budget-sources", json=body, headers=admin)).status_code == 409
    assert [s["province_code"] for s in (await client.get("/api/v1/budget-sources", headers=official)).json()["items"]] == ["36"]
    # From here on, no admin: the official records the receipt, the approver approves it.
    r = await client.post("/api/v1/budget-receipts", json=receipt, headers=official)
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["kind"], got["status"], got["source_account_id"], got["balance"]) == (
        "budget_receipt", "pending", source["account_id"], "0.00")
    county_fund = got["fund_account_id"]
    assert (await client.get(f"/api/v1/accounts/{county_fund}", headers=official)).json()["code"] == f"fund:{new}:budget"
    assert (await client.post(f"/api/v1/fundings/{got['id']}/approve", headers=official)).status_code == 403
    r = await client.post(f"/api/v1/fundings/{got['id']}/approve", headers=approver)
    assert r.status_code == 200 and r.json()["balance"] == "50000.00", r.text
    # A second receipt goes to the same county fund.
    again = (await client.post("/api/v1/budget-receipts", json={**receipt, "amount": "1.00"}, headers=official)).json()
    assert again["fund_account_id"] == county_fund
    # The county's program is funded from it, four eyes again.
    program = await client.post("/api/v1/programs", headers=official, json={
        "name": "新县2026年公益林补偿", "legal_basis": "Doc", "county_code": new, "period_start": "2026-01-01",
        "period_end": "2026-12-31", "rule_kind": "per_household", "rate": "100.00"})
    assert program.status_code == 201, program.text
    r = await client.post(f"/api/v1/programs/{program.json()['id']}/funding", headers=official,
                          json={"source_account_id": county_fund, "amount": "20000.00"})
    assert r.status_code == 201 and r.json()["status"] == "pending", r.text
    assert (await client.post(f"/api/v1/fundings/{r.json()['id']}/approve", headers=approver)).status_code == 200
    assert (await balance(client, auditor, program.json()["fund_account_id"]))["posted"] == "20000.00"
    assert (await balance(client, auditor, county_fund))["posted"] == "30000.00"
    assert (await balance(client, auditor, source["account_id"]))["posted"] == "50000.00"
    # Another county's official sees none of it; a program fund is not a county fund to receive into.
    assert (await client.get("/api/v1/fundings", headers=world.official)).json()["items"] == []
    r = await client.post("/api/v1/budget-receipts", headers=official, json={
        **receipt, "fund_account_id": program.json()["fund_account_id"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "fund_account_id"
    assert (await client.get("/api/v1/ledger/verify", headers=auditor)).json()["ok"]
