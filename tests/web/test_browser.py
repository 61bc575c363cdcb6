"""The three pages in headless Chromium (Debian's package): figures match the API; screenshots saved."""

from __future__ import annotations

import httpx
import pytest

from service.pages.render import group
from tests.web.conftest import SHOTS, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]


async def _phone(browser):
    return await browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1)


async def test_statement_page_in_a_phone_browser_without_javascript(browser, live_server, demo, token_for):
    SHOTS.mkdir(exist_ok=True)
    hh = demo["refs"]["hh-daitang-1"]
    headers = await token_for("community", party_id=hh)
    async with httpx.AsyncClient(base_url=live_server) as c:
        r = await c.get(f"/api/v1/statements/{hh}?period=2026", headers=headers)
    assert r.status_code == 200, r.text
    api = r.json()
    ctx = await browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = await ctx.new_page()
    await page.goto(f"{live_server}/statement?lang=zh")
    await page.fill("input[name=token]", headers["Authorization"].split()[1])
    await page.fill("input[name=period]", "2026")
    await page.click("button[type=submit]")
    assert (await page.inner_text("#statement-total")) == f"¥{group(api['total'])}"
    assert (await page.inner_text("#statement-paid")) == f"¥{group(api['paid'])}"
    assert (await page.inner_text("#verification-code")) == api["verification_code"]
    amounts = await page.locator("#statement-lines td.amount").all_inner_texts()
    assert amounts == [group(l["amount"]) for l in api["lines"]]
    await page.screenshot(path=str(SHOTS / "statement-phone-zh.png"), full_page=True)
    await ctx.close()


async def test_transparency_page_figures_match_the_api(browser, live_server, demo):
    async with httpx.AsyncClient(base_url=live_server) as c:
        doc = (await c.get("/api/v1/reports/transparency")).json()
    page = await _phone(browser)
    await page.goto(f"{live_server}/transparency")
    assert (await page.inner_text("#total-money-in")) == group(doc["total"]["money_in"])  # digits grouped
    for row in doc["county_totals"]:
        cell = page.locator(f'#county-totals tr[data-county="{row["county"]}"] td.money-out')
        text = await cell.inner_text()
        assert text == group(row["money_out"]) if row["money_out"] else text == "hidden*"
    assert await page.locator("svg.chart").count() >= 2
    # readable on a phone: nothing wider than the screen
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.screenshot(path=str(SHOTS / "transparency-phone.png"), full_page=True)
    wide = await browser.new_page(viewport={"width": 1280, "height": 900})
    await wide.goto(f"{live_server}/transparency?lang=zh")
    await wide.screenshot(path=str(SHOTS / "transparency-desktop-zh.png"), full_page=True)


async def test_certificate_page_in_the_browser(browser, live_server):
    page = await _phone(browser)
    await page.goto(f"{live_server}/certificates/verify")
    await page.fill("input[name=code]", "ZN-PLUM-2026-0001")
    await page.click("button[type=submit]")
    assert "No certificate found" in await page.inner_text("#verdict")
    await page.screenshot(path=str(SHOTS / "certificate-not-found.png"), full_page=True)
