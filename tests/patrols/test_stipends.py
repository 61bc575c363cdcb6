"""Stipend runs: verified work only, the monthly cap, four-eyes approval, and never paying a month twice."""

from __future__ import annotations

import asyncio
from datetime import date

from hypothesis import given, strategies as st

from service.auth.actor import Actor
from service.errors import Conflict
from service.patrols import rules, stipends
from service.patrols.schemas import StipendRunIn
from tests.helpers import balance
from tests.patrols.conftest import log, verified_log


async def make_rule(client, p, basis="patrol_day", rate="80.00", cap="800.00", **extra):
    r = await client.post("/api/v1/stipend-rules", headers=p.official, json={
        "name": "Bird patrol stipend", "county_code": "360827", "basis": basis, "rate": rate, "monthly_cap": cap,
        "funding_account_id": p.fund, **extra})
    assert r.status_code == 201, r.text
    return r.json()


async def benefits(client, p, party_id, headers):
    team = (await client.get(f"/api/v1/patrol-teams/{p.team}", headers=p.approver)).json()
    account = next(m["benefit_account_id"] for m in team["members"] if m["party_id"] == party_id)
    return await balance(client, headers, account)


async def test_month_is_dry_run_committed_approved_and_never_paid_twice(client, patrol, admin):
    a, b, c = patrol.members[:3]
    for day in range(1, 13):  # a: 12 days -> 960.00, capped at 800.00
        await verified_log(client, patrol, [a], f"2025-03-{day:02d}")
    await verified_log(client, patrol, [b], "2025-03-02", start="14:00", end="18:00")
    await verified_log(client, patrol, [b], "2025-03-02", start="19:00", end="20:00")  # same day counts once
    await log(client, patrol, [c], "2025-03-03")  # never verified: earns nothing
    await verified_log(client, patrol, [c], "2025-04-01")  # another month
    rule = await make_rule(client, patrol)
    body = {"rule_id": rule["id"], "period": "2025-03"}
    preview = (await client.post("/api/v1/stipend-runs/dry-run", json=body, headers=patrol.official)).json()
    lines = {l["member_party_id"]: l for l in preview["lines"]}
    assert set(lines) == {a, b} and preview["total"] == "880.00" and preview["id"] is None
    assert lines[a]["amount"] == "800.00" and lines[a]["uncapped"] == "960.00" and lines[a]["capped"]
    assert lines[a]["rule"] == "12 verified patrol-days x 80.00 CNY, capped at 800.00"
    assert lines[b]["patrol_days"] == 1 and lines[b]["amount"] == "80.00" and lines[b]["hours"] == "5:00"
    assert (await balance(client, admin, patrol.fund))["available"] == "10000.00"  # a dry run writes nothing

    run = await client.post("/api/v1/stipend-runs", json=body, headers=patrol.official)
    assert run.status_code == 201, run.text
    run = run.json()
    assert run["status"] == "pending" and run["total"] == "880.00"
    assert (await balance(client, admin, patrol.fund))["available"] == "9120.00"
    # Re-running the month pays nobody twice.
    again = await client.post("/api/v1/stipend-runs", json=body, headers=patrol.official)
    assert again.status_code == 409
    assert (await client.post("/api/v1/stipend-runs/dry-run", json=body, headers=patrol.official)).json()["already_paid"] == [a, b]
    # Four eyes: the official who committed cannot approve; the approver can.
    url = f"/api/v1/stipend-runs/{run['id']}"
    assert (await client.post(f"{url}/approve", headers=patrol.official)).status_code == 403
    approved = await client.post(f"{url}/approve", headers=patrol.approver)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and {l["status"] for l in approved.json()["lines"]} == {"posted"}
    assert (await benefits(client, patrol, a, admin))["posted"] == "800.00"
    assert (await benefits(client, patrol, b, admin))["posted"] == "80.00"
    assert (await balance(client, admin, patrol.fund))["posted"] == "9120.00"
    assert (await client.post(f"{url}/approve", headers=patrol.approver)).status_code == 409
    # A log verified late for a paid member is not paid again; a newly verified member is.
    await verified_log(client, patrol, [a], "2025-03-20")
    await verified_log(client, patrol, [patrol.members[3]], "2025-03-21")
    late = (await client.post("/api/v1/stipend-runs", json=body, headers=patrol.official)).json()
    assert [l["member_party_id"] for l in late["lines"]] == [patrol.members[3]]
    entry = (await client.get(f"/api/v1/ledger/entries/{approved.json()['lines'][0]['entry_id']}", headers=admin)).json()
    meta = entry["metadata"]
    assert entry["kind"] == "stipend" and meta["period"] == "2025-03" and meta["county_code"] == "360827"
    assert meta["stipend_run_id"] == run["id"] and meta["team_id"] == patrol.team and meta["patrol_days"] == 12


