"""Programs and single payments through the API: the rule check, every lifecycle transition, four eyes,
county scope, duplicates and out-of-funds."""

from __future__ import annotations

from tests.compensation.conftest import make_program, pay
from tests.helpers import balance


async def test_program_is_created_funded_and_scoped(client, world, auditor):
    program = await make_program(client, world, fund="5000.00")
    assert program["fund_account_id"] and program["scope_codes"] == ["360827"]
    got = (await client.get(f"/api/v1/programs/{program['id']}", headers=world.official)).json()
    assert (got["balance"], got["available"], got["rate"]) == ("5000.00", "5000.00", "34.50")
    # Another county's official neither sees it nor can fund it.
    assert (await client.get(f"/api/v1/programs/{program['id']}", headers=world.other_official)).status_code == 404
    r = await client.post(f"/api/v1/programs/{program['id']}/funding",
                          json={"source_account_id": world.county_fund, "amount": "1.00"}, headers=world.other_official)
    assert r.status_code == 404
    assert (await client.get("/api/v1/programs", headers=world.other_official)).json()["items"] == []
    assert len((await client.get("/api/v1/programs", headers=auditor)).json()["items"]) == 1
    # And cannot create one in a county that is not theirs.
    body = {"name": "x", "legal_basis": "y", "county_code": "360827", "period_start": "2026-01-01",
            "period_end": "2026-12-31", "rule_kind": "per_household", "rate": "100.00"}
    assert (await client.post("/api/v1/programs", json=body, headers=world.other_official)).status_code == 403


