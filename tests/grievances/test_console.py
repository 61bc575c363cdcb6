"""In the console: a household reports a problem from its statement line, the county official answers,
attaches the bank reference and resolves it, and anyone with the tracking code sees the answer and no
personal data."""

from __future__ import annotations

import re

from service.compensation import service as comp
from tests.console import roles_world
from tests.console.support import Browser, browser_for


async def test_a_grievance_from_a_statement_line_to_its_answer(client, db):
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    async with db.writing() as s:
        await comp.approve(s, w["approver"], w["payment_id"])
    home = await browser_for(client, "household")
    statement = (await home.get("/console/statement?lang=en")).text
    link = re.search(r'href="(/console/grievances/new\?entry_sequence=(\d+))" class="report-line"', statement)
    assert link, statement[:2000]
    new, sequence = link.group(1), link.group(2)
    form = (await home.get(new)).text
    assert 'name="entry_sequence" type="number" value="' + sequence in form and 'name="party_id"' not in form
    r = await home.post("/console/grievances", {"kind": "not_received", "entry_sequence": sequence,
                                                "text": "Li household 0 has not seen this in the bank."},
                        form_from=new)
    assert r.status_code == 303, r.text[:800]
    page = (await home.get(r.headers["location"])).text
    code = re.search(r'id="grievance-code">(G-[A-Z0-9-]+)<', page).group(1)
    assert "Your grievance was sent" in page and 'data-status="open"' in page and "answer-form" not in page

    official = await browser_for(client, "official")
    queue = (await official.get("/console/grievances?lang=en")).text
    gid = re.search(r'href="/console/grievances/(\d+)">' + code, queue).group(1)
    path = f"/console/grievances/{gid}"
    r = await official.post(f"{path}/answer", {"text": "We asked the bank."}, form_from=path)
    assert r.status_code == 303, r.text[:800]
    r = await official.post(f"{path}/evidence", {"text": "", "bank_reference": ""}, form_from=path)
    assert r.status_code == 422 and "bank reference" in r.text.lower()
    r = await official.post(f"{path}/evidence", {"bank_reference": "BOC-2026-881"}, form_from=path)
    assert r.status_code == 303, r.text[:800]
    r = await official.post(f"{path}/resolve", {"text": "Paid again on 3 March."}, form_from=path)
    assert r.status_code == 303
    done = (await official.get(path)).text
    assert 'data-status="resolved"' in done and "BOC-2026-881" in done and "resolve-form" not in done

    public = Browser(client, {})
    t = await public.get(f"/console/track?code={code}&lang=en")
    assert t.status_code == 200 and 'data-status="resolved"' in t.text
    assert "We asked the bank." in t.text and "Paid again on 3 March." in t.text and "Evidence attached: 1" in t.text
    assert "Li household" not in t.text and "BOC-2026-881" not in t.text
    assert (await public.get("/console/track?code=G-XXXX-XXXX")).status_code == 404
    zh = await public.get(f"/console/track?code={code}&lang=zh")
    assert "已解决" in zh.text
    # the approver's queue holds only escalated or overdue ones; the household cannot answer
    approver = await browser_for(client, "approver")
    assert code not in (await approver.get("/console/grievances")).text
    r = await home.post(f"{path}/answer", {"text": "x"}, form_from=path)
    assert r.status_code == 403
