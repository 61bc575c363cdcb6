"""The approver's pages over HTTP: the queue beside the rule, approving and rejecting payments, batches
and stipend runs, the four-eyes rule shown and enforced, and the refusals in the user's language."""

from __future__ import annotations

from sqlalchemy import select

from service.compensation import funding
from service.compensation import service as comp
from service.compensation.models import Funding, Payment, Program
from service.compensation.schemas import FundingIn, PaymentIn
from tests.console import roles_world
from tests.console.support import browser_for


async def test_the_queue_shows_each_entry_beside_what_the_rule_says(client, db):
    w = await roles_world.build(db, with_trust=False)
    b = await browser_for(client, "approver")
    r = await b.get("/console/approvals?lang=en")
    assert r.status_code == 200, r.text
    assert f'data-payment="{w["payment_id"]}"' in r.text and f'data-batch="{w["batch_id"]}"' in r.text
    assert f'data-run="{w["run_id"]}"' in r.text
    assert "345.00" in r.text and "matches the rule" in r.text  # 34.50 x 10.00 mu
    assert "703.80" in r.text  # the batch: 427.80 + 276.00, and the rule gives the same
    r = await b.get("/console/")
    assert r.headers["location"] == "/console/approvals"
    zh = await b.get("/console/approvals?lang=zh")
    assert "待审批的补偿款" in zh.text and "与规则相符" in zh.text


async def test_the_approver_approves_a_payment_a_batch_and_a_stipend_run(client, db):
    w = await roles_world.build(db, with_trust=False)
    b = await browser_for(client, "approver")
    for path in (f"/console/approvals/payments/{w['payment_id']}", f"/console/approvals/batches/{w['batch_id']}",
                 f"/console/approvals/stipend-runs/{w['run_id']}"):
        page = await b.get(path + "?lang=en")
        assert page.status_code == 200 and "Approve" in page.text, page.text[:500]
        r = await b.post(path + "/approve", form_from=path)
        assert r.status_code == 303 and r.headers["location"] == "/console/approvals?ok=ap_approved", r.text[:800]
    async with db.reading() as s:
        statuses = set((await s.execute(select(Payment.status).where(Payment.program_id == w["program_id"]))).scalars())
    assert statuses == {"approved"}
    queue = await b.get("/console/approvals?ok=ap_approved&lang=en")
    assert "Approved: the money is posted" in queue.text
    assert 'data-payment=' not in queue.text and 'data-batch=' not in queue.text and 'data-run=' not in queue.text


async def test_a_rejection_needs_a_reason_and_keeps_what_was_typed(client, db):
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    b = await browser_for(client, "approver")
    path = f"/console/approvals/batches/{w['batch_id']}"
    r = await b.post(path + "/reject", {"reason": ""}, form_from=path)
    assert r.status_code == 422 and 'id="e-reason"' in r.text
    r = await b.post(path + "/reject", {"reason": "wrong areas for two households"}, form_from=path)
    assert r.status_code == 303 and r.headers["location"].endswith("ok=ap_rejected")
    async with db.reading() as s:
        rows = (await s.execute(select(Payment.status).where(Payment.batch_id == w["batch_id"]))).scalars().all()
    assert rows and set(rows) == {"rejected"}
    path = f"/console/approvals/payments/{w['payment_id']}"
    r = await b.post(path + "/reject", {"reason": "x" * 1001}, form_from=path)
    assert r.status_code == 422 and "x" * 1001 in r.text  # refused, and the text is still in the field


async def test_a_double_submit_approves_once(client, db):
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    b = await browser_for(client, "approver")
    path = f"/console/approvals/payments/{w['payment_id']}"
    hidden = await b.form(path)
    first = await b.request("POST", path + "/approve", data=hidden)
    again = await b.request("POST", path + "/approve", data=hidden)
    assert first.status_code == 303 and again.status_code == 303
    assert again.headers["location"].endswith("ok=already_submitted")


