"""Patrol logs as an official enters them and a supervisor reviews them."""

from __future__ import annotations

from tests.patrols.conftest import log, make_patrol


async def test_log_is_entered_and_verified_by_another_person(client, patrol, token_for):
    geo = {"type": "LineString", "coordinates": [[114.28, 26.03], [114.30, 26.05]]}
    r = await log(client, patrol, patrol.members[:2], "2025-03-02", route_geojson=geo, distance_km="12.5",
                  observations="Two mist nets taken down near the ridge",
                  incidents={"nets_removed": 2, "wildlife_sighted": 14})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "submitted" and body["minutes"] == 240 and body["distance_km"] == "12.500"
    assert body["incidents"]["nets_removed"] == 2 and body["member_party_ids"] == patrol.members[:2]
    assert body["starts_at"].startswith("2025-03-01T22:30")  # 06:30 China Standard Time
    # The official who entered it cannot verify it even if also an approver; an admin who entered cannot either.
    assert (await client.post(f"/api/v1/patrol-logs/{body['id']}/verify", headers=patrol.official)).status_code == 403
    v = await client.post(f"/api/v1/patrol-logs/{body['id']}/verify", headers=patrol.approver)
    assert v.status_code == 200 and v.json()["status"] == "verified" and v.json()["reviewed_by"] is not None
    again = await client.post(f"/api/v1/patrol-logs/{body['id']}/verify", headers=patrol.approver)
    assert again.status_code == 409


async def test_supervisor_cannot_review_own_entry(client, admin, patrol):
    r = await client.post("/api/v1/patrol-logs", headers=admin, json={
        "team_id": patrol.team, "member_party_ids": [patrol.members[0]], "patrol_date": "2025-03-03",
        "start_time": "07:00", "end_time": "09:00"})
    assert r.status_code == 201, r.text
    assert (await client.post(f"/api/v1/patrol-logs/{r.json()['id']}/verify", headers=admin)).status_code == 403


BAD_LOGS = [
    ({"route_geojson": {"type": "Circle", "coordinates": [1, 2]}}, "route_geojson"),
    ({"route_geojson": {"type": "Point", "coordinates": [200, 26]}}, "route_geojson"),
    ({"route_geojson": {"type": "LineString", "coordinates": [[1, "a"]]}}, "route_geojson"),
    ({"route_geojson": {"type": "Polygon", "coordinates": []}}, "route_geojson"),
    ({"distance_km": "12.5555"}, "distance_km"),
    ({"distance_km": "-3"}, "distance_km"),
    ({"distance_km": 12.5}, "distance_km"),
    ({"incidents": {"nets_removed": -1}}, "incidents.nets_removed"),
    ({"incidents": {"bears": 1}}, "incidents.bears"),
    ({"patrol_date": "2999-01-01"}, "patrol_date"),
    ({"end_time": "06:30"}, "end_time"),

]