async def test_rejected_run_releases_funds_and_may_be_rerun(client, patrol, admin):
    a = patrol.members[0]
    await verified_log(client, patrol, [a], "2025-03-02")
    rule = await make_rule(client, patrol, basis="hour", rate="12.50", cap="1000.00")
    body = {"rule_id": rule["id"], "period": "2025-03"}
    run = (await client.post("/api/v1/stipend-runs", json=body, headers=patrol.official)).json()
    assert run["lines"][0]["amount"] == "50.00"  # 4 hours x 12.50
    url = f"/api/v1/stipend-runs/{run['id']}/reject"
    assert (await client.post(url, json={"reason": "x"}, headers=patrol.official)).status_code == 403
    r = await client.post(url, json={"reason": "wrong rate"}, headers=patrol.approver)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert (await balance(client, admin, patrol.fund))["available"] == "10000.00"
    rerun = await client.post("/api/v1/stipend-runs", json=body, headers=patrol.official)
    assert rerun.status_code == 201 and rerun.json()["total"] == "50.00"


async def test_run_refused_when_the_fund_is_short(client, admin, token_for):
    from tests.patrols.conftest import make_patrol

    p = await make_patrol(client, admin, token_for, fund_amount="100.00")
    for day in (2, 3):
        await verified_log(client, p, [p.members[0]], f"2025-03-0{day}")
    rule = await make_rule(client, p)
    r = await client.post("/api/v1/stipend-runs", json={"rule_id": rule["id"], "period": "2025-03"}, headers=p.official)
    assert r.status_code == 422 and r.json()["type"].endswith("insufficient-funds")
    assert (await client.get("/api/v1/stipend-runs", headers=p.official)).json()["items"] == []


async def test_rules_and_runs_are_county_scoped(client, patrol, token_for, admin):
    rule = await make_rule(client, patrol)
    stranger = await token_for("official", county_code="360425")
    assert (await client.get(f"/api/v1/stipend-rules/{rule['id']}", headers=stranger)).status_code == 404
    r = await client.post("/api/v1/stipend-runs/dry-run", json={"rule_id": rule["id"], "period": "2025-03"},
                          headers=stranger)
    assert r.status_code == 404
    r = await client.post("/api/v1/stipend-rules", headers=stranger, json={
        "name": "x", "county_code": "360827", "basis": "hour", "rate": "1.00", "monthly_cap": "2.00",
        "funding_account_id": patrol.fund})
    assert r.status_code == 422
    bad = await client.post("/api/v1/stipend-rules", headers=patrol.official, json={
        "name": "x", "county_code": "360827", "basis": "hour", "rate": 1.5, "monthly_cap": "2.00",
        "funding_account_id": patrol.fund})
    assert bad.status_code == 422
    bad = await client.post("/api/v1/stipend-runs/dry-run", json={"rule_id": rule["id"], "period": "2026-13"},
                            headers=patrol.official)
    assert bad.status_code == 422


async def test_concurrent_runs_pay_a_month_once(client, patrol, db, admin):
    a, b = patrol.members[:2]
    await verified_log(client, patrol, [a, b], "2025-03-02")
    rule = await make_rule(client, patrol)
    official = Actor(user_id=1, name="clerk", role="admin", request_id="t")
    data = StipendRunIn(rule_id=rule["id"], period="2025-03")

    async def attempt():
        try:
            async with db.writing() as session:
                await stipends.commit(session, official, data)
            return "paid"
        except Conflict:
            return "refused"
        except Exception as exc:  # the unique (rule, member, month) constraint, if both got past the check
            return type(exc).__name__

    outcomes = sorted(await asyncio.gather(*(attempt() for _ in range(4))))
    assert outcomes.count("paid") == 1, outcomes
    assert (await balance(client, admin, patrol.fund))["available"] == "9840.00"


@given(days=st.lists(st.dates(date(2026, 3, 1), date(2026, 3, 31)), min_size=1, max_size=40),
       minutes=st.integers(1, 600), rate=st.integers(1, 50_000), cap=st.integers(1, 2_000_000),
       basis=st.sampled_from(["patrol_day", "hour"]))
def test_stipend_never_exceeds_the_cap(days, minutes, rate, cap, basis):
    work = rules.summarise([(7, 1, d, minutes) for d in days])
    s = rules.stipend_for(work[0], basis, rate, cap)
    assert work[0].patrol_days == len(set(days)) and work[0].minutes == minutes * len(days)
    assert 0 <= s.amount <= cap and s.amount == min(s.uncapped, cap)
    assert s.capped == (s.uncapped > cap) and ("capped at" in s.rule_text) == s.capped


async def test_dry_run_query_parameter_is_the_dry_run_endpoint(client, patrol, admin):
    """The one dry-run convention (`?dry_run=true` on the writing POST) reaches the same preview."""
    a = patrol.members[0]
    await verified_log(client, patrol, [a], "2025-03-01")
    rule = await make_rule(client, patrol)
    body = {"rule_id": rule["id"], "period": "2025-03"}
    endpoint = await client.post("/api/v1/stipend-runs/dry-run", json=body, headers=patrol.official)
    query = await client.post("/api/v1/stipend-runs?dry_run=true", json=body, headers=patrol.official)
    assert query.status_code == 200 and query.json() == endpoint.json() and query.json()["id"] is None
    assert (await balance(client, admin, patrol.fund))["available"] == "10000.00"
    assert (await client.post("/api/v1/stipend-runs?dry_run=false", json=body, headers=patrol.official)).status_code == 201