async def test_one_cannot_approve_ones_own_entry(client, db):
    """Four eyes: the admin (who may both enter and approve) sees their own payment marked and is refused
    in their language; the official who entered the others has no approval pages at all."""
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    async with db.writing() as s:
        own = await comp.enter_payment(s, w["admin"], PaymentIn(
            program_id=w["program_id"], payee_party_id=w["homes"][2], period="2026-02", area_mu="3.00"))
    admin = await browser_for(client, "admin")
    queue = await admin.get("/console/approvals?lang=zh")
    assert "本人录入" in queue.text
    path = f"/console/approvals/payments/{own.id}"
    detail = await admin.get(path + "?lang=zh")
    assert 'id="four-eyes-note"' in detail.text and 'id="approve"' not in detail.text
    r = await admin.post(path + "/approve", form_from="/console/account")  # a forged click: the page has no button
    assert r.status_code == 403 and "双人复核规则" in r.text
    official = await browser_for(client, "official")
    for path in ("/console/approvals", f"/console/approvals/payments/{w['payment_id']}"):
        r = await official.get(path)
        assert r.status_code == 403 and "You do not have access" in r.text
    r = await official.post(f"/console/approvals/payments/{w['payment_id']}/approve", form_from="/console/account")
    assert r.status_code == 403
    async with db.reading() as s:
        assert (await s.get(Payment, w["payment_id"])).status == "pending"


async def test_another_countys_entries_are_not_found(client, db):
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    from tests.console.support import make_user

    await make_user(db, "far-approver", "approver", county_code="520000")
    far = await browser_for(client, "far-approver")
    assert 'data-payment=' not in (await far.get("/console/approvals")).text
    for path in (f"/console/approvals/payments/{w['payment_id']}", f"/console/approvals/batches/{w['batch_id']}"):
        assert (await far.get(path)).status_code == 404
    r = await far.post(f"/console/approvals/payments/{w['payment_id']}/approve", form_from="/console/account")
    assert r.status_code == 404


async def _pending_funding(db, w, amount="1200.00") -> int:
    async with db.writing() as s:
        program = await s.get(Program, w["program_id"])
        entered = await funding.fund_program(s, w["official"], program,
                                             FundingIn(source_account_id=w["fund"], amount=amount))
    return entered.id


async def test_the_approver_sees_and_approves_a_program_funding(client, db):
    """Four-eyes funding: what an official entered waits in the queue; approving posts it into the fund."""
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    funding_id = await _pending_funding(db, w)
    b = await browser_for(client, "approver")
    queue = await b.get("/console/approvals?lang=zh")
    assert f'data-funding="{funding_id}"' in queue.text and "资金拨入" in queue.text and "项目拨款" in queue.text
    path = f"/console/approvals/fundings/{funding_id}"
    page = await b.get(path + "?lang=en")
    assert page.status_code == 200 and "1,200.00" in page.text and "Eco fund" in page.text, page.text[:800]
    r = await b.post(path + "/approve", form_from=path)
    assert r.status_code == 303 and r.headers["location"] == "/console/approvals?ok=ap_approved", r.text[:800]
    async with db.reading() as s:
        f = await s.get(Funding, funding_id)
    assert f.status == "approved" and f.decided_by == w["users"]["approver"]
    assert f'data-funding="{funding_id}"' not in (await b.get("/console/approvals")).text


async def test_a_funding_rejection_needs_a_reason_and_the_enterer_cannot_approve(client, db):
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    funding_id = await _pending_funding(db, w)
    b = await browser_for(client, "approver")
    path = f"/console/approvals/fundings/{funding_id}"
    r = await b.post(path + "/reject", {"reason": ""}, form_from=path)
    assert r.status_code == 422 and 'id="e-reason"' in r.text
    r = await b.post(path + "/reject", {"reason": "not in this year's budget"}, form_from=path)
    assert r.status_code == 303 and r.headers["location"].endswith("ok=ap_rejected")
    async with db.reading() as s:
        f = await s.get(Funding, funding_id)
    assert f.status == "rejected" and f.reason == "not in this year's budget"
    # the admin enters one and is refused approving it, in their language
    async with db.writing() as s:
        program = await s.get(Program, w["program_id"])
        own = (await funding.fund_program(s, w["admin"], program,
                                          FundingIn(source_account_id=w["fund"], amount="5.00"))).id
    admin = await browser_for(client, "admin")
    page = await admin.get(f"/console/approvals/fundings/{own}?lang=en")
    assert 'id="four-eyes-note"' in page.text and 'id="approve"' not in page.text
    r = await admin.post(f"/console/approvals/fundings/{own}/approve?lang=zh", form_from="/console/account")
    assert r.status_code == 403 and "双人复核规则" in r.text
    async with db.reading() as s:
        assert (await s.get(Funding, own)).status == "pending"
