"""Authentication middleware and role guards."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict, deque
from dataclasses import replace

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException, TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult, DefineMiddleware

from service.auth.actor import Actor
from service.auth.models import Role
from service.auth.tokens import authenticate_bearer


class FailedAuthLimiter:
    """Slows down token guessing: at most `limit` failed attempts per client per minute. One per app
    (`app.state.failed_auth`), so each app, and each test's app, counts its own clients."""

    def __init__(self, limit: int = 20, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self._fails: dict[str, deque[float]] = defaultdict(deque)

    def blocked(self, client: str) -> bool:
        q = self._fails[client]
        now = time.monotonic()
        while q and q[0] < now - self.window:
            q.popleft()
        return len(q) >= self.limit

    def record(self, client: str) -> None:
        self._fails[client].append(time.monotonic())


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        state = connection.app.state
        limiter: FailedAuthLimiter = state.failed_auth
        client = connection.client.host if connection.client else "unknown"
        if limiter.blocked(client):
            raise TooManyRequestsException("too many failed authentication attempts; wait a minute")
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("a bearer token is required (Authorization: Bearer <token>)")
        actor = await authenticate_bearer(state.db, token.strip(), state.token_cache)
        if actor is None:
            limiter.record(client)
            raise NotAuthorizedException("the token is unknown, expired or revoked")
        request_id = connection.headers.get("x-request-id") or uuid.uuid4().hex
        actor = replace(actor, request_id=request_id[:64])
        return AuthenticationResult(user=actor, auth=actor.token_id)


auth_middleware = DefineMiddleware(
    BearerTokenMiddleware,
    exclude=["^/schema", "^/health", "^/static", "^/favicon", "^/console"],  # the console signs in by session
    exclude_from_auth_key="exclude_from_auth",
)

PUBLIC = {"exclude_from_auth": True}


def requires(*roles: Role):
    """Guard: the caller's role must be one of `roles` (admins always pass)."""
    allowed = {Role.ADMIN, *roles}

    # async on purpose: Litestar runs a plain guard function in a worker thread, on every request
    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        actor = connection.user
        if not isinstance(actor, Actor) or actor.role not in allowed:
            raise PermissionDeniedException(
                f"this action needs one of the roles: {', '.join(sorted(allowed))}"
            )

    guard.roles = frozenset(allowed)  # type: ignore[attr-defined]  # read by the access-control tests
    return guard


# Common role sets, named in the users' words.
READERS = (Role.OFFICIAL, Role.APPROVER, Role.TRUSTEE, Role.AUDITOR)
ENTERERS = (Role.OFFICIAL,)
