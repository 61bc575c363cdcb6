"""The compensation tests' small county, with enrollments in a forest program."""

from __future__ import annotations

from typing import Any

from tests.compensation.conftest import (  # noqa: F401
    COUNTY,
    World,
    fund_program,
    id_number,
    make_program,
    world,
)

ENROLL, CHANGES, CYCLES = "/api/v1/enrollments", "/api/v1/change-requests", "/api/v1/cycles"


async def program_2024(client, w: World, fund: str | None = "5000.00", **fields: Any) -> dict[str, Any]:
    return await make_program(client, w, fund=fund, name="Public-welfare forest 2024-2030",
                              period_start="2024-01-01", period_end="2030-12-31", **fields)


async def enroll(client, w: World, program: dict, household: int, parcels: list[tuple[str, str]],
                 start: str = "2024-01-01", headers=None, **fields: Any):
    body = {"program_id": program["id"], "household_party_id": household, "start_date": start,
            "evidence": "LQZ-2024-001", "parcels": [{"parcel_code": c, "area_mu": a, "land_class": "public-welfare forest"}
                                                     for c, a in parcels], **fields}
    return await client.post(ENROLL, json=body, headers=headers or w.official)


async def change(client, w: World, enrollment: int, action: str, effective: str, approve: bool = True, **fields: Any):
    r = await client.post(CHANGES, headers=w.official, json={
        "enrollment_id": enrollment, "action": action, "effective_date": effective, "reason": "township survey", **fields})
    assert r.status_code == 201, r.text
    if approve:
        r = await client.post(f"{CHANGES}/{r.json()['id']}/approve", headers=w.approver)
        assert r.status_code == 200, r.text
    return r.json()


async def dry_run(client, w: World, program: dict, period: str = "2026", headers=None):
    r = await client.post(f"{CYCLES}/dry-run", json={"program_id": program["id"], "period": period},
                          headers=headers or w.official, params={"lines": "true"})
    assert r.status_code == 200, r.text
    return r.json()


async def commit(client, w: World, program: dict, period: str = "2026", key: str | None = None):
    headers = {**w.official, **({"Idempotency-Key": key} if key else {})}
    return await client.post(CYCLES, json={"program_id": program["id"], "period": period,
                                           "effective_date": f"{period[:4]}-03-01"}, headers=headers)
