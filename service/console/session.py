"""The console's server-side session: Litestar's session middleware with the database store, a
fresh session id at every sign-in, an idle timeout, and no stored row for an anonymous visitor."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from litestar import Litestar, Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Empty, Message, ScopeSession
from litestar.utils.dataclass import extract_dataclass_items

from service.console.settings import ConsoleSettings
from service.console.store import DatabaseStore
from service.db import utcnow

COOKIE = "shanshui_console"
ROTATED = "console_session_id"  # scope key: the new id chosen at sign-in
LOADED = "console_session_raw"  # scope key: the bytes loaded, to skip rewriting an unchanged session


def store_for(app: Litestar) -> DatabaseStore:
    store = getattr(app.state, "console_store", None)
    if store is None or store.db is not app.state.db:
        store = app.state.console_store = DatabaseStore(app.state.db)
    return store


class ConsoleSessionBackend(ServerSideSessionBackend):
    def get_session_id(self, connection: ASGIConnection) -> str:
        return connection.scope.get(ROTATED) or super().get_session_id(connection)  # type: ignore[return-value]

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        if session_id := connection.cookies.get(self.config.key):
            raw = await self.get(session_id, store=self.config.get_store_from_app(connection.scope["app"]))
            if raw is not None:
                connection.scope[LOADED] = raw  # type: ignore[literal-required]
                return self.deserialize_data(raw)
        return {}

    async def store_in_message(self, scope_session: ScopeSession, message: Message, connection: ASGIConnection) -> None:
        if scope_session is Empty or not scope_session:
            if connection.cookies.get(self.config.key):  # signed out or expired: forget it, clear the cookie
                await super().store_in_message(Empty, message, connection)
            return
        unchanged = (ROTATED not in connection.scope
                     and self.serialize_data(scope_session, connection.scope) == connection.scope.get(LOADED))
        if unchanged:  # the read already renewed its expiry; only the cookie is sent again
            params = dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))
            cookie = Cookie(value=self.get_session_id(connection), key=self.config.key, **params)
            MutableScopeHeaders.from_message(message).add("Set-Cookie", cookie.to_header(header=""))
            return
        await super().store_in_message(scope_session, message, connection)


@dataclass
class ConsoleSessionConfig(ServerSideSessionConfig):
    _backend_class = ConsoleSessionBackend  # type: ignore[assignment]

    def get_store_from_app(self, app: Litestar) -> DatabaseStore:  # type: ignore[override]
        return store_for(app)


def session_config(cfg: ConsoleSettings) -> ConsoleSessionConfig:
    return ConsoleSessionConfig(
        key=COOKIE, path="/console", max_age=cfg.idle_minutes * 60, renew_on_access=True,
        httponly=True, samesite="strict", secure=cfg.secure_cookies,
    )


async def start(request: Request, user_id: int, lang: str) -> None:
    """Sign in: the old session (if any) is deleted and a new id is issued, against session fixation."""
    store = store_for(request.app)
    if old := request.cookies.get(COOKIE):
        await store.delete(old)
    await store.delete_expired()  # sessions that timed out are forgotten here, not kept forever
    request.scope[ROTATED] = secrets.token_hex(32)  # type: ignore[literal-required]
    request.set_session({"uid": user_id, "at": utcnow().isoformat(), "lang": lang})


async def end(request: Request) -> None:
    """Sign out: the stored session is deleted now, so a copied cookie cannot be replayed."""
    if sid := request.cookies.get(COOKIE):
        await store_for(request.app).delete(sid)
    request.clear_session()
