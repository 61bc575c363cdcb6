"""The API documentation (/schema) in headless Chromium: Swagger UI comes from the service itself, so
the page renders under the service's own content-security policy and without any network outside it."""

from __future__ import annotations

import pytest

from tests.web.conftest import SHOTS, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]


async def test_the_docs_page_lists_the_operations_with_nothing_from_outside(browser, live_server):
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    outside, refused = [], []
    page.on("request", lambda r: r.url.startswith(live_server) or outside.append(r.url))
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    # anything outside the service would be a CDN: refuse it, as a closed county network would
    await page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server)
                     else route.abort())
    await page.goto(f"{live_server}/schema")
    await page.wait_for_selector(".opblock", timeout=30_000)
    paths = await page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/ledger/entries" in {p.replace("\u200b", "") for p in paths}
    assert await page.locator(".opblock").count() >= 70
    assert "Shanshui Ledger" in await page.inner_text(".information-container")
    assert not outside and not refused, (outside, refused)
    SHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SHOTS / "api-docs.png"))
