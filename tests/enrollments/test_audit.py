"""The audit's cycle checks: a parcel paid twice in one period (enrolled in two programs), and a payment
whose basis differs from the enrollment in force (a basis line edited behind the service's back)."""

from __future__ import annotations

from sqlalchemy import text

from tests.enrollments.conftest import commit, enroll, program_2024

AUDIT = "/api/v1/reports/audit"


async def findings(client, auditor, check: str) -> list[dict]:
    r = await client.get(AUDIT, headers=auditor)
    assert r.status_code == 200, r.text
    assert check in r.json()["anomalies"]["checks"]
    return [f for f in r.json()["anomalies"]["findings"] if f["check"] == check]


async def test_parcel_paid_twice_in_one_period(client, world, auditor):
    first = await program_2024(client, world)
    second = await program_2024(client, world, rate="10.00")
    home = world.households[0]["id"]
    for program in (first, second):
        assert (await enroll(client, world, program, home, [("SC-900", "5.00")])).status_code == 201
    assert (await commit(client, world, first)).status_code == 201
    assert await findings(client, auditor, "parcel_paid_twice") == []
    assert (await commit(client, world, second)).status_code == 201
    found = await findings(client, auditor, "parcel_paid_twice")
    assert len(found) == 1 and found[0]["facts"]["parcel_code"] == "SC-900" and len(found[0]["facts"]["payment_ids"]) == 2


async def test_payment_basis_differing_from_the_enrollment_is_found(client, world, auditor, db):
    program = await program_2024(client, world)
    e = (await enroll(client, world, program, world.households[0]["id"], [("SC-901", "5.00")])).json()
    assert (await commit(client, world, program)).status_code == 201
    assert await findings(client, auditor, "basis_differs_from_enrollment") == []
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE enr_basis_lines SET area_centimu = 700 WHERE enrollment_id = :e"), {"e": e["id"]})
    found = await findings(client, auditor, "basis_differs_from_enrollment")
    assert len(found) == 1 and "5.00 mu" in found[0]["detail"] and "7.00 mu" in found[0]["detail"]
