"""The application factory: one composition root for routes, auth, errors and the database."""

from __future__ import annotations

import asyncio
import gc
from contextlib import suppress

from litestar import Litestar, get
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.plugins.pydantic import PydanticPlugin
from litestar.types import Message, Scope
from pydantic import BaseModel
from sqlalchemy import text

from service import models  # noqa: F401  (registers every table)
from service import openapi
from service.auth.guards import PUBLIC, FailedAuthLimiter, auth_middleware
from service.ratelimit import STORE, public_rate_limit
from service.ratelimit import store as rate_limit_store
from service.auth.routes import AuthController
from service.auth.tokens import TokenCache
from service.certifications.routes import routes as certification_routes
from service.compensation.routes import routes as compensation_routes
from service.console.router import console_router
from service.db import Database
from service.enrollments.routes import routes as enrollment_routes
from service.deps import dependencies
from service.errors import internal_error_handlers, problem_plugin
from service.grievances.routes import routes as grievance_routes
from service.ledger import service as ledger
from service.ledger.routes import AccountController, LedgerController
from service.ops.audit import audit_middleware
from service.parties.routes import PartyController
from service.patrols.routes import routes as patrol_routes
from service.reports.routes import routes as report_routes
from service.roots.routes import routes as roots_routes
from service.roots.service import warm_published_tree
from service.settings import Settings, get_settings
from service.shares.routes import routes as share_routes
from service.trusts.routes import routes as trust_routes
from service.web.routes import routes as web_routes
from service.idempotency import prune_keys, prune_keys_every

API_VERSION = "1.0.0"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"),
]


class HealthOut(BaseModel):
    status: str
    database: str
    ledger_sequence: int


@get("/health", opt=PUBLIC, tags=["service"])
async def health(state: State) -> HealthOut:
    """Liveness: the database answers; the ledger head's sequence number."""
    async with state.db.reading() as session:
        await session.execute(text("SELECT 1"))
        sequence, _ = await ledger.head(session)
    return HealthOut(status="ok", database="sqlite" if state.db.is_sqlite else "postgresql", ledger_sequence=sequence)


async def security_headers(message: Message, scope: Scope) -> None:
    """A before_send hook: it sees every response, including the 401/429/404 answered before routing
    or by the authentication middleware (a route-level middleware missed those)."""
    if message["type"] == "http.response.start":
        headers = list(message.get("headers", []))
        own = {bytes(k).lower() for k, _ in headers}  # a page with its own policy (the offline checker) keeps it
        message["headers"] = [*headers, *(h for h in SECURITY_HEADERS if h[0] not in own)]


def start_full_checks(db: Database, hours: float) -> asyncio.Task | None:
    import logging

    from service.ledger.verify import scheduled_full_checks
    from service.reports import audit_kept, tables  # noqa: F401  (a checkpoint keeps the public report's and the audit's tables too)

    if hours <= 0:
        return None
    return asyncio.create_task(scheduled_full_checks(db, hours * 3600, logging.getLogger("shanshui.verify").error))


def freeze_what_startup_loaded(_: Litestar) -> None:
    """What a server process has loaded once started (modules, routes, the OpenAPI schema, the engine)
    lives as long as the process: out of the collector's sight, a full collection no longer stops every
    request in flight for ~100 ms to walk it all again (such pauses set the write bench's p99)."""
    gc.collect()
    gc.freeze()


async def warm_statement_proofs(app: Litestar) -> None:
    await warm_published_tree(app.state.reports_db)  # where statements read (a replica when configured)


def create_app(settings: Settings | None = None, *, server: bool = False) -> Litestar:
    """`server`: the app is a server process's one app (service/asgi.py), not one of many in a process."""
    settings = settings or get_settings()

    async def open_db(app: Litestar) -> None:
        app.state.db = Database(settings.database_url, echo=settings.log_sql, group_commit=settings.group_commit)
        await prune_keys(app.state.db, settings.idempotency_retention_hours)
        app.state.pruner = asyncio.create_task(prune_keys_every(
            app.state.db, settings.idempotency_retention_hours, settings.idempotency_prune_seconds))
        app.state.reports_db = Database(settings.reports_database_url) if settings.reports_database_url else app.state.db
        app.state.full_checks = start_full_checks(app.state.db, settings.full_verify_hours)

    async def close_db(app: Litestar) -> None:
        for task in (app.state.pruner, app.state.full_checks):
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
        if app.state.reports_db is not app.state.db:
            await app.state.reports_db.dispose()
        await app.state.db.dispose()

    app = Litestar(
        route_handlers=[
            health, AuthController, PartyController, AccountController, LedgerController,
            *compensation_routes, *enrollment_routes, *trust_routes, *share_routes, *patrol_routes,
            *certification_routes, *report_routes, *roots_routes, *grievance_routes, *web_routes,
            console_router(settings),
        ],
        dependencies=dependencies,
        middleware=[auth_middleware, audit_middleware, public_rate_limit(settings).middleware],
        stores={STORE: rate_limit_store(settings)},
        before_send=[security_headers],
        plugins=[*openapi.schema_plugins, PydanticPlugin(prefer_alias=True), problem_plugin],
        exception_handlers=internal_error_handlers,
        on_startup=[open_db, *([warm_statement_proofs, freeze_what_startup_loaded] if server else [])],
        on_shutdown=[close_db],
        # Per-app state, never module globals: each app (each worker, each test) has its own.
        state=State({"settings": settings, "token_cache": TokenCache(settings.token_cache_seconds),
                     "failed_auth": FailedAuthLimiter(), "in_flight": set()}),
        request_max_body_size=settings.max_body_bytes,
        cors_config=CORSConfig(allow_origins=list(settings.cors_origins)) if settings.cors_origins else None,
        openapi_config=openapi.config(API_VERSION),
        debug=False,
    )
    openapi.document(app)
    return app
