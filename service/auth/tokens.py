"""Issue, look up and revoke bearer tokens. Only a SHA-256 of each token is stored."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.models import ApiToken, Role, User
from service.auth.parties import party_exists
from service.db import Database, utcnow
from service.errors import InvalidField, NotFound

TOKEN_PREFIX = "ssl_"


class TokenCache:
    """Live tokens seen in the last few seconds, by token hash: saves a database round trip on
    every request. Only successful lookups are kept (a new token works at once; a wrong one is
    always checked). A token revoked through this process is forgotten at once; one revoked through
    another worker or process stays usable there for at most `ttl` seconds (SHANSHUI_TOKEN_CACHE_SECONDS,
    default 2; 0 turns the cache off). Expiry is checked on every hit. One per app: `app.state.token_cache`."""

    def __init__(self, ttl: float, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self._hits: dict[str, tuple[float, datetime | None, Actor]] = {}
        self._looking_up: dict[str, asyncio.Future[Actor | None]] = {}

    async def once(self, digest: str, look_up: Callable[[], Awaitable[Actor | None]]) -> Actor | None:
        """Requests arriving with the same token while it is being looked up wait for that look-up
        instead of each opening a connection (every entry expires together under load)."""
        running = self._looking_up.get(digest)
        if running is not None:
            return await asyncio.shield(running)  # a waiter that goes away leaves the look-up running
        future: asyncio.Future[Actor | None] = asyncio.ensure_future(look_up())
        self._looking_up[digest] = future
        try:
            return await asyncio.shield(future)
        finally:
            self._looking_up.pop(digest, None)

    def get(self, digest: str, now: datetime) -> Actor | None:
        hit = self._hits.get(digest)
        if hit is None:
            return None
        seen, expires_at, actor = hit
        if time.monotonic() - seen > self.ttl or (expires_at is not None and expires_at <= now):
            self._hits.pop(digest, None)
            return None
        return actor

    def put(self, digest: str, expires_at: datetime | None, actor: Actor) -> None:
        if self.ttl <= 0:
            return
        if len(self._hits) >= self.size:
            self._hits.clear()  # crude but bounded; entries live only seconds anyway
        self._hits[digest] = (time.monotonic(), expires_at, actor)

    def forget(self, token_id: int) -> None:
        for digest in [d for d, (_, _, a) in self._hits.items() if a.token_id == token_id]:
            self._hits.pop(digest, None)

    def clear(self) -> None:
        self._hits.clear()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_user_token(
    session: AsyncSession,
    *,
    name: str,
    role: str,
    county_code: str | None = None,
    trust_id: int | None = None,
    party_id: int | None = None,
    valid_days: int | None = 365,
) -> tuple[User, ApiToken, str]:
    """Create a user with one token; returns the clear token, shown once and never stored."""
    user = await create_user(session, name=name, role=role, county_code=county_code, trust_id=trust_id,
                             party_id=party_id)
    token, clear = await issue_token(session, user, valid_days)
    return user, token, clear


async def create_user(
    session: AsyncSession, *, name: str, role: str, county_code: str | None = None, trust_id: int | None = None,
    party_id: int | None = None,
) -> User:
    """A user with a role and the scope that role needs (the console gives it a password instead of a token)."""
    if role not in Role.__members__.values():
        raise InvalidField("role", f"unknown role {role!r}; one of {', '.join(Role)}")
    if role in (Role.OFFICIAL, Role.APPROVER) and not county_code:
        raise InvalidField("county_code", "officials and approvers need a county scope")
    if role == Role.TRUSTEE and trust_id is None:
        raise InvalidField("trust_id", "a trustee needs a trust scope")
    if role == Role.COMMUNITY and party_id is None:
        raise InvalidField("party_id", "a community user needs its own party")
    if party_id is not None and not await party_exists(session, party_id):
        # not left to a foreign-key error
        raise InvalidField("party_id", f"party {party_id} does not exist")
    user = User(name=name, role=role, county_code=county_code, trust_id=trust_id, party_id=party_id)
    session.add(user)
    await session.flush()
    return user


async def issue_token(session: AsyncSession, user: User, valid_days: int | None = 365) -> tuple[ApiToken, str]:
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=valid_days) if valid_days else None
    token = ApiToken(user_id=user.id, token_hash=hash_token(clear), prefix=clear[:10], expires_at=expires)
    session.add(token)
    await session.flush()
    return token, clear


async def authenticate_bearer(db: Database, clear: str, cache: TokenCache) -> Actor | None:
    """The API's look-up: no database at all while the token is cached, one look-up per token at a time."""
    digest, now = hash_token(clear), utcnow()
    cached = cache.get(digest, now)
    if cached is not None:
        return cached

    async def look_up() -> Actor | None:
        async with db.reading() as session:
            return await authenticate(session, clear, cache, now)

    return await cache.once(digest, look_up)


async def authenticate(session: AsyncSession, clear: str, cache: TokenCache | None = None,
                       now: datetime | None = None) -> Actor | None:
    """Return the actor for a live token, or None. The hash is compared in constant time."""
    digest = hash_token(clear)
    now = now or utcnow()
    cached = cache.get(digest, now) if cache is not None else None
    if cached is not None:
        return cached
    row = (
        await session.execute(
            select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == digest)
        )
    ).first()
    if row is None:
        return None
    token, user = row
    if not hmac.compare_digest(token.token_hash, digest):
        return None
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    actor = Actor(
        user_id=user.id, name=user.name, role=user.role, county_code=user.county_code,
        trust_id=user.trust_id, party_id=user.party_id, token_id=token.id,
    )
    if cache is not None:
        cache.put(digest, token.expires_at, actor)
    return actor


async def revoke(session: AsyncSession, token_id: int, cache: TokenCache) -> ApiToken:
    token = await session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"token {token_id} not found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    cache.forget(token.id)  # again after the commit (the route): no request may re-cache it meanwhile
    return token
