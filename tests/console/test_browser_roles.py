"""Each role's main job in headless Chromium, from the sign-in page, with a screenshot of the final page;
and every page of the approver, patrol, trustee, auditor and household areas through axe-core."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.compensation import service as comp
from service.compensation.models import Payment
from service.grievances import service as grievances
from service.grievances.schemas import GrievanceIn
from service.ledger.models import JournalEntry
from tests.console import roles_world
from tests.console.roles_world import as_actor
from tests.console.conftest import assert_accessible, assert_fits, needs_chromium, screenshot, signed_in_page
from tests.console.support import PASSWORD
from tests.console.test_auditor_pages import plant_duplicate

pytestmark = [pytest.mark.browser, needs_chromium]


async def test_the_approver_approves_a_payment_and_a_batch_entered_by_an_official(browser, live_server, db):
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    page = await signed_in_page(browser, live_server, "approver", PASSWORD, "zh")
    assert page.url.endswith("/console/approvals")
    await page.click(f'tr[data-payment="{w["payment_id"]}"] a')
    assert "与规则相符" in await page.inner_text("#rule-check")
    await page.click("#approve")
    await page.wait_for_url("**/console/approvals?ok=ap_approved")
    await page.click(f'tr[data-batch="{w["batch_id"]}"] a')
    await page.click("#approve")
    await page.wait_for_url("**/console/approvals?ok=ap_approved")
    assert "已批准" in await page.inner_text(".notice")
    assert await page.locator("tr[data-payment], tr[data-batch]").count() == 0
    await assert_accessible(page)
    await screenshot(page, "console-approver-approved-zh.png")


async def test_an_official_cannot_approve_their_own_entry(browser, live_server, db):
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    page = await signed_in_page(browser, live_server, "official", PASSWORD, "en")
    response = await page.goto(f"{live_server}/console/approvals/payments/{w['payment_id']}")
    assert response.status == 403
    assert "You do not have access to this page." in await page.inner_text("#error-message")
    await screenshot(page, "console-official-cannot-approve-en.png")
    admin = await signed_in_page(browser, live_server, "admin", PASSWORD, "en")  # may enter and approve: not their own
    from service.compensation import service as comp
    from service.compensation.schemas import PaymentIn

    async with db.writing() as s:
        own = await comp.enter_payment(s, w["admin"], PaymentIn(
            program_id=w["program_id"], payee_party_id=w["homes"][2], period="2026-02", area_mu="3.00"))
    await admin.goto(f"{live_server}/console/approvals/payments/{own.id}")
    assert "another person must decide" in await admin.inner_text("#four-eyes-note")
    assert await admin.locator("#approve").count() == 0


async def test_the_auditor_opens_an_anomaly_and_follows_it_to_its_entries(browser, live_server, db):
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    await plant_duplicate(db, w)
    page = await signed_in_page(browser, live_server, "auditor", PASSWORD, "en")
    assert page.url.endswith("/console/audit/anomalies")
    await page.click('tr[data-check="duplicate_payment"] td a')
    assert "Duplicate payment" in await page.inner_text("#finding")
    assert await page.locator("#entries tr[data-entry]").count() == 2
    await page.click("#entries tr[data-entry] td:nth-child(2) a")
    assert "matches" in await page.inner_text("#hash-check")
    assert await page.locator("#around tbody tr").count() >= 2
    await assert_accessible(page)
    await assert_fits(page)
    await screenshot(page, "console-auditor-anomaly-entry-en.png")


async def test_a_trustee_disbursing_beyond_a_purposes_share_sees_the_refusal_with_the_figures(browser, live_server, db):
    w = await roles_world.build(db, with_patrols=False)
    page = await signed_in_page(browser, live_server, "trustee", PASSWORD, "en")
    assert page.url.endswith(f"/console/trusts/{w['trust_id']}")
    await page.select_option("#d-purpose", "monitoring")
    await page.fill("#d-amount", "1500.00")
    await page.fill("#d-paid_on", "2026-03-01")
    await page.fill("#d-reference", "PAY-7")
    await page.click("#disbursement-form button[type=submit]")
    await page.wait_for_load_state()
    error = await page.inner_text("#d-e-amount")
    assert "Beyond the share of purpose" in error and "990.00" in error and "1,500.00" in error and "10.00%" in error
    assert "990.00" in await page.inner_text("#share-remaining")
    assert await page.input_value("#d-amount") == "1500.00" and await page.input_value("#d-reference") == "PAY-7"
    await assert_accessible(page)
    await assert_fits(page)
    await screenshot(page, "console-trustee-beyond-share-en.png")


async def test_a_household_user_sees_only_their_statement(browser, live_server, db):
    w = await roles_world.build(db, with_trust=False)
    page = await signed_in_page(browser, live_server, "household", PASSWORD, "zh")
    assert page.url.endswith("/console/statement")
    assert "Li household 0" in await page.inner_text("h1")
    for path in ("/console/approvals", "/console/audit/journal", "/console/trusts", "/console/patrol-logs",
                 f"/console/statements/{w['homes'][1]}/print", "/console/admin/users"):
        response = await page.goto(f"{live_server}{path}")
        assert response.status in (403, 404), path
    await page.goto(f"{live_server}/console/statement")
    await assert_accessible(page)
    await assert_fits(page)
    await screenshot(page, "console-household-statement-zh.png")


async def test_the_patrol_supervisor_verifies_a_log(browser, live_server, db):
    w = await roles_world.build(db, with_trust=False)
    page = await signed_in_page(browser, live_server, "approver", PASSWORD, "en")
    await page.goto(f"{live_server}/console/patrol-logs")
    await page.click(f'tr[data-log="{w["log_id"]}"] td:last-child a')
    assert await page.locator("#route-outline svg polyline").count() == 1
    await page.click("#verify")
    await page.wait_for_url("**/console/patrol-logs?ok=pt_verified")
    await screenshot(page, "console-patrol-verified-en.png")


async def test_every_role_page_passes_axe(browser, live_server, db):
    w = await roles_world.build(db)
    await plant_duplicate(db, w)
    pages = {
        "approver": ["/console/approvals", f"/console/approvals/payments/{w['payment_id']}",
                     f"/console/approvals/batches/{w['batch_id']}", f"/console/approvals/stipend-runs/{w['run_id']}",
                     "/console/patrol-logs", f"/console/patrol-logs/{w['log_id']}"],
        "trustee": [f"/console/trusts/{w['trust_id']}", f"/console/trusts/{w['trust_id']}/statement"],
        "auditor": ["/console/audit/anomalies", "/console/audit/anomalies/1", "/console/audit/flows",
                    "/console/audit/trial-balance", "/console/audit/verify?run=true", "/console/audit/journal",
                    "/console/audit/journal/1", "/console/audit/downloads", "/console/trusts"],
        "official": ["/console/statements?q=Li", f"/console/statements/{w['homes'][0]}/print"],
        "household": ["/console/statement"],
    }
    for who, paths in pages.items():
        for lang in ("zh", "en"):
            page = await signed_in_page(browser, live_server, who, PASSWORD, lang)
            for path in paths:
                response = await page.goto(f"{live_server}{path}")
                assert response.status == 200, (who, path, response.status)
                await assert_accessible(page)
                await assert_fits(page)
                if path.endswith("/print") and lang == "en":
                    await screenshot(page, "console-official-print-statement-en.png")
            await page.context.close()


async def test_the_grievance_pages_pass_axe(browser, live_server, db):
    """A household's filing form and its grievance, the county's queue and one grievance, and the
    public tracking page: axe-core in both languages, laptop width."""
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    async with db.writing() as s:
        await comp.approve(s, w["approver"], w["payment_id"])
        sequence = await s.scalar(select(JournalEntry.sequence).join(Payment, Payment.entry_id == JournalEntry.id)
                                  .where(Payment.id == w["payment_id"]))
        home = as_actor(w["users"]["community"], "community", party_id=w["homes"][0])
        filed = await grievances.file(s, home, GrievanceIn(kind="not_received", entry_sequence=sequence,
                                                           text="Not seen in the bank yet."), deadline_days=15)
    pages = {
        "household": [f"/console/grievances/new?entry_sequence={sequence}", f"/console/grievances/{filed.id}"],
        "official": ["/console/grievances", f"/console/grievances/{filed.id}"],
    }
    for who, paths in pages.items():
        for lang in ("zh", "en"):
            page = await signed_in_page(browser, live_server, who, PASSWORD, lang)
            for path in paths:
                response = await page.goto(f"{live_server}{path}")
                assert response.status == 200, (who, path, response.status)
                await assert_accessible(page)
                await assert_fits(page)
            await page.context.close()
    for lang in ("zh", "en"):
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        response = await page.goto(f"{live_server}/console/track?code={filed.code}&lang={lang}")
        assert response.status == 200
        await assert_accessible(page)
        await assert_fits(page)
        await context.close()
