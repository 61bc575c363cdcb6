"""Building a small trust through the real API."""

from __future__ import annotations

import itertools
from typing import Any

from tests.helpers import create_party

_names = itertools.count(1)


async def make_trust(client, admin, *, fee_bps: int = 100, fee_minimum: str = "0.00",
                     allocations: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    n = next(_names)
    trustee = await create_party(client, admin, org_type="trust_company", name=f"Trust company {n}")
    water = await create_party(client, admin, org_type="enterprise", name=f"Water company {n}")
    donor = await create_party(client, admin, org_type="ngo", name=f"Foundation {n}")
    village = await create_party(client, admin, kind="community", org_type=None, name=f"Village {n}", division_code="330110001001")
    body = {
        "name": f"Water fund {n}", "purpose": "source-water protection", "trustee_party_id": trustee["id"],
        "division_code": "330110001001", "agreement_reference": f"TA-{n}", "starts_on": "2026-01-01",
        "fee_bps": fee_bps, "fee_minimum": fee_minimum,
        "settlors": [{"party_id": water["id"], "category": "water_company"},
                     {"party_id": donor["id"], "category": "donor"}],
        "beneficiaries": [village["id"]],
        "allocations": allocations or [
            {"key": "protection", "name": "Source-water protection", "share_bps": 6000},
            {"key": "compensation", "name": "Farmer compensation", "share_bps": 3000},
            {"key": "monitoring", "name": "Water-quality monitoring", "share_bps": 1000},
        ],
        **fields,
    }
    r = await client.post("/api/v1/trusts", json=body, headers=admin)
    assert r.status_code == 201, r.text
    trust = r.json()
    trust["_water"], trust["_donor"], trust["_village"] = water["id"], donor["id"], village["id"]
    return trust


async def contribute(client, headers, trust, amount: str, settlor: int | None = None, key: str | None = None, **kw):
    body = {"settlor_party_id": settlor or trust["_water"], "amount": amount, "received_on": "2026-02-01",
            "reference": "BANK-1", **kw}
    h = {**headers, **({"Idempotency-Key": key} if key else {})}
    return await client.post(f"/api/v1/trusts/{trust['id']}/contributions", json=body, headers=h)


async def disburse(client, headers, trust, purpose: str, amount: str, key: str | None = None, **kw):
    body = {"purpose": purpose, "amount": amount, "paid_on": "2026-03-01", **kw}
    h = {**headers, **({"Idempotency-Key": key} if key else {})}
    return await client.post(f"/api/v1/trusts/{trust['id']}/disbursements", json=body, headers=h)
