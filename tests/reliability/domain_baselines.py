"""Valid baseline bodies for the domains' JSON write endpoints (test_hostile.BASELINES).

Each baseline returns (url, body): a write that succeeds as sent, built on one county of objects
(tests.reliability.domain_world) made once per test; objects a write consumes (a pending payment to
reject, a certificate to revoke) are made fresh for it. The hostile requests are sent as admin.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from tests.helpers import create_party
from tests.reliability.domain_world import county_objects

COUNTY = "360827"
TODAY = date.today()
_CTX: dict[str, dict[str, Any]] = {}
_n = itertools.count(1)


async def _token(c, admin, role: str, **scope: Any) -> dict[str, str]:
    r = await c.post("/api/v1/auth/tokens", json={"name": f"hostile {role}", "role": role, **scope}, headers=admin)
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def ctx(c, admin) -> dict[str, Any]:
    """One county of objects per test (keyed by the test's admin token: each test has a fresh one)."""
    key = admin["Authorization"]
    if key not in _CTX:
        _CTX.clear()
        official = await _token(c, admin, "official", county_code=COUNTY)
        approver = await _token(c, admin, "approver", county_code=COUNTY)
        _CTX[key] = {**await county_objects(c, admin, COUNTY, official, approver),
                     "official": official, "approver": approver}
    return _CTX[key]


async def _ok(r, status: int = 201) -> dict[str, Any]:
    assert r.status_code == status, r.text
    return r.json()


async def _payment(c, x: dict[str, Any], approved: bool) -> int:
    month = 6 + next(_n) % 6
    payee = await create_party(c, x["official"], kind="household", org_type=None, name=f"Payee {next(_n)}",
                               parent_id=x["village"])
    p = await _ok(await c.post("/api/v1/payments", headers=x["official"], json={
        "program_id": x["program_id"], "payee_party_id": payee["id"], "period": f"2026-{month:02d}", "area_mu": "1.00"}))
    if approved:
        await _ok(await c.post(f"/api/v1/payments/{p['id']}/approve", headers=x["approver"]), 200)
    return p["id"]


async def _cert(c, x: dict[str, Any]) -> int:
    n = next(_n)
    coop = await create_party(c, x["official"], org_type="cooperative", name=f"Coop {n}", division_code=COUNTY)
    return (await _ok(await c.post("/api/v1/certifications", headers=x["official"], json=_cert_body(x, coop["id"], n))))["id"]


def _cert_body(x: dict[str, Any], holder: int, n: int) -> dict[str, Any]:
    return {"scheme": "organic", "certificate_number": f"H-{n}", "issuing_body_party_id": x["bureau"],
            "holder_party_id": holder, "product": "Tea", "area_mu": "3.5", "valid_from": str(TODAY - timedelta(days=30)),
            "valid_to": str(TODAY + timedelta(days=300)), "trace_prefix": f"H{n}-"}


async def _stipend_ready(c, x: dict[str, Any]) -> dict[str, Any]:
    """A verified patrol log in a month of its own and a rule for it: a stipend run can be made."""
    n = next(_n)
    month = f"{2015 + n // 12}-{n % 12 + 1:02d}"  # a past month of its own
    log = await _ok(await c.post("/api/v1/patrol-logs", headers=x["official"], json={
        "team_id": x["team_id"], "member_party_ids": [x["homes"][0]], "patrol_date": f"{month}-03",
        "start_time": "06:30", "end_time": "10:30"}))
    await _ok(await c.post(f"/api/v1/patrol-logs/{log['id']}/verify", headers=x["approver"]), 200)
    return {"rule_id": x["rule_id"], "period": month}


async def programs(c, a):
    return "/api/v1/programs", {"name": "Wetland", "legal_basis": "Doc 9", "county_code": COUNTY,
                                "period_start": "2026-01-01", "period_end": "2026-12-31",
                                "rule_kind": "per_household", "rate": "500.00"}


async def funding(c, a):
    x = await ctx(c, a)
    return f"/api/v1/programs/{x['program_id']}/funding", {"source_account_id": x["fund"], "amount": "1.00"}


async def budget_sources(c, a):
    return "/api/v1/budget-sources", {"province_code": "52", "name": "Guizhou provincial budget transfers"}


async def budget_receipts(c, a):
    await ctx(c, a)
    r = await c.post("/api/v1/budget-sources", json={"province_code": COUNTY[:2]}, headers=a)
    assert r.status_code in (201, 409), r.text  # registered once per province
    return "/api/v1/budget-receipts", {"county_code": COUNTY, "amount": "1.00", "memo": "Gan Cai [2026] No. 7"}


async def reject_funding(c, a):
    x = await ctx(c, a)
    f = await _ok(await c.post(f"/api/v1/programs/{x['program_id']}/funding", headers=x["official"],
                               json={"source_account_id": x["fund"], "amount": "1.00"}))
    return f"/api/v1/fundings/{f['id']}/reject", {"reason": "wrong program"}


async def payments(c, a):
    x = await ctx(c, a)
    return "/api/v1/payments", {"program_id": x["program_id"], "payee_party_id": x["homes"][2], "period": "2026-12",
                                "area_mu": "2.00"}


async def mark_paid(c, a):
    x = await ctx(c, a)
    return (f"/api/v1/payments/{await _payment(c, x, True)}/mark-paid",
            {"bank_reference": "BANK-1", "paid_on": "2026-03-05"})


async def reject_payment(c, a):
    x = await ctx(c, a)
    return f"/api/v1/payments/{await _payment(c, x, False)}/reject", {"reason": "wrong area"}


async def reverse_payment(c, a):
    x = await ctx(c, a)
    return f"/api/v1/payments/{await _payment(c, x, True)}/reverse", {"reason": "wrong payee"}


async def trusts(c, a):
    trustee = await create_party(c, a, org_type="trust_company", name=f"Trust company {next(_n)}")
    return "/api/v1/trusts", {
        "name": "Water fund H", "purpose": "protection", "trustee_party_id": trustee["id"], "agreement_reference": "TA-H",
        "starts_on": "2026-01-01", "fee_bps": 100, "allocations": [{"key": "all", "name": "All", "share_bps": 10000}]}


async def settlors(c, a):
    x = await ctx(c, a)
    donor = await create_party(c, a, org_type="ngo", name=f"Donor {next(_n)}")
    return f"/api/v1/trusts/{x['trust_id']}/settlors", {"party_id": donor["id"], "category": "donor"}


async def contributions(c, a):
    x = await ctx(c, a)
    return f"/api/v1/trusts/{x['trust_id']}/contributions", {
        "settlor_party_id": x["trust_settlor"], "amount": "1000.00", "received_on": "2026-02-01", "reference": "BANK-1"}


async def disbursements(c, a):
    url, body = await contributions(c, a)
    await _ok(await c.post(url, json=body, headers=a))
    x = await ctx(c, a)
    return f"/api/v1/trusts/{x['trust_id']}/disbursements", {"purpose": "protection", "amount": "1.00",
                                                             "paid_on": "2026-03-01"}


def _stakeholders(x: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"party_id": x["village"], "share_bps": 5000}, {"party_id": x["homes"][0], "share_bps": 5000}]


