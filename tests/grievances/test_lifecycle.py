"""A household files a grievance from a statement line; the county's official answers, attaches evidence
and resolves it; the household follows it by its tracking code, which shows no personal data. Past its
deadline a grievance goes to the county's approvers."""

from __future__ import annotations

from datetime import timedelta

from service.db import utcnow
from service.grievances.service import escalate_overdue


async def _file(client, headers, **body):
    return await client.post("/api/v1/grievances", json=body, headers=headers)


async def test_file_answer_evidence_resolve_and_track(client, world, token_for):
    hh, county = world["household"], world["county"]
    own = await token_for("community", party_id=hh)
    line = (await client.get(f"/api/v1/statements/{hh}", headers=own)).json()["lines"][0]
    r = await _file(client, {**own, "Idempotency-Key": "g1"}, kind="not_received", entry_sequence=line["sequence"],
                    text="The bank has not paid this; my name is Wang and my card ends 1234.")
    assert r.status_code == 201, r.text
    g = r.json()
    assert g["status"] == "open" and g["party_id"] == hh and g["entry_sequence"] == line["sequence"]
    assert g["code"].startswith("G-") and not g["overdue"] and [e["kind"] for e in g["events"]] == ["filed"]
    replay = await _file(client, {**own, "Idempotency-Key": "g1"}, kind="not_received",
                         entry_sequence=line["sequence"],
                         text="The bank has not paid this; my name is Wang and my card ends 1234.")
    assert replay.json()["id"] == g["id"]  # the retry did not file twice

    official = await token_for("official", county_code=county)
    queue = (await client.get("/api/v1/grievances", headers=official)).json()["items"]
    assert [x["id"] for x in queue] == [g["id"]]
    elsewhere = await token_for("official", county_code="360827")
    assert (await client.get("/api/v1/grievances", headers=elsewhere)).json()["items"] == []
    assert (await client.get(f"/api/v1/grievances/{g['id']}", headers=elsewhere)).status_code == 404
    approver = await token_for("approver", county_code=county)
    assert (await client.get("/api/v1/grievances", headers=approver)).json()["items"] == []  # not escalated

    gid = g["id"]
    r = await client.post(f"/api/v1/grievances/{gid}/answers", headers=official,
                          json={"text": "We are checking with the bank."})
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/v1/grievances/{gid}/evidence", headers=official, json={})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "bank_reference", r.text
    r = await client.post(f"/api/v1/grievances/{gid}/evidence", headers=official,
                          json={"text": "paid again", "bank_reference": "YXYZ-2026-0099"})
    assert r.status_code == 201, r.text
    assert (await client.post(f"/api/v1/grievances/{gid}/answers", headers=own, json={"text": "x"})).status_code == 403
    r = await client.post(f"/api/v1/grievances/{gid}/resolve", headers=official,
                          json={"text": "Paid again on 2026-04-02."})
    assert r.status_code == 201 and r.json()["status"] == "resolved", r.text
    again = await client.post(f"/api/v1/grievances/{gid}/answers", headers=official, json={"text": "late"})
    assert again.status_code == 409

    public = await client.get(f"/api/v1/grievances/track/{g['code'].lower()}")
    assert public.status_code == 200, public.text
    t = public.json()
    assert t["status"] == "resolved" and t["evidence_attached"] == 1
    assert [a["text"] for a in t["answers"]] == ["We are checking with the bank.", "Paid again on 2026-04-02."]
    assert "Wang" not in public.text and "1234" not in public.text and "YXYZ" not in public.text
    assert "party" not in public.text and str(hh) not in public.text.replace(g["code"], "")
    assert (await client.get("/api/v1/grievances/track/G-NONE-NONE")).status_code == 404
    mine = (await client.get("/api/v1/grievances", headers=own)).json()["items"]
    assert [x["status"] for x in mine] == ["resolved"]


async def test_refusals_name_the_field(client, world, token_for):
    hh, county = world["household"], world["county"]
    own = await token_for("community", party_id=hh)
    r = await _file(client, own, kind="amount_wrong", text="too little")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "entry_sequence", r.text
    r = await _file(client, own, kind="amount_wrong", text="too little", entry_sequence=1)
    assert r.status_code == 422 and "not on this party's statement" in r.text, r.text
    r = await _file(client, own, kind="lost", text="x", entry_sequence=1)
    assert r.status_code in (400, 422)
    other = await token_for("community", party_id=hh + 1)
    r = await _file(client, other, kind="other", text="x", party_id=hh)
    assert r.status_code == 404, r.text
    r = await _file(client, own, kind="not_received", text="The March fishing-ban payment", expected="2026-03 fishing ban")
    assert r.status_code == 201, r.text
    official = await token_for("official", county_code=county)
    r = await _file(client, official, kind="other", text="filed by the village committee")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "party_id"
    r = await _file(client, official, kind="other", text="filed by the village committee", party_id=hh)
    assert r.status_code == 201, r.text


async def test_an_overdue_grievance_goes_to_the_approvers(client, world, token_for, db, settings):
    hh, county = world["household"], world["county"]
    own = await token_for("community", party_id=hh)
    g = (await _file(client, own, kind="other", text="nobody answers")).json()
    assert g["deadline_at"][:10] == (utcnow() + timedelta(days=settings.grievance_deadline_days)).date().isoformat()
    approver = await token_for("approver", county_code=county)
    async with db.writing() as session:
        assert await escalate_overdue(session, utcnow()) == 0
        assert await escalate_overdue(session, utcnow() + timedelta(days=16)) == 1
    queue = (await client.get("/api/v1/grievances", headers=approver)).json()["items"]
    assert [(x["id"], x["status"]) for x in queue] == [(g["id"], "escalated")]
    assert queue[0]["events"][-1]["kind"] == "escalated" and queue[0]["events"][-1]["by_user"] is None
    r = await client.post(f"/api/v1/grievances/{g['id']}/resolve", headers=approver, json={"text": "Sorted out."})
    assert r.status_code == 201, r.text


async def test_an_official_escalates_and_an_admin_runs_the_deadline(client, world, token_for, admin):
    hh, county = world["household"], world["county"]
    official = await token_for("official", county_code=county)
    g = (await _file(client, official, kind="not_my_payment", text="not theirs", party_id=hh,
                     expected="someone else's")).json()
    r = await client.post(f"/api/v1/grievances/{g['id']}/escalate", headers=official, json={"text": "Needs approval."})
    assert r.status_code == 201 and r.json()["status"] == "escalated", r.text
    r = await client.post(f"/api/v1/grievances/{g['id']}/escalate", headers=official, json={"text": "again"})
    assert r.status_code == 409
    r = await client.post("/api/v1/grievances/escalate-overdue", headers=admin)
    assert r.status_code == 201 and r.json() == {"escalated": 0}, r.text
