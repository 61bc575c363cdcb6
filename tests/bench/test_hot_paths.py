"""The speed-ups the bench drove keep the rules: the token cache forgets revoked and expired tokens."""

from __future__ import annotations

from datetime import timedelta

from service.auth.actor import Actor
from service.auth.tokens import TokenCache
from service.db import utcnow


def test_token_cache_forgets_revoked_expired_and_stale_tokens(monkeypatch):
    now = utcnow()
    cache = TokenCache(ttl=2.0)
    actor = Actor(user_id=1, name="a", role="auditor", token_id=7)
    cache.put("h1", now + timedelta(hours=1), actor)
    cache.put("h2", now + timedelta(seconds=1), Actor(user_id=2, name="b", role="auditor", token_id=8))
    assert cache.get("h1", now) == actor
    assert cache.get("h2", now + timedelta(seconds=2)) is None  # the token itself expired
    cache.forget(7)
    assert cache.get("h1", now) is None  # revoked in this process
    cache.put("h1", None, actor)
    clock = [1000.0]
    monkeypatch.setattr("service.auth.tokens.time.monotonic", lambda: clock[0])
    cache.put("h3", None, actor)
    clock[0] += 2.5
    assert cache.get("h3", now) is None  # older than the TTL: looked up again
    off = TokenCache(ttl=0)
    off.put("h", None, actor)
    assert off.get("h", now) is None
