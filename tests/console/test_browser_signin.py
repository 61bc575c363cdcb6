"""The sign-in and account pages in headless Chromium: keyboard sign-in, axe-core, no layout break."""

from __future__ import annotations

import pytest

from tests.console.conftest import assert_accessible, assert_fits, needs_chromium, screenshot
from tests.console.support import PASSWORD, make_user

pytestmark = [pytest.mark.browser, needs_chromium]


async def test_sign_in_by_keyboard_and_the_account_page_pass_axe(browser, live_server, db):
    await make_user(db, "root", "admin", name="Zhou Admin")
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(f"{live_server}/console/login?lang=zh")
    await assert_accessible(page)
    await page.keyboard.type("root")  # the username field has the focus
    await page.keyboard.press("Tab")
    await page.keyboard.type(PASSWORD)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert page.url.endswith("/console/") and "欢迎" in await page.inner_text("h1")
    for path in ("/console/account", "/console/admin/users"):
        await page.goto(f"{live_server}{path}")
        assert "Zhou Admin" in await page.inner_text("header .who")
        await assert_accessible(page)
        await assert_fits(page)
    await screenshot(page, "console-admin-users-zh.png")