async def agreements(c, a):
    x = await ctx(c, a)
    return "/api/v1/share-agreements", {"name": "Carbon", "pool_kind": "carbon_credit", "county_code": COUNTY,
                                        "first_version": {"effective_from": "2026-01-01", "stakeholders": _stakeholders(x)}}


async def versions(c, a):
    x = await ctx(c, a)
    return f"/api/v1/share-agreements/{x['agreement_id']}/versions", {
        "effective_from": "2030-01-01", "stakeholders": _stakeholders(x)}


async def revenue(c, a):
    x = await ctx(c, a)
    return f"/api/v1/share-agreements/{x['agreement_id']}/revenue", {"amount": "5.00", "received_on": "2026-02-01"}


async def distributions(c, a):
    x = await ctx(c, a)
    return f"/api/v1/share-agreements/{x['agreement_id']}/distributions", {"amount": "1.00",
                                                                          "effective_date": "2026-04-30"}


async def teams(c, a):
    x = await ctx(c, a)
    return "/api/v1/patrol-teams", {"name": "River patrol", "village_party_id": x["village"]}


async def members(c, a):
    x = await ctx(c, a)
    return f"/api/v1/patrol-teams/{x['team_id']}/members", {"party_id": x["homes"][1], "code": "M2"}


async def logs(c, a):
    x = await ctx(c, a)
    return "/api/v1/patrol-logs", {"team_id": x["team_id"], "member_party_ids": [x["homes"][0]],
                                   "patrol_date": "2026-05-01", "start_time": "06:30", "end_time": "10:30"}


