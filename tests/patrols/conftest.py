"""A Suichuan-style county with a village, four households on a patrol team, and a funded stipend fund."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.helpers import create_party, funded_account

COUNTY = "360827"


@dataclass
class Patrol:
    official: dict
    approver: dict
    village: int
    team: int
    members: list[int]
    fund: int


async def make_patrol(client, admin, token_for, county: str = COUNTY, fund_amount: str = "10000.00") -> Patrol:
    official = await token_for("official", county_code=county)
    approver = await token_for("approver", county_code=county)
    village = await create_party(client, official, kind="community", org_type=None, name="Yingpanxu village",
                                 division_code=f"{county}205201")
    members = [
        (await create_party(client, official, kind="household", org_type=None, name=f"Household {i}", parent_id=village["id"]))["id"]
        for i in range(4)
    ]
    r = await client.post("/api/v1/patrol-teams", json={"name": "Bird patrol", "village_party_id": village["id"]},
                          headers=official)
    assert r.status_code == 201, r.text
    team = r.json()["id"]
    for i, m in enumerate(members):
        r = await client.post(f"/api/v1/patrol-teams/{team}/members", json={"party_id": m, "code": f"YP0{i + 1}"},
                              headers=official)
        assert r.status_code == 201, r.text
    fund, _ = await funded_account(client, admin, fund_amount, county_code=county)
    return Patrol(official, approver, village["id"], team, members, fund)


@pytest.fixture
async def patrol(client, admin, token_for) -> Patrol:
    return await make_patrol(client, admin, token_for)


async def log(client, p: Patrol, members: list[int], day: str, start: str = "06:30", end: str = "10:30", **extra):
    body = {"team_id": p.team, "member_party_ids": members, "patrol_date": day, "start_time": start,
            "end_time": end, **extra}
    return await client.post("/api/v1/patrol-logs", json=body, headers=p.official)


async def verified_log(client, p: Patrol, members: list[int], day: str, **kw) -> dict:
    r = await log(client, p, members, day, **kw)
    assert r.status_code == 201, r.text
    v = await client.post(f"/api/v1/patrol-logs/{r.json()['id']}/verify", headers=p.approver)
    assert v.status_code == 200, v.text
    return v.json()