async def test_bad_logs_are_refused_with_the_field(client, patrol):
    for extra, field in BAD_LOGS:  # one setup for every case: each is refused and writes nothing
        r = await log(client, patrol, [patrol.members[0]], "2025-03-02", **extra)
        assert r.status_code == 422, (extra, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert any(e["field"].endswith(field.split(".")[-1]) for e in r.json()["errors"]), r.json()
    assert (await client.get("/api/v1/patrol-logs", headers=patrol.official)).json()["items"] == []


async def test_member_outside_the_team_is_refused(client, patrol):
    r = await log(client, patrol, [patrol.village], "2025-03-02")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "member_party_ids"


async def test_overlapping_logs_for_a_member_are_refused(client, patrol):
    a, b = patrol.members[:2]
    assert (await log(client, patrol, [a, b], "2025-03-02", "06:00", "10:00")).status_code == 201
    clash = await log(client, patrol, [patrol.members[2], b], "2025-03-02", "09:30", "12:00")
    assert clash.status_code == 409 and clash.json()["member_party_id"] == b
    # Back to back is fine, and another member at the same time is fine.
    assert (await log(client, patrol, [b], "2025-03-02", "10:00", "12:00")).status_code == 201
    assert (await log(client, patrol, [patrol.members[2]], "2025-03-02", "06:00", "10:00")).status_code == 201
    # A night patrol crossing midnight overlaps the next morning.
    assert (await log(client, patrol, [a], "2025-03-03", "22:00", "02:00")).status_code == 201
    assert (await log(client, patrol, [a], "2025-03-04", "01:00", "03:00")).status_code == 409


async def test_rejected_log_frees_the_time(client, patrol):
    a = patrol.members[0]
    first = (await log(client, patrol, [a], "2025-03-05")).json()
    r = await client.post(f"/api/v1/patrol-logs/{first['id']}/reject", json={"reason": "wrong date"},
                          headers=patrol.approver)
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["reject_reason"] == "wrong date"
    assert (await log(client, patrol, [a], "2025-03-05")).status_code == 201
    assert (await client.post(f"/api/v1/patrol-logs/{first['id']}/verify", headers=patrol.approver)).status_code == 409


async def test_other_county_sees_nothing(client, admin, patrol, token_for):
    entry = (await log(client, patrol, [patrol.members[0]], "2025-03-02")).json()
    stranger = await token_for("official", county_code="360425")
    other_approver = await token_for("approver", county_code="360425")
    assert (await client.get(f"/api/v1/patrol-teams/{patrol.team}", headers=stranger)).status_code == 404
    assert (await client.get(f"/api/v1/patrol-logs/{entry['id']}", headers=stranger)).status_code == 404
    assert (await client.post(f"/api/v1/patrol-logs/{entry['id']}/verify", headers=other_approver)).status_code == 404
    r = await client.post("/api/v1/patrol-logs", headers=stranger, json={
        "team_id": patrol.team, "member_party_ids": [patrol.members[0]], "patrol_date": "2025-03-09",
        "start_time": "07:00", "end_time": "09:00"})
    assert r.status_code == 404
    assert (await client.get("/api/v1/patrol-logs", headers=stranger)).json()["items"] == []
    community = await token_for("community", party_id=patrol.members[1])  # not on this patrol
    assert (await client.get("/api/v1/patrol-logs", headers=community)).json()["items"] == []
    assert (await client.get(f"/api/v1/patrol-logs/{entry['id']}", headers=community)).status_code == 404


async def test_a_household_reads_the_patrol_logs_it_was_on_and_no_other(client, patrol, token_for):
    mine = (await log(client, patrol, [patrol.members[0]], "2025-03-02")).json()
    other = (await log(client, patrol, [patrol.members[1]], "2025-03-03")).json()
    me = await token_for("community", party_id=patrol.members[0])
    assert [x["id"] for x in (await client.get("/api/v1/patrol-logs", headers=me)).json()["items"]] == [mine["id"]]
    assert (await client.get(f"/api/v1/patrol-logs/{mine['id']}", headers=me)).status_code == 200
    assert (await client.get(f"/api/v1/patrol-logs/{other['id']}", headers=me)).status_code == 404
    assert (await client.post(f"/api/v1/patrol-logs/{mine['id']}/verify", headers=me)).status_code == 403


async def test_team_members_must_be_people_of_the_county(client, patrol, token_for):
    other = await make_patrol(client, await token_for("admin"), token_for, county="360425")
    r = await client.post(f"/api/v1/patrol-teams/{patrol.team}/members",
                          json={"party_id": other.members[0], "code": "X1"}, headers=patrol.official)
    assert r.status_code == 422
    r = await client.post(f"/api/v1/patrol-teams/{patrol.team}/members",
                          json={"party_id": patrol.members[0], "code": "ZZ"}, headers=patrol.official)
    assert r.status_code == 409
    team = (await client.get(f"/api/v1/patrol-teams/{patrol.team}", headers=patrol.approver)).json()
    assert [m["code"] for m in team["members"]] == ["YP01", "YP02", "YP03", "YP04"]
    assert all(m["benefit_account_id"] for m in team["members"])