async def reject_log(c, a):
    x = await ctx(c, a)
    url, body = await logs(c, a)
    log = await _ok(await c.post(url, json={**body, "patrol_date": f"2026-07-{next(_n) % 28 + 1:02d}"},
                                 headers=x["official"]))
    return f"/api/v1/patrol-logs/{log['id']}/reject", {"reason": "no GPS track"}


async def stipend_rules(c, a):
    x = await ctx(c, a)
    return "/api/v1/stipend-rules", {"name": "Hourly", "county_code": COUNTY, "basis": "hour", "rate": "10.00",
                                     "monthly_cap": "500.00", "funding_account_id": x["fund"]}


async def stipend_runs(c, a):
    return "/api/v1/stipend-runs", await _stipend_ready(c, await ctx(c, a))


async def stipend_dry_run(c, a):
    return "/api/v1/stipend-runs/dry-run", await _stipend_ready(c, await ctx(c, a))


async def reject_run(c, a):
    x = await ctx(c, a)
    run = await _ok(await c.post("/api/v1/stipend-runs", json=await _stipend_ready(c, x), headers=x["official"]))
    return f"/api/v1/stipend-runs/{run['id']}/reject", {"reason": "recount"}


async def certifications(c, a):
    x = await ctx(c, a)
    return "/api/v1/certifications", _cert_body(x, x["homes"][2], next(_n))


def cert_action(action: str, suspended: bool = False):
    async def baseline(c, a):
        x = await ctx(c, a)
        cert = await _cert(c, x)
        if suspended:
            await _ok(await c.post(f"/api/v1/certifications/{cert}/suspend", json={"reason": "test"}, headers=a), 200)
        return f"/api/v1/certifications/{cert}/{action}", {"reason": "inspection"}

    return baseline


async def levy_rules(c, a):
    x = await ctx(c, a)
    return "/api/v1/eco-product-sales/levy-rules", {"name": "3% levy", "county_code": COUNTY, "basis_points": 300,
                                                    "village_party_id": x["village"]}


async def sales(c, a):
    x = await ctx(c, a)
    return "/api/v1/eco-product-sales", {"certification_id": x["cert_id"], "quantity": "2", "unit": "kg",
                                         "amount": "20.00", "sale_date": str(TODAY)}


async def _household(c, x: dict[str, Any]) -> int:
    n = next(_n)
    home = await create_party(c, x["official"], kind="household", org_type=None, name=f"Enrolled {n}",
                              parent_id=x["village"], id_number=f"{COUNTY}19900101{n % 1000:03d}X",
                              bank_account_tail="4321")
    return home["id"]


async def _enrollment(c, a) -> int:
    url, body = await enrollments(c, a)
    return (await _ok(await c.post(url, json=body, headers=(await ctx(c, a))["official"])))["id"]


async def enrollments(c, a):
    x = await ctx(c, a)
    return "/api/v1/enrollments", {
        "program_id": x["program_id"], "household_party_id": await _household(c, x), "start_date": "2026-01-01",
        "evidence": "LQZ-2026-001", "parcels": [{"parcel_code": f"H-{next(_n)}", "area_mu": "2.50"}], "months": 12}


async def change_requests(c, a):
    return "/api/v1/change-requests", {
        "enrollment_id": await _enrollment(c, a), "action": "add_parcel", "effective_date": "2026-08-01",
        "reason": "township survey", "parcel_code": f"H-{next(_n)}", "area_mu": "1.00", "evidence": "LQZ-2026-002"}


async def reject_change(c, a):
    x = await ctx(c, a)
    url, body = await change_requests(c, a)
    change = await _ok(await c.post(url, json=body, headers=x["official"]))
    return f"/api/v1/change-requests/{change['id']}/reject", {"reason": "no survey record"}


def cycle(path: str):
    async def baseline(c, a):
        x = await ctx(c, a)
        await _enrollment(c, a)
        month = next(_n) % 5 + 1  # the world's cycle is July's; the payments' are June to December
        return path, {"program_id": x["program_id"], "period": f"2026-{month:02d}", "effective_date": "2026-06-01"}

    return baseline


async def roots(c, a):
    await ctx(c, a)  # entries posted: there is a head to publish
    return "/api/v1/roots", {"period": TODAY.strftime("%Y-%m")}


