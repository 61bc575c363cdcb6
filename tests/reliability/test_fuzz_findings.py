"""What the contract fuzzing (test_fuzz.py) found, each pinned by a plain test of the request it sent."""

from __future__ import annotations


async def test_a_party_id_beyond_64_bits_is_refused_not_a_server_error(client, admin):
    r = await client.get("/api/v1/statements/938157635668649181184", headers=admin)
    assert r.status_code in (400, 404, 422) and r.headers["content-type"].startswith("application/problem+json")


async def test_a_malformed_idempotency_key_is_refused_where_the_response_is_not_kept(client, admin):
    """Creating a token keeps no response (it carries the secret) but the key is still checked."""
    r = await client.post("/api/v1/auth/tokens", headers={**admin, "Idempotency-Key": "k" * 256},
                          json={"name": "clerk", "role": "auditor"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "Idempotency-Key"
