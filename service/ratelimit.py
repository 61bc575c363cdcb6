"""The public endpoints' rate limit: Litestar's RateLimitConfig over one named store.

A route opts in with `opt={RATE_LIMITED: True}` (or a predicate on the request, for a page that only
counts when it is asked to look something up). Every limited route shares one bucket per client.
A route with `RATE_BUCKET` counts in its own bucket instead (consistency proofs, grievance tracking),
so one kind of lookup cannot use up another's budget.
The store is in memory for one process; `shanshui serve --workers N` points SHANSHUI_RATE_LIMIT_DIR
at a directory, and the workers share a FileStore there, so N workers do not multiply the limit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request
from litestar.middleware.rate_limit import CacheObject, RateLimitConfig, RateLimitMiddleware
from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.stores.memory import MemoryStore

from service.settings import Settings

RATE_LIMITED = "public_rate_limited"
RATE_BUCKET = "public_rate_bucket"  # a route's own budget (e.g. "proofs"), instead of the shared one
STORE = "public_rate_limit"


async def _counted(request: Request[Any, Any, Any]) -> bool:
    # async on purpose: Litestar runs a plain function given as check_throttle_handler in a worker
    # thread, a thread hop on every request of every route
    rule = request.route_handler.opt.get(RATE_LIMITED)
    return bool(rule(request) if callable(rule) else rule)


class _Middleware(RateLimitMiddleware):
    """Litestar's, plus the Retry-After a refused client needs (RFC 9110)."""

    def cache_key_from_request(self, request: Request[Any, Any, Any]) -> str:
        bucket = request.scope["route_handler"].opt.get(RATE_BUCKET)
        key = super().cache_key_from_request(request)
        return f"{key}::{bucket}" if bucket else key

    def create_response_headers(self, cache_object: CacheObject) -> dict[str, str]:
        headers = super().create_response_headers(cache_object)
        return {**headers, "Retry-After": str(max(1, int(headers[self.config.rate_limit_reset_header_key])))}


def public_rate_limit(settings: Settings) -> RateLimitConfig:
    return RateLimitConfig(rate_limit=("minute", settings.public_rate_limit_per_minute), store=STORE,
                           check_throttle_handler=_counted, middleware_class=_Middleware)


def store(settings: Settings) -> Store:
    return FileStore(Path(settings.rate_limit_dir)) if settings.rate_limit_dir else MemoryStore()


def when_asked(param: str = "code"):
    """Count a page visit only when it looks something up (the blank form is free)."""
    return lambda request: bool(request.query_params.get(param))
