"""The trustee's pages: the trust's figures against the agreement, recording contributions and
disbursements (a disbursement beyond a purpose's share refused with the figures, the form kept), the
statement; auditors read, other roles and other trusts' trustees are kept out."""

from __future__ import annotations

from sqlalchemy import func, select

from service.trusts.models import Contribution, Disbursement
from tests.console import roles_world
from tests.console.support import browser_for, make_user


async def test_the_trust_page_shows_settlors_purposes_fee_and_balance(client, db):
    w = await roles_world.build(db, with_patrols=False)
    b = await browser_for(client, "trustee")
    r = await b.get("/console/trusts")
    assert r.status_code == 303 and r.headers["location"] == f"/console/trusts/{w['trust_id']}"
    page = await b.get(f"/console/trusts/{w['trust_id']}?lang=en")
    assert page.status_code == 200, page.text[:500]
    # 10,000.00 in, 1% fee = 100.00, net 9,900.00: protection 60% = 5,940.00, compensation 30% = 2,970.00
    for figure in ("10,000.00", "100.00", "9,900.00", "5,940.00", "2,970.00", "990.00", "Jiangxi Water Co."):
        assert figure in page.text, figure
    assert 'id="disbursement-form"' in page.text and 'id="contribution-form"' in page.text


async def test_a_disbursement_beyond_a_purposes_share_is_refused_with_the_figures(client, db):
    w = await roles_world.build(db, with_patrols=False)
    b = await browser_for(client, "trustee")
    path = f"/console/trusts/{w['trust_id']}"
    typed = {"purpose": "monitoring", "amount": "1500.00", "paid_on": "2026-03-01", "reference": "PAY-7",
             "memo": "lab tests"}
    r = await b.post(path + "/disbursements", typed, form_from=path + "?lang=zh")
    assert r.status_code == 422, r.text[:500]
    assert 'id="share-figures"' in r.text and "超出用途“monitoring”的份额" in r.text
    for figure in ("990.00", "9,900.00", "1,500.00"):  # 10% of the net contributions; what was asked
        assert figure in r.text, figure
    for value in ('value="1500.00"', 'value="PAY-7"', 'value="lab tests"', 'value="2026-03-01"'):
        assert value in r.text, value  # nothing typed is lost
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Disbursement)) == 0
    r = await b.post(path + "/disbursements", {**typed, "amount": "990.00"}, form_from=path)
    assert r.status_code == 303 and r.headers["location"].endswith("ok=tr_ok_disbursement")
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Disbursement)) == 1


async def test_recording_a_contribution_and_the_statement(client, db):
    w = await roles_world.build(db, with_patrols=False)
    b = await browser_for(client, "trustee")
    path = f"/console/trusts/{w['trust_id']}"
    r = await b.post(path + "/contributions", {"settlor_party_id": str(w["donor"]), "amount": "",
                                               "received_on": "2026-04-01", "reference": "GIFT-1"}, form_from=path)
    assert r.status_code == 422 and 'id="c-e-amount"' in r.text and 'value="GIFT-1"' in r.text
    r = await b.post(path + "/contributions", {"settlor_party_id": str(w["donor"]), "amount": "2000.00",
                                               "received_on": "2026-04-01", "reference": "GIFT-1"}, form_from=path)
    assert r.status_code == 303 and r.headers["location"].endswith("ok=tr_ok_contribution")
    async with db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(Contribution)) == 2
    statement = await b.get(path + "/statement?lang=en")
    assert statement.status_code == 200
    assert "12,000.00" in statement.text and "The statement ties to the ledger" in statement.text
    assert "Green Foundation" in statement.text and "data-print" in statement.text


async def test_who_may_read_and_who_may_record(client, db):
    w = await roles_world.build(db, with_patrols=False)
    path = f"/console/trusts/{w['trust_id']}"
    auditor = await browser_for(client, "auditor")
    page = await auditor.get(path + "?lang=en")
    assert page.status_code == 200 and 'id="disbursement-form"' not in page.text and "only its trustee" in page.text
    r = await auditor.post(path + "/disbursements", {"purpose": "protection", "amount": "1.00",
                                                     "paid_on": "2026-03-01"}, form_from="/console/account")
    assert r.status_code == 403
    await make_user(db, "other-trustee", "trustee", trust_id=w["trust_id"] + 100)
    other = await browser_for(client, "other-trustee")
    assert (await other.get(path)).status_code == 404
    r = await other.post(path + "/contributions", {"settlor_party_id": str(w["water"]), "amount": "5.00",
                                                   "received_on": "2026-04-01", "reference": "X"},
                         form_from="/console/account")
    assert r.status_code == 404
    official = await browser_for(client, "official")
    assert (await official.get(path)).status_code == 403
