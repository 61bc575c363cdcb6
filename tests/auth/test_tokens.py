"""Bearer tokens: hashed at rest, revocable, expiring, and guessing is slowed down."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from service.auth.models import ApiToken
from service.db import utcnow


async def test_token_is_stored_hashed_and_can_be_revoked(client, admin, db):
    r = await client.post("/api/v1/auth/tokens", headers=admin, json={"name": "Auditor Wang", "role": "auditor"})
    assert r.status_code == 201, r.text
    created = r.json()
    clear = created["token"]
    async with db.reading() as session:
        stored = (await session.execute(select(ApiToken.token_hash))).scalars().all()
    assert clear not in stored and all(len(h) == 64 for h in stored)
    headers = {"Authorization": f"Bearer {clear}"}
    me = await client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200 and me.json()["role"] == "auditor"
    assert (await client.post(f"/api/v1/auth/tokens/{created['token_id']}/revoke", headers=admin)).status_code == 200
    refused = await client.get("/api/v1/auth/me", headers=headers)
    assert refused.status_code == 401 and refused.headers["content-type"].startswith("application/problem+json")


async def test_expired_token_is_refused(client, token_for, db):
    headers = await token_for("auditor")
    async with db.writing() as session:
        await session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401


async def test_roles_need_their_scope(client, admin):
    for body in ({"name": "x", "role": "official"}, {"name": "x", "role": "trustee"}, {"name": "x", "role": "community"}):
        r = await client.post("/api/v1/auth/tokens", headers=admin, json=body)
        assert r.status_code == 422, r.text


async def test_auditor_cannot_write_and_anonymous_cannot_read(client, auditor):
    r = await client.post("/api/v1/parties", headers=auditor, json={"kind": "organisation", "org_type": "ngo", "name": "x"})
    assert r.status_code == 403
    assert (await client.get("/api/v1/parties")).status_code == 401
    assert (await client.get("/health")).status_code == 200


async def test_failed_authentication_is_rate_limited(client):
    codes = [(await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer wrong{i}"})).status_code
             for i in range(25)]
    assert codes[:20] == [401] * 20 and codes[-1] == 429


async def test_the_limiter_and_token_cache_belong_to_their_app(client, settings, admin):
    """State on app.state, not in module globals: another app (worker, test) counts its own failures."""
    from litestar.testing import AsyncTestClient

    from service.app import create_app

    for i in range(21):
        await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer wrong{i}"})
    assert (await client.get("/api/v1/auth/me", headers={"Authorization": "Bearer wrong"})).status_code == 429
    other = create_app(settings)
    async with AsyncTestClient(app=other) as fresh:
        assert (await fresh.get("/api/v1/auth/me", headers={"Authorization": "Bearer wrong"})).status_code == 401
        assert (await fresh.get("/api/v1/auth/me", headers=admin)).status_code == 200
    assert other.state.token_cache is not client.app.state.token_cache


async def test_requests_arriving_together_with_one_token_look_it_up_once(token_for, db):
    """Under load every cached token expires while many requests carry it: they share one look-up
    (each would otherwise hold a connection of its own), and get the same actor; a hit reads nothing."""
    import asyncio

    from sqlalchemy import event

    from service.auth.tokens import TokenCache, authenticate_bearer

    clear = (await token_for("auditor"))["Authorization"].removeprefix("Bearer ")
    looked_up: list[str] = []

    def count(conn, cursor, statement, *args):
        if "api_tokens" in statement:
            looked_up.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        cache = TokenCache(ttl=60)
        actors = await asyncio.gather(*(authenticate_bearer(db, clear, cache) for _ in range(20)))
        again = await authenticate_bearer(db, clear, cache)
        wrong = await asyncio.gather(*(authenticate_bearer(db, clear + "x", cache) for _ in range(3)))
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert len({a.user_id for a in actors}) == 1 and actors[0].role == "auditor" and again == actors[0]
    assert wrong == [None, None, None]
    assert len(looked_up) == 2  # the token once, the wrong one once (never cached, but shared while running)
