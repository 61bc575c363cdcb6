"""The ledger API as an admin and an approver use it: post, reserve, approve, void, reverse, verify."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.helpers import balance, funded_account, open_account, post_entry, tamper


async def test_posted_entry_moves_money_and_extends_the_chain(client, admin):
    fund, source = await funded_account(client, admin, "1000.00")
    payee = await open_account(client, admin, kind="beneficiary")
    r = await post_entry(client, admin, [(fund, "250.25"), (payee["id"], "-250.25")], memo="forest subsidy")
    assert r.status_code == 201, r.text
    entry = r.json()
    assert entry["status"] == "posted" and entry["sequence"] == 2 and len(entry["hash"]) == 64
    assert [p["amount"] for p in entry["postings"]] == ["250.25", "-250.25"]
    assert (await balance(client, admin, fund))["posted"] == "749.75"
    assert (await balance(client, admin, payee["id"]))["posted"] == "250.25"
    assert (await balance(client, admin, source))["posted"] == "1000.00"
    head = (await client.get("/api/v1/ledger/head", headers=admin)).json()
    assert head == {"sequence": 2, "hash": entry["hash"]}


async def test_pending_entry_reserves_then_second_person_posts(client, admin, token_for):
    fund, _ = await funded_account(client, admin, "100.00")
    payee = await open_account(client, admin, kind="beneficiary")
    r = await post_entry(client, admin, [(fund, "60.00"), (payee["id"], "-60.00")], pending=True)
    entry = r.json()
    assert entry["status"] == "pending" and entry["sequence"] is None
    b = await balance(client, admin, fund)
    assert (b["posted"], b["pending_out"], b["available"]) == ("100.00", "60.00", "40.00")
    # The reservation counts: a second 60.00 cannot be reserved.
    r2 = await post_entry(client, admin, [(fund, "60.00"), (payee["id"], "-60.00")], pending=True)
    assert r2.status_code == 422 and r2.headers["content-type"].startswith("application/problem+json")
    assert "40.00" in r2.json()["detail"]
    # Four eyes: the admin who entered it cannot post it; an approver can, once.
    assert (await client.post(f"/api/v1/ledger/entries/{entry['id']}/post", headers=admin)).status_code == 403
    approver = await token_for("approver", county_code="360827")
    posted = await client.post(f"/api/v1/ledger/entries/{entry['id']}/post", headers=approver)
    assert posted.status_code == 200, posted.text
    assert posted.json()["status"] == "posted" and posted.json()["approved_by"] is not None
    again = await client.post(f"/api/v1/ledger/entries/{entry['id']}/post", headers=approver)
    assert again.status_code == 409
    b = await balance(client, admin, fund)
    assert (b["posted"], b["pending_out"], b["available"]) == ("40.00", "0.00", "40.00")


async def test_void_releases_the_reservation_and_needs_a_reason(client, admin, token_for):
    fund, _ = await funded_account(client, admin, "100.00")
    payee = await open_account(client, admin, kind="beneficiary")
    entry = (await post_entry(client, admin, [(fund, "70.00"), (payee["id"], "-70.00")], pending=True)).json()
    approver = await token_for("approver", county_code="360827")
    url = f"/api/v1/ledger/entries/{entry['id']}/void"
    assert (await client.post(url, json={"reason": ""}, headers=approver)).status_code == 422
    r = await client.post(url, json={"reason": "duplicate"}, headers=approver)
    assert r.status_code == 200 and r.json()["status"] == "voided"
    assert (await balance(client, admin, fund))["available"] == "100.00"
    assert (await client.post(f"/api/v1/ledger/entries/{entry['id']}/post", headers=approver)).status_code == 409


async def test_reversal_restores_balances_once(client, admin):
    fund, _ = await funded_account(client, admin, "100.00")
    payee = await open_account(client, admin, kind="beneficiary")
    entry = (await post_entry(client, admin, [(fund, "30.00"), (payee["id"], "-30.00")])).json()
    url = f"/api/v1/ledger/entries/{entry['id']}/reverse"
    r = await client.post(url, json={"memo": "wrong household"}, headers=admin)
    assert r.status_code == 201, r.text
    rev = r.json()
    assert rev["reversal_of_id"] == entry["id"] and rev["kind"] == "reversal"
    assert [p["amount"] for p in rev["postings"]] == ["-30.00", "30.00"]
    assert (await balance(client, admin, fund))["posted"] == "100.00"
    assert (await client.post(url, json={}, headers=admin)).status_code == 409
    assert (await client.post(f"/api/v1/ledger/entries/{rev['id']}/reverse", json={}, headers=admin)).status_code == 409
    # The past is kept: as of the original entry, the payee had 30.00.
    assert (await balance(client, admin, payee["id"], as_of_sequence=entry["sequence"]))["posted"] == "30.00"


async def test_funds_cannot_go_negative(client, admin):
    fund, _ = await funded_account(client, admin, "10.00")
    payee = await open_account(client, admin, kind="beneficiary")
    r = await post_entry(client, admin, [(fund, "10.01"), (payee["id"], "-10.01")])
    assert r.status_code == 422
    body = r.json()
    assert body["available"] == "10.00" and body["requested"] == "10.01"
    assert (await balance(client, admin, fund))["posted"] == "10.00"


async def test_balance_as_of_date(client, admin):
    fund, _ = await funded_account(client, admin, "50.00", )
    payee = await open_account(client, admin, kind="beneficiary")
    await post_entry(client, admin, [(fund, "5.00"), (payee["id"], "-5.00")], effective_date="2026-01-31")
    await post_entry(client, admin, [(fund, "7.00"), (payee["id"], "-7.00")], effective_date="2026-02-28")
    assert (await balance(client, admin, payee["id"], as_of_date="2026-01-31"))["posted"] == "5.00"
    assert (await balance(client, admin, payee["id"], as_of_date="2026-02-28"))["posted"] == "12.00"


async def test_list_entries_filters(client, admin, auditor):
    fund, _ = await funded_account(client, admin, "50.00")
    payee = await open_account(client, admin, kind="beneficiary")
    await post_entry(client, admin, [(fund, "5.00"), (payee["id"], "-5.00")], pending=True)
    r = await client.get("/api/v1/ledger/entries", params={"account_id": payee["id"], "status": "pending"}, headers=auditor)
    assert r.status_code == 200
    assert [e["status"] for e in r.json()["items"]] == ["pending"]
    assert (await client.get("/api/v1/ledger/entries", params={"limit": 501}, headers=auditor)).status_code == 422


async def test_tampered_posting_is_named_by_verify(client, admin, auditor, db):
    fund, _ = await funded_account(client, admin, "100.00")
    payee = await open_account(client, admin, kind="beneficiary")
    target = (await post_entry(client, admin, [(fund, "20.00"), (payee["id"], "-20.00")])).json()
    await post_entry(client, admin, [(fund, "1.00"), (payee["id"], "-1.00")])
    ok = (await client.get("/api/v1/ledger/verify", headers=auditor)).json()
    assert ok["ok"] and ok["checked"] == 3
    await tamper(db, "UPDATE postings SET amount = amount * 10 WHERE entry_id = :e", e=target["id"])
    report = (await client.get("/api/v1/ledger/verify", headers=auditor)).json()
    assert not report["ok"]
    assert report["first_break"]["entry_id"] == target["id"]
    assert report["first_break"]["sequence"] == target["sequence"]
    assert {m["account_id"] for m in report["account_mismatches"]} == {fund, payee["id"]}


async def test_verify_of_a_broken_chain_reports_the_real_head_and_what_it_could_not_check(client, admin, auditor, db):
    fund, _ = await funded_account(client, admin, "100.00")
    payee = await open_account(client, admin, kind="beneficiary")
    entries = [(await post_entry(client, admin, [(fund, f"{n}.00"), (payee["id"], f"-{n}.00")])).json()
               for n in range(1, 6)]
    head = (await client.get("/api/v1/ledger/head", headers=auditor)).json()
    assert head["sequence"] == 6
    target = entries[1]  # sequence 3 of 6
    await tamper(db, "UPDATE journal_entries SET memo = 'edited' WHERE id = :e", e=target["id"])
    report = (await client.get("/api/v1/ledger/verify", headers=auditor)).json()
    assert not report["ok"]
    assert (report["head_sequence"], report["head_hash"]) == (head["sequence"], head["hash"])
    assert report["checked"] == 2
    brk = report["first_break"]
    assert (brk["sequence"], brk["entry_id"]) == (3, target["id"])
    assert brk["expected"] == target["hash"] and brk["found"] != target["hash"] and len(brk["found"]) == 64
    assert report["not_checked"] == 3  # sequences 4 to 6


async def test_verify_names_a_broken_link_with_the_hash_it_expected(client, admin, auditor, db):
    fund, _ = await funded_account(client, admin, "100.00")
    payee = await open_account(client, admin, kind="beneficiary")
    first = (await post_entry(client, admin, [(fund, "1.00"), (payee["id"], "-1.00")])).json()
    second = (await post_entry(client, admin, [(fund, "2.00"), (payee["id"], "-2.00")])).json()
    await tamper(db, "UPDATE journal_entries SET prev_hash = :h WHERE id = :e", h="f" * 64, e=second["id"])
    report = (await client.get("/api/v1/ledger/verify", headers=auditor)).json()
    brk = report["first_break"]
    assert (brk["sequence"], brk["expected"], brk["found"]) == (3, first["hash"], "f" * 64)
    assert (report["checked"], report["not_checked"], report["head_sequence"]) == (2, 0, 3)


async def test_database_refuses_edits_to_posted_entries(client, admin, db):
    fund, _ = await funded_account(client, admin, "100.00")
    entry = (await client.get("/api/v1/ledger/head", headers=admin)).json()
    for sql in ("UPDATE postings SET amount = amount + 1", "UPDATE journal_entries SET memo = 'edited'"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.engine.begin() as conn:
                await conn.execute(text(sql))
    assert (await client.get("/api/v1/ledger/head", headers=admin)).json() == entry
    assert (await balance(client, admin, fund))["posted"] == "100.00"


async def test_database_refuses_deletes_of_postings_and_posted_entries(client, admin, db):
    """Both databases refuse DELETE on the journal, not only UPDATE (SQLite once allowed deletes)."""
    fund, _ = await funded_account(client, admin, "100.00")
    head = (await client.get("/api/v1/ledger/head", headers=admin)).json()
    for sql in ("DELETE FROM postings", "DELETE FROM journal_entries WHERE status = 'posted'"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.engine.begin() as conn:
                await conn.execute(text(sql))
    assert (await client.get("/api/v1/ledger/head", headers=admin)).json() == head
    assert (await balance(client, admin, fund))["posted"] == "100.00"
    assert (await client.get("/api/v1/ledger/verify", headers=admin)).json()["ok"]


async def test_an_account_for_an_unknown_party_is_refused_naming_the_field(client, admin):
    from tests.helpers import create_party

    body = {"code": "test:benefit:unknown", "name": "x", "kind": "beneficiary", "party_id": 2**40}
    r = await client.post("/api/v1/accounts", json=body, headers=admin)
    assert r.status_code == 422 and "party_id" in r.text
    party = await create_party(client, admin)
    account = await open_account(client, admin, kind="beneficiary", party_id=party["id"])
    assert account["party_id"] == party["id"]
