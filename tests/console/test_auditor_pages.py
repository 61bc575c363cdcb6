"""The auditor's pages: an anomaly followed to its entries, the journal's filters and drill-down (postings,
hash, the entries around it), flows as a Sankey picture, the trial balance, the ledger check, and every
report downloaded through the console; nothing here writes, and nobody else gets in."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from service.ledger import service as ledger
from service.parties.service import benefit_account_id
from tests.console import roles_world
from tests.console.support import browser_for
from tests.helpers import tamper


async def plant_duplicate(db, w: dict[str, Any]) -> list[int]:
    """Two posted payments to one household under one program and period: the duplicate check's case."""
    sequences = []
    async with db.writing() as s:
        dst = await benefit_account_id(s, w["homes"][1])
        for day in ("2026-03-01", "2026-03-02"):
            entry = await ledger.record_entry(
                s, kind="payment", legs=ledger.transfer(w["fund"], dst, 12_345), actor=w["admin"],
                effective_date=date.fromisoformat(day), memo="hand-entered compensation",
                metadata={"county_code": "360827", "period": "2026", "program_id": "P-hand",
                          "payee_party_id": w["homes"][1]})
            sequences.append(entry.sequence)
    return sequences


async def test_the_auditor_opens_an_anomaly_and_follows_it_to_its_entries(client, db):
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    sequences = await plant_duplicate(db, w)
    b = await browser_for(client, "auditor")
    assert (await b.get("/console/")).headers["location"] == "/console/audit/anomalies"
    r = await b.get("/console/audit/anomalies?lang=en")
    assert r.status_code == 200, r.text[:500]
    assert 'data-check="duplicate_payment"' in r.text and "Duplicate payment" in r.text
    link = r.text.split('data-check="duplicate_payment"')[1].split('href="')[1].split('"')[0]
    finding = await b.get(link.replace("&amp;", "&"))
    assert finding.status_code == 200 and "Entries behind it" in finding.text
    entry_ids = [int(x.split('"')[0]) for x in finding.text.split('data-entry="')[1:]]
    assert len(entry_ids) == 2
    entry = await b.get(f"/console/audit/journal/{entry_ids[0]}?lang=en")
    assert entry.status_code == 200
    assert "matches" in entry.text and 'id="around"' in entry.text and "hand-entered compensation" in entry.text
    assert f">{sequences[0]}<" in entry.text and "P-hand" in entry.text  # its sequence and metadata


async def test_the_journal_filters_and_its_refusals(client, db):
    await roles_world.build(db, with_trust=False, with_patrols=False)
    b = await browser_for(client, "auditor")
    everything = await b.get("/console/audit/journal")
    assert everything.status_code == 200 and everything.text.count("data-entry=") >= 5
    pending = await b.get("/console/audit/journal?kind=payment&status=pending&date_from=&date_to=&account=")
    assert pending.status_code == 200 and pending.text.count("data-entry=") == 3  # one payment, a batch of two
    fund = await b.get("/console/audit/journal?account=fund:360827:eco&status=")
    assert fund.status_code == 200 and fund.text.count("data-entry=") == 2  # county budget in, program funding out
    bad = await b.get("/console/audit/journal?date_from=31/03/2026&sequence_to=x&account=nope")
    assert bad.status_code == 422
    for field in ("j-e-date_from", "j-e-sequence_to", "j-e-account"):
        assert f'id="{field}"' in bad.text, field
    async with db.reading() as s:
        pending_entry = (await ledger.list_entries(s, status="pending", limit=1))[0]
    r = await b.get(f"/console/audit/journal/{pending_entry.id}?lang=zh")
    assert r.status_code == 200 and "不在哈希链中" in r.text
    assert (await b.get("/console/audit/journal/999999")).status_code == 404


async def test_flows_trial_balance_and_the_ledger_check(client, db):
    await roles_world.build(db, with_trust=False, with_patrols=False)
    b = await browser_for(client, "auditor")
    flows = await b.get("/console/audit/flows?by=county&lang=en")
    assert flows.status_code == 200 and "<svg" in flows.text and "<path" in flows.text
    assert (await b.get("/console/audit/flows?by=nonsense")).status_code == 400
    tb = await b.get("/console/audit/trial-balance?lang=en")
    assert tb.status_code == 200 and "the books balance" in tb.text
    idle = await b.get("/console/audit/verify")
    assert 'id="verify-result"' not in idle.text
    checked = await b.get("/console/audit/verify?run=true&lang=en")
    async with db.reading() as s:
        sequence, head_hash = await ledger.head(s)
    assert "The ledger is intact." in checked.text and head_hash in checked.text and f"#{sequence}" in checked.text


async def test_a_tampered_entry_shows_on_its_page_and_in_the_check(client, db):
    await roles_world.build(db, with_trust=False, with_patrols=False)
    async with db.reading() as s:
        first = (await ledger.list_entries(s, status="posted", limit=1))[0]
    await tamper(db, "UPDATE journal_entries SET memo = 'edited later' WHERE id = :id", id=first.id)
    b = await browser_for(client, "auditor")
    page = await b.get(f"/console/audit/journal/{first.id}?lang=en")
    assert "The hash does not check" in page.text
    checked = await b.get("/console/audit/verify?run=true&lang=en")
    assert "The ledger does NOT verify." in checked.text


FILES = [("audit.json", "application/json"), ("audit.xlsx", "spreadsheetml"), ("trial-balance.csv", "text/csv"),
         ("flows.csv", "text/csv"), ("anomalies.csv", "text/csv"), ("journal.parquet", "parquet"),
         ("transparency.json", "application/json"), ("transparency.csv", "text/csv"),
         ("transparency.parquet", "parquet"), ("transparency.xlsx", "spreadsheetml"),
         ("transparency.html", "text/html"), ("360giving.json", "application/json"),
         ("360giving.csv", "text/csv"), ("360giving.xlsx", "spreadsheetml")]


async def test_every_report_downloads_through_the_console(client, db):
    await roles_world.build(db, with_trust=False, with_patrols=False)
    b = await browser_for(client, "auditor")
    listing = await b.get("/console/audit/downloads?at=")
    assert listing.status_code == 200
    async with db.reading() as s:
        sequence, head_hash = await ledger.head(s)
    for name, media in FILES:
        assert f"/console/audit/downloads/{name}" in listing.text, name
        r = await b.get(f"/console/audit/downloads/{name}")
        assert r.status_code == 200 and media in r.headers["content-type"], (name, r.status_code, r.text[:300])
        assert r.headers["x-ledger-sequence"] == str(sequence) and r.headers["x-ledger-hash"] == head_hash
    import io

    journal = pl.read_parquet(io.BytesIO((await b.get("/console/audit/downloads/journal.parquet")).content))
    assert journal.height > 0
    earlier = await b.get("/console/audit/downloads/audit.json?at=1")
    assert earlier.headers["x-ledger-sequence"] == "1"
    for name in ("audit.csv", "secrets.json", "journal"):
        assert (await b.get(f"/console/audit/downloads/{name}")).status_code == 404


@pytest.mark.parametrize("role", ["official", "approver", "trustee", "community"])
async def test_the_audit_pages_are_the_auditors(client, db, role):
    await roles_world.build(db, with_patrols=False)
    b = await browser_for(client, {"community": "household"}.get(role, role))
    for path in ("/console/audit/anomalies", "/console/audit/journal", "/console/audit/downloads/audit.json"):
        assert (await b.get(path)).status_code == 403, (role, path)
