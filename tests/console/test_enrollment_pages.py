"""The enrollment and cycle pages over HTTP: the official's register, an enrollment's history and its
change-request form, the cycle's dry run and commit; the approver's change requests (zh and en)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from service.enrollments import service as enr
from service.enrollments.models import ChangeRequest
from service.enrollments.schemas import EnrollmentIn, ParcelIn
from tests.console import roles_world
from tests.console.support import browser_for


async def _enrolled(db) -> tuple[dict, int]:
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    async with db.writing() as s:
        e = await enr.create_enrollment(s, w["official"], EnrollmentIn(
            program_id=w["program_id"], household_party_id=w["homes"][1], start_date=date(2026, 1, 1),
            parcels=[ParcelIn(parcel_code="DT-001", area_mu="8.00"), ParcelIn(parcel_code="DT-002", area_mu="4.50")]),
            "test-secret")
    return w, e.id


async def test_official_enters_a_change_and_commits_a_cycle(client, db):
    w, eid = await _enrolled(db)
    b = await browser_for(client, "official")
    r = await b.get("/console/enrollments?lang=en")
    assert r.status_code == 200 and f'data-enrollment="{eid}"' in r.text and "12.50" in r.text
    path = f"/console/enrollments/{eid}"
    r = await b.post(path + "/changes", {"action": "remeasure", "effective_date": "2026-08-01", "parcel_code": "DT-002",
                                         "area_mu": "5.00", "reason": "survey"}, form_from=path)
    assert r.status_code == 303 and r.headers["location"].endswith("ok=change_entered"), r.text[:800]
    r = await b.post(path + "/changes", {"action": "remove_parcel", "effective_date": "2026-08-01",
                                         "parcel_code": "NOPE", "reason": "x"}, form_from=path)
    assert r.status_code == 422 and "NOPE" in r.text
    zh = await b.get(path + "?lang=zh")
    assert "变更申请" in zh.text and "DT-001" in zh.text
    r = await b.post("/console/cycles/dry-run", {"program_id": str(w["program_id"]), "period": "2026-07"},
                     form_from="/console/cycles")
    assert r.status_code == 200 and 'id="cycle-commit"' in r.text and "431.25" in r.text, r.text[:800]
    assert "pending_change_request" in r.text
    r = await b.post("/console/cycles/commit", {"program_id": str(w["program_id"]), "period": "2026-07"},
                     form_from="/console/cycles")
    assert r.status_code == 303 and "/console/batches/" in r.headers["location"], r.text[:800]
    again = await b.post("/console/cycles/commit", {"program_id": str(w["program_id"]), "period": "2026-07"},
                         form_from="/console/cycles")
    assert again.status_code == 409 and "already generated" in again.text


async def test_approver_approves_and_rejects_change_requests(client, db):
    _, eid = await _enrolled(db)
    official = await browser_for(client, "official")
    path = f"/console/enrollments/{eid}"
    for code in ("DT-001", "DT-002"):
        r = await official.post(path + "/changes", {"action": "remove_parcel", "effective_date": "2026-09-01",
                                                    "parcel_code": code, "reason": "sold"}, form_from=path)
        assert r.status_code == 303, r.text[:500]
    async with db.reading() as s:
        first, second = (await s.execute(select(ChangeRequest.id).order_by(ChangeRequest.id))).scalars().all()
    b = await browser_for(client, "approver")
    queue = await b.get("/console/approvals/changes?lang=en")
    assert f'data-change="{first}"' in queue.text and "12.50" in queue.text
    r = await b.post(f"/console/approvals/changes/{first}/approve", form_from="/console/approvals/changes")
    assert r.status_code == 303 and r.headers["location"].endswith("ok=ap_change_approved"), r.text[:500]
    r = await b.post(f"/console/approvals/changes/{second}/reject", {}, form_from="/console/approvals/changes")
    assert r.status_code == 422
    r = await b.post(f"/console/approvals/changes/{second}/reject", {"reason": "not sold after all"},
                     form_from="/console/approvals/changes")
    assert r.status_code == 303 and r.headers["location"].endswith("ok=ap_change_rejected")
    zh = await b.get("/console/approvals/changes?lang=zh")
    assert "没有待审核的变更申请" in zh.text
    detail = await official.get(path + "?lang=en")
    assert "2026-09-01" in detail.text or "Sep" in detail.text
