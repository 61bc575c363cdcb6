"""Enrollments, change requests and cycles through the real API: the whole life of a 2026 cycle, a
parcel enrolled twice, duplicate persons, a mid-year change and a cycle generated twice."""

from __future__ import annotations

import io

import polars as pl

from tests.enrollments.conftest import (
    CHANGES,
    CYCLES,
    ENROLL,
    change,
    commit,
    dry_run,
    enroll,
    id_number,
    program_2024,
)


async def test_cycle_lifecycle_to_statement(client, world, auditor):
    program = await program_2024(client, world)
    h = world.households
    a = (await enroll(client, world, program, h[0]["id"], [("SC-001", "8.00"), ("SC-002", "4.50")])).json()
    b = (await enroll(client, world, program, h[1]["id"], [("SC-003", "10.00")])).json()
    assert a["basis"]["area_mu"] == "12.50" and [p["parcel_code"] for p in a["basis"]["parcels"]] == ["SC-001", "SC-002"]
    assert b["basis"]["area_mu"] == "10.00"
    rep = await dry_run(client, world, program)
    assert rep["dry_run"] and rep["ok"] and rep["payable"] == 2 and rep["total"] == "776.25"  # 431.25 + 345.00
    line = next(l for l in rep["lines"] if l["enrollment_id"] == a["id"])
    assert line["amount"] == "431.25"
    assert line["rule"].startswith("34.50 CNY per mu per year x 12.50 mu = 431.25 CNY; enrollment")
    assert "SC-001 8.00 mu, SC-002 4.50 mu" in line["rule"]
    assert (await client.get(CYCLES, headers=world.official)).json()["items"] == []  # the dry run wrote nothing
    r = await commit(client, world, program)
    assert r.status_code == 201, r.text
    done = r.json()
    batch = done["batch_id"]
    assert done["cycle_id"] and done["total"] == "776.25"
    got = (await client.get(f"/api/v1/payments/batches/{batch}", headers=world.official)).json()
    assert got["status_counts"] == {"pending": 2} and got["total"] == "776.25"
    program_now = (await client.get(f"/api/v1/programs/{program['id']}", headers=world.official)).json()
    assert program_now["available"] == "4223.75"  # the fund is reserved
    # the existing machinery from here: approval (four eyes), export, mark paid
    assert (await client.post(f"/api/v1/payments/batches/{batch}/approve", headers=world.official)).status_code == 403
    r = await client.post(f"/api/v1/payments/batches/{batch}/approve", headers=world.approver)
    assert r.status_code == 200, r.text
    r = await client.get("/api/v1/payments/export", headers=world.official, params={"batch_id": batch, "format": "csv"})
    assert r.status_code == 200
    exported = pl.read_csv(io.BytesIO(r.content))
    assert exported.height == 2
    bank = "payment_ref,reference,date,amount\n" + "".join(
        f"{ref},BANK-{i},2026-03-02,{amt}\n" for i, (ref, amt) in
        enumerate(zip(exported["payment_ref"], exported["amount"], strict=True)))
    r = await client.post("/api/v1/payments/mark-paid", headers=world.official,
                          files={"file": ("bank.csv", bank.encode(), "text/csv")})
    assert r.status_code in (200, 201), r.text
    r = await client.get(f"/api/v1/statements/{h[0]['id']}", headers=world.official)
    assert r.status_code == 200, r.text
    assert "12.50 mu = 431.25 CNY; enrollment" in r.text and "SC-001" in r.text
    cycles = (await client.get(CYCLES, headers=auditor)).json()["items"]
    assert [c["batch_id"] for c in cycles] == [batch]


async def test_parcel_enrolled_twice_is_refused_naming_both_holders(client, world):
    program = await program_2024(client, world)
    h = world.households
    first = await enroll(client, world, program, h[0]["id"], [("SC-010", "3.00")])
    assert first.status_code == 201
    r = await enroll(client, world, program, h[1]["id"], [("SC-011", "1.00"), ("SC-010", "3.00")])
    assert r.status_code == 409, r.text
    problem = r.json()
    assert h[0]["name"] in problem["detail"] and h[1]["name"] in problem["detail"]
    assert problem["errors"][0]["field"] == "parcels[1].parcel_code"
    assert (await client.get(ENROLL, headers=world.official)).json()["items"][0]["id"] == first.json()["id"]
    assert len((await client.get(ENROLL, headers=world.official)).json()["items"]) == 1  # nothing half-written
    # the other county's official never learns who holds it
    assert (await client.get(f"{ENROLL}/{first.json()['id']}", headers=world.other_official)).status_code == 404
    # a transfer through a change request is how a parcel changes hands
    second = (await enroll(client, world, program, h[1]["id"], [("SC-011", "1.00")])).json()
    await change(client, world, first.json()["id"], "transfer_parcel", "2025-06-01", parcel_code="SC-010",
                 to_enrollment_id=second["id"])
    got = (await client.get(f"{ENROLL}/{second['id']}", headers=world.official)).json()
    assert got["basis"]["area_mu"] == "4.00"


