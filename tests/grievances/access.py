"""Grievances for the route x role and object-scope matrices (tests/reliability/test_access.py): one of
the scoped household's, one of its neighbour's, one in another county, and an escalated one each side."""

from __future__ import annotations

from typing import Any


async def grievance_objects(client, admin: dict[str, str], home: int, neighbour: int, away: int) -> dict[str, Any]:
    async def file(party: int, escalate: bool = False) -> int:
        r = await client.post("/api/v1/grievances", headers=admin,
                              json={"kind": "other", "text": "scope test", "party_id": party})
        assert r.status_code == 201, r.text
        gid = r.json()["id"]
        if escalate:
            r = await client.post(f"/api/v1/grievances/{gid}/escalate", headers=admin, json={"text": "scope"})
            assert r.status_code == 201, r.text
        return gid

    mine, theirs, elsewhere = await file(home), await file(neighbour), await file(away)
    escalated_in, escalated_out = await file(home, True), await file(away, True)
    return {
        "default": mine,
        "objects": {
            "grievance_id": {"official": (mine, elsewhere), "approver": (escalated_in, escalated_out),
                             "community": (mine, theirs)},
            ("POST", "/api/v1/grievances/{grievance_id}/answers"): {
                "official": (mine, elsewhere), "approver": (escalated_in, escalated_out), "body": {"text": "scope"}},
        },
    }
