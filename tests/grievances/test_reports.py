"""Grievance figures in the transparency report go through the money figures' small-cell suppression;
an overdue grievance is an audit anomaly."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from service.db import utcnow
from service.reports.grievance_figures import tables
from service.grievances.models import Grievance


def test_figures_hide_small_cells_and_what_totals_would_reveal():
    rows = [("360425", "2026-03", p, d) for p, d in [(1, 2.0), (2, 4.0), (3, None), (4, 10.0), (5, None), (6, None)]]
    rows += [("360425", "2026-04", p, 3.0) for p in range(10, 16)]
    rows += [("360827", "2026-03", 9, 1.0)]
    out = tables(rows, k=5)
    cells = {(r["county"], r["period"]): r for r in out["cells"]}
    assert cells[("360827", "2026-03")] == {"county": "360827", "period": "2026-03", "filed": None, "resolved": None,
                                            "median_days_to_resolve": None, "suppressed": True}
    big = cells[("360425", "2026-03")]
    assert not big["suppressed"] and (big["filed"], big["resolved"], big["median_days_to_resolve"]) == (6, 3, 4.0)
    totals = {r["county"]: r for r in out["county_totals"]}
    assert totals["360827"]["suppressed"]  # the county total is the same single household
    assert (totals["360425"]["filed"], totals["360425"]["resolved"]) == (12, 9)
    # one small month would be revealed by the county total minus the other: both are hidden
    out = tables([*rows, ("360425", "2026-05", 77, None)], k=5)
    hidden = {(r["county"], r["period"]) for r in out["cells"] if r["suppressed"]}
    assert ("360425", "2026-05") in hidden and len(hidden & {("360425", "2026-03"), ("360425", "2026-04")}) == 1


async def test_transparency_and_audit_show_grievances(client, world, token_for, db, auditor):
    hh = world["household"]
    own = await token_for("community", party_id=hh)
    r = await client.post("/api/v1/grievances", json={"kind": "other", "text": "late"}, headers=own)
    assert r.status_code == 201, r.text
    doc = (await client.get("/api/v1/reports/transparency")).json()
    cell = doc["grievances"]["cells"][0]
    assert cell["county"] == world["county"] and cell["suppressed"] and cell["filed"] is None  # one household
    audit = (await client.get("/api/v1/reports/audit", headers=auditor)).json()
    assert "overdue_grievance" in audit["anomalies"]["checks"]
    assert not [f for f in audit["anomalies"]["findings"] if f["check"] == "overdue_grievance"]
    async with db.writing() as session:
        await session.execute(update(Grievance).values(deadline_at=utcnow() - timedelta(days=2)))
    audit = (await client.get("/api/v1/reports/audit", headers=auditor)).json()
    found = [f for f in audit["anomalies"]["findings"] if f["check"] == "overdue_grievance"]
    assert len(found) == 1 and r.json()["code"] in found[0]["detail"] and "past its deadline" in found[0]["detail"]