async def test_duplicate_person_is_flagged_and_held(client, world):
    program = await program_2024(client, world, rule_kind="per_person", rate="100.00")
    h = world.households
    one = (await enroll(client, world, program, h[0]["id"], [], persons=[id_number(1), id_number(2)])).json()
    two = (await enroll(client, world, program, h[1]["id"], [], persons=[id_number(2)])).json()
    assert two["flags"] and f"enrollment {one['id']}" in two["flags"][0]
    one = (await client.get(f"{ENROLL}/{one['id']}", headers=world.official)).json()
    assert one["flags"] and f"enrollment {two['id']}" in one["flags"][0]
    assert "id_number" not in str(one) and id_number(2) not in str(one)
    rep = await dry_run(client, world, program)
    dup = [e for e in rep["exceptions"] if e["kind"] == "duplicate_person"]
    assert {e["enrollment_id"] for e in dup} == {one["id"], two["id"]} and all(e["held"] for e in dup)
    assert rep["payable"] == 0 and not rep["ok"]


async def test_change_approved_mid_year_changes_the_next_cycle_not_the_past_one(client, world):
    program = await program_2024(client, world)
    e = (await enroll(client, world, program, world.households[0]["id"], [("SC-020", "10.00")])).json()
    r = await commit(client, world, program, "2025")
    assert r.status_code == 201, r.text
    paid_2025 = r.json()["total"]
    assert paid_2025 == "345.00"
    # entered but not approved: nothing changes, the dry run notes it
    pending = await change(client, world, e["id"], "remeasure", "2025-07-01", approve=False, parcel_code="SC-020",
                           area_mu="12.00")
    assert pending["status"] == "pending"
    r = await client.post(f"{CHANGES}/{pending['id']}/approve", headers=world.official)
    assert r.status_code == 403  # only an approver; and never the one who entered it
    r = await client.post(f"{CHANGES}/{pending['id']}/approve", headers=world.approver)
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    # the 2025 cycle stays as committed
    batch = (await client.get(CYCLES, headers=world.official)).json()["items"][0]["batch_id"]
    assert (await client.get(f"/api/v1/payments/batches/{batch}", headers=world.official)).json()["total"] == "345.00"
    rep = await dry_run(client, world, program, "2026")
    assert rep["total"] == "414.00"  # 12.00 mu x 34.50
    got = (await client.get(f"{ENROLL}/{e['id']}", headers=world.official)).json()
    assert [(l["area_mu"], l["valid_from"], l["valid_until"]) for l in got["history"]] == [
        ("10.00", "2024-01-01", "2025-07-01"), ("12.00", "2025-07-01", None)]
    # a change back-dated into the committed cycle's basis is refused
    r = await client.post(CHANGES, headers=world.official, json={
        "enrollment_id": e["id"], "action": "remeasure", "effective_date": "2025-01-01", "reason": "x",
        "parcel_code": "SC-020", "area_mu": "1.00"})
    assert r.status_code == 409, r.text


async def test_mid_period_change_is_an_exception_and_pays_the_first_day(client, world):
    program = await program_2024(client, world)
    e = (await enroll(client, world, program, world.households[0]["id"], [("SC-030", "10.00")])).json()
    await change(client, world, e["id"], "remeasure", "2026-07-01", parcel_code="SC-030", area_mu="20.00")
    await change(client, world, e["id"], "add_parcel", "2026-08-01", approve=False, parcel_code="SC-031", area_mu="1.00")
    rep = await dry_run(client, world, program, "2026")
    kinds = {x["kind"]: x for x in rep["exceptions"]}
    assert not kinds["basis_changed_mid_period"]["held"] and not kinds["pending_change_request"]["held"]
    assert rep["total"] == "345.00" and rep["payable"] == 1


async def test_cycle_cannot_be_generated_twice(client, world):
    program = await program_2024(client, world)
    await enroll(client, world, program, world.households[0]["id"], [("SC-040", "2.00")])
    first = await commit(client, world, program, key="cycle-2026")
    assert first.status_code == 201
    replay = await commit(client, world, program, key="cycle-2026")  # the same request again: the same answer
    assert replay.status_code == 201 and replay.json() == first.json()
    again = await commit(client, world, program)
    assert again.status_code == 409 and again.json()["batch_id"] == first.json()["batch_id"], again.text
    assert len((await client.get("/api/v1/payments/batches", headers=world.official)).json()["items"]) == 1


