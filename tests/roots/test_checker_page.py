"""The offline checker page in headless Chromium: a saved copy, opened with the network off, checks a saved
statement's inclusion proofs and the head's Ed25519 signature; a statement whose entry was altered after
its head was published fails, naming the entry. The page served by the service checks it too."""

from __future__ import annotations

import json

import pytest

from service.roots import keys
from service.roots.service import publish
from tests.console.conftest import browser, live_server, needs_chromium  # noqa: F401  (fixtures)
from tests.helpers import tamper

pytestmark = [pytest.mark.browser, needs_chromium]


async def _check(page, path) -> tuple[str, str]:
    await page.set_input_files("#file", str(path))
    await page.wait_for_selector("#summary[data-result]")
    return await page.get_attribute("#summary", "data-result"), await page.inner_text("#results")


async def test_the_saved_checker_verifies_a_saved_statement_offline(browser, live_server, client, world, db,  # noqa: F811
                                                                   settings, token_for, tmp_path):
    async with db.writing() as s:
        await publish(s, keys.load(settings.publishing_key))
    hh = world["household"]
    own = await token_for("community", party_id=hh)
    doc = (await client.get(f"/api/v1/statements/{hh}", headers=own)).json()
    good = tmp_path / "statement.json"
    good.write_text(json.dumps(doc), encoding="utf-8")
    saved_page = tmp_path / "checker.html"
    saved_page.write_bytes((await client.get("/roots/checker", params={"download": "true"})).content)

    context = await browser.new_context(offline=True)  # no network: everything is in the two files
    page = await context.new_page()
    await page.goto(saved_page.as_uri())
    result, text = await _check(page, good)
    assert result == "pass", text
    assert text.count("signature valid") == len(doc["lines"])

    # the saved HTML statement carries the same proofs
    html = tmp_path / "statement.html"
    html.write_text((await client.get(f"/api/v1/statements/{hh}?format=html", headers=own)).text, encoding="utf-8")
    await page.reload()
    assert (await _check(page, html))[0] == "pass"

    # an entry altered after its head was published: the household's new statement fails, naming it
    entry = doc["lines"][0]["proof"]["entry_id"]
    await tamper(db, "UPDATE journal_entries SET memo = 'changed' WHERE id = :e", e=entry)
    bad = tmp_path / "statement-after.json"
    bad.write_text(json.dumps((await client.get(f"/api/v1/statements/{hh}", headers=own)).json()), encoding="utf-8")
    await page.reload()
    result, text = await _check(page, bad)
    assert result == "fail" and f"entry {entry}: " in text and "NOT in the published tree" in text, text
    # a forged signature fails too
    forged = json.loads(good.read_text())
    sig = forged["lines"][0]["proof"]["head"]["signature"]
    forged["lines"][0]["proof"]["head"]["signature"] = ("A" if sig[0] != "A" else "B") + sig[1:]
    good.write_text(json.dumps(forged), encoding="utf-8")
    await page.reload()
    result, text = await _check(page, good)
    assert result == "fail" and "signature is NOT valid" in text, text
    await context.close()

    served = await browser.new_page()  # the page as the service serves it, under its own content policy
    await served.goto(f"{live_server}/roots/checker")
    result, text = await _check(served, html)
    assert result == "pass", text
