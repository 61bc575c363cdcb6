"""Audit trail of access: one structured (JSON) log line for every write and every read of personal
data — who (user id, role), when, what (method, route, object ids, status) and the request id.

Never logged: request or response bodies, query strings (a name search is personal data), headers
(tokens), ID numbers. A domain marks further personal-data reads with `opt={"personal_data": True}`;
party and statement routes are personal by path.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, cast

import structlog
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send
from structlog.typing import EventDict, WrappedLogger

from service.auth.actor import Actor
from service.db import utcnow

logger = logging.getLogger("shanshui.audit")


def _event_then_time(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """The line starts with what happened and when (UTC, "+00:00"), then the fields in their order."""
    return {"event": event_dict.pop("event"), "at": utcnow().isoformat(), **event_dict}


# The audit trail is a structlog logger of its own (structlog's global configuration is left alone):
# `audit_log.info("access", user_id=..., ...)` becomes one JSON line on the `shanshui.audit` logger.
audit_log: structlog.stdlib.BoundLogger = structlog.wrap_logger(
    logger, wrapper_class=structlog.stdlib.BoundLogger,
    processors=[_event_then_time, structlog.processors.JSONRenderer(ensure_ascii=False)],
)
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
PERSONAL_ROUTES = re.compile(r"^/api/v1/(parties|.*statements?)(/|$)")


def _configure() -> None:
    """Audit lines must reach the log even when the server configured nothing (uvicorn leaves the
    root logger at WARNING): give the logger its own stderr handler. It does not propagate: Litestar
    configures the root logger too, and each line would be written twice (once wrapped in the root's
    format, which a log shipper cannot parse as JSON)."""
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.INFO)


def is_audited(method: str, route: str, opt: dict[str, Any]) -> bool:
    return method in WRITES or bool(opt.get("personal_data")) or bool(PERSONAL_ROUTES.match(route))


def record(scope: HTTPScope, status: int | None) -> dict[str, Any]:
    user = scope.get("user")
    actor = user if isinstance(user, Actor) else None
    params = {k: v for k, v in (scope.get("path_params") or {}).items() if isinstance(v, (int, str))}
    return {
        "user_id": actor.user_id if actor else None,
        "role": actor.role if actor else "anonymous",
        "method": scope["method"],
        "route": scope.get("path_template") or "",
        "path": scope["path"],
        "object": params or None,
        "status": status,
        "request_id": actor.request_id if actor else None,
    }


def audit_middleware(app: ASGIApp) -> ASGIApp:
    _configure()

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        http = cast(HTTPScope, scope)  # (mypy does not narrow the scope union by its "type")
        handler = scope.get("route_handler")
        opt = getattr(handler, "opt", {}) or {}
        if not is_audited(http["method"], scope.get("path_template") or scope["path"], opt):
            await app(scope, receive, send)
            return
        status: list[int] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await app(scope, receive, capture)
        finally:
            audit_log.info("access", **record(http, status[0] if status else None))

    return middleware