async def test_exceptions_fund_short_and_no_bank_account(client, world, admin):
    program = await program_2024(client, world, fund="100.00")
    h = world.households
    r = await client.post("/api/v1/parties", headers=world.official, json={
        "kind": "household", "name": "无卡户", "parent_id": h[0]["parent_id"], "id_number": id_number(99)})
    assert r.status_code == 201, r.text
    await enroll(client, world, program, r.json()["id"], [("SC-050", "1.00")])
    await enroll(client, world, program, h[0]["id"], [("SC-051", "10.00")])
    rep = await dry_run(client, world, program)
    kinds = {x["kind"]: x for x in rep["exceptions"]}
    assert kinds["no_bank_account"]["held"] and "fund_short" in kinds and not rep["ok"]
    r = await commit(client, world, program)
    assert r.status_code == 422 and "fund" in r.json()["detail"], r.text
    assert (await client.get(CYCLES, headers=world.official)).json()["items"] == []


async def test_roles_scope_and_problems(client, world, token_for):
    program = await program_2024(client, world)
    e = (await enroll(client, world, program, world.households[0]["id"], [("SC-060", "2.00")])).json()
    assert (await enroll(client, world, program, world.households[1]["id"], [("SC-061", "1")],
                         headers=world.approver)).status_code == 403
    assert (await enroll(client, world, program, world.households[1]["id"], [("SC-061", "1")],
                         headers=world.other_official)).status_code == 404
    assert (await client.get(ENROLL, headers=world.other_official)).json()["items"] == []
    r = await enroll(client, world, program, world.households[1]["id"], [("SC-062", "1.234")])
    assert r.status_code in (400, 422) and "area_mu" in r.text
    r = await client.post(CHANGES, headers=world.official, json={
        "enrollment_id": e["id"], "action": "remeasure", "effective_date": "2026-02-01", "reason": "x"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "parcel_code", r.text
    r = await client.post(CHANGES, headers=world.official, json={
        "enrollment_id": e["id"], "action": "remove_parcel", "effective_date": "2026-02-01", "reason": "x",
        "parcel_code": "NOPE"})
    assert r.status_code == 422, r.text
    c = await change(client, world, e["id"], "set_months", "2026-02-01", approve=False, months=3)
    r = await client.post(f"{CHANGES}/{c['id']}/reject", headers=world.approver, json={"reason": "no"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert (await client.post(f"{CHANGES}/{c['id']}/approve", headers=world.approver)).status_code == 409
    community = await token_for("community", party_id=world.households[0]["id"])
    assert (await client.get(ENROLL, headers=community)).status_code == 403


async def test_import_register_dry_run_and_commit(client, world):
    program = await program_2024(client, world)
    h = world.households
    head = "村,户主,身份证后四位,小班号,面积(亩),地类,纳入日期,林权证号\n"
    rows = [f"营盘圩村,{h[0]['name']},{id_number(1)[-4:]},IM-1,3.50,公益林,2024-01-01,LQZ-1",
            f"营盘圩村,{h[0]['name']},{id_number(1)[-4:]},IM-2,1.25,公益林,2024-01-01,LQZ-1",
            f"营盘圩村,{h[1]['name']},{id_number(2)[-4:]},IM-1,2.00,公益林,2024-01-01,LQZ-2",
            "营盘圩村,无此人,9999,IM-3,2.00,公益林,2024-01-01,",
            f"营盘圩村,{h[2]['name']},{id_number(3)[-4:]},IM-4,2.001,公益林,2024-01-01,"]
    content = (head + "\n".join(rows) + "\n").encode("gb18030")
    files = {"file": ("register.csv", content, "text/csv")}
    r = await client.post(f"{ENROLL}/import", params={"dry_run": "true"}, headers=world.official, files=files,
                          data={"program_id": str(program["id"])})
    assert r.status_code == 200, r.text
    rep = r.json()
    assert not rep["ok"] and rep["encoding"] == "GB18030"
    fields = {(e["row"], e["field"]) for e in rep["errors"]}
    assert {(4, "parcel_code"), (5, "household_head"), (6, "area_mu")} <= fields
    r = await client.post(f"{ENROLL}/import", headers=world.official, files=files, data={"program_id": str(program["id"])})
    assert r.status_code == 422 and (await client.get(ENROLL, headers=world.official)).json()["items"] == []
    good = (head + "\n".join(rows[:2]) + "\n").encode()
    r = await client.post(f"{ENROLL}/import", headers=world.official, data={"program_id": str(program["id"])},
                          files={"file": ("register.csv", good, "text/csv")})
    assert r.status_code == 201 and r.json()["enrollments"] == 1 and r.json()["parcels"] == 2, r.text
    got = (await client.get(ENROLL, headers=world.official)).json()["items"]
    assert got[0]["basis"]["area_mu"] == "4.75"
