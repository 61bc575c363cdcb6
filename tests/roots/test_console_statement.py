"""The household's statement in the console carries its proofs: a file to save and check offline, and on
the village committee's printout a second QR code with each line's leaf hash and signed root."""

from __future__ import annotations

import json
import re

import segno  # noqa: F401  (the printout's QR codes)

from service.compensation import service as comp
from service.roots import check, keys
from service.roots.proofs import qr_text
from service.roots.service import publish
from tests.console import roles_world
from tests.console.support import browser_for


async def test_the_statement_file_and_the_printout_carry_the_proofs(client, db, settings):
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    async with db.writing() as s:
        await comp.approve(s, w["approver"], w["payment_id"])
    home = await browser_for(client, "household")
    before = json.loads((await home.get("/console/statement/file")).content)
    assert [line["proof"] for line in before["lines"]] == [None]  # no head published yet
    async with db.writing() as s:
        await publish(s, keys.load(settings.publishing_key))
    r = await home.get("/console/statement/file")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    doc = json.loads(r.content)
    assert check.statement_findings(doc) == (1, [])
    page = (await home.get("/console/statement?lang=en")).text
    assert 'id="statement-file"' in page and "/roots/checker" in page and 'id="proof-qr"' not in page

    official = await browser_for(client, "official")
    printout = (await official.get(f"/console/statements/{w['homes'][0]}/print?lang=zh")).text
    assert 'id="statement-qr"' in printout and 'id="proof-qr"' in printout and "本对账单的证明" in printout
    carried = json.loads(qr_text(doc))
    line = doc["lines"][0]
    assert carried["lines"] == [[line["sequence"], line["proof"]["leaf_hash"], line["proof"]["tree_size"]]]
    assert carried["heads"][str(line["proof"]["tree_size"])]["root"] == line["proof"]["head"]["root_hash"]
    assert re.search(r'href="/console/grievances/new\?entry_sequence=\d+&amp;party_id=', printout)
