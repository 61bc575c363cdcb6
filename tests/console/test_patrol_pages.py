"""The patrol supervisor's pages: logs waiting for verification with their route outline, verify, reject
with a reason, and a supervisor's own log refused in their language; the outline drawing itself."""

from __future__ import annotations

import re
from datetime import date, timedelta

from hypothesis import given, settings, strategies as st

from service.console.pages.patrol_outline import outline_svg
from service.patrols import service as patrols
from service.patrols.models import PatrolLog
from service.patrols.schemas import LogIn
from tests.console import roles_world
from tests.console.support import browser_for


async def test_the_supervisor_sees_waiting_logs_with_their_route_and_verifies_one(client, db):
    w = await roles_world.build(db, with_trust=False)
    b = await browser_for(client, "approver")
    r = await b.get("/console/patrol-logs?lang=en")
    assert r.status_code == 200 and f'data-log="{w["log_id"]}"' in r.text
    assert f'data-log="{w["verified_log_id"]}"' not in r.text  # already verified: not waiting
    path = f"/console/patrol-logs/{w['log_id']}"
    detail = await b.get(path + "?lang=zh")
    assert "<polyline" in detail.text and "River bank" in detail.text and "清除网具" in detail.text
    r = await b.post(path + "/verify", form_from=path)
    assert r.status_code == 303 and r.headers["location"] == "/console/patrol-logs?ok=pt_verified"
    async with db.reading() as s:
        assert (await s.get(PatrolLog, w["log_id"])).status == "verified"
    assert f'data-log="{w["log_id"]}"' not in (await b.get("/console/patrol-logs")).text


async def test_a_rejection_needs_a_reason(client, db):
    w = await roles_world.build(db, with_trust=False)
    b = await browser_for(client, "approver")
    path = f"/console/patrol-logs/{w['log_id']}"
    r = await b.post(path + "/reject", {"reason": ""}, form_from=path)
    assert r.status_code == 422 and 'id="e-reason"' in r.text
    r = await b.post(path + "/reject", {"reason": "the route crosses the reservoir"}, form_from=path)
    assert r.status_code == 303
    async with db.reading() as s:
        log = await s.get(PatrolLog, w["log_id"])
    assert log.status == "rejected" and log.reject_reason == "the route crosses the reservoir"


async def test_a_supervisor_cannot_verify_a_log_they_entered(client, db):
    w = await roles_world.build(db, with_trust=False)
    async with db.writing() as s:
        own = await patrols.create_log(s, w["admin"], LogIn(
            team_id=w["team_id"], member_party_ids=[w["homes"][0]], patrol_date=date.today() - timedelta(days=10),
            start_time="13:00", end_time="15:00"))
    admin = await browser_for(client, "admin")
    path = f"/console/patrol-logs/{own.id}"
    page = await admin.get(path + "?lang=zh")
    assert 'id="four-eyes-note"' in page.text and "本日志没有记录路线" in page.text
    r = await admin.post(path + "/verify", form_from="/console/account")
    assert r.status_code == 403 and "须由其他负责人核实" in r.text
    official = await browser_for(client, "official")
    assert (await official.get("/console/patrol-logs")).status_code == 403


def test_outlines_of_each_geometry_kind():
    line = outline_svg({"type": "LineString", "coordinates": [[115.0, 26.8], [115.1, 26.9]]}, "route")
    assert "<polyline" in line and "start" in line and "km" in line
    poly = outline_svg({"type": "Polygon", "coordinates": [[[1, 1], [1, 2], [2, 2], [1, 1]]]}, "area")
    assert "<polygon" in poly
    assert "<circle" in outline_svg({"type": "Point", "coordinates": [115.0, 26.8]}, "spot")
    assert outline_svg(None, "none") == ""
    assert "&lt;b&gt;" in outline_svg({"type": "Point", "coordinates": [1, 1]}, "<b>")


position = st.tuples(st.floats(-180, 180), st.floats(-89, 89)).map(list)


@settings(max_examples=60, deadline=None)
@given(st.lists(position, min_size=1, max_size=30))
def test_every_point_of_a_route_lands_inside_the_picture(points):
    svg = outline_svg({"type": "LineString", "coordinates": points}, "r", width=300, height=200)
    coords = re.search(r'<polyline points="([^"]+)"', svg).group(1).split()
    for pair in coords:
        x, y = map(float, pair.split(","))
        assert -0.1 <= x <= 300.1 and -0.1 <= y <= 200.1
