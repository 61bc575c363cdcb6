"""Tokens (hashed, revocable, expiring), failed-authentication rate limiting, security headers, CORS."""

from __future__ import annotations

from datetime import timedelta

from litestar.testing import AsyncTestClient
from sqlalchemy import text, update

from service.app import create_app
from service.auth.models import ApiToken
from service.auth.tokens import hash_token
from service.db import utcnow

ME = "/api/v1/auth/me"


async def new_token(client, admin, role="auditor") -> tuple[str, int]:
    r = await client.post("/api/v1/auth/tokens", json={"name": "clerk", "role": role}, headers=admin)
    assert r.status_code == 201, r.text
    return r.json()["token"], r.json()["token_id"]


async def test_tokens_are_stored_hashed_never_in_clear(client, admin, db):
    clear, token_id = await new_token(client, admin)
    async with db.reading() as s:
        rows = (await s.execute(text("SELECT * FROM api_tokens"))).mappings().all()
    assert any(r["token_hash"] == hash_token(clear) for r in rows)
    assert not any(clear in str(value) for r in rows for value in r.values())
    replay = await client.post("/api/v1/auth/tokens", json={"name": "clerk", "role": "auditor"},
                               headers={**admin, "Idempotency-Key": "k1"})
    async with db.reading() as s:  # a token response is never kept for idempotent replay
        stored = (await s.execute(text("SELECT response FROM idempotency_keys"))).scalars().all()
    assert not any(replay.json()["token"] in r for r in stored)


async def test_revoked_token_is_refused(client, admin):
    clear, token_id = await new_token(client, admin)
    bearer = {"Authorization": f"Bearer {clear}"}
    assert (await client.get(ME, headers=bearer)).status_code == 200
    assert (await client.post(f"/api/v1/auth/tokens/{token_id}/revoke", headers=admin)).status_code == 200
    r = await client.get(ME, headers=bearer)
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")


async def test_expired_token_is_refused(client, admin, db):
    clear, token_id = await new_token(client, admin)
    async with db.writing() as s:
        await s.execute(update(ApiToken).where(ApiToken.id == token_id).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert (await client.get(ME, headers={"Authorization": f"Bearer {clear}"})).status_code == 401


async def test_token_guessing_is_rate_limited(client, admin):
    statuses = [(await client.get(ME, headers={"Authorization": f"Bearer ssl_guess{i}"})).status_code
                for i in range(25)]
    assert statuses[:20] == [401] * 20 and set(statuses[20:]) == {429}, statuses
    r = await client.get(ME, headers=admin)  # the guessing client is blocked, whatever token it now shows
    assert r.status_code == 429 and r.headers["content-type"].startswith("application/problem+json")


async def test_security_headers_on_json_html_and_errors(client, admin):
    for path, headers in (("/health", {}), ("/schema/swagger", {}), (ME, {}), (ME, admin)):
        r = await client.get(path, headers=headers)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], path
        assert r.headers["referrer-policy"] == "no-referrer", path
    assert (await client.get("/schema/swagger")).headers["content-type"].startswith("text/html")


PREFLIGHT = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}


async def test_cors_is_off_unless_configured(client, settings):
    r = await client.options("/api/v1/ledger/entries", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in r.headers
    r = await client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    from dataclasses import replace

    app = create_app(replace(settings, cors_origins=("https://county.example",)))
    async with AsyncTestClient(app=app) as c:
        ok = await c.options("/api/v1/ledger/entries", headers={**PREFLIGHT, "Origin": "https://county.example"})
        assert ok.headers.get("access-control-allow-origin") == "https://county.example"
        evil = await c.get("/health", headers={"Origin": "https://evil.example"})
        assert evil.headers.get("access-control-allow-origin") != "https://evil.example"
