"""The household's statement in the console: only its own, every line's state (paid, on its way,
corrected), and the village committee's printout whose QR code opens it through a signed, expiring link."""

from __future__ import annotations

import re
import time

import pytest

from service.compensation import service as comp
from service.compensation.schemas import MarkPaidIn
from service.console.pages import community_statement as cs
from service.errors import NotFound
from tests.conftest import TEST_SECRET
from tests.console import roles_world
from tests.console.support import Browser, browser_for


async def test_a_household_sees_its_statement_with_each_lines_state(client, db):
    w = await roles_world.build(db, with_trust=False)
    async with db.writing() as s:  # the single payment approved and paid; the batch's are still pending
        await comp.approve(s, w["approver"], w["payment_id"])
        await comp.mark_paid(s, w["official"], w["payment_id"],
                             MarkPaidIn(bank_reference="BOC-77", paid_on="2026-02-03"))
    b = await browser_for(client, "household")
    assert (await b.get("/console/")).headers["location"] == "/console/statement"
    r = await b.get("/console/statement?lang=en")
    assert r.status_code == 200, r.text[:500]
    assert 'data-state="paid"' in r.text and "BOC-77" in r.text and "345.00" in r.text
    waiting = r.text.split('id="waiting"')[1].split("</table>")[0]  # the month's patrol stipend, not yet approved
    assert "patrol stipend" in waiting and "80.00" in waiting and "waiting for a second official" in waiting
    zh = await b.get("/console/statement?lang=zh")
    assert "已到账" in zh.text and "打印" in zh.text


async def test_approved_and_waiting_money_is_on_its_way(client, db):
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    async with db.writing() as s:
        await comp.approve(s, w["approver"], w["payment_id"])
    b = await browser_for(client, "household")
    r = await b.get("/console/statement?lang=en")
    assert 'data-state="on_its_way"' in r.text and "the bank transfer is on its way" in r.text
    assert re.search(r'id="on-its-way-total"><span class="amount">345.00', r.text)
    assert re.search(r'id="paid-total"><span class="amount">0.00', r.text)


async def test_a_household_user_sees_nothing_else(client, db):
    w = await roles_world.build(db, with_trust=False)
    b = await browser_for(client, "household")
    for path in ("/console/approvals", f"/console/approvals/payments/{w['payment_id']}", "/console/patrol-logs",
                 "/console/trusts", "/console/audit/anomalies", "/console/audit/journal", "/console/statements",
                 f"/console/statements/{w['homes'][1]}/print", "/console/admin/users"):
        r = await b.get(path)
        assert r.status_code in (403, 404), (path, r.status_code)
    assert (await b.get("/console/statement?period=2026-13")).status_code == 400


async def test_the_village_committee_prints_a_statement_whose_qr_code_opens_it(client, db):
    w = await roles_world.build(db, with_trust=False)
    official = await browser_for(client, "official")
    found = await official.get("/console/statements?q=Li+household")
    assert found.text.count("data-party=") == 3
    r = await official.get(f"/console/statements/{w['homes'][0]}/print?lang=en&days=7")
    assert r.status_code == 200
    assert '<svg viewBox=' in r.text and 'class="qr-code"' in r.text and "The link works until" in r.text
    link = re.search(r'href="([^"]+)" id="signed-link"', r.text)
    path = link.group(1).split("testserver.local", 1)[-1]
    assert path.startswith("/console/s/")
    anyone = Browser(client, {})  # the household's phone: nobody signed in
    opened = await anyone.get(path + "?lang=zh")
    assert opened.status_code == 200 and "Li household 0" in opened.text and "收益对账单" in opened.text
    forged = path[:-1] + ("0" if path[-1] != "0" else "1")
    assert (await anyone.get(forged)).status_code == 404
    other = path.replace(f"/s/{w['homes'][0]}.", f"/s/{w['homes'][1]}.")
    assert (await anyone.get(other)).status_code == 404
    expired = cs.link_token(TEST_SECRET, w["homes"][0], None, int(time.time()) - 1)
    r = await anyone.get(f"/console/s/{expired}?lang=en")
    assert r.status_code == 410 and "has expired" in r.text
    far = await browser_for(client, "approver")  # approvers do not print statements
    assert (await far.get(f"/console/statements/{w['homes'][0]}/print")).status_code == 403


def test_signed_links_round_trip_and_refuse_tampering():
    now = int(time.time())
    token = cs.link_token("s3cret", 42, "2026-03", now + 60)
    assert cs.read_token("s3cret", token, now) == (42, "2026-03")
    assert cs.read_token("s3cret", cs.link_token("s3cret", 7, None, now + 60), now) == (7, None)
    for bad in (token.replace("42.", "43.", 1), token.replace(f".{now + 60}.", f".{now + 600}."),
                token + "0", "42.all.1.zz", "", "../../etc"):
        with pytest.raises(NotFound):
            cs.read_token("s3cret", bad, now)
    with pytest.raises(NotFound):
        cs.read_token("other", token, now)
    with pytest.raises(cs.LinkExpired):
        cs.read_token("s3cret", token, now + 61)
