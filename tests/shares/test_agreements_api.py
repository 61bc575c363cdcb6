"""Benefit-sharing agreements through the API: versions by date, dry run then commit, one entry per
run, scope, idempotent retries and a stakeholder's history."""

from __future__ import annotations

from tests.helpers import balance
from tests.shares.support import distribute, make_agreement, revenue, stakeholders


async def test_shares_must_sum_to_exactly_10000(client, admin):
    who = await stakeholders(client, admin)
    r = await client.post("/api/v1/share-agreements", json={
        "name": "x", "pool_kind": "ecotourism", "county_code": "330110",
        "first_version": {"effective_from": "2026-01-01", "stakeholders": [
            {"party_id": who["village"], "share_bps": 6000}, {"party_id": who["coop"], "share_bps": 3999}]}},
        headers=admin)
    assert r.status_code == 422 and "9999" in r.text


async def test_dry_run_then_commit_in_one_entry(client, admin, auditor):
    who = await stakeholders(client, admin)
    a = await make_agreement(client, admin, who, shares=(3333, 3333, 1, 3333))
    await revenue(client, admin, a, "100.00")
    dry = await distribute(client, admin, a, "0.10", dry_run=True)
    assert dry.status_code == 200, dry.text
    plan = dry.json()
    assert plan["dry_run"] and plan["id"] is None and plan["entry_id"] is None
    assert sum(int(x["amount"].replace(".", "")) for x in plan["lines"]) == 10
    assert (await balance(client, admin, a["pool_account_id"]))["posted"] == "100.00"  # nothing written
    r = await distribute(client, admin, a, "0.10")
    assert r.status_code == 201, r.text
    run = r.json()
    assert [x["amount"] for x in run["lines"]] == [x["amount"] for x in plan["lines"]]
    entry = (await client.get(f"/api/v1/ledger/entries/{run['entry_id']}", headers=auditor)).json()
    assert entry["kind"] == "distribution" and entry["metadata"]["distribution_id"] == run["id"]
    assert entry["metadata"]["agreement_version"] == 1
    assert len([p for p in entry["postings"] if p["amount"].startswith("-")]) == sum(
        1 for x in run["lines"] if x["amount"] != "0.00")
    assert (await balance(client, admin, a["pool_account_id"]))["posted"] == "99.90"


async def test_required_examples_through_the_api(client, admin):
    who = await stakeholders(client, admin)
    thirds = {"village": 3333, "coop": 3333, "ngo": 3334}
    r = await client.post("/api/v1/share-agreements", json={
        "name": "thirds", "pool_kind": "carbon_credit", "county_code": "330110",
        "first_version": {"effective_from": "2026-01-01", "stakeholders": [
            {"party_id": who[k], "share_bps": s} for k, s in thirds.items()]}}, headers=admin)
    a = r.json()
    await revenue(client, admin, a, "1.00")
    lines = {x["party_id"]: x for x in (await distribute(client, admin, a, "0.10")).json()["lines"]}
    assert (lines[who["village"]]["amount"], lines[who["coop"]]["amount"], lines[who["ngo"]]["amount"]) == \
        ("0.03", "0.03", "0.04")
    assert lines[who["ngo"]]["exact_share"] == "0.03334" and lines[who["ngo"]]["remainder_fen"]
    halves = (await client.post("/api/v1/share-agreements", json={
        "name": "halves", "pool_kind": "ecotourism", "county_code": "330110",
        "first_version": {"effective_from": "2026-01-01", "stakeholders": [
            {"party_id": who["coop"], "share_bps": 5000}, {"party_id": who["village"], "share_bps": 5000}]}},
        headers=admin)).json()
    await revenue(client, admin, halves, "0.05")
    lower = min(who["coop"], who["village"])
    for _ in range(3):
        run = (await distribute(client, admin, halves, "0.01")).json()
        assert [x["party_id"] for x in run["lines"] if x["amount"] == "0.01"] == [lower]


async def test_whole_pool_and_overdraft(client, admin):
    who = await stakeholders(client, admin)
    a = await make_agreement(client, admin, who)
    await revenue(client, admin, a, "1000.00")
    too_much = await distribute(client, admin, a, "1000.01")
    assert too_much.status_code == 422 and too_much.json()["available"] == "1000.00"
    run = (await distribute(client, admin, a, None)).json()
    assert run["amount"] == "1000.00" and run["pool_available_after"] == "0.00"
    assert [x["amount"] for x in run["lines"]] == ["400.00", "300.00", "100.00", "200.00"]
    village = (await client.get(f"/api/v1/parties/{who['village']}", headers=admin)).json()
    assert (await balance(client, admin, village["benefit_account_id"]))["posted"] == "400.00"
    assert (await distribute(client, admin, a, None)).status_code == 422  # nothing left


