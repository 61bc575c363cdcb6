"""The official's main job in headless Chromium, from the sign-in page: enter a payment (priced first)
and upload the sample batch (dry run, then commit). Every page passes axe-core and fits 1280 px."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.console.conftest import assert_accessible, assert_fits, needs_chromium, screenshot, signed_in_page
from tests.console.official_world import SAMPLE_BATCH, suichuan
from tests.console.support import PASSWORD

pytestmark = [pytest.mark.browser, needs_chromium]
DOCS = Path(__file__).resolve().parents[2] / "docs"


async def _checked(page) -> None:
    await assert_accessible(page)
    await assert_fits(page)


async def test_official_enters_a_payment_and_uploads_the_sample_batch(browser, live_server, db, settings):
    world = await suichuan(db, settings)
    page = await signed_in_page(browser, live_server, "clerk", PASSWORD, lang="zh")
    assert page.url.endswith("/console/official")
    await _checked(page)
    if os.environ.get("SHANSHUI_DOCS_SCREENSHOTS") == "1":
        await page.screenshot(path=str(DOCS / "console-official-dashboard.png"), full_page=True)

    # enter a payment from the household's page: price it, read the explanation, submit
    await page.goto(f"{live_server}/console/households?name={world['payee_name']}")
    await _checked(page)
    await page.click(f"a[href='/console/payments/new?payee_party_id={world['payee']}']")
    await page.select_option("#f-program_id", str(world["program"]))
    await page.fill("#f-period", "2026")
    await page.fill("#f-area_mu", world["payee_mu"])
    await page.click("#price-button")
    assert (await page.inner_text("#priced-amount")).startswith("399.90")  # 21.50 x 18.60 mu
    assert "每亩每年 21.50 元 × 18.60 亩" in await page.inner_text("#priced-words")
    await _checked(page)
    await page.click("#submit-button")
    await page.wait_for_url("**/console/payments/*?ok=payment_entered")
    assert "待审批" in await page.inner_text("#payment-status")
    await _checked(page)

    # upload the sample batch: the dry run as a table, then commit it with one button
    await page.goto(f"{live_server}/console/batches")
    await page.select_option("#f-program_id", str(world["program"]))
    await page.fill("#f-period", "2026")
    await page.set_input_files("#f-file", str(SAMPLE_BATCH))
    await page.click("#upload-form button[type=submit]")
    await page.wait_for_selector("#dry-run-rows")
    assert await page.locator("#dry-run-rows tbody tr").count() == 40
    assert await page.locator("#dry-run-rows tr.problem").count() == 0
    await _checked(page)
    if os.environ.get("SHANSHUI_DOCS_SCREENSHOTS") == "1":
        await page.screenshot(path=str(DOCS / "console-batch-dry-run.png"), full_page=False)
    await page.click("#commit-button")
    await page.wait_for_url("**/console/batches/*?ok=batch_committed")
    assert await page.locator("#batch-payments tbody tr").count() == 40
    await _checked(page)
    await screenshot(page, "console-official-batch-committed-zh.png")

    # the dashboard now lists both as waiting for approval
    await page.goto(f"{live_server}/console/official")
    assert await page.locator("#pending tbody tr").count() >= 20  # the first 20 of 41 are shown
    await screenshot(page, "console-official-dashboard-zh.png")


async def test_every_official_page_passes_axe_in_both_languages(browser, live_server, db, settings):
    world = await suichuan(db, settings)
    for lang in ("zh", "en"):
        page = await signed_in_page(browser, live_server, "clerk", PASSWORD, lang=lang)
        for path in ("/console/official", "/console/households", "/console/households/new",
                     f"/console/households/{world['payee']}", "/console/programs",
                     f"/console/programs/{world['program']}", "/console/payments", "/console/payments?status=paid",
                     "/console/payments/new", "/console/payments/1", "/console/batches", "/console/batches/1",
                     "/console/bank", "/console/account"):
            response = await page.goto(f"{live_server}{path}")
            assert response.status == 200, (path, response.status)
            await _checked(page)
