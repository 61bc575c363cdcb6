"""On the demo data: the seed signs two heads over the journal with a consistency proof between them,
`roots verify` passes, the demo household's statement checks offline, and its grievance is in the
county's queue and on the tracking page."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from service import seed as seeding
from service.parties.models import Party
from service.roots import check, merkle


async def test_demo_roots_verify_and_the_household_statement_checks(client, db, settings, token_for, run_cli):
    await seeding.load(db, settings, progress=lambda _: None)
    r = await asyncio.to_thread(run_cli, "roots", "verify")
    assert r.exit_code == 0 and "roots verified: 2 signed heads" in r.output, r.output
    first, second = (await client.get("/api/v1/roots")).json()["items"]  # after the county's payments; at the end
    assert 0 < first["tree_size"] < second["tree_size"] and second["previous_head_hash"] == first["head_hash"]
    c = (await client.get("/api/v1/roots/consistency", params={"first": first["tree_size"],
                                                               "second": second["tree_size"]})).json()
    assert merkle.verify_consistency(first["tree_size"], second["tree_size"], bytes.fromhex(first["root_hash"]),
                                     bytes.fromhex(second["root_hash"]), [bytes.fromhex(p) for p in c["proof"]])
    async with db.reading() as s:
        household = await s.scalar(select(Party).where(Party.kind == "household").order_by(Party.id).limit(1))
    own = await token_for("community", party_id=household.id)
    doc = (await client.get(f"/api/v1/statements/{household.id}", headers=own)).json()
    checked, found = check.statement_findings(doc)
    assert checked == len(doc["lines"]) > 0 and found == []
    mine = (await client.get("/api/v1/grievances", headers=own)).json()["items"]
    assert len(mine) == 1 and [e["kind"] for e in mine[0]["events"]] == ["filed", "answer"]
    official = await token_for("official", county_code=household.county_code)
    assert [g["code"] for g in (await client.get("/api/v1/grievances", headers=official)).json()["items"]] == \
        [mine[0]["code"]]
    t = (await client.get(f"/api/v1/grievances/track/{mine[0]['code']}")).json()
    assert t["status"] == "open" and "asked the bank" in t["answers"][0]["text"]