async def test_versions_apply_by_effective_date_and_never_rewrite_the_past(client, admin):
    who = await stakeholders(client, admin)
    a = await make_agreement(client, admin, who)
    await revenue(client, admin, a, "2000.00")
    v2 = {"effective_from": "2026-07-01", "note": "village share raised after the 2026 assembly", "stakeholders": [
        {"party_id": who["village"], "share_bps": 6000}, {"party_id": who["coop"], "share_bps": 2000},
        {"party_id": who["ngo"], "share_bps": 500}, {"party_id": who["county"], "share_bps": 1500}]}
    r = await client.post(f"/api/v1/share-agreements/{a['id']}/versions", json=v2, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 2
    before = (await distribute(client, admin, a, "100.00", day="2026-06-30")).json()
    after = (await distribute(client, admin, a, "100.00", day="2026-07-01")).json()
    assert before["version"] == 1 and before["lines"][0]["amount"] == "40.00"
    assert after["version"] == 2 and after["lines"][0]["amount"] == "60.00"
    versions = (await client.get(f"/api/v1/share-agreements/{a['id']}/versions", headers=admin)).json()
    assert versions[0]["effective_to"] == "2026-06-30" and versions[1]["effective_to"] is None
    # A version starting on or before a run already made, or before the latest version, is refused.
    for day in ("2026-07-01", "2026-06-15"):
        r = await client.post(f"/api/v1/share-agreements/{a['id']}/versions", json={**v2, "effective_from": day},
                              headers=admin)
        assert r.status_code == 409, r.text
    # The past run still reads as it was.
    first = (await client.get(f"/api/v1/share-agreements/{a['id']}/distributions/{before['id']}", headers=admin)).json()
    assert first["version"] == 1 and first["lines"][0]["amount"] == "40.00"
    early = await distribute(client, admin, a, "1.00", day="2025-12-31")
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "effective_date"


async def test_idempotent_distribution(client, admin):
    who = await stakeholders(client, admin)
    a = await make_agreement(client, admin, who)
    await revenue(client, admin, a, "500.00")
    r1 = await distribute(client, admin, a, "100.00", key="run-q1")
    r2 = await distribute(client, admin, a, "100.00", key="run-q1")
    assert r1.status_code == r2.status_code == 201 and r1.json() == r2.json()
    assert r2.headers.get("idempotent-replayed") == "true"
    assert (await distribute(client, admin, a, "200.00", key="run-q1")).status_code == 409
    runs = (await client.get(f"/api/v1/share-agreements/{a['id']}/distributions", headers=admin)).json()["items"]
    assert len(runs) == 1
    assert (await balance(client, admin, a["pool_account_id"]))["posted"] == "400.00"


async def test_who_manages_and_who_reads(client, admin, auditor, token_for):
    who = await stakeholders(client, admin)
    official = await token_for("official", county_code="330110")
    a = await make_agreement(client, official, who)
    other = await token_for("official", county_code="360827")
    assert (await client.get(f"/api/v1/share-agreements/{a['id']}", headers=other)).status_code == 404
    assert (await distribute(client, other, a, "1.00")).status_code == 404
    r = await client.post("/api/v1/share-agreements", json={
        "name": "not mine", "pool_kind": "ecotourism", "county_code": "330110",
        "first_version": {"effective_from": "2026-01-01", "stakeholders": [{"party_id": who["village"], "share_bps": 10000}]}},
        headers=other)
    assert r.status_code == 403
    approver = await token_for("approver", county_code="330110")
    assert (await client.get(f"/api/v1/share-agreements/{a['id']}", headers=approver)).status_code == 200
    assert (await distribute(client, approver, a, "1.00")).status_code == 403
    assert (await client.get(f"/api/v1/share-agreements/{a['id']}", headers=auditor)).status_code == 200
    assert (await distribute(client, auditor, a, "1.00")).status_code == 403
    trustee = await token_for("trustee", trust_id=999)
    assert (await client.get(f"/api/v1/share-agreements/{a['id']}", headers=trustee)).status_code == 404
    assert (await client.get("/api/v1/share-agreements", headers=trustee)).json()["items"] == []


async def test_stakeholder_history(client, admin, token_for):
    who = await stakeholders(client, admin)
    a = await make_agreement(client, admin, who)
    await revenue(client, admin, a, "300.00")
    await distribute(client, admin, a, "100.00", day="2026-03-31")
    await client.post(f"/api/v1/share-agreements/{a['id']}/versions", json={
        "effective_from": "2026-04-01", "stakeholders": [
            {"party_id": who["village"], "share_bps": 5000}, {"party_id": who["coop"], "share_bps": 2000},
            {"party_id": who["ngo"], "share_bps": 1000}, {"party_id": who["county"], "share_bps": 2000}]}, headers=admin)
    await distribute(client, admin, a, "100.00", day="2026-06-30")
    community = await token_for("community", party_id=who["village"])
    h = (await client.get(f"/api/v1/share-agreements/stakeholders/{who['village']}/history", headers=community)).json()
    assert [(s["version"], s["share_bps"]) for s in h["shares"]] == [(1, 4000), (2, 5000)]
    assert [d["amount"] for d in h["distributions"]] == ["40.00", "50.00"]
    assert h["total_received"] == {"CNY": "90.00"}
    other = await client.get(f"/api/v1/share-agreements/stakeholders/{who['coop']}/history", headers=community)
    assert other.status_code == 404


async def test_dry_run_query_parameter_writes_nothing(client, admin):
    """`?dry_run=true`, the convention of batches and imports, is the body's `dry_run` for distributions."""
    who = await stakeholders(client, admin)
    a = await make_agreement(client, admin, who)
    await revenue(client, admin, a, "100.00")
    url = f"/api/v1/share-agreements/{a['id']}/distributions?dry_run=true"
    r = await client.post(url, json={"effective_date": "2026-03-31", "amount": "10.00"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["dry_run"] and r.json()["id"] is None
    assert r.json() == (await distribute(client, admin, a, "10.00", dry_run=True)).json()
    assert (await balance(client, admin, a["pool_account_id"]))["posted"] == "100.00"