async def test_amount_is_computed_or_checked_against_the_rule(client, world):
    program = await make_program(client, world)
    hh = world.households
    r = await pay(client, world, program, hh[0]["id"], area_mu="12.40")
    assert r.status_code == 201, r.text
    p = r.json()
    assert (p["amount"], p["status"], p["rule"]) == ("427.80", "pending", "34.50 CNY per mu per year x 12.40 mu")
    # A wrong entered amount is refused with the expected figure.
    r = await pay(client, world, program, hh[1]["id"], area_mu="10", amount="350.00")
    assert r.status_code == 422
    assert r.json()["expected"] == "345.00" and "345.00" in r.json()["detail"]
    r = await pay(client, world, program, hh[1]["id"], area_mu="10", amount="345.00")
    assert r.status_code == 201
    # A missing basis is refused, naming the field.
    r = await pay(client, world, program, hh[2]["id"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "area_mu"
    # The pending entry reserves the funds and carries the metadata reports rely on.
    entry = (await client.get(f"/api/v1/ledger/entries/{p['entry_id']}", headers=world.official))
    assert entry.status_code == 403  # officials do not browse the journal; auditors do


async def test_entry_metadata_and_balances(client, world, auditor):
    program = await make_program(client, world)
    p = (await pay(client, world, program, world.households[0]["id"], area_mu="2")).json()
    entry = (await client.get(f"/api/v1/ledger/entries/{p['entry_id']}", headers=auditor)).json()
    assert entry["kind"] == "payment" and entry["status"] == "pending"
    assert entry["metadata"] == {"county_code": "360827", "period": "2026", "program_id": program["id"],
                                 "payment_id": p["id"], "payee_party_id": world.households[0]["id"],
                                 "rule": "34.50 CNY per mu per year x 2.00 mu", "rule_max": "69.00",
                                 "program_area": "360827", "program_period_start": program["period_start"],
                                 "program_period_end": program["period_end"]}
    b = await balance(client, auditor, program["fund_account_id"])
    assert (b["posted"], b["available"]) == ("5000.00", "4931.00")


async def test_full_lifecycle_and_illegal_transitions(client, world, auditor):
    program = await make_program(client, world)
    payee = world.households[0]
    p = (await pay(client, world, program, payee["id"], area_mu="10")).json()
    url = f"/api/v1/payments/{p['id']}"
    paid = {"bank_reference": "BOC20260401001", "paid_on": "2026-04-01"}
    # Illegal from pending: mark-paid, reverse.
    assert (await client.post(f"{url}/mark-paid", json=paid, headers=world.official)).status_code == 409
    assert (await client.post(f"{url}/reverse", json={"reason": "x"}, headers=world.official)).status_code == 409
    # Self-approval refused; approval by a second person posts the entry.
    assert (await client.post(f"{url}/approve", headers=world.official)).status_code == 403  # role
    r = await client.post(f"{url}/approve", headers=world.approver)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert (await client.post(f"{url}/approve", headers=world.approver)).status_code == 409
    assert (await client.post(f"{url}/reject", json={"reason": "x"}, headers=world.approver)).status_code == 409
    r = await client.post(f"{url}/mark-paid", json=paid, headers=world.official)
    assert r.status_code == 200 and r.json()["status"] == "paid" and r.json()["bank_reference"] == "BOC20260401001"
    assert (await client.post(f"{url}/mark-paid", json=paid, headers=world.official)).status_code == 409
    assert (await balance(client, auditor, payee["benefit_account_id"]))["posted"] == "345.00"
    r = await client.post(f"{url}/reverse", json={"reason": "area was 1.0 mu"}, headers=world.official)
    assert r.status_code == 200 and r.json()["status"] == "reversed" and r.json()["reversal_entry_id"]
    assert (await client.post(f"{url}/reverse", json={"reason": "again"}, headers=world.official)).status_code == 409
    assert (await balance(client, auditor, payee["benefit_account_id"]))["posted"] == "0.00"
    assert (await balance(client, auditor, program["fund_account_id"]))["posted"] == "5000.00"
    trail = (await client.get(url, headers=world.official)).json()["events"]
    assert [(e["action"], e["to_status"]) for e in trail] == [
        ("enter", "pending"), ("approve", "approved"), ("mark_paid", "paid"), ("reverse", "reversed")]
    assert all(e["actor_id"] and e["at"] for e in trail)
    # Once reversed, the payee may be paid again for the same period.
    assert (await pay(client, world, program, payee["id"], area_mu="1")).status_code == 201
    verify = (await client.get("/api/v1/ledger/verify", headers=auditor)).json()
    assert verify["ok"], verify


async def test_reject_releases_reservation_and_needs_reason(client, world, auditor):
    program = await make_program(client, world, fund="400.00")
    p = (await pay(client, world, program, world.households[0]["id"], area_mu="10")).json()
    url = f"/api/v1/payments/{p['id']}"
    assert (await client.post(f"{url}/reject", json={"reason": ""}, headers=world.approver)).status_code == 422
    r = await client.post(f"{url}/reject", json={"reason": "household moved away"}, headers=world.approver)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert (await balance(client, auditor, program["fund_account_id"]))["available"] == "400.00"
    for action, body in (("approve", None), ("mark-paid", {"bank_reference": "X1", "paid_on": "2026-01-02"}),
                         ("reverse", {"reason": "x"}), ("reject", {"reason": "x"})):
        headers = world.approver if action in ("approve", "reject") else world.official
        assert (await client.post(f"{url}/{action}", json=body, headers=headers)).status_code == 409, action


async def test_approver_cannot_approve_own_entry(client, world, token_for):
    program = await make_program(client, world)
    admin2 = await token_for("admin")
    p = (await pay(client, world, program, world.households[0]["id"], headers=admin2, area_mu="1")).json()
    r = await client.post(f"/api/v1/payments/{p['id']}/approve", headers=admin2)
    assert r.status_code == 403 and "four-eyes" in r.json()["detail"]
    assert (await client.get(f"/api/v1/payments/{p['id']}", headers=admin2)).json()["status"] == "pending"


async def test_cross_county_access_is_refused(client, world):
    program = await make_program(client, world)
    p = (await pay(client, world, program, world.households[0]["id"], area_mu="1")).json()
    url = f"/api/v1/payments/{p['id']}"
    assert (await client.get(url, headers=world.other_official)).status_code == 404
    assert (await client.post(f"{url}/approve", headers=world.other_approver)).status_code == 404
    assert (await client.post(f"{url}/reject", json={"reason": "x"}, headers=world.other_approver)).status_code == 404
    assert (await pay(client, world, program, world.households[1]["id"], headers=world.other_official,
                      area_mu="1")).status_code == 404
    assert (await client.get("/api/v1/payments", headers=world.other_official)).json()["items"] == []
    assert len((await client.get("/api/v1/payments", headers=world.official)).json()["items"]) == 1


async def test_duplicate_payment_for_same_payee_program_period_refused(client, world):
    program = await make_program(client, world)
    hh = world.households[0]["id"]
    first = (await pay(client, world, program, hh, area_mu="1")).json()
    r = await pay(client, world, program, hh, area_mu="1")
    assert r.status_code == 409 and r.json()["existing_payment_id"] == first["id"]
    # Another period is a different payment.
    assert (await pay(client, world, program, hh, area_mu="1", period="2026-05")).status_code == 201


async def test_out_of_funds_is_refused_with_the_figures(client, world):
    program = await make_program(client, world, fund="100.00")
    r = await pay(client, world, program, world.households[0]["id"], area_mu="10")
    assert r.status_code == 422 and r.json()["type"].endswith("insufficient-funds")
    assert "100.00" in r.json()["detail"]
    assert (await client.get("/api/v1/payments", headers=world.official)).json()["items"] == []


async def test_eligibility_scope_and_period(client, world, token_for):
    program = await make_program(client, world, scope_codes=["360827205"], rule_kind="per_household", rate="3000.00")
    inside, outside = world.households[0]["id"], world.households[5]["id"]  # Yingpanxu vs Zuo'an
    assert (await pay(client, world, program, inside)).status_code == 201
    r = await pay(client, world, program, outside)
    assert r.status_code == 422 and "outside the program's area" in r.json()["detail"]
    r = await pay(client, world, program, world.villages["ypx"])
    assert r.status_code == 422 and "not eligible" in r.json()["detail"]
    r = await pay(client, world, program, world.households[1]["id"], period="2027")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "period"


async def test_other_rule_kinds(client, world):
    per_person = await make_program(client, world, name="Island relocation per person", rule_kind="per_person",
                                    rate="2500.00", max_basis="8", fund="20000.00")
    p = (await pay(client, world, per_person, world.households[0]["id"], persons=3)).json()
    assert (p["amount"], p["rule"]) == ("7500.00", "2500.00 CNY per person x 3 persons")
    r = await pay(client, world, per_person, world.households[1]["id"], persons=9)
    assert r.status_code == 422 and "maximum" in r.json()["detail"]
    table = await make_program(client, world, name="Fishing ban, by boat class", rule_kind="fixed_table", rate=None,
                               rate_table={"A": "1200.00", "B": "800.00"}, cap_amount="1000.00")
    p = (await pay(client, world, table, world.households[0]["id"], category="A")).json()
    assert p["amount"] == "1000.00" and "capped" in p["rule"]
    r = await pay(client, world, table, world.households[1]["id"], category="Z")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "category"
    monthly = await make_program(client, world, name="Fishing ban monthly", rule_kind="per_month", rate="600.00")
    p = (await pay(client, world, monthly, world.households[0]["id"], period="2026-03")).json()
    assert p["amount"] == "600.00"


async def test_an_official_who_tries_to_approve_is_told_what_to_do(client, world):
    """Issue 17 item 20: an official got "this action needs one of the roles: admin, approver"."""
    program = await make_program(client, world)
    p = (await pay(client, world, program, world.households[0]["id"], area_mu="1")).json()
    batch = f"/api/v1/payments/batches/{p['id']}/approve"
    for url, body in ((f"/api/v1/payments/{p['id']}/approve", None),
                      (f"/api/v1/payments/{p['id']}/reject", {"reason": "x"}), (batch, None)):
        r = await client.post(url, json=body, headers=world.official)
        assert r.status_code == 403, r.text
        detail = r.json()["detail"]
        assert "second official with the approver role" in detail and "four-eyes" in detail, detail
