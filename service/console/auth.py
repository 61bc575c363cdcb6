"""Who is signed in to the console: the session cookie, and nothing else (no bearer tokens here,
no session cookie on the API). The Actor built here is the one the API builds from a token, so the
same guards (`service.auth.guards.requires`) and domain checks apply."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar.enums import ScopeType
from litestar.middleware import AbstractMiddleware
from litestar.response.redirect import ASGIRedirectResponse
from litestar.types import ASGIApp, Empty, Receive, Scope, Send

from service.auth.actor import Actor
from service.console import users
from service.console.settings import ConsoleSettings
from service.db import utcnow

LOGIN = "/console/login"


def safe_next(target: str | None) -> str:
    """Only a console path of this site may follow the sign-in (no open redirect)."""
    if target and target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console/"


async def current_actor(scope: Scope, cfg: ConsoleSettings) -> Actor | None:
    session: Any = scope.get("session")
    if not isinstance(session, dict) or not isinstance(session.get("uid"), int):
        return None
    try:
        started = datetime.fromisoformat(session["at"])
    except (KeyError, TypeError, ValueError):
        return None
    if utcnow() - started > timedelta(hours=cfg.max_session_hours):
        return None
    async with scope["app"].state.db.reading() as s:
        user = await users.live_user(s, session["uid"])
    if user is None:
        return None
    return Actor(user_id=user.id, name=user.name, role=user.role, county_code=user.county_code,
                 trust_id=user.trust_id, party_id=user.party_id, request_id=uuid.uuid4().hex)


class ConsoleAuthMiddleware(AbstractMiddleware):
    scopes = {ScopeType.HTTP}
    exclude_opt_key = "exclude_from_auth"  # the sign-in page and static files (opt=PUBLIC)

    def __init__(self, app: ASGIApp, cfg: ConsoleSettings) -> None:
        super().__init__(app)
        self.cfg = cfg

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        actor = await current_actor(scope, self.cfg)
        if actor is None:
            if scope.get("session"):
                scope["session"] = Empty  # expired or disabled: the stored session is deleted
            query = "?" + urlencode({"next": scope["path"]}) if scope.get("method") == "GET" else ""
            await ASGIRedirectResponse(path=LOGIN + query, status_code=303)(scope, receive, send)
            return
        scope["user"] = actor
        await self.app(scope, receive, send)