async def grievances(c, a):
    x = await ctx(c, a)
    return "/api/v1/grievances", {"kind": "other", "text": "the stipend for May is missing",
                                  "party_id": x["homes"][1]}


async def _grievance(c, x: dict[str, Any]) -> int:
    return (await _ok(await c.post("/api/v1/grievances", headers=x["official"], json={
        "kind": "other", "text": "hostile", "party_id": x["homes"][1]})))["id"]


def grievance_action(action: str):
    async def baseline(c, a):
        x = await ctx(c, a)
        return f"/api/v1/grievances/{await _grievance(c, x)}/{action}", {"text": "checked with the township"}

    return baseline


async def grievance_evidence(c, a):
    x = await ctx(c, a)
    head = (await c.get("/api/v1/ledger/head", headers=a)).json()
    return f"/api/v1/grievances/{await _grievance(c, x)}/evidence", {
        "bank_reference": "BANK-7", "entry_sequence": head["sequence"]}


BASELINES = {
    ("POST", "/api/v1/programs"): programs,
    ("POST", "/api/v1/programs/{program_id}/funding"): funding,
    ("POST", "/api/v1/fundings/{funding_id}/reject"): reject_funding,
    ("POST", "/api/v1/budget-sources"): budget_sources,
    ("POST", "/api/v1/budget-receipts"): budget_receipts,
    ("POST", "/api/v1/payments"): payments,
    ("POST", "/api/v1/payments/{payment_id}/mark-paid"): mark_paid,
    ("POST", "/api/v1/payments/{payment_id}/reject"): reject_payment,
    ("POST", "/api/v1/payments/{payment_id}/reverse"): reverse_payment,
    ("POST", "/api/v1/trusts"): trusts,
    ("POST", "/api/v1/trusts/{trust_id}/settlors"): settlors,
    ("POST", "/api/v1/trusts/{trust_id}/contributions"): contributions,
    ("POST", "/api/v1/trusts/{trust_id}/disbursements"): disbursements,
    ("POST", "/api/v1/share-agreements"): agreements,
    ("POST", "/api/v1/share-agreements/{agreement_id}/versions"): versions,
    ("POST", "/api/v1/share-agreements/{agreement_id}/revenue"): revenue,
    ("POST", "/api/v1/share-agreements/{agreement_id}/distributions"): distributions,
    ("POST", "/api/v1/patrol-teams"): teams,
    ("POST", "/api/v1/patrol-teams/{team_id}/members"): members,
    ("POST", "/api/v1/patrol-logs"): logs,
    ("POST", "/api/v1/patrol-logs/{log_id}/reject"): reject_log,
    ("POST", "/api/v1/stipend-rules"): stipend_rules,
    ("POST", "/api/v1/stipend-runs"): stipend_runs,
    ("POST", "/api/v1/stipend-runs/dry-run"): stipend_dry_run,
    ("POST", "/api/v1/stipend-runs/{run_id}/reject"): reject_run,
    ("POST", "/api/v1/certifications"): certifications,
    ("POST", "/api/v1/certifications/{cert_id}/suspend"): cert_action("suspend"),
    ("POST", "/api/v1/certifications/{cert_id}/revoke"): cert_action("revoke"),
    ("POST", "/api/v1/certifications/{cert_id}/reinstate"): cert_action("reinstate", suspended=True),
    ("POST", "/api/v1/eco-product-sales/levy-rules"): levy_rules,
    ("POST", "/api/v1/eco-product-sales"): sales,
    ("POST", "/api/v1/enrollments"): enrollments,
    ("POST", "/api/v1/change-requests"): change_requests,
    ("POST", "/api/v1/change-requests/{change_id}/reject"): reject_change,
    ("POST", "/api/v1/cycles"): cycle("/api/v1/cycles"),
    ("POST", "/api/v1/cycles/dry-run"): cycle("/api/v1/cycles/dry-run"),
    ("POST", "/api/v1/roots"): roots,
    ("POST", "/api/v1/grievances"): grievances,
    ("POST", "/api/v1/grievances/{grievance_id}/answers"): grievance_action("answers"),
    ("POST", "/api/v1/grievances/{grievance_id}/escalate"): grievance_action("escalate"),
    ("POST", "/api/v1/grievances/{grievance_id}/resolve"): grievance_action("resolve"),
    ("POST", "/api/v1/grievances/{grievance_id}/evidence"): grievance_evidence,
}
