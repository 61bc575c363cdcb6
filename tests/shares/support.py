from __future__ import annotations

from typing import Any

from tests.helpers import create_party


async def stakeholders(client, admin, county: str = "330110") -> dict[str, int]:
    v = await create_party(client, admin, kind="community", org_type=None, name="Village", division_code=f"{county}001001")
    c = await create_party(client, admin, org_type="cooperative", name="Cooperative", division_code=county)
    n = await create_party(client, admin, org_type="ngo", name="NGO")
    g = await create_party(client, admin, org_type="government", name="County", division_code=county)
    return {"village": v["id"], "coop": c["id"], "ngo": n["id"], "county": g["id"]}


async def make_agreement(client, headers, who: dict[str, int], shares=(4000, 3000, 1000, 2000), **fields: Any) -> dict:
    body = {
        "name": "Ecotourism revenue sharing", "pool_kind": "ecotourism", "county_code": "330110",
        "first_version": {"effective_from": "2026-01-01", "stakeholders": [
            {"party_id": who[k], "share_bps": s, "role": k} for k, s in zip(("village", "coop", "ngo", "county"), shares)
        ]},
        **fields,
    }
    r = await client.post("/api/v1/share-agreements", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def revenue(client, headers, agreement, amount: str, day: str = "2026-02-01"):
    r = await client.post(f"/api/v1/share-agreements/{agreement['id']}/revenue",
                          json={"amount": amount, "received_on": day, "reference": "TICKETS"}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def distribute(client, headers, agreement, amount: str | None, day: str = "2026-03-31", dry_run=False, key=None):
    body: dict[str, Any] = {"effective_date": day, "dry_run": dry_run}
    if amount is not None:
        body["amount"] = amount
    h = {**headers, **({"Idempotency-Key": key} if key else {})}
    return await client.post(f"/api/v1/share-agreements/{agreement['id']}/distributions", json=body, headers=h)
