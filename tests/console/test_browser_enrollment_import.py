"""The official imports the enrollment register in headless Chromium (zh): a file with problems, then the
corrected file's dry run and its confirmation. Every page passes axe-core and fits 1280 px."""

from __future__ import annotations

import pytest

from tests.console import roles_world
from tests.console.conftest import assert_accessible, assert_fits, needs_chromium, screenshot, signed_in_page
from tests.console.support import PASSWORD
from tests.console.test_enrollment_import_pages import GOOD, _csv

pytestmark = [pytest.mark.browser, needs_chromium]


async def _checked(page) -> None:
    await assert_accessible(page)
    await assert_fits(page)


async def test_official_imports_the_register_in_chinese(browser, live_server, db, tmp_path):
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    bad, good = tmp_path / "bad.csv", tmp_path / "register.csv"
    bad.write_bytes(_csv([*GOOD, "Daitang village,无此人,9999,DT-301,2.001,公益林,2026/01/01,"]))
    good.write_bytes(_csv(GOOD))
    page = await signed_in_page(browser, live_server, "official", PASSWORD, lang="zh")
    await page.goto(f"{live_server}/console/enrollments")
    await page.click("#register-import-link")
    await _checked(page)
    for path, rows in ((bad, 1), (good, 0)):
        await page.select_option("#f-program_id", str(w["program_id"]))
        await page.set_input_files("#f-file", str(path))
        await page.click("#register-form button[type=submit]")
        await page.wait_for_selector("#dry-run")
        assert await page.locator("#register-problems tr.problem").count() >= rows
        await _checked(page)
        if rows:
            assert await page.locator("#register-commit-form").count() == 0
            await screenshot(page, "console-official-register-problems-zh.png")
    assert await page.inner_text("#register-households") == "2"
    await screenshot(page, "console-official-register-dry-run-zh.png")
    await page.click("#register-commit")
    await page.wait_for_url("**/console/enrollments?*ok=register_imported*")
    assert await page.locator("#enrollments tbody tr[data-enrollment]").count() == 2
    await _checked(page)
    en = await signed_in_page(browser, live_server, "official", PASSWORD, lang="en")
    for path in ("/console/enrollments/import", "/console/cycles"):
        response = await en.goto(f"{live_server}{path}")
        assert response.status == 200, path
        await _checked(en)
