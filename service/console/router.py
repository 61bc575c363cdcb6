"""The console under /console: its own middleware stack (CSRF, session, session sign-in), so that the
API never reads the session cookie and the console never reads a bearer token."""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from pathlib import Path
from typing import Any

from litestar import Request, Response, Router
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.static_files import create_static_files_router

from service.auth.guards import PUBLIC
from service.console import pages
from service.console.auth import ConsoleAuthMiddleware
from service.console.i18n import LABELS, lang_of
from service.console.render import page
from service.console.session import session_config
from service.console.settings import ConsoleSettings
from service.errors import DomainError
from service.settings import Settings

STATIC = Path(__file__).parent / "static"


def page_routes() -> list[Any]:
    """Every `routes` list of the modules in service/console/pages/, in name order."""
    found: list[Any] = []
    for info in sorted(pkgutil.iter_modules(pages.__path__), key=lambda m: m.name):
        found += getattr(importlib.import_module(f"{pages.__name__}.{info.name}"), "routes", [])
    return found


def error_page(request: Request, exc: Exception) -> Response:
    """Refusals as a page in the user's language (the API answers the same refusals as JSON)."""
    t = LABELS[lang_of(request)]
    if isinstance(exc, DomainError):
        status, detail = exc.status, exc.detail
    elif isinstance(exc, ValidationException):
        status, detail = 400, str(exc.detail)
    else:
        status, detail = getattr(exc, "status_code", 500), str(getattr(exc, "detail", ""))
    message = {403: t["forbidden"], 404: t["not_found"]}.get(status, t["refused"])
    if "CSRF" in detail:
        message, detail = t["csrf_failed"], ""
    return page(request, "error.html", status=status, title=t["error"], message=message, detail=detail)


def console_router(settings: Settings, cfg: ConsoleSettings | None = None) -> Router:
    cfg = cfg or ConsoleSettings()
    csrf = CSRFConfig(
        secret=hashlib.sha256(f"console-csrf:{settings.secret}".encode()).hexdigest(), cookie_name="shanshui_csrf",
        cookie_path="/console", cookie_secure=cfg.secure_cookies, cookie_httponly=True, cookie_samesite="strict",
    )
    static = create_static_files_router(path="/static", directories=[STATIC], opt=PUBLIC, include_in_schema=False,
                                        name="console-static")
    return Router(
        path="/console",
        route_handlers=[*page_routes(), static],
        middleware=[DefineMiddleware(CSRFMiddleware, config=csrf), session_config(cfg).middleware,
                    DefineMiddleware(ConsoleAuthMiddleware, cfg=cfg)],
        dependencies={"cfg": Provide(lambda: cfg, sync_to_thread=False)},
        # every class the API's problem-details plugin maps (the most specific class wins), as pages
        exception_handlers={cls: error_page for cls in (DomainError, HTTPException, ValidationException,
                                                          PermissionDeniedException, NotAuthorizedException,
                                                          NotFoundException)},
        include_in_schema=False,
    )
