from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import tokens
from service.auth.actor import Actor
from service.auth.guards import READERS, requires
from service.auth.models import Role
from service.auth.schemas import MeOut, TokenIn, TokenOut
from service.pagination import Id
from service.writes import perform


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/tokens", guards=[requires()], status_code=201)
    async def create_token(self, request: Request, data: TokenIn) -> Response[TokenOut]:
        """Create a user with a role and scope, and its bearer token (shown once)."""

        async def op(session: AsyncSession, actor: Actor) -> TokenOut:
            user, token, clear = await tokens.create_user_token(
                session, name=data.name, role=data.role, county_code=data.county_code, trust_id=data.trust_id,
                party_id=data.party_id, valid_days=data.valid_days,
            )
            return TokenOut(token_id=token.id, user_id=user.id, prefix=token.prefix, expires_at=token.expires_at,
                            token=clear)

        return await perform(request, data, op, remember=False)

    @post("/tokens/{token_id:int}/revoke", guards=[requires()], status_code=200)
    async def revoke_token(self, request: Request, token_id: Id) -> Response[TokenOut]:
        """Revoke a token at once (admin); the user keeps any other token."""
        async def op(session: AsyncSession, actor: Actor) -> TokenOut:
            t = await tokens.revoke(session, token_id, request.app.state.token_cache)
            return TokenOut(token_id=t.id, user_id=t.user_id, prefix=t.prefix, expires_at=t.expires_at,
                            revoked_at=t.revoked_at)

        try:
            return await perform(request, None, op, status_code=200)
        finally:
            request.app.state.token_cache.forget(token_id)

    @get("/me", guards=[requires(*READERS, Role.COMMUNITY)])
    async def me(self, actor: Actor) -> MeOut:
        """Who the token belongs to: user, role and scope (county, trust or party)."""
        return MeOut(user_id=actor.user_id, name=actor.name, role=actor.role, county_code=actor.county_code,
                     trust_id=actor.trust_id, party_id=actor.party_id)
